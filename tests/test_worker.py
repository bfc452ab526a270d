"""The worker's line protocol (gobench/collect/protocol.py): every op, answered in process, and the
parent's side of a real worker process (gobench/collect/spawn.py)."""

from __future__ import annotations

import io
import json

import pytest

from gobench.collect import protocol, spawn, worker
from gobench.errors import WorkerCrash

ST = protocol.Settings(round_ms=0.5, rounds=2, ffi_calls=1_000, max_calibration_s=5.0)


def serve(lib, *cmds: tuple[dict, float] | dict) -> list[dict]:
    """serve runs the worker's loop on the test's library and returns its replies, one per line."""
    reply = io.StringIO()
    worker.serve(lib, [json.dumps(c[0] if isinstance(c, tuple) else c) for c in cmds], reply)
    return [json.loads(line) for line in reply.getvalue().splitlines()]


def test_every_op_is_answered_on_one_line(lib):
    opened, cal, rnd, ffi, load = serve(
        lib,
        protocol.open_cmd([("OrderItem/new", {}), ("Nope/x", {})]),
        protocol.calibrate_cmd("OrderItem/new", ST),
        protocol.round_cmd("OrderItem/new", 1000, ST),
        protocol.ffi_cmd(ST),
        protocol.load_cmd({"kind": ""}),
        protocol.CLOSE,
        protocol.round_cmd("OrderItem/new", 10, ST),  # after close: never read
    )
    assert "scenarios" not in opened["info"] and opened["info"]["go_version"].startswith("go1.27")
    assert {"OrderItem/new", "Fault/fatal"} <= {f"{s['family']}/{s['variant']}" for s in opened["scenarios"]}
    assert list(opened["errors"]) == ["Nope/x"] and "unknown scenario" in opened["errors"]["Nope/x"]
    assert cal["n"] == cal["trials"][-1][0] and all(len(t) == 2 for t in cal["trials"])
    assert rnd["round"]["n"] == 1000 and rnd["round"]["alloc_objects"] >= 1000  # one OrderItem per op
    assert ffi["round"]["n"] == ST.ffi_calls
    assert set(ffi["round"]["extra"]) == {"c_loop_ns_per_call", "python_loop_ns_per_iter"}
    assert "error" in load and "kind is required" in load["error"]


def test_warm_up_runs_the_scenario_unmeasured_right_before_the_round(lib):
    st = protocol.Settings(round_ms=2.0, rounds=1, warmup_ms=10.0)
    cmd, timeout = protocol.round_cmd("TradeContext/slab", 1000, st)
    assert cmd["warmup_n"] == 5000  # 1000 ops last about 2 ms, so about 10 ms take 5000
    assert timeout > protocol.round_cmd("TradeContext/slab", 1000, ST)[1]
    assert protocol.Settings(round_ms=2.0, rounds=1).warmup_n(1000) == 0  # tests' and the soak's settings: none
    # one operation of seconds (N = 1 although round_ms is 1): no warm-up of 100 such operations
    assert protocol.Settings(round_ms=1.0, rounds=1, warmup_ms=100.0).warmup_n(1, ns_per_op=2e9) == 0
    assert protocol.Settings(round_ms=1.0, rounds=1, warmup_ms=100.0).warmup_n(1000, ns_per_op=1_000) == 100_000
    # N = 1 of 50 ms with round_ms 1 (1 GB memcpy): two operations, not a hundred
    assert protocol.Settings(round_ms=1.0, rounds=1, warmup_ms=100.0).warmup_n(1, ns_per_op=50e6) == 2
    # calibration a little slow (the idle start): n still counts
    assert protocol.Settings(round_ms=10.0, rounds=1, warmup_ms=100.0).warmup_n(1000, ns_per_op=15_000) == 10_000
    _, warm, cold = serve(lib, protocol.open_cmd([("TradeContext/slab", {})]), (cmd, timeout),
                          protocol.round_cmd("TradeContext/slab", 1000, ST))
    assert warm["warmup"]["n"] == 5000 and warm["warmup"]["elapsed_ns"] > 0
    assert warm["round"]["n"] == 1000  # the measured round is the one asked for, not the warm-up
    # the slab wraps every 512 requests: 1 or 2 times in the round's 1000, about 10 times in the warm-up's 5000,
    # which the round's metric must not be charged with
    assert warm["round"]["extra"]["slab_resets_per_op"] <= 2 / 1000
    assert cold["warmup"] is None


def test_panic_is_an_error_reply_and_the_worker_goes_on(lib):
    opened, panic, ok = serve(lib, protocol.open_cmd([("Fault/panic", {}), ("OrderItem/pool", {})]),
                              protocol.round_cmd("Fault/panic", 1, ST), protocol.round_cmd("OrderItem/pool", 10, ST))
    assert opened["errors"] == {}
    assert "panic in Go" in panic["error"] and "gobench test panic in scenario" in panic["error"]
    assert "goroutine" in panic["error"]  # the stack came along
    assert ok["round"]["n"] == 10


def test_knobs_are_applied_at_open(lib):
    old = lib.set_gc_percent(-1)
    lib.set_gc_percent(old)
    try:
        (opened,) = serve(lib, protocol.open_cmd([], {"gc_percent": old + 7}))
        assert opened["info"]["gc_percent"] == old + 7
    finally:
        lib.set_gc_percent(old)


def test_unknown_op_is_a_bug_not_a_reply(lib):
    with pytest.raises(ValueError, match="unknown op 'nope'"):
        serve(lib, {"op": "nope"})


def test_crash_tail_keeps_the_cause_and_the_last_lines():
    text = "\n".join(["runtime: goroutine stack exceeds 1000000000-byte limit", "fatal error: stack overflow"]
                     + [f"frame {i}" for i in range(100)])
    tail = spawn.crash_tail(text, lines=5).splitlines()
    assert tail == ["runtime: goroutine stack exceeds 1000000000-byte limit", "fatal error: stack overflow", "..."] \
        + [f"frame {i}" for i in range(95, 100)]
    assert spawn.crash_tail("a\nb", lines=5) == "a\nb"


def test_a_worker_that_hangs_is_killed_at_its_timeout(built_default):
    with spawn.stopping({}) as workers:
        w = workers["w"] = spawn.Worker("OrderItem/new", built_default.dir)
        assert w.request(*protocol.open_cmd([("OrderItem/new", {})]))["errors"] == {}
        cmd, _ = protocol.round_cmd("OrderItem/new", 1 << 36, ST)  # minutes of work
        with pytest.raises(WorkerCrash, match="timed out after 1 s in round") as ei:
            w.request(cmd, 1.0)
        assert ei.value.timed_out and w.proc.poll() is not None


def test_a_worker_that_dies_reports_its_stderr(built_default):
    with spawn.stopping({}) as workers:
        w = workers["w"] = spawn.Worker("base", built_default.dir)
        w.request(*protocol.open_cmd([("Fault/fatal", {})]))
        with pytest.raises(WorkerCrash, match=r"base worker died \((killed by SIG[A-Z]+|exit status \d+)\) in round Fault/fatal") as ei:
            w.request(*protocol.round_cmd("Fault/fatal", 1, ST))
        assert "fatal error: stack overflow" in str(ei.value) and not ei.value.timed_out
