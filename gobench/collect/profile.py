"""Collecting profiles: each scenario in dedicated worker processes, one per kind of profile, beside a plain
worker that measures it the way `invoke bench` does.

Collect stage. Profiling never runs in a bench, baseline or check worker:
only the workers started here send the worker's ``profile`` op
(gobench/collect/protocol.py), and the kinds that must be on from the
start are switched on in these workers' environment alone.

For one scenario, with ``kinds`` a subset of KINDS:

- a **plain** worker opens it and calibrates N as bench does (the calibrate op);
- one worker per kind opens it too: ``alloc`` with GODEBUG=memprofilerate=1
  (runtime.MemProfileRate=1 from the runtime's first allocation on, so that
  every allocation is sampled), ``gctrace`` with GODEBUG=gctrace=1 (the
  runtime writes one line per GC cycle to the worker's stderr), ``cpu`` and
  ``trace`` as plain workers that start their profiler by call;
- each kind's worker runs one unrecorded warm-up round; then the alloc
  worker writes an allocation snapshot, the cpu worker starts its CPU
  profile and the gctrace worker's stderr is marked;
- ``rounds`` blocks follow: in block r every worker runs one round of N, the
  order rotating by one each block, so that plain and profiled rounds meet
  the same machine noise; the trace worker traces each of its rounds into
  trace.out (the last one is kept: one round's trace);
- then the CPU profile stops, the alloc worker writes a second snapshot and
  allocs.pprof is their difference (the rounds' allocations alone), and the
  gctrace lines of the rounds are saved.

What profiling costs is each kind's ns/op against the plain worker's in the
same block (gobench.analyse.profile.overhead). A worker that dies (a fatal
Go error) marks its scenario crashed, with the scenario and kind in the
message; the files of every other scenario are kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from gobench.collect import pprof, protocol
from gobench.collect.protocol import Settings
from gobench.collect.scheduler import new_outcome, rotate
from gobench.collect.spawn import Worker, stopping
from gobench.errors import ToolchainError, WorkerCrash

KINDS = ("cpu", "alloc", "trace", "gctrace")
PLAIN = "plain"
FILES = {"cpu": "cpu.pprof", "alloc": "allocs.pprof", "trace": "trace.out", "gctrace": "gctrace.txt"}
_GODEBUG = {"alloc": "memprofilerate=1", "gctrace": "gctrace=1"}
CPU_HZ = 1000  # CPU profile samples per CPU second (pprof's default 100 gives 10 samples in 100 ms)
# The CPU profile samples CPU time, not wall time: it covers rounds until the process has used CPU_MIN_S
# of CPU (about 1000 samples), or CPU_MAX_WALL_S of rounds have passed (on a busy machine a process may
# get an eighth of a CPU). The extra rounds come after the blocks and are not part of the overhead.
CPU_MIN_S = 1.0
CPU_MAX_WALL_S = 15.0
# --quick: a quarter of that, about 250 samples; enough for the top CPU functions the report lists (a function
# with a 5% share has about 12 samples, so its share is known to about +-30%), and it saves up to 0.75 s of
# rounds a scenario.
CPU_MIN_S_QUICK = 0.25

OnStep = Callable[[str, str], None]


def parse_kinds(text: str | None) -> list[str]:
    """parse_kinds reads "cpu,alloc" into the kinds, in KINDS order (empty or None: all of them)."""
    if not text:
        return list(KINDS)
    asked = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in asked if k not in KINDS]
    if bad or not asked:
        raise ValueError(f"--kind {text!r}: unknown profile kind {', '.join(map(repr, bad)) or '(none)'}; allowed: "
                         f"{', '.join(KINDS)} (comma-separated)")
    return [k for k in KINDS if k in asked]


def worker_env(kind: str) -> dict[str, str]:
    """worker_env is the environment a kind's worker adds: GODEBUG for alloc and gctrace (after any GODEBUG
    settings the user has, so that ours win)."""
    if kind not in _GODEBUG:
        return {}
    have = os.environ.get("GODEBUG", "")
    return {"GODEBUG": f"{have},{_GODEBUG[kind]}" if have else _GODEBUG[kind]}


def scenario_dir(root: Path, name: str) -> Path:
    """scenario_dir is a scenario's profile folder: root/Family/Variant."""
    fam, var = name.split("/", 1)
    return root / fam / var


class _Failed(Exception):
    """_Failed ends one scenario's collection; its outcome already says why."""


