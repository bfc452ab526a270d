"""Load-run planning and validation (the Go generator has its own Go tests)."""

from __future__ import annotations

import io

import pytest

from gobench.analyse import loadview
from gobench.collect import load as loadrun
from gobench.commands import load as load_cmd
from gobench.present import load as loadtext


SMALL = loadrun.ServiceModel(live_heap_mib=8, work_us=5)  # the service model, small enough for a test


@pytest.mark.parametrize("rate,dur,warm,sweep,msg", [
    (0, 10, 2, None, r"--rate must be in \(0, 2000000\]"),
    (-5, 10, 2, None, "--rate must be"),
    (1e9, 10, 2, None, "--rate must be"),
    (12000, 0, 0, None, r"--duration must be in \[1, 3600\]"),
    (12000, 1e6, 2, None, "--duration must be"),
    (12000, 10, 20, None, "--warmup must be"),
    (12000, 10, 2, "gogcc", "unknown sweep 'gogcc'; allowed: gogc, gomaxprocs, gc, controller"),
])
def test_bad_settings_rejected_before_anything_starts(rate, dur, warm, sweep, msg):
    with pytest.raises(ValueError, match=msg):
        loadrun.validate(rate, dur, warm, sweep)
    err = io.StringIO()
    assert load_cmd.main(None, rate, dur, warm, sweep, "open", 5, out=io.StringIO(), err=err) == 2
    assert "gobench load:" in err.getvalue()


def test_gogc_sweep_points_each_in_own_env():
    pts = loadrun.plan(["order-new"], "gogc")
    assert [p.env["GOGC"] for p in pts] == ["50", "100", "200", "400", "off"]
    assert pts[-1].env["GOMEMLIMIT"] == str(loadrun.OFF_MEMORY_LIMIT)


def test_gomaxprocs_sweep_marks_oversubscription(monkeypatch):
    monkeypatch.setattr(loadrun.os, "cpu_count", lambda: 2)
    pts = loadrun.plan(["order-pool"], "gomaxprocs")
    assert [(p.point["gomaxprocs"], p.point["oversubscribed"]) for p in pts] == [(1, False), (2, False), (4, True),
                                                                                  (8, True)]


def test_gc_and_controller_sweeps():
    assert [p.build for p in loadrun.plan(["order-new"], "gc")] == ["default", "nogreenteagc"]
    ctl = loadrun.plan(["order-new"], "controller")
    assert [p.controller for p in ctl] == [False, True]


def test_short_load_run_end_to_end():
    done = []
    run = loadrun.run(["order-new", "order-pool"], rate=2000, duration_s=1, warmup_s=0.2, out=io.StringIO(),
                      on_point=done.append, repeats=1, service=SMALL)
    assert done == run["load"] and run["libraries"]["default"]["info"]["go_version"].startswith("go1.27")
    by = {e["kind"]: e for e in run["load"]}
    for kind, e in by.items():
        assert e["status"] == "ok", e
        lat = e["result"]["latency"]
        assert lat["count"] > 0
        assert lat["p50_ns"] <= lat["p99_ns"] <= lat["p999_ns"] <= lat["max_ns"]
        assert sum(b["count"] for b in lat["buckets"]) == lat["count"] - lat.get("underflow", 0) - lat.get("overflow", 0)
    # 8 OrderItems per order with new(), none from the pool; the allocation
    # window and the latency window differ by the requests in flight at their edges
    new = by["order-new"]["result"]
    assert 7.5 <= new["gc"]["alloc_objects"] / new["latency"]["count"] <= 8.5
    assert by["order-pool"]["result"]["gc"]["alloc_objects"] < by["order-pool"]["result"]["latency"]["count"]
    assert "req/s" in loadtext.table(run).splitlines()[0]
    assert loadtext.summary_line(by["order-new"]).startswith("achieved ")


def test_a_load_point_that_fails_in_go_is_an_error():
    p = loadrun.Point("bad", "no-such-kind")
    got, info = loadrun.measure_point(p, loadrun.buildmod.build("default").dir, {"kind": "no-such-kind",
                                                                                  "duration_ms": 1000})
    assert got["status"] == "error" and "no-such-kind" in got["error"] and got["result"] is None
    assert info["go_version"].startswith("go1.27")
    assert loadtext.summary_line({**got, "label": "bad"}).startswith("ERROR: ")


