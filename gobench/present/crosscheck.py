"""Crosscheck text: a progress line per repeat and the table of both tools side by side."""

from __future__ import annotations

import statistics

from gobench.analyse import stats
from gobench.analyse.crosscheck import AGREE, Pair
from gobench.present.fmt import fmt_num
from gobench.present.text import render

NOTE = ("ratio = harness ns/op / go test ns/op on the same N, per ABBA repeat; median over repeats "
        "[95% CI of the median] (range).\n"
        "Each repeat's harness samples come from a new worker process and each go test sample from a new "
        "process, so the interval covers the variation between processes.\n")


def repeat_line(repeat, pair: Pair) -> str:
    """repeat_line reports one repeat: its ABBA order, the four samples' ns/op and the repeat's ratio."""
    return (f"[{repeat.family}] repeat {repeat.index + 1}/{repeat.repeats} {repeat.name} {repeat.order}: "
            + " ".join(f"{x[0]:.4g}" for _, x in repeat.samples)
            + f" ns/op, ratio {pair.harness_ns[-1] / pair.gotest_ns[-1]:.3f}")


def table(pairs: dict[str, Pair]) -> str:
    """table renders the side-by-side comparison with the median ratio per scenario."""
    rows = []
    for name, p in sorted(pairs.items()):
        rs = p.ratios()
        sm = p.ratio_summary()
        f = fmt_num
        rows.append([
            name, f(statistics.median(p.harness_ns)) if p.harness_ns else "-",
            f(statistics.median(p.gotest_ns)) if p.gotest_ns else "-",
            (f"{sm.median:.3f} [{sm.ci_lo:.3f}, {sm.ci_hi:.3f}] ({sm.min:.2f}-{sm.max:.2f})"
             if sm.n >= stats.MIN_SAMPLES_FOR_CI else f"{sm.median:.3f} ({sm.min:.2f}-{sm.max:.2f})") if rs else "-",
            "yes" if p.agrees() else "NO",
            f"{f(statistics.median(p.harness_allocs))} / {f(statistics.median(p.gotest_allocs))}"
            if p.harness_allocs and p.gotest_allocs else "-",
            f"{f(statistics.median(p.harness_bytes))} / {f(statistics.median(p.gotest_bytes))}"
            if p.harness_bytes and p.gotest_bytes else "-",
        ])
    return render(rows, ["scenario", "harness ns/op", "go test ns/op", "ratio median [95% CI] (range)",
                         f"within {AGREE[0]}-{AGREE[1]}", "allocs/op h / g", "B/op h / g"])


def agreement_text(section: dict | None) -> str | None:
    """agreement_text is one line saying how far harness and go test agreed on the run's machine, from a run
    record's "agreement" section; None when the run has none (runs from before it existed)."""
    if not section:
        return None
    if section.get("skipped"):
        return f"not measured ({section['skipped']})"
    if section.get("error"):
        return f"not measured: {section['error']}"
    parts = []
    for s in section.get("scenarios") or []:
        if s.get("error"):
            parts.append(f"{s['name']} {s['error']}")
            continue
        ci = (f" [{s['ci_lo']:.3f}, {s['ci_hi']:.3f}]" if s.get("ci_lo") is not None else " (no CI: under 6 repeats)")
        parts.append(f"{s['name']} {s['ratio_median']:.3f}{ci}, {s['repeats']} repeats, "
                     f"{fmt_num(s['harness_allocs_per_op'])} allocs/op")
    lo, hi = section.get("band") or AGREE
    return ("; ".join(parts) + f". Ratio = harness ns/op / go test ns/op on the same N, ABBA order, median "
            f"[95% CI over repeats, each in new processes]; {lo}-{hi} is agreement "
            f"({fmt_num(section.get('wall_s'))} s, `invoke crosscheck` for every scenario; the README's "
            f"\"Agreement with go test -bench\" says which differ on the project VM and why).")
