"""Claims per host and Go version (analyse/grid.py, present/grid.py): the claims x versions grid of a run across
Go toolchains, the host columns of runs joined from other machines, and what changed, on synthetic runs."""

from __future__ import annotations

import copy
import math
import re

import pytest
import synthetic_runs as syn

from gobench.analyse import claims, grid, summary, versions
from gobench.present import grid as gridview
from gobench.present import report


def order_items(go: str | None, pool_gain: float, seed: int = 3) -> list[dict]:
    """order_items is OrderItem/new and /pool where new takes pool_gain times pool's ns/op in every round (the same
    noise in both, so the per-round ratio is exactly pool_gain); with ``go``, tagged as a run across toolchains."""
    out = []
    for name, ns in (("OrderItem/new", 20.0 * pool_gain), ("OrderItem/pool", 20.0)):
        rs = [{**r, "pair": i} for i, r in enumerate(syn.rounds(ns, allocs=1.0 if name.endswith("new") else 0.0,
                                                                 bytes_=48.0 if name.endswith("new") else 0.0,
                                                                 k=8, seed=seed))]
        b = syn.bench(name, rs)
        if go:
            b["go"] = go
        out.append(b)
    return out


def across(gains: dict[str, float], machine: dict | None = None, run_id: str = "20260101T000000Z-01234567-aaaa"
           ) -> dict:
    """across is a run across Go toolchains: OrderItem per version with the given pool gains."""
    run = syn.make_run(run_id=run_id, with_load=False,
                       benchmarks=[b for go, gain in gains.items() for b in order_items(go, gain)])
    run["libraries"] = {f"default@{go}": {"info": {**syn.INFO, "go_version": go}, "stamp": {}} for go in gains}
    run["go_ref"] = max((g for g in gains if "+" not in g), key=versions.version_key)
    if machine:
        run["machine"] = {**run["machine"], **machine}
    return summary.attach(run)


def single(gain: float, machine: dict | None = None, run_id: str = "20260101T000000Z-01234567-bbbb",
           go: str = "go1.27.3", with_load: bool = False) -> dict:
    """single is a run with one toolchain (no "go" per result), optionally on another machine."""
    run = syn.make_run(run_id=run_id, with_load=with_load, benchmarks=order_items(None, gain))
    run["libraries"]["default"]["info"]["go_version"] = go
    if machine:
        run["machine"] = {**run["machine"], **machine}
    return summary.attach(run)


OTHER = {"hostname": "runner-arm", "cpu_model": "Neoverse-N2", "cpu_count": 4, "arch": "aarch64",
         "kernel": "6.8.0-azure"}


def c1(verdicts: list[claims.Verdict]) -> claims.Verdict:
    return next(v for v in verdicts if v.id == "C1")


def test_every_claim_is_decided_per_version():
    g = grid.build(across({"go1.22.10": 2.1, "go1.27.3": 1.3}), [])
    assert [c.go for c in g.contexts] == ["go1.22.10", "go1.27.3"]
    assert len(g.hosts) == 1 and all(len(vs) == len(g.claim_ids()) for vs in g.verdicts)
    old, new = c1(g.verdicts[0]), c1(g.verdicts[1])
    assert old.ratios[0].metric == "ns_per_op"
    assert old.ratios[0].median == pytest.approx(2.1) and new.ratios[0].median == pytest.approx(1.3)
    header, rows, _ = gridview.grid_rows(g)
    assert header == ["claim", "deciding ratio", "go1.22.10", "go1.27.3"]
    row = next(r for r in rows if r[0] == "C1")
    assert row[1] == "ns_per_op"
    assert row[2] == "magnitude differs: 2.1x [2.1x, 2.1x]" and row[3] == "magnitude differs: 1.3x [1.3x, 1.3x]"


def test_what_changed_names_the_claim_and_both_ratios():
    g = grid.build(across({"go1.22.10": 2.1, "go1.24.13": 1.8, "go1.27.3": 1.3}), [])
    chs = grid.changes(g)
    assert [(c.claim, c.across, c.a.go, c.b.go) for c in chs] == [("C1", "versions", "go1.22.10", "go1.27.3")]
    assert gridview.change_lines(g, chs) == [
        "C1 (ns_per_op, times better): 2.1x [2.1x, 2.1x] with go1.22.10, 1.3x [1.3x, 1.3x] with go1.27.3"]


