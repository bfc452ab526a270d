"""Charts (present/charts.py): which files a run produces, skipping absent data, stable output."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from statistics import median

from matplotlib.container import ErrorbarContainer

import synthetic_runs as syn

from gobench.present import charts
from gobench.analyse import loadview
from gobench.metrics import METRICS

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


def _drawn(monkeypatch) -> list:
    """_drawn collects the Figures chart functions would save, so a test can read what they plot."""
    figs: list = []
    monkeypatch.setattr(charts, "_save", lambda fig, outdir, name: figs.append(fig) or [])
    return figs


def _errorbars(ax) -> list[ErrorbarContainer]:
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_gomaxprocs_sweep_plots_the_median_across_repeats_with_their_range(monkeypatch, tmp_path):
    """The mean STW of a point is the median of its repeats' means (the number claim C8 decides on), not the
    representative repeat's, and its whisker is the repeats' range."""
    run = syn.make_run()
    sweep = [e for e in run["load"] if e["sweep"] == "gomaxprocs"]
    for e in sweep:  # one-bucket histograms: a repeat's mean pause is exactly its bucket
        stw = 10_000.0 * (1, 2, 40)[e["repeat"]]
        e["result"]["gc"]["stw_buckets"] = [{"lo_ns": stw, "hi_ns": stw, "count": 10}]
        e["result"]["latency"]["p99_ns"] = 1e6 * (3, 1, 2)[e["repeat"]]  # the representative is repeat 2, at 40x
    figs = _drawn(monkeypatch)
    charts.gomaxprocs_chart(run, tmp_path)
    stw_ax = figs[0].axes[0]
    scale = {"ns": 1.0, "µs": 1e3, "ms": 1e6}[re.search(r"\((\S+)\)", stw_ax.get_ylabel()).group(1)]
    (bar,) = _errorbars(stw_ax)
    line, _, (whiskers,) = bar.lines
    drawn = {int(x): y * scale for x, y in zip(line.get_xdata(), line.get_ydata())}
    means: dict[int, list[float]] = {}
    for e in sweep:
        means.setdefault(e["point"]["gomaxprocs"], []).append(loadview.stw_mean_sd(e)[0])
    assert drawn == {p: median(ms) for p, ms in means.items()} and set(drawn.values()) == {20_000.0}
    assert [tuple(seg[:, 1] * scale) for seg in whiskers.get_segments()] == [(10_000.0, 400_000.0)] * len(means)
    assert "median of 3 repeats" in figs[0].get_suptitle()


def test_family_chart_draws_no_interval_on_exact_counts(monkeypatch, tmp_path):
    """allocs/op and B/op are counts the program decides: no error bar, while ns/op keeps its CI."""
    figs = _drawn(monkeypatch)
    charts.family_chart(syn.make_run(with_load=False), "OrderItem", tmp_path)
    by_title = {ax.get_title(): ax for ax in figs[0].axes}
    for metric in ("allocs_per_op", "bytes_per_op"):
        assert METRICS[metric].exact and not _errorbars(by_title[METRICS[metric].unit])
    assert _errorbars(by_title["ns/op"])


def test_snapshot_chart_leaves_out_other_workloads_and_says_its_size(monkeypatch, tmp_path):
    run = syn.make_run(with_load=False)
    snap = [b for b in run["benchmarks"] if b["family"] == "Snapshot"]
    tick = {**copy.deepcopy(snap[-1]), "name": "SnapshotTick/mmap", "family": "SnapshotTick"}
    run["benchmarks"].append(tick)
    figs = _drawn(monkeypatch)
    charts.snapshot_chart(run, tmp_path)
    ax = figs[0].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [b["name"] for b in snap]
    assert "3.15 MB snapshot" in ax.get_title() and "95% CI" in ax.get_title() and _errorbars(ax)
    for b in snap:  # the article's size, four rounds: no interval, and the title does not claim one
        b["params"] = {"records": 20833334}
        b["summary"]["mb_per_s"].update(n=4, ci_lo=None, ci_hi=None)
    charts.snapshot_chart(run, tmp_path)
    ax = figs[1].axes[0]
    assert "1 GB snapshot" in ax.get_title() and "CI" not in ax.get_title() and not _errorbars(ax)


def test_snapshot_default_size_is_the_go_default():
    go = (Path(__file__).parents[1] / "gosrc" / "patterns" / "snapshot.go").read_text()
    records = int(re.search(r"snapshotDefaultRecords\s*=\s*(\d+)", go).group(1))
    record_bytes = int(re.search(r"const SnapshotRecordBytes\s*=\s*(\d+)", go).group(1))
    assert charts.SNAPSHOT_DEFAULT_BYTES == records * record_bytes


def test_log_axis_ends_on_a_tick_above_the_data(monkeypatch, tmp_path):
    run = syn.make_run()
    figs = _drawn(monkeypatch)
    charts.latency_spectrum(run, tmp_path)
    for fig in figs:
        ax = fig.axes[0]
        top = max(y for line in ax.get_lines() for y in line.get_ydata())
        ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        assert max(ticks) >= top
