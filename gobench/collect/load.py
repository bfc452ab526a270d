"""Load runs: the Go open-loop generator at a target rate, and sweeps of GC settings.

Every point (a request kind at a GOGC, GOMAXPROCS, GC build or controller
setting) runs in its own worker process, because GOGC and GOMAXPROCS are
read once when a Go library loads and a build variant is a different
library. Each point is the ``load`` command of a worker (protocol.py).
Results are stored as a run record with a ``load`` section.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

from gobench.build import library as buildmod
from gobench.collect import machine, protocol
from gobench.collect import plan as registry
from gobench.collect.spawn import Worker, stopping
from gobench.errors import WorkerCrash
from gobench.store import runs as store

SWEEPS = ("gogc", "gomaxprocs", "gc", "controller")
GOGC_POINTS = ("50", "100", "200", "400", "off")
GOMAXPROCS_POINTS = (1, 2, 4, 8)
OFF_MEMORY_LIMIT = 1 << 30  # GOGC=off is only sane with a memory limit
MAX_RATE = 2_000_000
MAX_DURATION_S = 3600


@dataclass
class Point:
    """Point is one load run: a request kind with its environment, build and controller setting."""

    label: str
    kind: str
    build: str = "default"
    env: dict = field(default_factory=dict)
    sweep: str | None = None
    point: dict = field(default_factory=dict)
    controller: bool = False
    workers: int | None = None  # None: the run's --workers


def validate(rate: float, duration_s: float, warmup_s: float, sweep: str | None) -> None:
    """validate rejects absurd settings before anything starts, saying what is allowed."""
    if not (0 < rate <= MAX_RATE):
        raise ValueError(f"--rate must be in (0, {MAX_RATE}] requests/s, got {rate:g}")
    if not (1 <= duration_s <= MAX_DURATION_S):
        raise ValueError(f"--duration must be in [1, {MAX_DURATION_S}] seconds, got {duration_s:g}")
    if not (0 <= warmup_s <= duration_s):
        raise ValueError(f"--warmup must be in [0, duration] seconds, got {warmup_s:g}")
    if sweep is not None and sweep not in SWEEPS:
        raise ValueError(f"unknown sweep {sweep!r}; allowed: {', '.join(SWEEPS)}")


def plan(kinds: list[str], sweep: str | None, builds: dict[str, str] | None = None) -> list[Point]:
    """plan lists the points of a load run or of a sweep; ``builds`` names the build a kind needs (default:
    "default")."""
    if sweep is None:
        return [Point(k, k, build=(builds or {}).get(k, "default")) for k in kinds]
    kind = kinds[0]
    if sweep == "gogc":
        pts = []
        for g in GOGC_POINTS:
            env = {"GOGC": g} if g != "off" else {"GOGC": "off", "GOMEMLIMIT": str(OFF_MEMORY_LIMIT)}
            pts.append(Point(f"{kind} GOGC={g}", kind, env=env, sweep=sweep,
                             point={"gogc": g, **({"gomemlimit": OFF_MEMORY_LIMIT} if g == "off" else {})}))
        return pts
    if sweep == "gomaxprocs":
        ncpu = os.cpu_count() or 1
        # one worker at every point, so that only GOMAXPROCS changes
        return [Point(f"{kind} GOMAXPROCS={p}", kind, env={"GOMAXPROCS": str(p)}, sweep=sweep, workers=1,
                      point={"gomaxprocs": p, "oversubscribed": p > ncpu, "cores": ncpu}) for p in GOMAXPROCS_POINTS]
    if sweep == "gc":
        return [Point(f"{kind} [{b}]", kind, build=b, sweep=sweep, point={"gc": b}) for b in ("default", "nogreenteagc")]
    return [Point(f"{kind} GOGC=100 fixed", kind, sweep=sweep, point={"controller": "fixed GOGC=100"},
                  env={"GOGC": "100"}),
            Point(f"{kind} adaptive GOGC", kind, sweep=sweep, point={"controller": "adaptive"}, controller=True,
                  env={"GOGC": "100"})]


def _request(p: Point, rate: float, duration_s: float, warmup_s: float, mode: str, interval_s: float,
             workers: int) -> dict:
    req = {"kind": p.kind, "rate": rate, "duration_ms": int(duration_s * 1000), "warmup_ms": int(warmup_s * 1000),
           "mode": mode, "workers": p.workers if p.workers is not None else workers}
    if p.controller:
        req["controller"] = {"enabled": True, "interval_ms": int(interval_s * 1000)}
    return req


def measure_point(p: Point, library_dir: Path, request: dict) -> tuple[dict, dict]:
    """measure_point runs one load point in a worker of its own; returns its status, error and result,
    and the runtime's info. A Go error is ``error``; a worker that dies is ``crashed``, one that hangs ``timeout``."""
    res = {"status": "ok", "error": None, "result": None}
    info: dict = {}
    with stopping({}) as workers:
        w = workers["load"] = Worker(p.label, library_dir, p.env)
        try:
            info = w.request(*protocol.open_cmd([]))["info"]
            rep = w.request(*protocol.load_cmd(request))
        except WorkerCrash as e:
            return {**res, "status": "timeout" if e.timed_out else "crashed", "error": str(e)}, info
    if "error" in rep:
        return {**res, "status": "error", "error": rep["error"]}, info
    return {**res, "result": rep["result"]}, info