def test_a_goexperiment_build_is_compared_with_its_own_toolchain_not_as_the_newest_version():
    g = grid.build(across({"go1.22.10": 2.1, "go1.27.3": 1.3, "go1.27.3+nogreenteagc": 2.0}), [])
    assert [(c.claim, c.a.go, c.b.go) for c in grid.changes(g)] == [
        ("C1", "go1.22.10", "go1.27.3"), ("C1", "go1.27.3", "go1.27.3+nogreenteagc")]


def test_a_small_move_is_not_a_change():
    g = grid.build(across({"go1.22.10": 1.4, "go1.27.3": 1.3}), [])
    assert grid.changes(g) == []


def test_a_scenario_missing_in_one_version_is_shown_but_not_a_change():
    run = across({"go1.22.10": 2.1, "go1.27.3": 1.3})
    pool = next(b for b in run["benchmarks"] if b["name"] == "OrderItem/pool" and b["go"] == "go1.22.10")
    pool.update(status="unavailable", error="not available in go1.22.10: needs 1.23", rounds=[])
    g = grid.build(run, [])
    assert c1(g.verdicts[0]).kind == claims.NOT_MEASURABLE
    assert grid.changes(g) == []
    row = next(r for r in gridview.grid_rows(g)[1] if r[0] == "C1")
    assert row[2] == "not measurable here" and row[3].startswith("magnitude differs: 1.3x")


def verdict(kind: str, *ratios: tuple[float, float, float]) -> claims.Verdict:
    return claims.Verdict("C1", "s", "t", "c", "m", kind, "v", ratios=[claims.Ratio("ns_per_op", *r) for r in ratios])


NAN = math.nan


@pytest.mark.parametrize("a, b, changed", [
    (verdict(claims.HOLDS, (2.0, 1.8, 2.2)), verdict(claims.MAGNITUDE, (2.0, 1.8, 2.2)), True),
    (verdict(claims.HOLDS, (2.0, 1.8, 2.2)), verdict(claims.NOT_MEASURABLE), False),
    (verdict(claims.MAGNITUDE, (2.0, 1.8, 2.2)), verdict(claims.MAGNITUDE, (1.5, 1.3, 1.7)), True),
    (verdict(claims.MAGNITUDE, (2.0, 1.4, 2.2)), verdict(claims.MAGNITUDE, (1.5, 1.3, 1.7)), False),  # overlap
    (verdict(claims.MAGNITUDE, (2.0, 1.95, 2.05)), verdict(claims.MAGNITUDE, (1.8, 1.75, 1.85)), False),  # < 1.2x
    (verdict(claims.MAGNITUDE, (2.0, NAN, NAN)), verdict(claims.MAGNITUDE, (1.5, 1.3, 1.7)), True),  # no CI
    (verdict(claims.HOLDS, (math.inf, NAN, NAN)), verdict(claims.HOLDS, (3.0, 2.0, 4.0)), False),
], ids=["kind", "not-measurable", "apart", "overlap", "small", "no-ci", "eliminated"])
def test_material(a, b, changed):
    assert grid.material(a, b) is changed


def test_one_context_has_no_grid(tmp_path):
    run = single(2.0)
    assert grid.build(run, []) is None
    assert grid.build(run, [single(1.9, run_id="20260101T000000Z-01234567-cccc")]) is None  # same host, same Go
    md = report.render_md(report.build(run, tmp_path), tmp_path)
    assert "Claims per Go version" not in md and "Claims per host" not in md