REGISTERED = [{"name": "a-new", "default": True, "sweep": True}, {"name": "a-pool", "default": True},
              {"name": "b-other"}]


def test_default_kinds_come_from_the_registry():
    assert loadrun.choose_kinds(None, None, REGISTERED) == ["a-new", "a-pool"]
    assert loadrun.choose_kinds(None, "gogc", REGISTERED) == ["a-new"]
    assert loadrun.choose_kinds(["b-other"], None, REGISTERED) == ["b-other"]


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown request kind.*nope.*known: a-new, a-pool, b-other"):
        loadrun.choose_kinds(["a-new", "nope"], None, REGISTERED)


def test_a_kind_that_needs_an_experiment_runs_on_its_build():
    assert [p.build for p in loadrun.plan(["a-new", "x-arena"], None, {"x-arena": "arenas"})] == ["default", "arenas"]


def test_the_service_model_is_in_every_request_and_the_record():
    req = loadrun._request(loadrun.Point("a", "a"), 12000, 2, 1, "open", 5, 0,
                           loadrun.ServiceModel(live_heap_mib=1.5, work_us=20, profile="steps", profile_period_s=3))
    assert req["service"] == {"live_heap_bytes": 1572864, "work_ns": 20000, "work_steps": 0, "extra_alloc_bytes": 0}
    assert (req["profile"], req["profile_period_ms"]) == ("steps", 3000)


@pytest.mark.parametrize("model,msg", [
    (loadrun.ServiceModel(live_heap_mib=-1), r"--live-heap must be in \[0, 16384\] MiB"),
    (loadrun.ServiceModel(work_us=1e6), r"--work-us must be in \[0, 10000\] us"),
    (loadrun.ServiceModel(profile="spiky"), "--profile must be one of constant, steps, bursts, got 'spiky'"),
    (loadrun.ServiceModel(profile_period_s=0.01), "--profile-period must be 0"),
    (loadrun.ServiceModel(extra_alloc_bytes=1 << 30), "extra allocation must be in"),
])
def test_bad_service_settings_are_refused_before_anything_starts(model, msg):
    with pytest.raises(ValueError, match=msg):
        model.validate()
    err = io.StringIO()
    assert load_cmd.main(None, 12000, 2, 1, None, "open", 5, out=io.StringIO(), err=err, service=model) == 2
    assert "gobench load:" in err.getvalue()


def test_repeats_must_be_a_positive_integer():
    for bad in (0, -1, 2.5, True, 101):
        with pytest.raises(ValueError, match="--repeats must be an integer in"):
            loadrun.validate(12000, 10, 2, None, bad)


def _fake_session(monkeypatch, steps=77):
    """_fake_session replaces the build, the registry and the worker with stand-ins that record requests."""
    class Built:
        dir, stamp = "/nonexistent", {}
    monkeypatch.setattr(loadrun.buildmod, "build", lambda *a, **k: Built())
    monkeypatch.setattr(loadrun.registry, "load_kinds", lambda built: REGISTERED)
    calls = []

    def measure(p, library_dir, request):
        calls.append((p.label, request))
        return {"status": "ok", "error": None,
                "result": {"service": {"work_steps": steps + len(calls)}, "rate": {"kept_up": True},
                           "latency": {"p99_ns": 1000.0 * len(calls)}}}, {"go_version": "go1.27.3"}
    monkeypatch.setattr(loadrun, "measure_point", measure)
    return calls


def test_repeats_are_interleaved_in_the_schedulers_rotate_order(monkeypatch):
    calls = _fake_session(monkeypatch)
    run = loadrun.run(["a-new", "a-pool"], duration_s=1, warmup_s=0, out=io.StringIO(), repeats=3, service=SMALL)
    assert [c[0] for c in calls] == ["a-new", "a-pool", "a-pool", "a-new", "a-new", "a-pool"]
    assert [(e["label"], e["repeat"]) for e in run["load"]] == [("a-new", 0), ("a-pool", 0), ("a-pool", 1),
                                                                ("a-new", 1), ("a-new", 2), ("a-pool", 2)]
    # the first point times the work; every later point and repeat does the same number of steps
    assert [c[1]["service"]["work_steps"] for c in calls] == [0, 78, 78, 78, 78, 78]
    assert run["settings"]["repeats"] == 3 and run["settings"]["service"]["work_steps"] == 78
    groups = loadview.repeats(run)
    assert list(groups) == ["a-new", "a-pool"] and [e["repeat"] for e in groups["a-pool"]] == [0, 1, 2]


