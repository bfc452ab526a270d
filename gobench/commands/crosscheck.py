"""`invoke crosscheck`: the harness against `go test -bench` on the same Go functions and N."""

from __future__ import annotations

import sys
from typing import IO

import statistics

from gobench.collect.crosscheck import AGREE, crosscheck, table
from gobench.errors import BuildError


def main(families: list[str] | None, repeats: int, benchtime_ms: float, out: IO[str] = sys.stdout,
         err: IO[str] = sys.stderr) -> int:
    """main runs the cross-check and prints the table; exit 1 when a ratio falls outside the band."""
    try:
        pairs = crosscheck(families, repeats, benchtime_ms, out=out)
    except (ValueError, BuildError, RuntimeError) as e:
        print(f"gobench crosscheck: {e}", file=err)
        return 2
    if not pairs:
        print(f"gobench crosscheck: no scenario matched families {families}", file=err)
        return 2
    out.write("\n" + table(pairs))
    out.write("\nratio = harness ns/op / go test ns/op on the same N, per ABBA repeat; median over repeats "
                  "[95% CI of the median] (range).\n")
    bad = [n for n, p in pairs.items() if not (p.ratios() and AGREE[0] <= statistics.median(p.ratios()) <= AGREE[1])]
    if bad:
        out.write(f"outside {AGREE}: {', '.join(bad)}\n")
    return 1 if bad else 0
