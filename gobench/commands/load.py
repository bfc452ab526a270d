"""`invoke load`: request-shaped load at a target rate, and sweeps of GC settings."""

from __future__ import annotations

import sys
from typing import IO

from gobench.collect.load import run
from gobench.commands.common import after_run
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present.load import summary_line, table
from gobench.store import runs as store


def main(kinds: list[str] | None, rate: float, duration_s: float, warmup_s: float, sweep: str | None, mode: str,
         controller_interval_s: float, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr, workers: int = 0) -> int:
    """main runs a load session, stores it and prints the summary; returns an exit code."""
    try:
        store.check_writable()
        run_ = run(kinds, rate, duration_s, warmup_s, sweep, mode, controller_interval_s, out, workers,
                   on_point=lambda e: print(f"    {summary_line(e)}", file=out, flush=True))
    except (ValueError, BuildError, ToolchainError) as e:
        print(f"gobench load: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench load: interrupted; nothing was stored.", file=err)
        return 130
    try:
        folder = store.write_run(run_)
    except StoreError as e:
        print(f"gobench load: {e}", file=err)
        return 2
    out.write("\n" + table(run_) + f"\nstored {folder}\n")
    after_run(folder, out, err)
    return 1 if any(e["status"] != "ok" for e in run_["load"]) else 0
