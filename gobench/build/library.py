"""Building the Go library and its cffi extension, one folder per platform and variant.

Layout: ``build/<goos>-<goarch>/<variant>/`` holds ``libgobench.so`` (from
``go build -buildmode=c-shared``), the cffi API-mode extension linked against
it (``_gobench_cffi*.so``, rpath $ORIGIN) and ``stamp.json`` (what it was
built from). A build is skipped when the stamp matches: same Go sources,
header, toolchain, flags and Python/cffi. Nothing here loads the library:
its scenario list is read by collect (gobench.collect.plan.scenarios).

Note: API mode was chosen over ``ffi.dlopen`` (ABI mode) because it costs
less per call (the compiled stub calls the export directly instead of going
through libffi); ``invoke bench`` measures and prints the crossing either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import cffi

from gobench.build import header
from gobench.build import filelock, toolchain
from gobench.errors import BuildError, ToolchainError
from gobench.build.variants import Variant
from gobench.build.variants import get as get_variant

from gobench.paths import GOSRC, ROOT
BUILD_ROOT = ROOT / "build"
LIB_NAME = "libgobench.so"
EXT_NAME = "_gobench_cffi"
EXPORT_PKG = "./cmd/libgobench"

# C helpers compiled into the cffi extension: a C loop around the no-op export
# measures the Go side of the crossing without Python's own call overhead.
_HELPERS_CDEF = "int64_t gb_c_noop_loop(int64_t n);"
_HELPERS_SRC = r"""
#include <time.h>
#include "gobench.h"
int64_t gb_c_noop_loop(int64_t n) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int64_t i = 0; i < n; i++) gb_noop();
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (int64_t)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
}
"""

_PLATFORMS = {("Linux", "x86_64"): "linux-amd64", ("Linux", "aarch64"): "linux-arm64"}


def platform_dir() -> str:
    """platform_dir names the build folder for this machine, or raises BuildError if unsupported."""
    key = (platform.system(), platform.machine())
    if key not in _PLATFORMS:
        raise BuildError(
            f"gobench builds Go c-shared libraries for {', '.join(f'{s} {m}' for s, m in _PLATFORMS)}; "
            f"this machine is {key[0]} {key[1]}."
        )
    return _PLATFORMS[key]


@dataclass(frozen=True)
class Built:
    """Built is a library ready to load: its folder and what it was built from."""

    variant: str
    dir: Path
    lib: Path
    ext: Path
    stamp: dict
    rebuilt: bool


def variant_dir(variant: str) -> Path:
    """variant_dir is where the named variant is built."""
    return BUILD_ROOT / platform_dir() / variant


def go_variant_dir(go_label: str, variant: str) -> Path:
    """go_variant_dir is where the named variant is built with another Go toolchain or GOEXPERIMENT (``--go``,
    ``check --against-go``): ``build/<plat>/<go version>[+<experiment>]/<variant>`` (toolchain.Toolchain.label)."""
    return BUILD_ROOT / platform_dir() / go_label / variant


def modfile_for(tc: toolchain.Toolchain, src: Path = GOSRC) -> str | None:
    """modfile_for returns the text of a go.mod for building ``src`` with an older toolchain than its go.mod
    asks for (None: use the checkout's own go.mod).

    Its go line is the toolchain's own language version, so each Go compiles
    the same sources at its own defaults (language and GODEBUG settings, which
    follow the main module's go line). Code that needs a newer Go is kept out
    of an older build with a //go:build go1.N line.
    """
    text = (src / "go.mod").read_text()
    m = re.search(r"^go (\d+)\.(\d+)", text, re.M)
    have = re.match(r"go(\d+)\.(\d+)", tc.version)
    if not m or not have or (int(have[1]), int(have[2])) >= (int(m[1]), int(m[2])):
        return None
    return re.sub(r"^go \S+$", f"go {have[1]}.{have[2]}", text, count=1, flags=re.M)


def src_variant_dir(src: Path, variant: str) -> Path:
    """src_variant_dir is where build(variant, src_root=src) puts a library built from another checkout.

    The folder is named by the sources' hash, so a commit built once (a CI
    base branch, a local `check --against`) is reused while its sources are unchanged.
    """
    return BUILD_ROOT / platform_dir() / f"src-{_source_hash(src)[:12]}" / variant


KEEP_SRC_BUILDS = 4  # other checkouts' builds kept besides the one in use
_PRUNE_AGE_S = 3600  # never prune a build used within the last hour (a gate may still be running it)


def prune_src_builds(keep: Path | None = None, now: float | None = None) -> list[Path]:
    """prune_src_builds removes the least recently used ``build/<plat>/src-*`` folders beyond
    KEEP_SRC_BUILDS, except ``keep`` and any used within the last hour; returns what it removed."""
    now = time.time() if now is None else now
    dirs = sorted((d for d in (BUILD_ROOT / platform_dir()).glob("src-*") if d.is_dir() and d != keep),
                  key=lambda d: d.stat().st_mtime, reverse=True)
    gone = [d for d in dirs[KEEP_SRC_BUILDS:] if now - d.stat().st_mtime > _PRUNE_AGE_S]
    for d in gone:
        shutil.rmtree(d, ignore_errors=True)
    return gone


def _source_hash(src: Path = GOSRC) -> str:
    h = hashlib.sha256()
    for p in sorted(src.rglob("*")):
        if p.is_file() and p.suffix in (".go", ".h", ".mod", ".sum", ".s", ".c"):
            h.update(str(p.relative_to(src)).encode() + b"\0" + p.read_bytes() + b"\0")
    h.update(_HELPERS_SRC.encode())
    return h.hexdigest()


def has_funcalign(tc: toolchain.Toolchain) -> bool:
    """has_funcalign says whether the toolchain's linker takes -funcalign (Go 1.25 and later)."""
    try:
        p = subprocess.run([tc.go, "tool", "link", "-help"], capture_output=True, text=True, timeout=60, env=tc.env(),
                           cwd=tc.goroot)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolchainError(f"{tc.version}: could not ask its linker for -funcalign ({e})") from None
    return "-funcalign" in p.stdout + p.stderr


def _stamp(v: Variant, tc: toolchain.Toolchain, src: Path = GOSRC, funcalign: bool = True) -> dict:
    return {
        "sources_sha256": _source_hash(src),
        "go": tc.go,
        "go_source": tc.source,
        "go_version": tc.version,
        "goexperiment": toolchain.experiments(tc.goexperiment, v.goexperiment),
        "flags": v.build_flags(funcalign),
        "python": sysconfig.get_config_var("EXT_SUFFIX"),
        "cffi": cffi.__version__,
    }


def _run(cmd: list[str], env: dict, cwd: Path, what: str, timeout: float = 900) -> str:
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BuildError(f"{what} timed out after {timeout:.0f} s: {' '.join(cmd)}") from e
    if p.returncode != 0:
        raise BuildError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p.stdout


def _load_stamp(d: Path) -> dict | None:
    try:
        return json.loads((d / "stamp.json").read_text())
    except (OSError, ValueError):
        return None


def find_ext(d: Path) -> Path | None:
    """find_ext returns the cffi extension module file in folder d, if any."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    p = d / f"{EXT_NAME}{suffix}"
    return p if p.exists() else None


def build(variant: str = "default", force: bool = False, log=None, src_root: Path | None = None,
          tc: toolchain.Toolchain | None = None, funcalign: bool = True) -> Built:
    """build builds the variant's library and cffi extension unless an up-to-date build exists.

    ``log`` is called with one-line progress messages. Raises ToolchainError
    when go or gcc is missing and BuildError when a build step fails.
    ``src_root`` builds from another checkout's ``gosrc`` (a git worktree of
    another commit, for the performance gate) into
    ``build/<plat>/src-<source hash>/<variant>``, with that checkout's header;
    the default folders are left alone. ``tc`` builds with another Go
    toolchain or GOEXPERIMENT (gobench.build.toolchains) into ``build/<plat>/<go version>[+<experiment>]/<variant>``
    (the toolchain's experiment joins the variant's: arenas with go1.27.3+nogreenteagc builds with
    GOEXPERIMENT=nogreenteagc,arenas); ``funcalign=False``
    links with Go's default function alignment (a comparison across versions older than Go 1.25, whose
    linker has no -funcalign, builds every version that way), also into that folder.
    """
    v = get_variant(variant)
    own = toolchain.find()
    tc = tc or own
    src = GOSRC if src_root is None else Path(src_root).resolve()
    if src_root is not None:
        d = src_variant_dir(src, variant)
    else:
        d = variant_dir(variant) if tc == own and funcalign else go_variant_dir(tc.label, variant)
    modfile = modfile_for(tc, src)
    stamp = {**_stamp(v, tc, src, funcalign), **({"modfile": modfile} if modfile else {})}
    if src_root is not None:
        d.parent.mkdir(parents=True, exist_ok=True)
        os.utime(d.parent)  # marks this checkout's builds as recently used
        prune_src_builds(keep=d.parent)
    with filelock.held(d.parent / f".{variant}.lock"):
        old = _load_stamp(d)
        ext = find_ext(d)
        if not force and old == stamp and ext and (d / LIB_NAME).exists():
            return Built(variant, d, d / LIB_NAME, ext, stamp, False)
        t0 = time.monotonic()
        if log:
            log(f"building {variant} library with {tc.label} ({tc.source}: {tc.go})")
        tmp = d.parent / f".{variant}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            exp = toolchain.experiments(tc.goexperiment, v.goexperiment)
            env = tc.env(**({"GOEXPERIMENT": exp} if exp else {}))
            mod_flag = []
            if modfile:
                (tmp / "go.mod").write_text(modfile)
                mod_flag = [f"-modfile={tmp / 'go.mod'}"]
            _run([tc.go, "build", "-buildmode=c-shared", *mod_flag, *v.build_flags(funcalign), "-o", str(tmp / LIB_NAME),
                  EXPORT_PKG], env, src, f"go build ({variant}, {tc.label})")
            _build_ext(tmp, tc, src / header.HEADER.relative_to(GOSRC))
            (tmp / "stamp.json").write_text(json.dumps(stamp, indent=1))
            if d.exists():
                shutil.rmtree(d)
            os.replace(tmp, d)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if log:
            log(f"built {variant} in {time.monotonic() - t0:.1f} s -> {d}")
    return Built(variant, d, d / LIB_NAME, find_ext(d), stamp, True)


def _build_ext(outdir: Path, tc: toolchain.Toolchain, hdr: Path = header.HEADER) -> None:
    ffi = cffi.FFI()
    ffi.cdef(header.cdef(hdr) + "\n" + _HELPERS_CDEF)
    ffi.set_source(
        EXT_NAME,
        _HELPERS_SRC,
        include_dirs=[str(hdr.parent)],
        library_dirs=[str(outdir)],
        libraries=["gobench"],
        extra_link_args=["-Wl,-rpath,$ORIGIN"],
    )
    work = outdir / "cffi-work"
    old_cc = os.environ.get("CC")
    os.environ["CC"] = tc.cc
    try:
        # cffi prints compiler output to stdout; keep it out of the user's terminal
        with open(outdir / "cffi-build.log", "w") as logf, contextlib.redirect_stdout(logf):
            produced = ffi.compile(tmpdir=str(work), verbose=False)
    except Exception as e:  # distutils raises several unrelated types
        raise BuildError(f"building the cffi extension failed: {e}\n(see {outdir / 'cffi-build.log'})") from e
    finally:
        if old_cc is None:
            os.environ.pop("CC", None)
        else:
            os.environ["CC"] = old_cc
    shutil.move(produced, outdir / Path(produced).name)
    shutil.rmtree(work, ignore_errors=True)

