"""The Go versions table (``invoke bench --go``): the present stage's side of a run across toolchains.

One row per scenario, per Go version its ns/op (median ± 95% CI), allocs/op
and B/op, and its ns/op ratio to the reference version: the median of the
per-round ratios of rounds that ran interleaved, with its 95% interval
(gobench.analyse.versions).
"""

from __future__ import annotations

from gobench.analyse import versions as analyse
from gobench.present.fmt import fmt_num
from gobench.present.text import render

EXPLANATION = ("Each scenario ran with each Go version in its own worker process, the versions' rounds interleaved "
               "within the family; x ref is a version's ns/op divided by the reference version's, the median of the "
               "per-round ratios of rounds that ran together, [95% CI] distribution-free (order statistics, no "
               "bootstrap). Each version is one process, so the interval is round-to-round noise only: repeat the "
               "run before trusting a difference of a few percent. allocs/op and B/op are exact counts.")


def ratio_cell(cell: analyse.VersionCell, ref: str) -> str:
    """ratio_cell is "1.07x [1.03, 1.12]", "ref" for the reference version, "-" without matched rounds."""
    if cell.go == ref:
        return "ref"
    r = cell.ratio
    if r is None or r.median != r.median:
        return "-"
    if r.ci_lo != r.ci_lo:  # NaN: too few rounds for a 95% interval
        return f"{r.median:.3f}x (n={r.n}, no CI)"
    return f"{r.median:.3f}x [{r.ci_lo:.3f}, {r.ci_hi:.3f}]"


def _ns_cell(cell: analyse.VersionCell) -> str:
    med = cell.medians.get("ns_per_op")
    lo, hi = cell.ns_ci
    if med is None:
        return "-"
    if lo is None or hi is None or not med:
        return fmt_num(med)
    return f"{fmt_num(med)} ±{max(med - lo, hi - med) / abs(med) * 100:.1f}%"


def rows(run: dict, ref: str | None = None) -> tuple[str, list[str], list[list[str]]]:
    """rows returns (reference version, header, rows) of the versions table: a row per (scenario, version)."""
    refv, vrows = analyse.compare(run, ref)
    header = ["scenario", "go", "ns/op (95% CI)", f"x {refv}", "allocs/op", "B/op"]
    out = []
    for row in vrows:
        for go, cell in row.cells.items():
            if cell.status != "ok" and not cell.medians.get("ns_per_op"):
                why = (cell.error or cell.status).splitlines()[0][:90] if cell.error else cell.status
                out.append([row.name, go, why.upper() if not cell.error else why, "", "", ""])
                continue
            out.append([row.name, go, _ns_cell(cell), ratio_cell(cell, refv),
                        fmt_num(cell.medians.get("allocs_per_op")), fmt_num(cell.medians.get("bytes_per_op"))])
    return refv, header, out


def versions_table(run: dict, ref: str | None = None, markdown: bool = False) -> str:
    """versions_table is the side-by-side table of a run across Go toolchains, for the terminal or Markdown."""
    _, header, body = rows(run, ref)
    return render(body, header, markdown)
