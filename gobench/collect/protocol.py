"""The collection protocol, run inside a worker process against one loaded library.

For each family: calibrate every variant's round size N the way testing.B
does (grow N until one round lasts at least the target time), then run the
rounds interleaved across variants, rotating the order each round, so that
machine noise falls on all variants alike and their ratio is measured side
by side. Each round is one FFI crossing; the timing and counters come from
inside Go (gosrc/bench/measure.go).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable

from gobench.collect.bridge import MAX_N, Library, Round, Scenario, close_all
from gobench.errors import GoBenchError

from gobench.records import FFI_NAME


@dataclass
class Settings:
    """Settings are the collection knobs; validate() says what is allowed."""

    round_ms: float = 100.0  # target duration of one round
    rounds: int = 10  # measured rounds per scenario (after calibration)
    ffi_calls: int = 200_000  # calls per FFI measurement round
    max_calibration_s: float = 30.0  # give up growing N after this long

    def validate(self) -> "Settings":
        if not (isinstance(self.rounds, int) and 1 <= self.rounds <= 10_000):
            raise ValueError(f"rounds must be an int in [1, 10000], got {self.rounds!r}")
        if not (0.1 <= float(self.round_ms) <= 600_000):
            raise ValueError(f"round_ms must be in [0.1, 600000] ms, got {self.round_ms!r}")
        if not (isinstance(self.ffi_calls, int) and 1_000 <= self.ffi_calls <= 100_000_000):
            raise ValueError(f"ffi_calls must be an int in [1000, 100000000], got {self.ffi_calls!r}")
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def predict_n(goal_ns: float, prev_n: int, prev_ns: int, last: int) -> int:
    """predict_n is testing.B's predictN: aim at goal, overshoot by a fifth, grow at most 100x."""
    if prev_ns <= 0:
        prev_ns = 1
    n = int(goal_ns * prev_n / prev_ns)
    n += n // 5
    n = min(n, 100 * last)
    n = max(n, last + 1)
    return min(n, MAX_N)


def calibrate(scn: Scenario, goal_ns: float, max_s: float) -> tuple[int, list[list[int]]]:
    """calibrate returns N such that one round of N lasts at least goal_ns, and the trial rounds."""
    n, trials = 1, []
    deadline = time.monotonic() + max_s
    while True:
        r = scn.run(n)
        trials.append([n, r.elapsed_ns])
        if r.elapsed_ns >= goal_ns or n >= MAX_N or time.monotonic() > deadline:
            return n, trials
        n = predict_n(goal_ns, n, r.elapsed_ns, n)


@dataclass
class Outcome:
    """Outcome is what was collected for one scenario."""

    name: str
    params: dict
    status: str = "ok"  # ok | error | crashed | skipped
    error: str | None = None
    n: int = 0
    calibration: list | None = None
    rounds: list[dict] | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def measure_family(lib: Library, specs: list[tuple[str, dict]], st: Settings,
                   on_progress: Callable[[Outcome | None, str], None]) -> list[Outcome]:
    """measure_family measures the scenarios of one family, interleaving their rounds.

    A scenario that raises GoBenchError is recorded as an error and the
    others go on. ``on_progress(outcome, message)`` is called before every
    Go call (with the outcome about to run) and after every round.
    """
    goal = st.round_ms * 1e6
    outs = [Outcome(name, params) for name, params in specs]
    opened: dict[str, Scenario] = {}
    try:
        for o in outs:
            try:
                on_progress(o, "open+calibrate")
                scn = lib.open(o.name, o.params)
                opened[o.name] = scn
                o.n, o.calibration = calibrate(scn, goal, st.max_calibration_s)
                o.rounds = []
            except GoBenchError as e:
                o.status, o.error = "error", str(e) + ("\n" + e.go_detail if e.is_panic else "")
        live = [o for o in outs if o.status == "ok"]
        for r in range(st.rounds):
            k = r % len(live) if live else 0
            for o in live[k:] + live[:k]:  # rotate so no variant always runs first
                if o.status != "ok":
                    continue
                try:
                    on_progress(o, f"round {r + 1}/{st.rounds}")
                    rd: Round = opened[o.name].run(o.n)
                    o.rounds.append(rd.as_dict())
                except GoBenchError as e:
                    o.status, o.error = "error", str(e)
                on_progress(None, "round done")
    finally:
        close_all(opened.values())
    return outs


def measure_ffi(lib: Library, st: Settings, on_progress: Callable[[Outcome | None, str], None]) -> Outcome:
    """measure_ffi times the no-op export: from Python (the full crossing) and from a C loop (Go's side)."""
    o = Outcome(FFI_NAME, {}, n=st.ffi_calls, rounds=[])
    f = lib.lib.gb_noop
    k = st.ffi_calls
    for _ in range(min(1000, k)):  # first calls from a new OS thread are slow
        f()
    for r in range(st.rounds):
        on_progress(o, f"round {r + 1}/{st.rounds}")
        t0 = time.perf_counter_ns()
        for _ in range(k):
            f()
        py_ns = time.perf_counter_ns() - t0
        t0 = time.perf_counter_ns()
        for _ in range(k):
            pass
        loop_ns = time.perf_counter_ns() - t0
        c_ns = lib.c_noop_loop_ns(k)
        o.rounds.append({
            "n": k, "elapsed_ns": py_ns, "alloc_objects": 0, "alloc_bytes": 0, "gc_cycles": 0,
            "extra": {"c_loop_ns_per_call": c_ns / k, "python_loop_ns_per_iter": loop_ns / k},
        })
        on_progress(None, "round done")
    return o
