"""Process isolation: a fatal Go error in a worker costs only the scenario that caused it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from gobench.collect import orchestrate
from gobench.collect.protocol import Settings

QUICK = Settings(round_ms=2.0, rounds=3, ffi_calls=2000, max_calibration_s=5.0)


def test_fatal_error_loses_no_other_result(built_default):
    job = orchestrate.Job("default", "mixed", [("OrderItem/new", {}), ("Fault/fatal", {}), ("OrderItem/pool", {})])
    outcomes, info = orchestrate.run_job(job, QUICK, built_default.dir)
    by = {o["name"]: o for o in outcomes}
    assert by["Fault/fatal"]["status"] == "crashed"
    assert "while running Fault/fatal" in by["Fault/fatal"]["error"]
    assert "fatal error: stack overflow" in by["Fault/fatal"]["error"]  # from the worker's stderr
    for name in ("OrderItem/new", "OrderItem/pool"):
        assert by[name]["status"] == "ok", by[name]
        assert len(by[name]["rounds"]) == QUICK.rounds
    assert info["go_version"].startswith("go1.27")


def test_panic_is_an_error_not_a_crash(built_default):
    job = orchestrate.Job("default", "mixed", [("Fault/panic-goroutine", {}), ("OrderItem/new", {})])
    outcomes, _ = orchestrate.run_job(job, QUICK, built_default.dir)
    by = {o["name"]: o for o in outcomes}
    assert by["Fault/panic-goroutine"]["status"] == "error"
    assert "gobench test panic in goroutine" in by["Fault/panic-goroutine"]["error"]
    assert by["OrderItem/new"]["status"] == "ok" and len(by["OrderItem/new"]["rounds"]) == QUICK.rounds


def test_worker_env_reaches_go(built_default):
    job = orchestrate.Job("default", "OrderItem", [("OrderItem/new", {})], env={"GOGC": "37", "GOMAXPROCS": "1"})
    _, info = orchestrate.run_job(job, QUICK, built_default.dir)
    assert info["gc_percent"] == 37 and info["gomaxprocs"] == 1


def test_hidden_scenarios_only_when_named():
    scns = [{"family": "OrderItem", "variant": "new", "hidden": False},
            {"family": "Fault", "variant": "panic", "hidden": True}]
    assert [s["variant"] for s in orchestrate.select(scns, None)] == ["new"]
    assert [s["variant"] for s in orchestrate.select(scns, "Fault")] == ["panic"]
    with pytest.raises(ValueError, match="not a valid regular expression"):
        orchestrate.select(scns, "(")


def test_interleaved_family_one_process_per_scenario(built_default):
    from gobench.collect import interleave

    specs = [("OrderItem/new", {}), ("Fault/fatal", {}), ("OrderItem/pool", {}), ("Fault/panic", {})]
    outcomes, info = interleave.run_family(specs, built_default.dir, QUICK)
    by = {o["name"]: o for o in outcomes}
    assert by["Fault/fatal"]["status"] == "crashed"
    assert "fatal error: stack overflow" in by["Fault/fatal"]["error"]
    assert by["Fault/panic"]["status"] == "error" and "gobench test panic" in by["Fault/panic"]["error"]
    for name in ("OrderItem/new", "OrderItem/pool"):  # the survivors finish every round
        assert by[name]["status"] == "ok" and len(by[name]["rounds"]) == QUICK.rounds
    assert info["go_version"].startswith("go1.27")


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
    code = "import sys; from gobench.commands import bench; sys.exit(bench.bench('OrderItem', quick=False))"
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
