"""The scheduler: a family's rounds across worker processes, in one of two orders.

**rotate** (``invoke bench``, the gate's baseline sessions): every scenario
runs in its own worker process and the rounds of a family's variants are
interleaved, the start rotating by one each round, so that machine noise
falls on all variants alike and they are compared side by side. Each
variant has a process of its own because variants that share a Go heap
disturb each other: measured on the 2-core VM, a TradeContext/heap round
took 995 ns/op with a TradeContext/slab instance open in the same process
(1 MiB of live, pointer-holding contexts that every GC cycle must mark)
against 897 ns/op alone. A worker that dies (a fatal Go error) costs only
its own scenario: it is marked ``crashed`` with the cause from its stderr
and the other processes go on. Across Go toolchains (``invoke bench --go``)
the unit that rotates is a (scenario, toolchain): each has its own worker,
every round visits each scenario in rotated order and, within it, each
toolchain (in ABBA order), so that versions meet the same noise; N is
calibrated on the first toolchain that has the scenario and shared by all,
and each side runs an unmeasured warm-up round first. A scenario that a
toolchain's library does not have is marked ``unavailable`` on that side
with the reason, and the other sides go on.

**ABBA** (the gate's ``--against``, crosscheck): two sides measured in
turns, A B B A A B ..., so that every stretch of noise falls on both alike.
On a small shared machine the dominant noise is other work that comes and
goes within a second (a busy hyperthread sibling makes OrderItem/pool take
28-40 ns/op instead of 16): two whole sessions of the same library, run one
after the other, differed by 25% in an A/A test. In a gate pair each side
is one worker (one library) holding all the family's scenarios; N is
calibrated on the first side and used by both, and each side runs one
unmeasured warm-up round first (the other process has not run this code
yet). A worker that dies ends the block: the rest of the family is not
compared in it. Crosscheck pairs a harness worker with ``go test`` runs
(gobench/collect/crosscheck.py) in the same order, a new worker for each
repeat (``Family.restart``).

Only one worker runs at a time; the others wait for their next command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from gobench.collect import protocol
from gobench.collect.protocol import Settings
from gobench.collect.spawn import Worker, stopping
from gobench.errors import WorkerCrash
from gobench.records import FFI_NAME

OnStep = Callable[[str, str], None]  # (scenario name, step) before each command, for progress lines
_ONE = "worker"  # the side of a rotate family


def rotate(live: list[str], r: int) -> list[str]:
    """rotate is round r's order of a family's live scenarios: the start moves by one each round."""
    k = r % len(live) if live else 0
    return live[k:] + live[:k]


def abba(r: int, sides: tuple[str, ...]) -> tuple[str, ...]:
    """abba is the sides' order in pair r: A B, then B A, then A B, ..."""
    return sides if r % 2 == 0 else sides[::-1]


def round_order(live: list[str], r: int, sides: tuple[str, ...]) -> list[tuple[str, str]]:
    """round_order lists round r's (scenario, side) measurements: scenarios rotated, sides ABBA."""
    return [(name, side) for name in rotate(live, r) for side in abba(r, sides)]


def repeat_order(i: int, sides: tuple[str, ...]) -> tuple[str, ...]:
    """repeat_order is one scenario's samples in crosscheck repeat i: A B B A, and B A A B in the next
    repeat, so that the four samples of a repeat are taken back to back and cancel linear drift."""
    return abba(i, sides) + abba(i + 1, sides)


def calibrated_ns_per_op(trials: list[list[int]] | None) -> float | None:
    """calibrated_ns_per_op is the time per operation of calibration's last trial ([n, elapsed_ns]), if any."""
    if not trials or trials[-1][0] <= 0:
        return None
    n, elapsed_ns = trials[-1]
    return elapsed_ns / n


def new_outcome(name: str, params: dict) -> dict:
    """new_outcome is a scenario's record before anything ran (status ok, no rounds)."""
    return {"name": name, "params": params, "status": "ok", "error": None, "n": 0, "calibration": None,
            "rounds": []}


