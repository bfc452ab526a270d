"""The load run's text (present stage): one line per finished point, and the end-of-run table, which
gives each point's median p99 across its repeats with a distribution-free interval."""

from __future__ import annotations

from statistics import median

from gobench.analyse import loadview
from gobench.present.fmt import fmt_num
from gobench.present.text import render


def _g(d: dict, *names):
    """_g returns the first present key of d (the Go reply names units: p99_ns, achieved_per_s)."""
    for n in names:
        if d.get(n) is not None:
            return d[n]
    return None


def _us(ns) -> str:
    return "-" if ns is None else fmt_num(ns / 1000)


def summary_line(e: dict) -> str:
    """summary_line is one finished point: achieved rate, p50 and p99 latency, GC cycles per minute."""
    r = e.get("result") or {}
    if e["status"] != "ok":
        return f"{e['status'].upper()}: {(e.get('error') or '').splitlines()[0] if e.get('error') else ''}"
    lat, rt, gc = r.get("latency", {}), r.get("rate", {}), r.get("gc", {})
    kept = "" if rt.get("kept_up", True) else "  (DID NOT KEEP UP)"
    bound = (f"  ({lat['censored']} never started, recorded at the end: p99 is a lower bound)"
             if lat.get("lower_bound") else "")
    return (f"achieved {fmt_num(_g(rt, 'achieved_per_s', 'achieved'))} req/s{kept}, "
            f"p50 {_us(_g(lat, 'p50_ns', 'p50'))} us, p99 {_us(_g(lat, 'p99_ns', 'p99'))} us, "
            f"GC {fmt_num(gc.get('cycles_per_min'))}/min{bound}")


def _mib(b) -> str:
    return "-" if b is None else fmt_num(b / 2**20)


def _med(values) -> float | None:
    xs = [v for v in values if v is not None]
    return median(xs) if xs else None


def p99_text(group: list[dict]) -> str:
    """p99_text is a point's p99 over its repeats: "median [lo, hi] (75%)" in us, with the interval's
    confidence; the per-repeat values when there is no interval (fewer than 3 usable repeats)."""
    ci = loadview.p99_ci(group)
    if ci is None:
        vals = [_us(loadview.latency(e)[99.0]) for e in group if e.get("status") == "ok"]
        return ("/".join(vals) if vals else "-") + " (no CI: <3 usable repeats)"
    usable = sum(1 for e in group if loadview.decides_latency(e))
    conf = loadview.p99_ci_confidence(usable)
    return f"{_us(ci[0])} [{_us(ci[1])}, {_us(ci[2])}] ({conf * 100:.4g}%)"


def table(run: dict) -> str:
    """table is the end-of-run summary of a load run: one row per point, medians over its repeats.

    A point with a repeat that did not keep up (or whose percentiles are lower bounds) is marked; such
    repeats are left out of the p99 interval, so they never decide a latency comparison.
    """
    rows = []
    for label, group in loadview.repeats(run).items():
        ok = [e for e in group if e.get("status") == "ok" and e.get("result")]
        first = group[0]
        name = label + (" (oversubscribed)" if (first.get("point") or {}).get("oversubscribed") else "")
        failed = [e["status"].upper() for e in group if e.get("status") != "ok"]
        if not ok:
            rows.append([name, str(len(group)), ",".join(failed), "", "", "", "", "", "", ""])
            continue
        behind = sum(1 for e in ok if not loadview.decides_latency(e))
        reps = f"{len(ok)}" + (f" ({behind} behind)" if behind else "") + (f" +{','.join(failed)}" if failed else "")
        res = [e["result"] for e in ok]
        rate_txt = fmt_num(_med(_g(r.get("rate", {}), "achieved_per_s", "achieved") for r in res))
        rows.append([name, reps, rate_txt,
                     _us(_med(_g(r.get("latency", {}), "p50_ns", "p50") for r in res)),
                     p99_text(group),
                     _us(_med(_g(r.get("latency", {}), "p999_ns", "p999") for r in res)),
                     fmt_num(_med(r.get("gc", {}).get("cycles_per_min") for r in res)),
                     _us(_med(r.get("gc", {}).get("stw_p99_ns") for r in res)),
                     _us(max((r.get("gc", {}).get("stw_max_ns") or 0) for r in res)),
                     _mib(_med(r.get("gc", {}).get("peak_heap_bytes") for r in res))])
    return render(rows, ["point", "repeats", "req/s", "p50 us", "p99 us: median [CI] (conf.)", "p99.9 us",
                         "GC/min", "STW p99 us", "STW max us", "peak heap MiB"])


def settings_line(run: dict) -> str:
    """settings_line says what a load run ran: rate, profile, service model, repeats (and the calibration)."""
    s = run.get("settings") or {}
    svc = s.get("service") or {}
    line = (f"{fmt_num(s.get('rate'))} req/s {svc.get('profile', 'constant')}, {s.get('duration_s')} s per point "
            f"after {s.get('warmup_s')} s warm-up, {s.get('repeats', 1)} repeats in fresh processes; service: "
            f"{fmt_num(svc.get('live_heap_mib'))} MiB live order book, {fmt_num(svc.get('work_us'))} us work "
            f"({svc.get('work_steps') or 'untimed'} match steps), "
            f"{svc.get('extra_alloc_bytes', 0)} B extra allocation per request")
    cal = s.get("calibration")
    if cal:
        line += (f"; calibrated on {cal['kind']} to {fmt_num(cal['target_gc_per_min'])} GC/min "
                 f"(reached {fmt_num(cal['reached_gc_per_min'])}; the kind itself allocates "
                 f"{fmt_num(cal['kind_bytes_per_request'])} B per request)")
    return line
