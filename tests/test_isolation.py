"""Process isolation: a fatal Go error in a worker costs only the scenario that caused it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from gobench.collect import plan, scheduler
from gobench.collect.protocol import Settings

QUICK = Settings(round_ms=2.0, rounds=3, ffi_calls=2000, max_calibration_s=5.0)


def test_rotate_family_one_process_per_scenario(built_default):
    """A fatal error kills one worker: its scenario is crashed with the cause from its stderr, a panic is an
    error, and the other scenarios of the family finish every round."""
    specs = [("OrderItem/new", {}), ("Fault/fatal", {}), ("OrderItem/pool", {}), ("Fault/panic-goroutine", {})]
    outcomes, info = scheduler.run_rotate(specs, built_default.dir, QUICK)
    by = {o["name"]: o for o in outcomes}
    assert [o["name"] for o in outcomes] == [name for name, _ in specs]
    assert by["Fault/fatal"]["status"] == "crashed"
    assert "Fault/fatal worker died" in by["Fault/fatal"]["error"]
    assert "fatal error: stack overflow" in by["Fault/fatal"]["error"]  # from the worker's stderr
    assert by["Fault/panic-goroutine"]["status"] == "error"
    assert "gobench test panic in goroutine" in by["Fault/panic-goroutine"]["error"]
    for name in ("OrderItem/new", "OrderItem/pool"):  # the survivors finish every round
        assert by[name]["status"] == "ok", by[name]
        assert len(by[name]["rounds"]) == QUICK.rounds and by[name]["n"] == by[name]["rounds"][0]["n"]
        assert by[name]["calibration"][-1][0] == by[name]["n"]
        assert "pair" not in by[name]["rounds"][0]
    assert info["go_version"].startswith("go1.27")


def test_unknown_scenario_is_an_error_of_its_own(built_default):
    outcomes, _ = scheduler.run_rotate([("Nope/x", {}), ("OrderItem/new", {})], built_default.dir, QUICK)
    assert outcomes[0]["status"] == "error" and "unknown scenario" in outcomes[0]["error"]
    assert outcomes[1]["status"] == "ok" and len(outcomes[1]["rounds"]) == QUICK.rounds


def test_worker_env_and_knobs_reach_go(built_default):
    _, info = scheduler.run_rotate([("OrderItem/new", {})], built_default.dir, QUICK,
                                   env={"GOGC": "37", "GOMAXPROCS": "1"})
    assert info["gc_percent"] == 37 and info["gomaxprocs"] == 1
    _, info = scheduler.run_rotate([("OrderItem/new", {})], built_default.dir, QUICK, knobs={"gc_percent": 55})
    assert info["gc_percent"] == 55


def test_ffi_measurement_is_a_worker_op(built_default):
    o, info = scheduler.measure_ffi(built_default.dir, QUICK)
    assert o["name"] == "FFI/noop" and o["status"] == "ok" and o["n"] == QUICK.ffi_calls
    assert len(o["rounds"]) == QUICK.rounds
    for r in o["rounds"]:
        assert r["n"] == QUICK.ffi_calls and r["elapsed_ns"] > 0 and r["alloc_objects"] == 0
        assert set(r["extra"]) == {"c_loop_ns_per_call", "python_loop_ns_per_iter"}
    assert info["go_version"].startswith("go1.27")


def test_plan_reads_the_scenarios_from_the_library(built_default):
    names = {f"{s['family']}/{s['variant']}" for s in plan.scenarios(built_default)}
    assert {"OrderItem/new", "OrderItem/pool", "Fault/fatal"} <= names


def test_hidden_scenarios_only_when_named():
    scns = [{"family": "OrderItem", "variant": "new", "hidden": False},
            {"family": "Fault", "variant": "panic", "hidden": True}]
    assert [s["variant"] for s in plan.select(scns, None)] == ["new"]
    assert [s["variant"] for s in plan.select(scns, "Fault")] == ["panic"]
    with pytest.raises(ValueError, match="not a valid regular expression"):
        plan.select(scns, "(")


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out |= {int(c) for c in f.read().split()}
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def test_ctrl_c_stops_every_worker_and_stores_nothing(built_default):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) mid-run: exit 130,
    a clear message, no worker left running, no partial run folder or temporary file."""
    from gobench.store import runs as store

    runs_before = set(store.runs_dir().iterdir()) if store.runs_dir().exists() else set()
    # A terminal's child gets SIGINT's default action. When this suite itself was started in the
    # background (nohup, `&`), SIGINT is ignored and the child would inherit that, so restore it.
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from gobench.commands import bench; sys.exit(bench.bench('OrderItem', quick=False))")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2:  # both OrderItem workers are up
        workers |= _children(p.pid)
        time.sleep(0.05)
    assert workers, "no worker process appeared"
    time.sleep(0.5)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted; nothing was stored" in err
    alive = [w for w in workers if os.path.exists(f"/proc/{w}")]  # the parent reaps its workers before it exits
    assert not alive, f"workers still running after Ctrl-C: {alive}"
    runs_after = set(store.runs_dir().iterdir()) if store.runs_dir().exists() else set()
    assert runs_after == runs_before
    assert not list(store.RESULTS.rglob(".*.tmp"))
