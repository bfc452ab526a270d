"""`invoke compare`: two stored runs side by side."""

from __future__ import annotations

import sys
from typing import IO

from gobench.store import runs as store


def compare(run_a: str, run_b: str, metrics: list[str] | None = None, markdown: bool = False, root=None,
            out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """compare prints two runs side by side: medians, B/A and a Mann-Whitney test per benchmark and metric."""
    from gobench.analyse import compare as cmp
    from gobench.present import compare as table

    root = root or store.RESULTS
    try:
        a, b = store.load_run(run_a, root), store.load_run(run_b, root)
    except store.StoreError as e:
        print(f"gobench: {e}", file=err)
        return 2
    if not a.get("benchmarks") and not b.get("benchmarks"):
        print("gobench: neither run has micro benchmarks (load runs are compared in their reports)", file=err)
        return 2
    out.write(table.render(cmp.compare(a, b, metrics or None), a, b, markdown))
    return 0
