"""`invoke crosscheck`: the harness against `go test -bench` on the same Go functions and N."""

from __future__ import annotations

import sys
from typing import IO

from gobench.analyse import crosscheck as analysis
from gobench.collect import crosscheck as collect
from gobench.errors import BuildError, ToolchainError
from gobench.present import crosscheck as present


def main(families: list[str] | None, repeats: int, benchtime_ms: float, out: IO[str] = sys.stdout,
         err: IO[str] = sys.stderr) -> int:
    """main runs the cross-check and prints the table; exit 1 when a ratio falls outside the band,
    2 when it could not run or the harness could not measure a scenario."""
    pairs: dict[str, analysis.Pair] = {}

    def progress(rep: collect.Repeat) -> None:
        out.write(present.repeat_line(rep, analysis.add(pairs, rep)) + "\n")
        out.flush()

    try:
        _, outcomes = collect.crosscheck(families, repeats, benchtime_ms, out=out, on_repeat=progress)
    except (ValueError, BuildError, ToolchainError) as e:
        print(f"gobench crosscheck: {e}", file=err)
        return 2
    failed = [o for o in outcomes if o["status"] != "ok"]
    for o in failed:
        print(f"gobench crosscheck: harness {o['status']} on {o['name']}: {o['error']}", file=err)
    if not pairs:
        if not failed:
            print(f"gobench crosscheck: no scenario matched families {families}", file=err)
        return 2
    out.write("\n" + present.table(pairs))
    out.write("\n" + present.NOTE)
    bad = [n for n, p in pairs.items() if not p.agrees()]
    if bad:
        out.write(f"outside {analysis.AGREE}: {', '.join(bad)}\n")
    return 2 if failed else (1 if bad else 0)
