"""Charts (present/charts.py): which files a run produces, skipping absent data, stable output."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import synthetic_runs as syn

from gobench.present import charts
from gobench.analyse import loadview

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TESTDATA = Path(__file__).parent / "testdata"


def _check_pair(paths: list[Path]) -> None:
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC
    svg = paths[1].read_text()
    assert "<svg" in svg and "<text" in svg  # text kept as text (svg.fonttype none)


def test_render_all_draws_every_chart_the_data_allows(tmp_path):
    out = charts.render_all(syn.make_run(), tmp_path)
    want = {"family-OrderItem", "family-Goroutine", "family-PaymentRoute", "family-StructLayout", "family-Snapshot",
            "family-TradeContext", "snapshot-bandwidth", "latency-plain", "latency-gogc", "latency-gomaxprocs",
            "latency-controller", "stw-plain", "stw-gogc", "stw-gomaxprocs", "stw-controller", "gogc-tradeoff",
            "gomaxprocs-sweep", "controller-gogc"}
    assert set(out) == want
    for paths in out.values():
        _check_pair(paths)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporaries


def test_absent_data_is_skipped(tmp_path):
    run = syn.make_run(with_load=False)
    out = charts.render_all(run, tmp_path)
    assert not any(k.startswith(("latency", "stw", "gogc", "gomaxprocs", "controller")) for k in out)
    empty = syn.make_run(with_load=False, benchmarks=[])
    assert charts.render_all(empty, tmp_path / "empty") == {}
    assert charts.family_chart(run, "NoSuchFamily", tmp_path) == []
    assert charts.snapshot_chart(syn.make_run(benchmarks=syn.micro_benchmarks()[:3]), tmp_path) == []


def test_gomaxprocs_sweep_without_pauses_says_so(tmp_path):
    """A sweep whose points ran no GC cycle (a large live heap, little allocation) has no pause to draw: the panel
    says so, and the pause panel of a sweep with pauses draws them."""
    run = syn.make_run()
    svg = charts.gomaxprocs_chart(run, tmp_path / "with")[1].read_text()
    assert " pauses" in svg and "no stop-the-world pause" not in svg  # each point labelled with its pause count
    for e in run["load"]:
        if e["sweep"] == "gomaxprocs":
            e["result"]["gc"].update(cycles=0, stw_count=0, stw_buckets=[], stw_total_ns=0.0, stw_max_ns=0.0)
    paths = charts.gomaxprocs_chart(run, tmp_path / "without")
    _check_pair(paths)
    assert "no stop-the-world pause in any point of the sweep" in paths[1].read_text()


def test_crashed_scenario_does_not_break_its_family_chart(tmp_path):
    paths = charts.family_chart(syn.make_run(), "TradeContext", tmp_path)
    _check_pair(paths)
    assert "crashed" in paths[1].read_text()


def test_odd_load_replies_are_tolerated(tmp_path):
    run = syn.make_run()
    run["load"][0]["result"] = {"latency": {"p99": 1000.0}, "gc": {"stw_buckets": [{"lo_ns": "x"}]}}
    run["load"][1]["result"] = None
    run["load"][2]["status"] = "crashed"
    run["load"].append({"kind": "weird", "status": "ok",
                        "result": {"rate": [], "controller": {"gogc_timeline": [1, 2]}}})
    out = charts.render_all(run, tmp_path)
    assert "latency-plain" in out


def test_same_data_gives_same_svg(tmp_path):
    run = syn.make_run(with_load=False)
    a = charts.family_chart(run, "OrderItem", tmp_path / "a")[1].read_bytes()
    b = charts.family_chart(run, "OrderItem", tmp_path / "b")[1].read_bytes()
    assert a == b


def test_history_chart(tmp_path):
    series = {"OrderItem/new": [{"run_id": f"r{i}", "created": f"2026-01-0{i}", "median": 30.0 + i, "ci_lo": 29.0,
                                 "ci_hi": 33.0 + i} for i in range(1, 4)],
              "OrderItem/pool": [{"run_id": "r2", "created": "2026-01-02", "median": 18.0, "ci_lo": None,
                                  "ci_hi": None}]}
    paths = charts.history_chart(series, "ns_per_op", "ns/op", tmp_path / "history")
    _check_pair(paths)
    assert paths[0] == tmp_path / "history.png"
    assert charts.history_chart({}, "ns_per_op", "ns/op", tmp_path / "h2") == []


def test_real_runs_chart(tmp_path):
    """Charts of the stored real runs (a quick micro run and a short load run on the 2-core VM)."""
    micro = json.loads((TESTDATA / "run_real_micro_quick.json").read_text())
    load = json.loads((TESTDATA / "run_real_load_short.json").read_text())
    out = charts.render_all(micro, tmp_path / "micro")
    assert {"family-OrderItem", "family-Snapshot", "snapshot-bandwidth"} <= set(out)
    out = charts.render_all(load, tmp_path / "load")
    assert set(out) == {"latency-plain", "stw-plain"}


def test_loadview_reads_both_spellings():
    e = {"kind": "k", "status": "ok", "result": {"latency": {"p99": 5.0, "p50_ns": 1.0, "max": 9.0},
                                                 "rate": {"target": 100, "achieved": 90, "kept_up": False}}}
    lat = loadview.latency(e)
    assert (lat[99.0], lat[50.0], lat["max"]) == (5.0, 1.0, 9.0)
    r = loadview.rate(e)
    assert (r["target"], r["achieved"], r["kept_up"], r["closed_loop"]) == (100, 90, False, False)
    e2 = copy.deepcopy(e)
    e2["result"]["latency"] = {"buckets": [{"lo_ns": 10, "hi_ns": 12, "count": 99}, {"lo_ns": 1000, "hi_ns": 1002,
                                                                                      "count": 1}]}
    assert loadview.latency(e2)[50.0] == 11 and loadview.latency(e2)[99.99] == 1001
    assert loadview.gogc_of({"point": {"gogc": "off"}}) == -1 and loadview.gogc_of({"point": {"gogc": "200"}}) == 200
    closed = {"result": {"rate": {"mode": "closed", "target_per_s": 0, "achieved_per_s": 5}}}
    assert loadview.rate(closed)["closed_loop"]
