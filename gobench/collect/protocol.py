"""The line protocol between the parent and a worker process, and the Settings its commands carry.

A worker (gobench/collect/worker.py) loads one Go library and answers one
JSON command per line on its stdin with one JSON reply per line on a pipe
of its own (the worker points its stdout at its stderr, so nothing the Go
runtime or a C library prints can corrupt a reply). The ops:

    open       {"specs": [[name, params], ...], "knobs": {...}}
               -> {"info": runtime facts, "scenarios": [...], "errors": {name: message}}
               opens the scenarios (none: only report the library's info and
               scenario list); knobs set GOGC, GOMEMLIMIT, GOMAXPROCS at run time
    calibrate  {"name", "goal_ns", "max_s"} -> {"n", "trials": [[n, elapsed_ns], ...]}
               grows N the way testing.B does until one round lasts goal_ns
    round      {"name", "n", "warmup_n"} -> {"round": one round's raw numbers, "warmup": {"n", "elapsed_ns"}}
               first runs warmup_n operations unmeasured (a round whose numbers are
               dropped; 0: none), then the measured round right after it
    ffi        {"calls"} -> {"round": ...}: one round of the FFI/noop crossing
               (``calls`` no-op calls from Python, then from a C loop)
    load       {"request": {...}} -> {"result": ...}: one run of the Go load generator
    profile    {"action", "path", "hz"} -> {"profile": {"mem_profile_rate", "path"}}: start or stop the
               CPU profile or the execution trace, or write the allocation profile
               (gb_call "profile", gosrc/cmd/libgobench/profile.go); only `invoke profile` sends it
    close      (no reply): close every scenario and exit

A Go error or a recovered Go panic is a reply ``{"error": message}`` and the
worker goes on. Anything else (a fatal Go error, a bug in the worker) kills
the worker; the parent sees the pipe close and reads the cause from the
worker's stderr (gobench/collect/spawn.py).

Each constructor below returns a command with the time the parent waits
for its reply.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from gobench.collect import bridge

WARMUP_MS = 100.0  # the measuring presets' warm-up before each round (Settings.warmup_ms says why)
REPLY_TIMEOUT_S = 120.0  # one reply; a round is round_ms long, a regressed one a few times that
CLOSE = {"op": "close"}


@dataclass
class Settings:
    """Settings are the collection knobs; validate() says what is allowed."""

    round_ms: float = 100.0  # target duration of one round
    rounds: int = 10  # measured rounds per scenario (after calibration)
    ffi_calls: int = 200_000  # calls per FFI measurement round
    max_calibration_s: float = 30.0  # give up growing N after this long
    # Before each measured round the worker runs the scenario unmeasured for about this long (0: never).
    # A worker that waited while others ran starts its next round slowly on some hosts: on the 2-vCPU
    # Firecracker VM the guest scheduler packs a process that has been idle onto one vCPU for its first
    # 20-120 ms, so the GC's workers share the benchmark's CPU; an allocating round of 15 ms that starts
    # from idle took twice as long (README, "How it measures"). go test's timed run follows its own
    # earlier runs with no gap; 100 ms of the scenario right before the round does the same.
    warmup_ms: float = 0.0  # bench's and crosscheck's presets use WARMUP_MS (the gate's none); 0 keeps tests short

    def validate(self) -> "Settings":
        if not (isinstance(self.rounds, int) and 1 <= self.rounds <= 10_000):
            raise ValueError(f"rounds must be an int in [1, 10000], got {self.rounds!r}")
        if not (0.1 <= float(self.round_ms) <= 600_000):
            raise ValueError(f"round_ms must be in [0.1, 600000] ms, got {self.round_ms!r}")
        if not (isinstance(self.ffi_calls, int) and 1_000 <= self.ffi_calls <= 100_000_000):
            raise ValueError(f"ffi_calls must be an int in [1000, 100000000], got {self.ffi_calls!r}")
        if not (0 <= float(self.warmup_ms) <= 60_000):
            raise ValueError(f"warmup_ms must be in [0, 60000] ms, got {self.warmup_ms!r}")
        return self

    def warmup_n(self, n: int, ns_per_op: float | None = None) -> int:
        """warmup_n is how many operations last about warmup_ms: n of them last about round_ms, unless
        calibration (ns_per_op, its time per operation) says a round of n lasts more than twice that (N = 1
        and still too long: the 1 GB Snapshot step). 0 when one operation outlasts the warm-up: such a
        round is mostly past an idle start anyway, and a warm-up of whole operations would double it."""
        if self.warmup_ms <= 0:
            return 0
        per_op_ns = self.round_ms * 1e6 / n
        if ns_per_op is not None and ns_per_op * n > 2 * self.round_ms * 1e6:
            per_op_ns = ns_per_op
        if per_op_ns >= self.warmup_ms * 1e6:
            return 0
        return max(1, min(bridge.MAX_N, math.ceil(self.warmup_ms * 1e6 / per_op_ns)))

    def as_dict(self) -> dict:
        return asdict(self)


def open_cmd(specs: list[tuple[str, dict]], knobs: dict | None = None) -> tuple[dict, float]:
    """open_cmd opens scenarios (none: only read the library's info and scenario list)."""
    return {"op": "open", "specs": [[name, params] for name, params in specs], "knobs": knobs or {}}, REPLY_TIMEOUT_S


def calibrate_cmd(name: str, st: Settings) -> tuple[dict, float]:
    """calibrate_cmd finds the round size N of a scenario for the settings' round time."""
    return ({"op": "calibrate", "name": name, "goal_ns": st.round_ms * 1e6, "max_s": st.max_calibration_s},
            REPLY_TIMEOUT_S + st.max_calibration_s)


def round_cmd(name: str, n: int, st: Settings, ns_per_op: float | None = None) -> tuple[dict, float]:
    """round_cmd runs one round of n operations, after the settings' unmeasured warm-up (sized from
    ns_per_op, calibration's time per operation, when known)."""
    return ({"op": "round", "name": name, "n": int(n), "warmup_n": st.warmup_n(n, ns_per_op)},
            REPLY_TIMEOUT_S + (st.round_ms + st.warmup_ms) / 1000 * 20)


def ffi_cmd(st: Settings) -> tuple[dict, float]:
    """ffi_cmd runs one round of the FFI/noop measurement."""
    return {"op": "ffi", "calls": st.ffi_calls}, REPLY_TIMEOUT_S


def load_cmd(request: dict) -> tuple[dict, float]:
    """load_cmd runs the Go load generator once; it may take three times its duration (and starting up)."""
    return {"op": "load", "request": request}, request.get("duration_ms", 0) / 1000 * 3 + REPLY_TIMEOUT_S


def profile_cmd(action: str, path: str = "", hz: int = 0) -> tuple[dict, float]:
    """profile_cmd starts or stops a profiler in the worker ("start_cpu" at hz samples per CPU second,
    "stop_cpu", "start_trace", "stop_trace") or writes its allocation profile ("write_allocs") to path;
    "status" only reports."""
    return {"op": "profile", "action": action, "path": path, "hz": int(hz)}, REPLY_TIMEOUT_S
