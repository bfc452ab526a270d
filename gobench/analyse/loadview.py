"""Reading the "load" section of a run record, defensively.

The load section holds the replies of the Go load generator (gosrc/load),
one per load run. This module is the only place that knows their shape;
claims, charts and the report ask it for numbers. The reply may lack a
field or spell it differently ("p99" or "p99_ns"; percentiles given or only
the buckets), so every reader returns None when a number is not there
rather than raising, and derives what it can (percentiles from buckets, the
mean STW pause from the total) when the direct field is missing.
"""

from __future__ import annotations

import math
from statistics import median as _median

from gobench.analyse.stats import median_ci_ranks

# percentile -> key spellings tried, in order
_PCT_KEYS = {
    50.0: ("p50", "p50_ns"),
    90.0: ("p90", "p90_ns"),
    99.0: ("p99", "p99_ns"),
    99.9: ("p999", "p99_9", "p999_ns", "p99_9_ns"),
    99.99: ("p9999", "p99_99", "p9999_ns", "p99_99_ns"),
}
PERCENTILES = tuple(_PCT_KEYS)


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
        return None
    return float(v)


def _first(d: dict, *keys) -> float | None:
    for k in keys:
        v = _num(d.get(k)) if isinstance(d, dict) else None
        if v is not None:
            return v
    return None


def _dict(v) -> dict:
    return v if isinstance(v, dict) else {}


def entries(run: dict, ok_only: bool = False) -> list[dict]:
    """entries returns the load section's entries (dicts only), optionally only those with status ok and a result."""
    out = [e for e in (run.get("load") or []) if isinstance(e, dict)]
    if ok_only:
        out = [e for e in out if e.get("status", "ok") == "ok" and isinstance(e.get("result"), dict)]
    return out


def label(e: dict) -> str:
    """label names an entry: its label, else kind plus sweep point."""
    if e.get("label"):
        return str(e["label"])
    point = _dict(e.get("point"))
    suffix = ",".join(f"{k}={v}" for k, v in point.items())
    return f"{e.get('kind', '?')}" + (f"@{suffix}" if suffix else "")


def result(e: dict) -> dict:
    return _dict(e.get("result"))


def buckets(rows) -> list[tuple[float, float, float]]:
    """buckets returns [(lo_ns, hi_ns, count)] sorted by lo, skipping malformed rows."""
    out = []
    for b in rows or []:
        if not isinstance(b, dict):
            continue
        lo, hi, c = _num(b.get("lo_ns")), _num(b.get("hi_ns")), _num(b.get("count"))
        if lo is None or c is None or c <= 0:
            continue
        out.append((lo, hi if hi is not None and hi >= lo else lo, c))
    return sorted(out)


def percentile_from_buckets(rows, pct: float) -> float | None:
    """percentile_from_buckets is the midpoint of the bucket holding the pct-th percentile (None if empty)."""
    bs = buckets(rows)
    total = sum(c for _, _, c in bs)
    if not total:
        return None
    rank = math.ceil(total * pct / 100.0)
    seen = 0.0
    for lo, hi, c in bs:
        seen += c
        if seen >= rank:
            return lo + (hi - lo) / 2
    lo, hi, _ = bs[-1]
    return lo + (hi - lo) / 2


def latency(e: dict) -> dict:
    """latency returns {"count", "mean", "max", 50.0, 90.0, 99.0, 99.9, 99.99} in ns (None where unknown)."""
    lat = _dict(result(e).get("latency"))
    out: dict = {"count": _first(lat, "count"), "mean": _first(lat, "mean", "mean_ns"),
                 "max": _first(lat, "max", "max_ns")}
    for p, keys in _PCT_KEYS.items():
        v = _first(lat, *keys)
        if v is None and lat.get("buckets"):
            v = percentile_from_buckets(lat["buckets"], p)
        out[p] = v
    return out


def spectrum(e: dict, pcts: list[float]) -> list[tuple[float, float]]:
    """spectrum returns (percentile, latency ns) points: from the buckets if there are any, else the stored
    percentiles."""
    lat = _dict(result(e).get("latency"))
    if buckets(lat.get("buckets")):
        pts = [(p, percentile_from_buckets(lat["buckets"], p)) for p in pcts]
    else:
        l = latency(e)
        pts = [(p, l[p]) for p in PERCENTILES]
    return [(p, v) for p, v in pts if v is not None]


def rate(e: dict) -> dict:
    """rate returns {"target", "achieved", "kept_up", "backlog", "closed_loop"}."""
    res = result(e)
    r, cfg = _dict(res.get("rate")), _dict(res.get("config"))
    target = _first(r, "target", "target_per_s")
    if target is None:
        target = _first(cfg, "rate", "target_rate", "qps")
    kept = r.get("kept_up")
    mode = str(r.get("mode") or res.get("mode") or cfg.get("mode") or e.get("mode") or "").lower()
    closed = mode.startswith("closed") or bool(cfg.get("closed_loop")) or not target
    return {"target": target, "achieved": _first(r, "achieved", "achieved_per_s"),
            "kept_up": kept if isinstance(kept, bool) else None, "backlog": _first(r, "backlog"),
            "closed_loop": closed}