def profile_scenario(name: str, params: dict, library_dir: Path, kinds: list[str], settings: Settings,
                     folder: Path, on_step: OnStep | None = None, cpu_min_s: float = CPU_MIN_S) -> dict:
    """profile_scenario profiles one scenario (see the module doc) and writes its files into ``folder``.

    Returns the scenario's outcome: as bench's (status, n, calibration, the plain worker's ``rounds``)
    plus ``profile``: the kinds, each kind's measured rounds (``kind_rounds``), the operations each
    profile covers (``ops``), MemProfileRate as the alloc worker reported it, and the files written
    (``files``: kind -> path in ``folder``). gctrace's lines are also in ``gctrace_text``. The CPU profile
    covers rounds until its process has used ``cpu_min_s`` of CPU (or CPU_MAX_WALL_S of rounds).
    """
    settings.validate()
    step = on_step or (lambda n, s: None)
    out = new_outcome(name, params)
    prof: dict = {"kinds": list(kinds), "kind_rounds": {k: [] for k in kinds}, "ops": {}, "files": {}}
    out["profile"] = prof
    sides = [PLAIN] + list(kinds)
    folder.mkdir(parents=True, exist_ok=True)
    with stopping({}) as workers:
        def ask(side: str, cmd: tuple[dict, float]) -> dict:
            try:
                rep = workers[side].request(*cmd)
            except WorkerCrash as e:
                out.update(status="crashed", error=str(e))  # names the scenario and the kind: its label
                raise _Failed from None
            if "error" in rep:
                out.update(status="error", error=f"{name} [{side} worker, {cmd[0]['op']}]: {rep['error']}")
                raise _Failed
            return rep

        try:
            step(name, "open")
            for side in sides:
                workers[side] = Worker(f"{name} [{side}]", library_dir, worker_env(side))
            for side in sides:
                rep = ask(side, protocol.open_cmd([(name, params)]))
                if rep["errors"]:
                    out.update(status="error", error=f"{name} [{side} worker]: {rep['errors'].get(name)}")
                    raise _Failed
                out.setdefault("info", rep["info"])
            step(name, "calibrate")
            cal = ask(PLAIN, protocol.calibrate_cmd(name, settings))
            n = int(cal["n"])
            out.update(n=n, calibration=cal["trials"])
            for side in kinds:  # warm-up, not recorded: the plain worker has run this code while calibrating
                ask(side, protocol.round_cmd(name, n, settings))
            if "alloc" in kinds:
                rate = ask("alloc", protocol.profile_cmd("write_allocs", str(folder / "allocs.base.pprof")))
                prof["mem_profile_rate"] = rate["profile"]["mem_profile_rate"]
            if "cpu" in kinds:
                ask("cpu", protocol.profile_cmd("start_cpu", str(folder / FILES["cpu"]), CPU_HZ))
                prof["cpu_hz"] = CPU_HZ
            mark = workers["gctrace"].stderr_size() if "gctrace" in kinds else 0
            for r in range(settings.rounds):
                for side in rotate(sides, r):
                    step(name, f"round {r + 1}/{settings.rounds} [{side}]")
                    if side == "trace":
                        ask(side, protocol.profile_cmd("start_trace", str(folder / FILES["trace"])))
                    rd = ask(side, protocol.round_cmd(name, n, settings))["round"]
                    if side == "trace":
                        ask(side, protocol.profile_cmd("stop_trace"))
                    (out["rounds"] if side == PLAIN else prof["kind_rounds"][side]).append(rd)
            step(name, "writing profiles")
            if "cpu" in kinds:
                cpu_rounds = list(prof["kind_rounds"]["cpu"])
                cpu_ops = n * len(cpu_rounds)
                while (sum(r["cpu_user_ns"] + r["cpu_sys_ns"] for r in cpu_rounds) < cpu_min_s * 1e9
                       and sum(r["elapsed_ns"] for r in cpu_rounds) < CPU_MAX_WALL_S * 1e9):
                    step(name, "more CPU profile rounds")
                    cpu_rounds.append(ask("cpu", protocol.round_cmd(name, n, settings))["round"])
                    cpu_ops += n
                ask("cpu", protocol.profile_cmd("stop_cpu"))
                prof["files"]["cpu"], prof["ops"]["cpu"] = str(folder / FILES["cpu"]), cpu_ops
            if "alloc" in kinds:
                total = folder / "allocs.total.pprof"
                ask("alloc", protocol.profile_cmd("write_allocs", str(total)))
                base = folder / "allocs.base.pprof"
                pprof.subtract(base, total, folder / FILES["alloc"])
                base.unlink()
                total.unlink()
                prof["files"]["alloc"], prof["ops"]["alloc"] = str(folder / FILES["alloc"]), n * settings.rounds
            if "trace" in kinds:
                prof["files"]["trace"], prof["ops"]["trace"] = str(folder / FILES["trace"]), n
            if "gctrace" in kinds:
                text = workers["gctrace"].stderr_text(mark)
                (folder / FILES["gctrace"]).write_text(text)
                prof["files"]["gctrace"], prof["ops"]["gctrace"] = str(folder / FILES["gctrace"]), n * settings.rounds
                prof["gctrace_text"] = text
        except _Failed:
            pass
        except (ToolchainError, OSError) as e:  # go tool pprof or a profile file: this scenario only
            out.update(status="error", error=f"{name}: writing its profiles failed: {e}")
    return out


def profile_all(specs: list[tuple[str, dict]], library_dir: Path, kinds: list[str], settings: Settings,
                root: Path, on_step: OnStep | None = None) -> list[dict]:
    """profile_all profiles each scenario in turn into root/Family/Variant; a failed scenario does not
    stop the others."""
    return [profile_scenario(name, params, library_dir, kinds, settings, scenario_dir(root, name), on_step)
            for name, params in specs]