class Family:
    """Family holds one family's workers and outcomes while its rounds are collected.

    ``libraries`` maps each side to its library folder; N is calibrated on
    the first side. ``per_scenario`` starts a worker per scenario and side
    (rotate), otherwise one per side serving every scenario (a gate pair).
    ``order`` is the sides' order in round 0 (default: as in ``libraries``).
    Use it as a context manager: leaving the block closes every worker, and
    Ctrl-C kills them. ``out[side][name]`` is the outcome of each scenario.
    """

    def __init__(self, specs: list[tuple[str, dict]], libraries: dict[str, Path], settings: Settings,
                 env: dict | None = None, knobs: dict | None = None, per_scenario: bool = True,
                 order: tuple[str, ...] | None = None, on_step: OnStep | None = None,
                 unavailable: dict[str, dict[str, str]] | None = None):
        self.specs, self.libraries, self.settings = specs, libraries, settings
        self.env, self.knobs, self.per_scenario = env or {}, knobs or {}, per_scenario
        self.order = order or tuple(libraries)
        self.on_step = on_step or (lambda name, step: None)
        self.out = {side: {name: new_outcome(name, params) for name, params in specs} for side in libraries}
        for side, why in (unavailable or {}).items():  # side -> {scenario: reason}: never started there
            for name, reason in why.items() if side in self.out else ():
                self.out[side][name].update(status="unavailable", error=reason)
        self.info: dict[str, dict] = {}  # side -> the Go runtime's facts
        self.fatal: str | None = None  # a pair's worker died loading its library
        self.ended = False  # a pair's worker died: nothing more is compared
        self.workers: dict[tuple[str, str | None], Worker] = {}
        self._stop = stopping(self.workers)

    def __enter__(self) -> "Family":
        self._stop.__enter__()
        return self

    def __exit__(self, *exc) -> bool | None:
        return self._stop.__exit__(*exc)

    def ok(self, name: str) -> bool:
        """ok says whether a scenario is still measured: on every side of a pair (it compares the two), on
        any side in rotate (each side's scenario is a unit of its own)."""
        live = (self.out[side][name]["status"] == "ok" for side in self.libraries)
        return any(live) if self.per_scenario else all(live)

    def _sides_ok(self, name: str) -> list[str]:
        return [side for side in self.libraries if self.out[side][name]["status"] == "ok"]

    def prepare(self) -> None:
        """prepare opens and calibrates each scenario in turn (a pair also runs its warm-up rounds)."""
        for name, _ in self.specs:
            if self.ended:
                return
            self.on_step(name, "open+calibrate")
            self._start(name)
            if not self.ok(name):
                continue
            rep = None
            while rep is None and self.ok(name) and not self.ended:  # calibrate on the first side that can
                first = self._sides_ok(name)[0]
                rep = self._request(first, name, protocol.calibrate_cmd(name, self.settings))
                if rep is not None and "error" in rep:
                    self.out[first][name].update(status="error", error=rep["error"])
                    rep = None
            if rep is None:
                continue
            for side in self.libraries:
                self.out[side][name].update(n=rep["n"], calibration=rep["trials"])
            if len(self.libraries) > 1:
                for side in self.order:  # warm-up, not recorded: the other process has not run this code yet
                    if self.out[side][name]["status"] != "ok":
                        continue
                    w = self._request(side, name, protocol.round_cmd(name, rep["n"], self.settings,
                                                                     calibrated_ns_per_op(rep["trials"])))
                    if w is None:
                        if self.ended:
                            break
                        continue
                    if "error" in w:
                        self.out[side][name].update(status="error", error=w["error"])

    def run_rounds(self) -> None:
        """run_rounds runs the measured rounds in round_order; a pair's rounds carry their pair index."""
        rounds = self.settings.rounds
        paired = len(self.libraries) > 1
        for r in range(rounds):
            live = [name for name, _ in self.specs if self.ok(name)]
            if self.ended or not live:
                return
            for name, side in round_order(live, r, self.order):
                if self.out[side][name]["status"] != "ok":
                    continue
                self.on_step(name, f"round {r + 1}/{rounds}")
                self.round(side, name, pair=r if paired else None)

    def round(self, side: str, name: str, pair: int | None = None) -> dict | None:
        """round runs one measured round of a scenario on a side; returns it, or None if it failed."""
        o = self.out[side][name]
        rep = self._request(side, name, protocol.round_cmd(name, o["n"], self.settings,
                                                           calibrated_ns_per_op(o["calibration"])))
        if rep is None:
            return None
        if "error" in rep:
            o.update(status="error", error=rep["error"])
            return None
        rd = rep["round"] if pair is None else {**rep["round"], "pair": pair}
        o["rounds"].append(rd)
        return rd

    def restart(self, name: str) -> None:
        """restart replaces a scenario's workers by new processes that open it afresh, keeping its N and
        calibration (per-scenario workers only): the crosscheck's repeats then come from independent
        processes, since some effects last a process's life (README, "Agreement with go test -bench").
        The new workers run no unmeasured round of their own: the rounds' warm-up (Settings.warmup_ms)
        is what prepares them."""
        if not self.per_scenario:
            raise ValueError("restart needs a worker per scenario")
        for side in self._sides_ok(name):
            w = self.workers.pop(self._key(side, name), None)
            if w is not None:
                w.close()
        self._start(name)

    # --- workers --------------------------------------------------------------------------

    def _key(self, side: str, name: str) -> tuple[str, str | None]:
        return (side, name if self.per_scenario else None)

    def _start(self, name: str) -> None:
        """_start starts and opens the workers a scenario needs that are not running yet."""
        sides = self._sides_ok(name) if self.per_scenario else list(self.libraries)
        new = [k for k in (self._key(side, name) for side in sides) if k not in self.workers]
        for side, sname in new:
            label = side if sname is None else (sname if len(self.libraries) == 1 else f"{side} {sname}")
            self.workers[(side, sname)] = Worker(label, self.libraries[side], self.env)
        for side, sname in new:
            specs = self.specs if sname is None else [s for s in self.specs if s[0] == sname]
            try:
                rep = self.workers[(side, sname)].request(*protocol.open_cmd(specs, self.knobs))
            except WorkerCrash as e:
                self._crashed(side, sname, e)
                if self.ended:
                    return
                continue
            self.info.setdefault(side, rep["info"])
            for n, err in rep["errors"].items():
                self.out[side][n].update(status="error", error=err)

    def _request(self, side: str, name: str, cmd: tuple[dict, float]) -> dict | None:
        try:
            return self.workers[self._key(side, name)].request(*cmd)
        except WorkerCrash as e:
            self._crashed(side, name, e)
            return None

    def _crashed(self, side: str, name: str | None, e: WorkerCrash) -> None:
        """_crashed records a dead worker: the scenario it was running (None: it died loading its library)
        is crashed; in a pair the block ends and every other unfinished scenario is skipped."""
        if name is None:
            self.fatal = str(e)
        else:
            self.out[side][name].update(status="crashed", error=str(e))
        if self.per_scenario:
            return
        self.ended = True
        for outs in self.out.values():
            for n, o in outs.items():
                if n != name and o["status"] == "ok" and len(o["rounds"]) < self.settings.rounds:
                    o.update(status="skipped", error=f"not finished: {e.side} worker died in this block")


