"""Load-run planning and validation (the Go generator has its own Go tests)."""

from __future__ import annotations

import io

import pytest

from gobench.collect import load as loadrun
from gobench.commands import load as load_cmd
from gobench.present import load as loadtext


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
                      on_point=done.append)
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
