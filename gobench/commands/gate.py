"""`invoke baseline`, `invoke check` and `invoke gate-selftest`: the CI performance gate."""

from __future__ import annotations

import sys
from typing import IO


def gate_baseline(quick: bool = False, filter_: str | None = None, rounds: int | None = None,
                  round_ms: float | None = None, sessions: int | None = None, out: IO[str] = sys.stdout,
                  err: IO[str] = sys.stderr) -> int:
    """gate_baseline records results/baseline/baseline.json for the performance gate (gobench/gate.py)."""
    from gobench.analyse import gate

    return gate.baseline_main(quick, filter_, rounds, round_ms, sessions or gate.DEFAULT_SESSIONS, out=out, err=err)


def gate_check(against: str | None = None, strict_timing: bool = False, filter_: str | None = None,
               quick: bool = False, blocks: int | None = None, out: IO[str] = sys.stdout,
               err: IO[str] = sys.stderr) -> int:
    """gate_check runs the performance gate; 0 pass, 1 regression, 2 could not check."""
    from gobench.analyse import gate

    return gate.check_main(against, strict_timing, filter_, quick, blocks=blocks or gate.DEFAULT_BLOCKS,
                           out=out, err=err)


def gate_selftest(trials: int = 10, quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """gate_selftest repeats A/A and injected-regression trials and prints false alarms and detections."""
    from gobench.analyse import gate

    return gate.selftest_main(trials, quick, out=out, err=err)