def run_rotate(specs: list[tuple[str, dict]], library_dir: Path, settings: Settings, env: dict | None = None,
               knobs: dict | None = None, on_step: OnStep | None = None) -> tuple[list[dict], dict]:
    """run_rotate measures a family's scenarios, one worker each, rounds rotating; returns (outcomes, info)."""
    outs, info = run_rotate_sides(specs, {_ONE: library_dir}, settings, env, knobs, on_step)
    return outs[_ONE], info.get(_ONE, {})


def run_rotate_sides(specs: list[tuple[str, dict]], libraries: dict[str, Path], settings: Settings,
                     env: dict | None = None, knobs: dict | None = None, on_step: OnStep | None = None,
                     unavailable: dict[str, dict[str, str]] | None = None) -> tuple[dict[str, list[dict]], dict]:
    """run_rotate_sides is run_rotate over several libraries (one per Go toolchain): a worker per
    (scenario, side), rounds rotating over scenarios and, within each, over sides; with more than one side
    every round carries its index as ``pair``, so that the sides' rounds can be matched.
    ``unavailable`` maps a side to the scenarios it lacks and why. Returns ({side: outcomes}, {side: info})."""
    settings.validate()
    with Family(specs, libraries, settings, env, knobs, per_scenario=True, on_step=on_step,
                unavailable=unavailable) as fam:
        fam.prepare()
        fam.run_rounds()
    return {side: list(o.values()) for side, o in fam.out.items()}, fam.info


def run_pair(specs: list[tuple[str, dict]], base_dir: Path, head_dir: Path, settings: Settings,
             first: str = "base", env: dict | None = None, knobs: dict | None = None) -> dict:
    """run_pair measures one family's scenarios on two libraries, one worker each, rounds alternating ABBA.

    Returns {"base": {name: outcome}, "head": {name: outcome}, "info": {side: info}}, plus
    "fatal" (a message) when a worker died before it could open anything.
    ``first`` is the side that runs first in round 0.
    """
    settings.validate()
    order = ("base", "head") if first == "base" else ("head", "base")
    with Family(specs, {"base": base_dir, "head": head_dir}, settings, env, knobs, per_scenario=False,
                order=order) as fam:
        fam.prepare()
        fam.run_rounds()
    res: dict = {"base": fam.out["base"], "head": fam.out["head"], "info": fam.info}
    if fam.fatal:
        res["fatal"] = fam.fatal
    return res


def measure_ffi(library_dir: Path, settings: Settings, env: dict | None = None, knobs: dict | None = None,
                on_step: OnStep | None = None) -> tuple[dict, dict]:
    """measure_ffi times the FFI crossing (FFI/noop) in a worker of its own, ``settings.rounds`` rounds of
    ``settings.ffi_calls`` calls; returns (outcome, info)."""
    settings.validate()
    o = {**new_outcome(FFI_NAME, {}), "n": settings.ffi_calls}
    info: dict = {}
    with stopping({}) as workers:
        w = workers["ffi"] = Worker(FFI_NAME, library_dir, env)
        try:
            info = w.request(*protocol.open_cmd([], knobs))["info"]
            for r in range(settings.rounds):
                if on_step:
                    on_step(FFI_NAME, f"round {r + 1}/{settings.rounds}")
                o["rounds"].append(w.request(*protocol.ffi_cmd(settings))["round"])
        except WorkerCrash as e:
            o.update(status="crashed", error=str(e))
    return o, info
