"""`invoke report`: rebuild a stored run's charts and report from its data."""

from __future__ import annotations

import sys
from typing import IO

from gobench.store import runs as store


def report(run: str | None = None, with_runs: list[str] | None = None, root=None, out: IO[str] = sys.stdout,
           err: IO[str] = sys.stderr) -> int:
    """report rebuilds the charts, REPORT.md and REPORT.html of a stored run (default: latest); with_runs
    adds other runs' results (e.g. a load run) to its claims table."""
    from gobench.analyse import claims as claimsmod
    from gobench.analyse import grid
    from gobench.present import claims as claimstable
    from gobench.present import grid as gridview
    from gobench.present import report as rep

    root = root or store.RESULTS
    try:
        folder = store.resolve(run, root)
        path = rep.write_report(folder, root, with_runs)
        main, others = store.load_run(folder, root), [store.load_run(r, root) for r in with_runs or []]
    except store.StoreError as e:
        print(f"gobench: {e}", file=err)
        return 2
    verdicts = claimsmod.evaluate(rep.claims_record(main, others), root / "escape.json")
    width = max(len(v.id) for v in verdicts)
    out.write("".join(f"{v.id.ljust(width)}  {claimstable.text(v.verdict)}\n" for v in verdicts))
    g = grid.build(main, others, root / "escape.json")
    if g is not None:
        lines = gridview.change_lines(g, grid.changes(g))
        out.write(f"\nclaims per host and Go version: {len(g.contexts)} columns in the report; what changed: "
                  + ("".join(f"\n  {ln}" for ln in lines) if lines else "nothing") + "\n")
    out.write(f"\nwrote {path}\n  and {path.with_name(rep.REPORT_HTML)} (self-contained), charts in "
              f"{folder / rep.CHART_DIR}\n")
    return 0