def _entry(p99_us, kept_up=True, lower_bound=False, status="ok", repeat=0):
    return {"label": "order-new", "repeat": repeat, "kind": "order-new", "status": status,
            "result": {"rate": {"kept_up": kept_up, "target_per_s": 12000},
                       "latency": {"p99_ns": p99_us * 1000, "lower_bound": lower_bound}}}


def test_p99_ci_of_three_repeats_covers_all_three():
    # the three identical order-new runs at 12k req/s
    group = [_entry(11.9), _entry(19.6), _entry(11.1)]
    assert loadview.p99_ci(group) == (11900.0, 11100.0, 19600.0)
    assert loadview.p99_ci_confidence(3) == 0.75
    assert loadview.p99_ci_confidence(5) == 0.9375 and loadview.p99_ci_confidence(6) == 0.95
    assert loadview.p99_ci_confidence(2) is None


def test_p99_ci_needs_three_repeats_that_kept_up():
    assert loadview.p99_ci([_entry(10), _entry(11)]) is None
    assert loadview.p99_ci([_entry(10), _entry(11), _entry(900, kept_up=False)]) is None
    assert loadview.p99_ci([_entry(10), _entry(11), _entry(900, lower_bound=True)]) is None
    assert loadview.p99_ci([_entry(10), _entry(11), _entry(12, status="crashed")]) is None
    assert loadview.p99_ci([_entry(10), _entry(11), _entry(12), _entry(900, kept_up=False)]) == (11000, 10000, 12000)


def test_p99_ci_from_six_repeats_is_the_95_percent_order_statistic_interval():
    group = [_entry(v) for v in (10, 11, 12, 13, 14, 100)]
    med, lo, hi = loadview.p99_ci(group)
    assert (med, lo, hi) == (12500, 10000, 100000)  # ranks (0, 5) for n=6


def test_old_records_without_repeats_or_lower_bound_still_read():
    old = {"label": "x", "status": "ok", "result": {"rate": {"kept_up": False, "unserved": 350},
                                                    "latency": {"p99_ns": 5.0},
                                                    "gc": {"gc_cpu_fraction": 0.25}}}
    assert loadview.repeat_of(old) == 0 and loadview.lower_bound(old) and not loadview.decides_latency(old)
    g = loadview.gc(old)
    assert g["gc_cpu_share_of_procs"] == 0.25 == g["gc_cpu_fraction"]
    assert loadview.gc({"result": {"gc": {"gc_cpu_share_of_procs": 0.5}}})["gc_cpu_share_of_procs"] == 0.5


def test_the_table_gives_the_median_p99_with_its_interval_and_marks_points_behind():
    run = {"settings": {"rate": 12000, "repeats": 3}, "load": [
        _entry(11.9, repeat=0), _entry(19.6, repeat=1), _entry(11.1, repeat=2),
        {**_entry(50, kept_up=False, repeat=0), "label": "order-pool"},
        {**_entry(9, repeat=1), "label": "order-pool"}, {**_entry(8, repeat=2), "label": "order-pool"}]}
    text = loadtext.table(run)
    new, pool = [line for line in text.splitlines() if line.startswith("order-")]
    assert "11.9 [11.1, 19.6] (75%)" in new
    assert "3 (1 behind)" in pool and "no CI" in pool
    assert "1 B extra" not in loadtext.settings_line(run) and "3 repeats" in loadtext.settings_line(run)


def test_calibrate_to_reads_the_claims_baseline():
    t = load_cmd.calibration_target("C2")
    assert (t["baseline_kind"], t["optimized_kind"], t["rate"], t["target_gc_per_min"]) == (
        "order-new", "order-pool", 12000.0, 184.0)
    t = load_cmd.calibration_target("C5")
    assert (t["baseline_kind"], t["optimized_kind"], t["rate"], t["target_gc_per_min"]) == (
        "tradecontext-heap", "tradecontext-slab", 12000.0, 217.0)
    for bad in ("C10", "C3", "c5"):
        with pytest.raises(ValueError, match=f"--calibrate-to {bad}: not a claim with a load baseline in GC cycles "
                                             f"per minute; allowed: C2, C5$"):
            load_cmd.calibration_target(bad)


