"""Load runs: the Go open-loop generator at a target rate, and sweeps of GC settings.

Every point (a request kind at a GOGC, GOMAXPROCS, GC build or controller
setting) runs in its own worker process, because GOGC and GOMAXPROCS are
read once when a Go library loads and a build variant is a different
library. Each point is the ``load`` command of a worker (protocol.py).
Results are stored as a run record with a ``load`` section.

Every point runs ``repeats`` times, each in a fresh process, interleaved
across points with the scheduler's rotate order (point A rep 0, B rep 0,
then B rep 1, A rep 1, ...), so that machine noise falls on all points
alike; each entry carries its ``repeat`` and the point's ``label``.

Each request runs inside the service model (gosrc/load/service.go): a
resident order book of ``live_heap_mib`` and ``work_us`` of parse, validate
and match, around the kind's own handler (ServiceModel below).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Callable

from gobench.build import library as buildmod
from gobench.collect import machine, protocol, scheduler
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
MAX_REPEATS = 100
PROFILES = ("constant", "steps", "bursts")
MAX_LIVE_HEAP_MIB = 16 * 1024
MAX_WORK_US = 10_000
MAX_EXTRA_ALLOC_BYTES = 64 << 20


@dataclass
class ServiceModel:
    """ServiceModel is the service each request runs in, and the rate profile.

    The defaults stand for the article's order service (12k req/s on one
    node): an order book of 256 MiB live, pointer-rich structs that every GC
    cycle marks (a trading node holds hundreds of MB of books and sessions;
    with a 4 MB heap the runtime's minimum heap goal, not the pattern, would
    set the GC frequency), and 30 us of parse, validate and match per request
    (the article's 12,400 req/s on one core leaves 80 us per request, so tens
    of us is the order of its work; 30 us keeps one open-loop worker at about
    a third busy at 12k req/s, so the 1.5x steps peak still keeps up).
    """

    live_heap_mib: float = 256
    work_us: float = 30
    extra_alloc_bytes: int = 0  # per request, pointer-free; --calibrate-to picks it
    # Match steps per request: 0 lets the first point time them for work_us; run() then pins what that
    # point chose for every later point and repeat, so all do the same work whatever the machine's load.
    work_steps: int = 0
    profile: str = "constant"
    profile_period_s: float = 0  # 0: the generator's default (15 s)

    def validate(self) -> None:
        """validate rejects settings outside what the generator allows, saying what is allowed."""
        if not (0 <= self.live_heap_mib <= MAX_LIVE_HEAP_MIB):
            raise ValueError(f"--live-heap must be in [0, {MAX_LIVE_HEAP_MIB}] MiB, got {self.live_heap_mib:g}")
        if not (0 <= self.work_us <= MAX_WORK_US):
            raise ValueError(f"--work-us must be in [0, {MAX_WORK_US}] us, got {self.work_us:g}")
        if not (0 <= self.extra_alloc_bytes <= MAX_EXTRA_ALLOC_BYTES):
            raise ValueError(f"extra allocation must be in [0, {MAX_EXTRA_ALLOC_BYTES}] bytes per request, "
                             f"got {self.extra_alloc_bytes}")
        if isinstance(self.work_steps, bool) or not isinstance(self.work_steps, int) or self.work_steps < 0:
            raise ValueError(f"work steps must be a non-negative integer, got {self.work_steps!r}")
        if self.profile not in PROFILES:
            raise ValueError(f"--profile must be one of {', '.join(PROFILES)}, got {self.profile!r}")
        if self.profile_period_s and self.profile_period_s < 0.1:
            raise ValueError(f"--profile-period must be 0 (default 15 s) or at least 0.1 s, got {self.profile_period_s:g}")

    def request(self) -> dict:
        """request is the service part of a load request (gosrc/cmd/libgobench/load.go)."""
        return {"service": {"live_heap_bytes": int(self.live_heap_mib * (1 << 20)), "work_ns": int(self.work_us * 1000),
                            "work_steps": int(self.work_steps), "extra_alloc_bytes": int(self.extra_alloc_bytes)},
                "profile": self.profile, "profile_period_ms": self.profile_period_s * 1000}

    def settings(self) -> dict:
        """settings is the model as stored in the run's settings."""
        return {"live_heap_mib": self.live_heap_mib, "work_us": self.work_us, "work_steps": self.work_steps,
                "extra_alloc_bytes": self.extra_alloc_bytes, "profile": self.profile,
                "profile_period_s": self.profile_period_s}


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