def gc(e: dict) -> dict:
    """gc returns the GC numbers of the interval (None where unknown); STW values in ns.

    ``gc_cpu_share_of_procs`` is GC CPU over GOMAXPROCS x wall time (the
    micro benchmarks' GC CPU metric divides by one goroutine's wall time
    instead); load records made before the rename call it gc_cpu_fraction,
    which is read as the same number. The key ``gc_cpu_fraction`` is still
    returned, equal to it, for readers not yet moved to the new name.
    """
    g = _dict(result(e).get("gc"))
    out = {k: _first(g, k) for k in ("cycles", "cycles_per_min", "stw_count", "stw_p50_ns", "stw_p99_ns",
                                     "stw_max_ns", "stw_total_ns", "peak_heap_bytes",
                                     "peak_heap_live_bytes", "alloc_bytes_per_s", "interval_s")}
    out["gc_cpu_share_of_procs"] = _first(g, "gc_cpu_share_of_procs", "gc_cpu_fraction")
    out["gc_cpu_fraction"] = out["gc_cpu_share_of_procs"]
    if out["cycles_per_min"] is None and out["cycles"] is not None and out["interval_s"]:
        out["cycles_per_min"] = out["cycles"] * 60 / out["interval_s"]
    return out


def stw_buckets(e: dict) -> list[tuple[float, float, float]]:
    return buckets(_dict(result(e).get("gc")).get("stw_buckets"))


def stw_mean_sd(e: dict) -> tuple[float | None, float | None]:
    """stw_mean_sd is the mean and standard deviation of one STW pause in ns, from the bucket midpoints.

    The runtime's pause histogram has 4 buckets per power of two, so both are
    within about 25%. The mean falls back to stw_total_ns / stw_count.
    """
    bs = stw_buckets(e)
    total = sum(c for _, _, c in bs)
    if total:
        mids = [((lo + hi) / 2, c) for lo, hi, c in bs]
        mean = sum(m * c for m, c in mids) / total
        var = sum(c * (m - mean) ** 2 for m, c in mids) / total
        return mean, math.sqrt(var)
    g = gc(e)
    if g["stw_count"] and g["stw_total_ns"] is not None:
        return g["stw_total_ns"] / g["stw_count"], None
    return None, None


def point_value(e: dict, key: str):
    """point_value returns the sweep point's value for key (e.g. "gomaxprocs"), else the reply's own field."""
    v = _dict(e.get("point")).get(key)
    if v is None:
        v = result(e).get(key)
    return v


def gogc_of(e: dict) -> int | None:
    """gogc_of is the GOGC a load run ran with: the sweep point ("50", 50 or "off" = -1), else the reply's
    gogc_start/gogc; None when unknown."""
    v = _dict(e.get("point")).get("gogc")
    if v is None:
        r = result(e)
        v = next((r[k] for k in ("gogc_start", "gogc") if r.get(k) is not None), None)
    if isinstance(v, str):
        if v.strip().lower() == "off":
            return -1
        try:
            return int(float(v))
        except ValueError:
            return None
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def runtime_info(e: dict, run: dict) -> dict:
    """runtime_info is {"go_version", "goexperiment", "gogc", "gomaxprocs"} of an entry, from the reply or
    from its library's info."""
    r = result(e)
    info = _dict(_dict(_dict(run.get("libraries")).get(e.get("build") or "default")).get("info"))
    gv = r.get("go_version") or info.get("go_version") or _dict(run.get("toolchain")).get("version")
    gx = r.get("goexperiment")
    if gx is None:
        gx = info.get("goexperiment")
    gogc = gogc_of(e)
    return {"go_version": gv, "goexperiment": gx or "none",
            "gogc": gogc if gogc is not None else info.get("gc_percent"),
            "gomaxprocs": r.get("gomaxprocs", info.get("gomaxprocs"))}


def controller_enabled(e: dict) -> bool:
    """controller_enabled says whether the adaptive GOGC controller changed GOGC during the run. The generator
    records the formula's decisions even when it only watches (enabled false, applied false)."""
    ctl = _dict(result(e).get("controller"))
    if isinstance(ctl.get("enabled"), bool):
        return ctl["enabled"]
    return bool(ctl.get("gogc_timeline"))


