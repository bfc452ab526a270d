"""The load run's text: one line per finished point, and the end-of-run table."""

from __future__ import annotations

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
    return (f"achieved {fmt_num(_g(rt, 'achieved_per_s', 'achieved'))} req/s{kept}, "
            f"p50 {_us(_g(lat, 'p50_ns', 'p50'))} us, p99 {_us(_g(lat, 'p99_ns', 'p99'))} us, "
            f"GC {fmt_num(gc.get('cycles_per_min'))}/min")


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
        rate_txt = fmt_num(_g(rt, "achieved_per_s", "achieved")) + ("" if rt.get("kept_up", True) else " (behind)")
        rows.append([label, rate_txt] + [_us(_g(lat, f"{q}_ns", q)) for q in ("p50", "p99", "p999", "max")] +
                    [fmt_num(gc.get("cycles_per_min")), _us(gc.get("stw_p99_ns")), _us(gc.get("stw_max_ns"))])
    return render(rows, ["point", "req/s", "p50 us", "p99 us", "p99.9 us", "max us", "GC/min",
                         "STW p99 us", "STW max us"])