def validate(rate: float, duration_s: float, warmup_s: float, sweep: str | None, repeats: int = 3) -> None:
    """validate rejects absurd settings before anything starts, saying what is allowed."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not (1 <= repeats <= MAX_REPEATS):
        raise ValueError(f"--repeats must be an integer in [1, {MAX_REPEATS}] (3 or more for a p99 interval), "
                         f"got {repeats!r}")
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
             workers: int, service: ServiceModel | None = None) -> dict:
    req = {"kind": p.kind, "rate": rate, "duration_ms": int(duration_s * 1000), "warmup_ms": int(warmup_s * 1000),
           "mode": mode, "workers": p.workers if p.workers is not None else workers,
           **(service or ServiceModel()).request()}
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
        out: IO[str] = sys.stdout, workers: int = 0, on_point: Callable[[dict], None] | None = None,
        repeats: int = 3, service: ServiceModel | None = None, calibration: dict | None = None) -> dict:
    """run performs every point ``repeats`` times, interleaved (scheduler.rotate), and returns the run record.

    ``on_point`` is called with each point's entry when it is done (the command prints a line).
    ``calibration``, if given, is stored in the settings (what --calibrate-to chose and why).
    """
    service = service or ServiceModel()
    validate(rate, duration_s, warmup_s, sweep, repeats)
    service.validate()
    if mode == "closed" and service.profile != "constant":
        raise ValueError(f"--profile {service.profile} needs the open loop: the closed loop has no rate to shape")
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
    by_label = {p.label: p for p in points}
    order = [(rep, by_label[name]) for rep in range(repeats) for name in scheduler.rotate(list(by_label), rep)]
    for i, (rep, p) in enumerate(order, 1):
        print(f"[{i}/{len(order)}] {p.label} (repeat {rep + 1}/{repeats}): {rate:g} req/s {service.profile} for "
              f"{duration_s:g} s ({mode} loop) ...", file=out, flush=True)
        got, info = measure_point(p, built[p.build].dir, _request(p, rate, duration_s, warmup_s, mode,
                                                                  controller_interval_s, workers, service))
        entry = {"label": p.label, "repeat": rep, "kind": p.kind, "build": p.build, "env": p.env, "sweep": sweep,
                 "point": p.point, "mode": mode, **got}
        if info:
            libraries.setdefault(p.build, {"info": info, "stamp": built[p.build].stamp})
        service = pin_work(service, got)
        results.append(entry)
        if on_point:
            on_point(entry)
    settings = {"rate": rate, "duration_s": duration_s, "warmup_s": warmup_s, "sweep": sweep, "mode": mode,
                "kinds": kinds, "repeats": repeats, "service": service.settings(),
                **({"calibration": calibration} if calibration else {})}
    return store.new_record("load", settings, libraries, [], load=results, machine=machine.describe(),
                            toolchain=machine.toolchain(), wall_s=time.monotonic() - t0)


def pin_work(service: ServiceModel, got: dict) -> ServiceModel:
    """pin_work returns the service with its match steps fixed to those a point's Go side timed for work_us, if
    they were not fixed yet (timing each process anew would give each point different work)."""
    steps = ((got.get("result") or {}).get("service") or {}).get("work_steps")
    if service.work_steps or not steps:
        return service
    return replace(service, work_steps=int(steps))


def calibrate(kind: str, target_gc_per_min: float, rate: float, duration_s: float, warmup_s: float,
              service: ServiceModel, out: IO[str] = sys.stdout, workers: int = 0) -> dict:
    """calibrate picks the extra allocation per request at which ``kind`` would run ``target_gc_per_min`` GC
    cycles per minute at ``rate`` in ``service``, from three probe points (each a fresh process).

    A GC cycle starts after a heap-goal's worth of allocation (about one live heap at GOGC=100), so at the
    target rate cycles per minute = 60 x rate x bytes per request / bytes allocated per cycle. Both
    factors are measured per probe, so a probe that could not keep up with the rate (a busy machine)
    still calibrates; its GC/min at the rate it did reach is kept as ``gc_per_min``. The first probe
    measures the kind's own bytes per request (bytes per cycle: the live heap when no cycle ran); the
    second and third add the extra allocation the last measured bytes per cycle and bytes per request ask for
    (the extra object is served from a size class, so it costs up to an eighth more than asked: a probe whose
    ask lands just above a class boundary pays the next class, and the next probe asks for less by what the
    last one measured beyond its ask). The probe whose predicted GC/min at ``rate`` is closest to the target
    is chosen; every probe is returned.
    """
    log = lambda m: print(m, file=out)  # noqa: E731
    built = buildmod.build("default", log=log)
    point = Point(f"{kind} calibration", kind)
    probes: list[dict] = []
    pinned = service

    def probe(extra: int) -> dict:
        nonlocal pinned
        print(f"calibrating {kind}: {extra} extra bytes per request ...", file=out, flush=True)
        got, _ = measure_point(point, built.dir, _request(point, rate, duration_s, warmup_s, "open", 5.0, workers,
                                                          replace(pinned, extra_alloc_bytes=int(extra))))
        if got["status"] != "ok":
            raise ValueError(f"calibration probe of {kind} failed ({got['status']}): {got['error']}")
        pinned = pin_work(pinned, got)
        gc, rt = got["result"]["gc"], got["result"]["rate"]
        per_req = gc["alloc_bytes"] / rt["completed"] if rt.get("completed") else 0.0
        live = float(gc.get("peak_heap_live_bytes") or service.live_heap_mib * 2**20)
        per_cycle = gc["alloc_bytes"] / gc["cycles"] if gc.get("cycles") else live
        p = {"extra_alloc_bytes": int(extra), "gc_per_min": gc["cycles_per_min"], "bytes_per_request": per_req,
             "bytes_per_cycle": per_cycle, "gc_per_min_at_rate": 60 * rate * per_req / per_cycle if per_cycle else 0.0,
             "live_heap_bytes": live, "kept_up": rt["kept_up"], "achieved_per_s": rt.get("achieved_per_s")}
        print(f"    {p['gc_per_min_at_rate']:.1f} GC/min at {rate:g} req/s ({p['gc_per_min']:.1f} measured at "
              f"{rt.get('achieved_per_s', 0):.0f} req/s), {per_req:.0f} B/request, {per_cycle / 2**20:.1f} MiB per "
              f"cycle", file=out, flush=True)
        probes.append(p)
        return p

    p = probe(0)
    own = p["bytes_per_request"]
    if p["gc_per_min_at_rate"] < target_gc_per_min:  # else the kind alone reaches it: nothing to add
        for _ in range(2):
            extra = round(target_gc_per_min / 60 * p["bytes_per_cycle"] / rate
                          - (p["bytes_per_request"] - p["extra_alloc_bytes"]))
            p = probe(max(0, min(MAX_EXTRA_ALLOC_BYTES, extra)))
    best = min(probes, key=lambda p: abs(p["gc_per_min_at_rate"] - target_gc_per_min))
    return {"kind": kind, "target_gc_per_min": target_gc_per_min, "rate": rate, "work_steps": pinned.work_steps,
            "extra_alloc_bytes": best["extra_alloc_bytes"], "kind_bytes_per_request": own,
            "reached_gc_per_min": best["gc_per_min_at_rate"], "probes": probes}
