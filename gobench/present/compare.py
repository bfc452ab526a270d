"""`invoke compare`'s tables: two runs side by side, one table per metric, as benchstat prints them.

analyse.compare computes the rows; this lays them out, with the legend and
the differences between the two runs' machines and builds.
"""

from __future__ import annotations

import math

from gobench.analyse.compare import ALPHA, MIN_ROUNDS, Row, config_differences
from gobench.metrics import unit_of
from gobench.present.fmt import ci_text
from gobench.present.text import render as render_table

HEADER = ["scenario", "A median (95% CI)", "B median (95% CI)", "B/A", "delta", "test"]


def delta(r: Row) -> str:
    """delta is "+12.3%" when significant, "~" when not, or why there is no comparison."""
    if r.only:
        return f"only in {r.only}"
    if r.a is None or r.b is None:
        return "no data"
    if not r.significant:
        return "~"
    if r.ratio is None:
        return "from 0" if (r.b.get("median") or 0) else "="
    d = (r.ratio - 1) * 100
    return f"{d:+.1f}%" if abs(d) >= 1 else f"{d:+.2g}%"  # a tiny but significant change stays visible


def _cell(s: dict | None) -> str:
    return ci_text(s) if s else "-"


def render(rows: list[Row], run_a: dict, run_b: dict, markdown: bool = False) -> str:
    """render prints one table per metric, a legend and the configuration differences."""
    out = [f"A: {run_a.get('run_id')} ({run_a.get('created', '?')})",
           f"B: {run_b.get('run_id')} ({run_b.get('created', '?')})", ""]
    for m in dict.fromkeys(r.metric for r in rows):
        body = []
        for r in (r for r in rows if r.metric == m):
            p = "" if r.p is None or math.isnan(r.p) else f"p={r.p:.3f} p_holm={r.p_holm:.3f}"
            n = f"n={(r.a or {}).get('n', 0)}+{(r.b or {}).get('n', 0)}"
            body.append([r.name, _cell(r.a), _cell(r.b),
                         "-" if r.ratio is None else f"{r.ratio:.3f}x", delta(r), f"{p} {n}".strip()])
        out.append(f"{m} ({unit_of(m)})")
        out.append(render_table(body, HEADER, markdown))
    tested = sum(r.p_holm is not None for r in rows)
    out.append(f"delta: change of the median where the Mann-Whitney U test gives p < {ALPHA} after Holm's "
               f"correction over the {tested} tests of this comparison (p_holm); ~ means no significant difference.")
    small = [r for r in rows if r.a and r.b and min(r.a.get("n", 0), r.b.get("n", 0)) < MIN_ROUNDS]
    if small:
        out.append(f"Some benchmarks have fewer than {MIN_ROUNDS} rounds on a side: too few for a difference to "
                   f"reach p < {ALPHA} reliably; measure more rounds (`invoke bench --rounds 10`).")
    diffs = config_differences(run_a, run_b)
    if diffs:
        out.append("The runs differ in: " + "; ".join(f"{k}: {a} (A) vs {b} (B)" for k, a, b in diffs) + ".")
    return "\n".join(out) + "\n"