def test_calibration_scales_the_extra_allocation_to_the_target(monkeypatch):
    """A stand-in service with a 100 MB live heap where a GC cycle comes every 80 MB of allocation, reaching only
    half the asked rate (a busy machine): the kind alone (400 B) makes no cycle, so the second probe asks for
    what the live heap predicts and the third corrects it with the measured bytes per cycle."""
    class Built:
        dir, stamp = "/nonexistent", {}
    monkeypatch.setattr(loadrun.buildmod, "build", lambda *a, **k: Built())
    asked = []

    def measure(p, library_dir, request):
        extra = request["service"]["extra_alloc_bytes"]
        asked.append(extra)
        completed = 6000 * 2  # half of 12k req/s for 2 s
        alloc = (400 + extra) * completed
        cycles = alloc / 80e6 if alloc >= 80e6 else 0  # a stand-in without the integer counts real cycles have
        return {"status": "ok", "error": None, "result": {
            "gc": {"cycles_per_min": cycles * 30, "alloc_bytes": alloc, "cycles": cycles,
                   "peak_heap_live_bytes": 100e6},
            "rate": {"achieved_per_s": 6000, "completed": completed, "kept_up": False},
            "service": {"work_steps": 5}}}, {}
    monkeypatch.setattr(loadrun, "measure_point", measure)
    cal = loadrun.calibrate("order-new", 184, 12000, 2, 1, SMALL, out=io.StringIO())
    assert asked == [0, round(184 / 60 * 100e6 / 12000 - 400), round(184 / 60 * 80e6 / 12000 - 400)]
    assert abs(cal["reached_gc_per_min"] - 184) < 0.1 and cal["extra_alloc_bytes"] == asked[2]
    assert cal["kind_bytes_per_request"] == 400 and cal["work_steps"] == 5 and len(cal["probes"]) == 3


def test_calibration_counts_the_size_class_of_the_extra_allocation(monkeypatch):
    """A stand-in whose extra object is served from 4096-byte size classes: the second probe's ask (25156 B) costs
    28672 B, and the third asks for that much less than the bytes per cycle predict, which lands its ask in the
    16384 B class (183.4 GC/min) instead of just above it (the 20480 B class: 228 GC/min)."""
    class Built:
        dir, stamp = "/nonexistent", {}
    monkeypatch.setattr(loadrun.buildmod, "build", lambda *a, **k: Built())
    asked, per_cycle = [], 16_834 * 12_000 * 60 / 184  # the target's bytes per request are 400 + 16384 + 50

    def measure(p, library_dir, request):
        extra = request["service"]["extra_alloc_bytes"]
        asked.append(extra)
        completed = 12_000 * 2
        alloc = (400 + -(-extra // 4096) * 4096) * completed
        cycles = alloc / per_cycle if extra else 0  # fractional, as in the test above
        return {"status": "ok", "error": None, "result": {
            "gc": {"cycles_per_min": cycles * 30, "alloc_bytes": alloc, "cycles": cycles, "peak_heap_live_bytes": 100e6},
            "rate": {"achieved_per_s": 12_000, "completed": completed, "kept_up": True},
            "service": {"work_steps": 5}}}, {}
    monkeypatch.setattr(loadrun, "measure_point", measure)
    cal = loadrun.calibrate("order-new", 184, 12000, 2, 1, SMALL, out=io.StringIO())
    assert asked[:2] == [0, round(184 / 60 * 100e6 / 12000 - 400)]
    assert 12_288 < asked[2] <= 16_384 and cal["extra_alloc_bytes"] == asked[2]
    assert abs(cal["reached_gc_per_min"] - 184) < 2


def test_charts_draw_the_repeat_with_the_median_p99():
    run = {"load": [_entry(30, repeat=0), _entry(10, repeat=1), _entry(20, repeat=2),
                    {**_entry(5, status="crashed"), "label": "order-pool"}]}
    assert [e["repeat"] for e in loadview.representatives(run)] == [2]
