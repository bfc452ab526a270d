"""Runs across Go toolchains (invoke bench --go) as data: planning per toolchain, the per-round ratio to a
reference version, the versions table and the Go benchmark text that benchstat reads with `-col go`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gobench.analyse import summary, versions
from gobench.build import library as buildmod
from gobench.collect import plan
from gobench.errors import BuildError
from gobench.present import versions as versions_view
from gobench.store import benchfmt
from gobench.store import runs as store
from tests import synthetic_runs as syn

BENCHSTAT = Path("/tmp/bs/benchstat")


def across_run(ratio_22: float = 1.2) -> dict:
    """across_run is OrderItem/new and /pool with go1.22.10 and go1.27.3, rounds paired; go1.22's new is
    ratio_22 times slower, round by round, and OrderItem/pool is not available in go1.22.10."""
    bs = []
    for go, f in (("go1.22.10", ratio_22), ("go1.27.3", 1.0)):
        for name, ns in (("OrderItem/new", 50.0), ("OrderItem/pool", 20.0)):
            rs = [{**r, "elapsed_ns": int(r["elapsed_ns"] * f), "pair": i}
                  for i, r in enumerate(syn.rounds(ns, allocs=1.0, bytes_=48.0, k=8, seed=3))]
            b = syn.bench(name, rs)
            if go == "go1.22.10" and name == "OrderItem/pool":
                b = syn.bench(name, [], status="unavailable", error="not available in go1.22.10: needs 1.23")
            b["go"] = go
            bs.append(b)
    run = syn.make_run(with_load=False, benchmarks=bs)
    run["libraries"] = {f"default@{go}": {"info": {**syn.INFO, "go_version": go}, "stamp": {}}
                        for go in ("go1.22.10", "go1.27.3")}
    return summary.attach(run)


def test_reference_is_the_newest_or_the_one_asked_for():
    run = across_run()
    assert versions.versions(run) == ["go1.22.10", "go1.27.3"]
    assert versions.reference(run) == "go1.27.3"
    assert versions.reference(run, "1.22") == versions.reference(run, "go1.22.10") == "go1.22.10"
    with pytest.raises(ValueError, match=r"--go-ref '1.24' is not a version of this run; it has go1.22.10, go1.27.3"):
        versions.reference(run, "1.24")
    with pytest.raises(ValueError, match="not measured across Go toolchains"):
        versions.reference(syn.make_run(with_load=False))


def test_ratio_is_per_matched_round():
    ref, rows = versions.compare(across_run(1.2))
    new = next(r for r in rows if r.name == "OrderItem/new")
    cell = new.cells["go1.22.10"]
    assert ref == "go1.27.3" and cell.ratio.n == 8
    assert cell.ratio.median == pytest.approx(1.2, abs=1e-6)  # same noise in both: the ratio is exact
    assert cell.ratio.ci_lo == pytest.approx(1.2, abs=1e-6) and cell.medians["allocs_per_op"] == 1.0
    assert new.cells["go1.27.3"].ratio.median == pytest.approx(1.0)


def test_ratio_ignores_rounds_without_a_partner():
    run = across_run(1.5)
    b = next(b for b in run["benchmarks"] if b["name"] == "OrderItem/new" and b["go"] == "go1.27.3")
    b["rounds"] = b["rounds"][:5]
    assert len(versions.matched_ratios(next(x for x in run["benchmarks"] if x["name"] == "OrderItem/new"
                                            and x["go"] == "go1.22.10"), b)) == 5


def test_versions_table_shows_ratio_and_unavailable_reason():
    text = versions_view.versions_table(across_run(1.2))
    lines = text.splitlines()
    assert lines[0].split() == ["scenario", "go", "ns/op", "(95%", "CI)", "x", "go1.27.3", "allocs/op", "B/op"]
    row22 = next(ln for ln in lines if ln.startswith("OrderItem/new") and "go1.22.10" in ln)
    assert "1.200x [1.200, 1.200]" in row22
    assert any("ref" in ln.split() for ln in lines if "go1.27.3" in ln and ln.startswith("OrderItem/new"))
    assert "not available in go1.22.10: needs 1.23" in text
    md = versions_view.versions_table(across_run(), markdown=True)
    assert md.startswith("| scenario | go |")


def test_bench_text_names_each_results_toolchain():
    run = across_run()
    text = store.bench_text(run)
    res = benchfmt.parse(text.splitlines())
    assert {(r.base_name, r.config["go"]) for r in res} == {
        ("OrderItem/new", "go1.22.10"), ("OrderItem/new", "go1.27.3"), ("OrderItem/pool", "go1.27.3")}
    single = store.bench_text(syn.make_run(with_load=False))
    assert single.count("\ngo: ") == 1 and "\ngo: go1.27.3\n" in single  # one toolchain: only the header names it


@pytest.mark.skipif(not BENCHSTAT.exists(), reason="the benchstat binary (golang.org/x/perf) is not at /tmp/bs")
def test_benchstat_shows_versions_side_by_side(tmp_path):
    f = tmp_path / "bench.txt"
    f.write_text(store.bench_text(across_run(1.2)))
    out = subprocess.run([str(BENCHSTAT), "-col", "go", str(f)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    head = next(ln for ln in out.stdout.splitlines() if "go1.22.10" in ln)
    assert head.index("go1.22.10") < head.index("go1.27.3")
    new = next(ln for ln in out.stdout.splitlines() if ln.startswith("OrderItem/new"))
    assert "-16.67%" in new  # 1/1.2 - 1


class FakeBuilt:
    def __init__(self, regs):
        self.regs, self.dir, self.stamp, self.variant = regs, Path("/nowhere"), {}, "default"


def reg(name: str) -> dict:
    fam, var = name.split("/")
    return {"family": fam, "variant": var, "params": [], "doc": ""}


def test_plan_across_marks_what_a_toolchain_lacks(monkeypatch):
    monkeypatch.setattr(plan, "scenarios", lambda b: b.regs)
    built = {"go1.22.10": {"default": FakeBuilt([reg("A/x")]), "arenas": "the arenas library does not build: no"},
             "go1.27.3": {"default": FakeBuilt([reg("A/x"), reg("A/y"), reg("B/z")]),
                          "arenas": FakeBuilt([reg("A/x"), reg("T/arena")])}}
    jobs = plan.plan_across(built, None, ffi=True)
    assert [(j.build, j.family, [n for n, _ in j.specs], j.gos) for j in jobs] == [
        ("default", "FFI", [], ("go1.22.10", "go1.27.3")),
        ("default", "A", ["A/x", "A/y"], ("go1.22.10", "go1.27.3")),
        ("default", "B", ["B/z"], ("go1.22.10", "go1.27.3")),
        ("arenas", "T", ["T/arena"], ("go1.22.10", "go1.27.3"))]
    assert jobs[1].unavailable == {"go1.22.10": {
        "A/y": "not available in go1.22.10: its default library (built with go1.22.10) does not register it"}}
    assert jobs[3].unavailable == {"go1.22.10": {
        "T/arena": "not available in go1.22.10: the arenas library does not build: no"}}
    assert "A [default go1.22.10 go1.27.3]" == jobs[1].label


def test_plan_across_fails_when_nothing_builds():
    with pytest.raises(BuildError, match="no Go toolchain could build the library"):
        plan.plan_across({"go1.22.10": {"default": "broken"}}, None)


def test_modfile_for_an_older_toolchain_uses_its_own_go_line(tmp_path):
    (tmp_path / "go.mod").write_text("module gobench\n\ngo 1.27\n")
    def tc(v):
        return buildmod.toolchain.Toolchain("go", "x", v, "/g", "cc")
    assert buildmod.modfile_for(tc("go1.22.10"), tmp_path) == "module gobench\n\ngo 1.22\n"
    assert buildmod.modfile_for(tc("go1.27.3"), tmp_path) is None
    assert buildmod.modfile_for(tc("go1.28rc1"), tmp_path) is None


def test_go_variant_dir_is_per_version():
    assert buildmod.go_variant_dir("go1.22.10", "default").parts[-3:] == (buildmod.platform_dir(), "go1.22.10",
                                                                          "default")


def test_report_has_a_versions_section_and_claims_use_the_reference(tmp_path):
    from gobench.present import report
    run = across_run(1.2)
    run["go_ref"] = "go1.27.3"
    view = report.reference_version_view(run)
    assert {b["go"] for b in view["benchmarks"]} == {"go1.27.3"}
    doc = report.build(run, tmp_path)
    md = report.render_md(doc, tmp_path)
    assert "## Across Go versions" in md and "1.200x [1.200, 1.200]" in md
    assert "`benchstat -col go bench.txt`" in md
    plain = syn.make_run(with_load=False)
    assert report.reference_version_view(plain) is plain
    assert "Across Go versions" not in report.render_md(report.build(plain, tmp_path / "p"), tmp_path / "p")


def test_version_key_orders_goexperiment_builds_after_their_toolchain():
    labels = {"go1.27.3+nogreenteagc", "go1.22.10", "go1.27.3", "go1.27.3+arenas", "go1.24.9"}
    assert sorted(labels, key=versions.version_key) == [
        "go1.22.10", "go1.24.9", "go1.27.3", "go1.27.3+arenas", "go1.27.3+nogreenteagc"]