def choose_kinds(kinds: list[str] | None, sweep: str | None, registered: list[dict]) -> list[str]:
    """choose_kinds checks the requested kinds against the registered ones, or picks the registry's
    defaults: the kinds marked ``sweep`` for a sweep, those marked ``default`` otherwise."""
    known = [k["name"] for k in registered]
    if kinds:
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise ValueError(f"unknown request kind(s) {', '.join(unknown)}; known: {', '.join(known)} "
                             f"(`invoke scenarios` lists them)")
        return list(kinds)
    chosen = [k["name"] for k in registered if k.get("sweep" if sweep else "default")]
    if not chosen:
        raise ValueError(f"no request kind is registered as a {'sweep' if sweep else 'default'} kind; "
                         f"name one with --family (known: {', '.join(known)})")
    return chosen[:1] if sweep else chosen


def run(kinds: list[str] | None = None, rate: float = 12_000, duration_s: float = 10, warmup_s: float = 2,
        sweep: str | None = None, mode: str = "open", controller_interval_s: float = 5.0,
        out: IO[str] = sys.stdout, workers: int = 0, on_point: Callable[[dict], None] | None = None) -> dict:
    """run performs the load points one after another and returns the run record.

    ``on_point`` is called with each point's entry when it is done (the command prints a line).
    """
    validate(rate, duration_s, warmup_s, sweep)
    if mode not in ("open", "closed"):
        raise ValueError(f"--mode must be open or closed, got {mode!r}")
    if not (isinstance(workers, int) and 0 <= workers <= 1024):
        raise ValueError(f"--workers must be 0 (GOMAXPROCS-1 for open loop, GOMAXPROCS for closed) or 1..1024, "
                         f"got {workers!r}")
    log = lambda m: print(m, file=out)  # noqa: E731
    built = {"default": buildmod.build("default", log=log)}
    registered = {k["name"]: k for k in registry.load_kinds(built["default"])}
    if any(k not in registered for k in kinds or []):  # a kind may need an experiment's build
        built["arenas"] = buildmod.build("arenas", log=log)
        for k in registry.load_kinds(built["arenas"]):
            registered.setdefault(k["name"], k)
    kinds = choose_kinds(kinds, sweep, list(registered.values()))
    points = plan(kinds, sweep, {k: registered[k].get("requires") or "default" for k in kinds})
    for b in sorted({p.build for p in points} - set(built)):
        built[b] = buildmod.build(b, log=log)
    t0 = time.monotonic()
    results, libraries = [], {}
    for i, p in enumerate(points, 1):
        print(f"[{i}/{len(points)}] {p.label}: {rate:g} req/s for {duration_s:g} s ({mode} loop) ...",
              file=out, flush=True)
        got, info = measure_point(p, built[p.build].dir,
                                  _request(p, rate, duration_s, warmup_s, mode, controller_interval_s, workers))
        entry = {"label": p.label, "kind": p.kind, "build": p.build, "env": p.env, "sweep": sweep, "point": p.point,
                 "mode": mode, **got}
        if info:
            libraries.setdefault(p.build, {"info": info, "stamp": built[p.build].stamp})
        results.append(entry)
        if on_point:
            on_point(entry)
    settings = {"rate": rate, "duration_s": duration_s, "warmup_s": warmup_s, "sweep": sweep, "mode": mode,
                "kinds": kinds}
    return store.new_record("load", settings, libraries, [], load=results, machine=machine.describe(),
                            toolchain=machine.toolchain(), wall_s=time.monotonic() - t0)
