"""`invoke history`: one metric across all stored runs, as a chart."""

from __future__ import annotations

import sys
from typing import IO

from gobench.metrics import unit_of
from gobench.present.fmt import fmt_num
from gobench.store import runs as store


def history(metric: str = "ns_per_op", filter_: str | None = None, root=None, out: IO[str] = sys.stdout,
            err: IO[str] = sys.stderr) -> int:
    """history draws one metric of the matching benchmarks across all stored runs into results/history.png/svg."""
    from gobench.present import charts
    from gobench.analyse import history as hist

    root = root or store.RESULTS
    try:
        series, skipped, seen = hist.collect(metric, filter_, root)
    except ValueError as e:
        print(f"gobench: {e}", file=err)
        return 2
    for s in skipped:
        print(f"gobench history: left out, unreadable: {s}", file=err)
    if not series:
        what = f"metric {metric!r}" + (f" for benchmarks matching {filter_!r}" if filter_ else "")
        known = ", ".join(sorted(seen)) or "none (no readable runs)"
        print(f"gobench: no stored run has {what}; metrics seen: {known}", file=err)
        return 2
    paths = charts.history_chart(series, metric, unit_of(metric), root / "history")
    for name, pts in sorted(series.items()):
        first, last = pts[0]["median"], pts[-1]["median"]
        change = f"{(last / first - 1) * 100:+.1f}%" if first else "-"
        out.write(f"{name}: {len(pts)} runs, first {fmt_num(first)}, last {fmt_num(last)} "
                  f"{unit_of(metric)} ({change})\n")
    out.write(f"wrote {', '.join(str(p) for p in paths)}\n")
    return 0
