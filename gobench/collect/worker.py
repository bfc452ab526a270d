"""The worker program: one process, one Go library, commands answered line by line.

    python -m gobench.collect.worker LIBRARY_DIR

A Go runtime cannot be unloaded or reset, reads GOGC and GOMAXPROCS when it
loads, and a fatal Go error kills its process; so every library, scenario
or environment the parent wants to measure apart gets a worker of its own.
The commands and replies are described in gobench/collect/protocol.py; the
parent's side (spawning, timeouts, crashes) is gobench/collect/spawn.py.

Note: an earlier worker ran a whole job and wrote its results to a file
(as asv does). The parent must decide round by round which process runs
next (rounds interleaved across a family's variants, or alternating between
two libraries), so the one worker now takes one command at a time.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import IO, Iterable

from gobench.collect import bridge
from gobench.errors import GoBenchError


def predict_n(goal_ns: float, prev_n: int, prev_ns: int, last: int) -> int:
    """predict_n is testing.B's predictN: aim at goal, overshoot by a fifth, grow at most 100x."""
    if prev_ns <= 0:
        prev_ns = 1
    n = int(goal_ns * prev_n / prev_ns)
    n += n // 5
    n = min(n, 100 * last)
    n = max(n, last + 1)
    return min(n, bridge.MAX_N)


def calibrate(scn: bridge.Scenario, goal_ns: float, max_s: float) -> tuple[int, list[list[int]]]:
    """calibrate returns N such that one round of N lasts at least goal_ns, and the trial rounds."""
    n, trials = 1, []
    deadline = time.monotonic() + max_s
    while True:
        r = scn.run(n)
        trials.append([n, r.elapsed_ns])
        if r.elapsed_ns >= goal_ns or n >= bridge.MAX_N or time.monotonic() > deadline:
            return n, trials
        n = predict_n(goal_ns, n, r.elapsed_ns, n)


def ffi_round(lib: bridge.Library, calls: int) -> dict:
    """ffi_round times ``calls`` no-op exports from Python (the full crossing), an empty Python loop of as
    many iterations, and the same calls from a C loop (Go's side of the crossing alone)."""
    f = lib.lib.gb_noop
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        f()
    py_ns = time.perf_counter_ns() - t0
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        pass
    loop_ns = time.perf_counter_ns() - t0
    c_ns = lib.c_noop_loop_ns(calls)
    return {"n": calls, "elapsed_ns": py_ns, "alloc_objects": 0, "alloc_bytes": 0, "gc_cycles": 0,
            "extra": {"c_loop_ns_per_call": c_ns / calls, "python_loop_ns_per_iter": loop_ns / calls}}


def apply_knobs(lib: bridge.Library, knobs: dict) -> None:
    """apply_knobs sets the run-time knobs a command names (GOGC, GOMEMLIMIT, GOMAXPROCS)."""
    if knobs.get("gc_percent") is not None:
        lib.set_gc_percent(int(knobs["gc_percent"]))
    if knobs.get("memory_limit") is not None:
        lib.set_memory_limit(int(knobs["memory_limit"]))
    if knobs.get("gomaxprocs"):
        lib.set_gomaxprocs(int(knobs["gomaxprocs"]))


def error_text(e: GoBenchError) -> str:
    """error_text is a Go error as a reply carries it: a panic's message includes its stack."""
    return str(e) + ("\n" + e.go_detail if e.is_panic else "")


def serve(lib: bridge.Library, commands: Iterable[str], reply: IO[str]) -> None:
    """serve answers commands (one JSON object per line) until ``close`` or the end of input.

    Go errors and panics become ``{"error": ...}`` replies. Anything else is
    a bug and propagates: the worker dies and the parent reports its stderr.
    """
    opened: dict[str, bridge.Scenario] = {}
    ffi_warm = False

    def send(doc: dict) -> None:
        reply.write(json.dumps(doc) + "\n")
        reply.flush()

    try:
        for line in commands:
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "close":
                break
            try:
                if op == "open":
                    apply_knobs(lib, cmd.get("knobs") or {})
                    info = lib.info()
                    scenarios = info.pop("scenarios", [])
                    load_kinds = info.pop("load_kinds", [])
                    errors = {}
                    for name, params in cmd["specs"]:
                        try:
                            opened[name] = lib.open(name, params)
                        except GoBenchError as e:
                            errors[name] = str(e)
                    send({"info": info, "scenarios": scenarios, "load_kinds": load_kinds, "errors": errors})
                elif op == "calibrate":
                    n, trials = calibrate(opened[cmd["name"]], cmd["goal_ns"], cmd["max_s"])
                    send({"n": n, "trials": trials})
                elif op == "round":
                    scn, warmup_n = opened[cmd["name"]], int(cmd.get("warmup_n") or 0)
                    warm = scn.run(warmup_n) if warmup_n else None  # numbers dropped; no pause before the round
                    rd = scn.run(int(cmd["n"]))
                    send({"round": rd.as_dict(),
                          "warmup": {"n": warm.n, "elapsed_ns": warm.elapsed_ns} if warm else None})
                elif op == "ffi":
                    if not ffi_warm:  # the first calls from a new OS thread are slow
                        for _ in range(min(1000, cmd["calls"])):
                            lib.noop()
                        ffi_warm = True
                    send({"round": ffi_round(lib, int(cmd["calls"]))})
                elif op == "load":
                    send({"result": lib.call("load", cmd["request"])})
                elif op == "profile":
                    send({"profile": lib.call("profile", {"action": cmd["action"], "path": cmd.get("path", ""),
                                                  "hz": int(cmd.get("hz") or 0)})})
                else:
                    raise ValueError(f"unknown op {op!r}")
            except GoBenchError as e:
                send({"error": error_text(e)})
    finally:
        bridge.close_all(opened.values())


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m gobench.collect.worker LIBRARY_DIR", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent owns Ctrl-C and stops us
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else printed to stdout goes to stderr, never into the replies
    serve(bridge.load(Path(argv[0])), sys.stdin, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