def test_hosts_are_columns_and_never_pooled():
    here = single(2.0, with_load=False)
    there = single(1.3, OTHER, run_id="20260101T000000Z-01234567-dddd", with_load=True)
    g = grid.build(here, [there])
    assert [(c.host.cpu_model, c.go, c.tags) for c in g.contexts] == [
        ("Synthetic CPU", "go1.27.3", ["bbbb"]), ("Neoverse-N2", "go1.27.3", ["dddd"])]
    c2 = [next(v for v in vs if v.id == "C2") for vs in g.verdicts]
    assert c2[0].kind == claims.NOT_MEASURABLE and c2[1].kind != claims.NOT_MEASURABLE  # the load run stays there
    main = claims.evaluate(report.claims_record(here, [there]))
    assert next(v for v in main if v.id == "C2").kind == claims.NOT_MEASURABLE
    assert c1(main).ratios[0].median == pytest.approx(2.0)
    header, rows = gridview.host_rows(g)
    assert header == ["", "Synthetic CPU x2", "Neoverse-N2 x4"]
    assert {r[0]: r[1:] for r in rows} == {
        "CPU model": ["Synthetic CPU", "Neoverse-N2"], "cores": ["2", "4"], "architecture": ["x86_64", "aarch64"],
        "kernel": ["6.0.0", "6.8.0-azure"], "hostname": ["synthetic", "runner-arm"], "Go": ["go1.27.3", "go1.27.3"],
        "runs": ["bbbb", "dddd"]}
    lines = gridview.change_lines(g, grid.changes(g))
    assert lines[0] == ("C1 at go1.27.3 (ns_per_op, times better): 2x [2x, 2x] on Synthetic CPU x2, "
                        "1.3x [1.3x, 1.3x] on Neoverse-N2 x4")


def test_a_joined_run_from_the_same_host_joins_its_go_version():
    here = across({"go1.22.10": 2.1, "go1.27.3": 1.3})
    load = syn.make_run(run_id="20260101T000000Z-01234567-eeee", benchmarks=[])
    g = grid.build(here, [load])
    assert [(c.go, c.tags) for c in g.contexts] == [("go1.22.10", ["aaaa"]), ("go1.27.3", ["aaaa", "eeee"])]
    c2 = [next(v for v in vs if v.id == "C2").kind for vs in g.verdicts]
    assert c2[0] == claims.NOT_MEASURABLE and c2[1] != claims.NOT_MEASURABLE


def test_hosts_with_one_cpu_model_are_told_apart_by_hostname():
    a = across({"go1.22.10": 2.1, "go1.27.3": 1.3}, OTHER)
    b = across({"go1.22.10": 2.1, "go1.27.3": 2.0}, {**OTHER, "hostname": "runner-arm-2"},
               run_id="20260101T000000Z-01234567-ffff")
    g = grid.build(a, [b])
    header = gridview.grid_rows(g)[0]
    assert header[2:] == ["Neoverse-N2 x4 (runner-arm), go1.22.10", "Neoverse-N2 x4 (runner-arm), go1.27.3",
                          "Neoverse-N2 x4 (runner-arm-2), go1.22.10", "Neoverse-N2 x4 (runner-arm-2), go1.27.3"]
    lines = gridview.change_lines(g, grid.changes(g))
    assert lines == [
        "C1 on Neoverse-N2 x4 (runner-arm) (ns_per_op, times better): 2.1x [2.1x, 2.1x] with go1.22.10, "
        "1.3x [1.3x, 1.3x] with go1.27.3",
        "C1 at go1.27.3 (ns_per_op, times better): 1.3x [1.3x, 1.3x] on Neoverse-N2 x4 (runner-arm), "
        "2x [2x, 2x] on Neoverse-N2 x4 (runner-arm-2)"]


def test_report_shows_the_grid_hosts_and_changes(tmp_path):
    here = across({"go1.22.10": 2.1, "go1.27.3": 1.3})
    there = copy.deepcopy(across({"go1.22.10": 2.1, "go1.27.3": 2.0}, OTHER, run_id="20260101T000000Z-01234567-ffff"))
    md = report.render_md(report.build(here, tmp_path, with_runs=[there]), tmp_path)
    assert "### Claims per host and Go version" in md
    assert "| | Synthetic CPU x2 | Neoverse-N2 x4 |" in md.replace("|  |", "| |")
    assert "| C1 | ns_per_op | magnitude differs: 2.1x [2.1x, 2.1x] | magnitude differs: 1.3x [1.3x, 1.3x] |" in md
    assert "- C1 on Synthetic CPU x2 (ns_per_op, times better): 2.1x [2.1x, 2.1x] with go1.22.10, 1.3x" in md
    assert "- C1 at go1.27.3 (ns_per_op, times better): 1.3x [1.3x, 1.3x] on Synthetic CPU x2, 2x [2x, 2x] on " \
           "Neoverse-N2 x4" in md
    html = report.render_html(report.build(here, tmp_path / "h"), "t")
    assert "Claims per Go version" in html
    assert re.findall(r'<tr class="changed"><td>(C\d+)</td>', html) == ["C1"]  # the one claim that changed
