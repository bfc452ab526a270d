"""Load runs: the Go open-loop generator at a target rate, and sweeps of GC settings.

Every point (a request kind at a GOGC, GOMAXPROCS, GC build or controller
setting) runs in its own worker process, because GOGC and GOMAXPROCS are
read once when a Go library loads and a build variant is a different
library. Results are stored as a run record with a ``load`` section.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import IO

from gobench.build import library as buildmod
from gobench.collect import orchestrate
from gobench.present import text as present
from gobench.store import runs as store

DEFAULT_KINDS = ("order-new", "order-pool", "tradecontext-heap", "tradecontext-slab")
SWEEP_KIND = "order-new"
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


def plan(kinds: list[str], sweep: str | None) -> list[Point]:
    """plan lists the points of a load run or of a sweep."""
    if sweep is None:
        return [Point(k, k) for k in kinds]
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


def run(kinds: list[str] | None = None, rate: float = 12_000, duration_s: float = 10, warmup_s: float = 2,
        sweep: str | None = None, mode: str = "open", controller_interval_s: float = 5.0,
        out: IO[str] = sys.stdout, workers: int = 0) -> dict:
    """run performs the load points one after another and returns the run record."""
    kinds = list(kinds or ([SWEEP_KIND] if sweep else DEFAULT_KINDS))
    validate(rate, duration_s, warmup_s, sweep)
    if mode not in ("open", "closed"):
        raise ValueError(f"--mode must be open or closed, got {mode!r}")
    if not (isinstance(workers, int) and 0 <= workers <= 1024):
        raise ValueError(f"--workers must be 0 (GOMAXPROCS-1 for open loop, GOMAXPROCS for closed) or 1..1024, "
                         f"got {workers!r}")
    points = plan(kinds, sweep)
    builds = sorted({p.build for p in points}, key=lambda b: b != "default")
    built = {b: buildmod.build(b, log=lambda m: print(m, file=out)) for b in builds}
    t0 = time.monotonic()
    results, libraries = [], {}
    for i, p in enumerate(points, 1):
        print(f"[{i}/{len(points)}] {p.label}: {rate:g} req/s for {duration_s:g} s ({mode} loop) ...",
              file=out, flush=True)
        job = {"kind": "load", "label": p.label,
               "request": _request(p, rate, duration_s, warmup_s, mode, controller_interval_s, workers)}
        doc, rc, tail = orchestrate.run_worker(job, built[p.build].dir, p.env, timeout_s=duration_s * 3 + 120)
        o = (doc.get("outcomes") or [{}])[0]
        entry = {"label": p.label, "kind": p.kind, "build": p.build, "env": p.env, "sweep": sweep, "point": p.point,
                 "mode": mode, "status": o.get("status") or doc.get("status") or "crashed",
                 "error": o.get("error") or doc.get("error"), "result": o.get("result")}
        if entry["status"] not in ("ok",) and not entry["error"]:
            entry["error"] = f"worker {doc.get('status')} (exit {rc}):\n{tail}"
        if doc.get("info"):
            libraries.setdefault(p.build, {"info": doc["info"], "stamp": built[p.build].stamp})
        results.append(entry)
        print(f"    {summary_line(entry)}", file=out, flush=True)
    settings = {"rate": rate, "duration_s": duration_s, "warmup_s": warmup_s, "sweep": sweep, "mode": mode,
                "kinds": kinds}
    return store.new_record("load", settings, libraries, [], load=results, wall_s=time.monotonic() - t0)


def _g(d: dict, *names):
    """_g returns the first present key of d (the Go reply names units: p99_ns, achieved_per_s)."""
    for n in names:
        if d.get(n) is not None:
            return d[n]
    return None


def _us(ns) -> str:
    return "-" if ns is None else present.fmt_num(ns / 1000)


def summary_line(e: dict) -> str:
    r = e.get("result") or {}
    if e["status"] != "ok":
        return f"{e['status'].upper()}: {(e.get('error') or '').splitlines()[0] if e.get('error') else ''}"
    lat, rt, gc = r.get("latency", {}), r.get("rate", {}), r.get("gc", {})
    kept = "" if rt.get("kept_up", True) else "  (DID NOT KEEP UP)"
    return (f"achieved {present.fmt_num(_g(rt, 'achieved_per_s', 'achieved'))} req/s{kept}, "
            f"p50 {_us(_g(lat, 'p50_ns', 'p50'))} us, p99 {_us(_g(lat, 'p99_ns', 'p99'))} us, "
            f"GC {present.fmt_num(gc.get('cycles_per_min'))}/min")


def table(run: dict) -> str:
    """table is the end-of-run summary of a load run."""
    rows = []
    for e in run.get("load", []):
        r = e.get("result") or {}
        lat, rt, gc = r.get("latency", {}), r.get("rate", {}), r.get("gc", {})
        label = e["label"] + (" (oversubscribed)" if e.get("point", {}).get("oversubscribed") else "")
        if e["status"] != "ok":
            rows.append([label, e["status"].upper(), "", "", "", "", "", "", ""])
            continue
        rate_txt = present.fmt_num(_g(rt, "achieved_per_s", "achieved")) + ("" if rt.get("kept_up", True) else " (behind)")
        rows.append([label, rate_txt] + [_us(_g(lat, f"{q}_ns", q)) for q in ("p50", "p99", "p999", "max")] +
                    [present.fmt_num(gc.get("cycles_per_min")), _us(gc.get("stw_p99_ns")), _us(gc.get("stw_max_ns"))])
    return present.render(rows, ["point", "req/s", "p50 us", "p99 us", "p99.9 us", "max us", "GC/min",
                                 "STW p99 us", "STW max us"])