def controller_timeline(e: dict) -> list[tuple[float, float]]:
    """controller_timeline returns (seconds, GOGC) points of the adaptive controller, if it ran, starting
    with the GOGC in force at t=0 when the reply gives it."""
    ctl = _dict(result(e).get("controller"))
    tl = ctl.get("gogc_timeline") or []
    out = []
    for i, x in enumerate(tl):
        if isinstance(x, dict):
            t = _first(x, "t_s", "t", "at_s", "time_s", "elapsed_s")
            if t is None and _first(x, "t_ms") is not None:
                t = _first(x, "t_ms") / 1e3
            g = _first(x, "gogc", "GOGC", "value")
            if g is not None:
                out.append((t if t is not None else float(i), g))
        elif isinstance(x, (list, tuple)) and len(x) >= 2 and _num(x[0]) is not None and _num(x[1]) is not None:
            out.append((float(x[0]), float(x[1])))
        elif _num(x) is not None:
            out.append((float(i), float(x)))
    start = _first(ctl, "gogc_start")
    if out and start is not None and out[0][0] > 0:
        out.insert(0, (0.0, start))
    return out


def repeat_of(e: dict) -> int:
    """repeat_of is the entry's 0-based repeat number (0 in records made before repeats)."""
    r = e.get("repeat")
    return r if isinstance(r, int) and not isinstance(r, bool) else 0


def repeats(run: dict) -> dict[str, list[dict]]:
    """repeats groups a run's load entries by point (label), each group in repeat order; every repeat ran in a
    fresh worker process, so the repeats of a point are independent samples of it."""
    out: dict[str, list[dict]] = {}
    for e in entries(run):
        out.setdefault(label(e), []).append(e)
    for group in out.values():
        group.sort(key=repeat_of)
    return out


def lower_bound(e: dict) -> bool:
    """lower_bound says whether the entry's percentiles are only lower bounds: requests that never started
    were recorded at the end of the run (or, in records made before they were recorded, left out while the
    generator fell behind)."""
    lat = _dict(result(e).get("latency"))
    if isinstance(lat.get("lower_bound"), bool):
        return lat["lower_bound"]
    return (_first(_dict(result(e).get("rate")), "unserved") or 0) > 0


def decides_latency(e: dict) -> bool:
    """decides_latency says whether an entry may decide a latency comparison: it ran (status ok), the generator
    kept up with its schedule, and its percentiles are not lower bounds."""
    return (e.get("status", "ok") == "ok" and bool(result(e)) and rate(e)["kept_up"] is not False
            and not lower_bound(e))


MIN_REPEATS_FOR_CI = 3


def p99_ci_confidence(n: int) -> float | None:
    """p99_ci_confidence is the coverage of the interval p99_ci gives for n usable repeats: the probability,
    whatever the distribution, that it covers the median p99 of the point. (min, max) of n samples covers
    the median with probability 1 - 2^(1-n): 75% for 3, 87.5% for 4, 93.75% for 5; from 6 on the
    order-statistic interval of stats.median_ci_ranks is used, at 95% or more."""
    if n < MIN_REPEATS_FOR_CI:
        return None
    if median_ci_ranks(n) is not None:
        return 0.95
    return 1 - 2.0 ** (1 - n)


def p99_ci(group: list[dict]) -> tuple[float, float, float] | None:
    """p99_ci is (median, lo, hi) of the per-repeat p99s of one point, in ns, or None with fewer than 3
    usable repeats.

    Only repeats that may decide a latency comparison count (decides_latency:
    kept up, no lower-bound percentiles). The unit is the repeat (a fresh
    process), not the request: run-to-run variation of a p99 (1.77x between
    three identical runs on this machine) dwarfs the sampling error within a
    run, so a bootstrap over the merged histograms, which sees only the
    latter, was rejected as too narrow. The interval is distribution-free:
    (min, max) for 3 to 5 repeats, at the confidence p99_ci_confidence gives
    (75% for 3: state it next to the interval), the 95% order-statistic
    interval from 6 on.
    """
    xs = sorted(v for v in (latency(e)[99.0] for e in group if decides_latency(e)) if v is not None)
    n = len(xs)
    if n < MIN_REPEATS_FOR_CI:
        return None
    ranks = median_ci_ranks(n) or (0, n - 1)
    return _median(xs), xs[ranks[0]], xs[ranks[1]]


def representatives(run: dict) -> list[dict]:
    """representatives is one ok entry per point (label) for charts that draw one line per point: the repeat
    whose p99 is the median of the point's repeats (the lower of the two middle ones for an even count),
    so a chart of a repeated run shows a typical repeat, not an overlay of all of them."""
    out = []
    for group in repeats(run).values():
        ok = [e for e in group if e.get("status", "ok") == "ok" and isinstance(e.get("result"), dict)]
        if ok:
            ranked = sorted(ok, key=lambda e: (latency(e)[99.0] is None, latency(e)[99.0] or 0.0))
            out.append(ranked[(len(ranked) - 1) // 2])
    return out
