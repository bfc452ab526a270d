"""`invoke soak`: repeat bench sessions and FFI calls, and report what the processes kept.

A harness that leaks a descriptor or a temporary file per run fails only
after weeks of CI. This command makes those weeks in minutes: it runs
``bench --quick`` several times in this process and many round calls in one
worker, and compares the parent's and the worker's resident memory, open
descriptors and gobench temporary files before and after.
"""

from __future__ import annotations

import gc
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from gobench.build import library as buildmod
from gobench.collect import protocol
from gobench.collect.spawn import Worker, stopping
from gobench.commands.bench import bench
from gobench.errors import BuildError, ToolchainError, WorkerCrash
from gobench.paths import RESULTS
from gobench.present.text import render

SOAK_SCENARIO = "OrderItem/new"  # allocates, so the worker's heap and GC are exercised too


def _status_kib(pid: int | str, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _fds(pid: int | str) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _temporaries() -> set[Path]:
    """_temporaries lists gobench's temporary files and folders: in the temp dir and under results/."""
    tmp = {p for p in Path(tempfile.gettempdir()).iterdir() if p.name.startswith("gobench")}
    return tmp | set(RESULTS.rglob(".*.tmp")) | set(RESULTS.rglob(".*.partial"))


def _snapshot(pid: int | str) -> dict:
    return {"rss_kib": _status_kib(pid, "VmRSS"), "fds": _fds(pid), "threads": _status_kib(pid, "Threads")}


def _rss_trend(series: list[int]) -> str:
    """_rss_trend says how the parent's RSS moved over the sessions: growth in the first and second half.

    A cache (fonts, imported modules, the allocator's arenas) grows early and stops; a leak keeps the same
    slope in the second half.
    """
    if len(series) < 4:
        return f"parent RSS after each session (KiB): {series}"
    half = len(series) // 2
    first = (series[half - 1] - series[0]) / (half - 1)
    second = (series[-1] - series[half]) / (len(series) - 1 - half)
    return (f"parent RSS growth per session: {first:+,.0f} KiB in the first half, {second:+,.0f} KiB in the second "
            f"(min {min(series):,}, max {max(series):,} KiB)")


def main(runs: int = 20, calls: int = 10_000, filter_: str | None = None, out: IO[str] = sys.stdout,
         err: IO[str] = sys.stderr) -> int:
    """main runs the soak and prints before/after; exit 1 if descriptors or temporaries grew, 2 if it could not run.

    Before is measured after one warm-up session (and 100 warm-up calls in the worker).
    """
    if not (isinstance(runs, int) and 1 <= runs <= 1000):
        print(f"gobench soak: --runs must be an integer in [1, 1000], got {runs!r}", file=err)
        return 2
    if not (isinstance(calls, int) and 1 <= calls <= 10_000_000):
        print(f"gobench soak: --calls must be an integer in [1, 10000000], got {calls!r}", file=err)
        return 2
    rows = []
    t0 = time.monotonic()
    rss_series: list[int] = []  # the parent's RSS after each measured session: a plateau is a cache, a slope a leak

    def one_bench(label: str) -> bool:
        quiet = io.StringIO()
        code = bench(filter_, quick=True, out=quiet, err=quiet)
        gc.collect()
        rss = _status_kib("self", "VmRSS")
        rss_series.append(rss)
        out.write(f"bench --quick {label}: exit {code} ({time.monotonic() - t0:.0f} s), parent RSS {rss:,} KiB, "
                  f"{len(gc.get_objects()):,} Python objects\n")
        out.flush()
        if code == 2:
            out.write(quiet.getvalue()[-2000:])
        return code != 2

    # One session first: loading matplotlib, fonts and the first build are not leaks.
    if not one_bench("warm-up"):
        return 2
    parent0, tmp0 = _snapshot("self"), _temporaries()
    rss_series.clear()
    for i in range(runs):
        if not one_bench(f"{i + 1}/{runs}"):
            return 2
    parent1, tmp1 = _snapshot("self"), _temporaries()
    new_tmp = sorted(tmp1 - tmp0)
    rows.append([f"parent, {runs} x bench --quick", parent0["rss_kib"], parent1["rss_kib"], parent0["fds"],
                 parent1["fds"], parent0["threads"], parent1["threads"], len(tmp0), len(tmp1)])
    try:
        lib = buildmod.build("default")
        with stopping({}) as workers:
            w = workers["soak"] = Worker("soak", lib.dir)
            w.request(*protocol.open_cmd([(SOAK_SCENARIO, {})]))
            st = protocol.Settings(round_ms=1.0, rounds=1)
            for _ in range(100):  # warm-up: the runtime's netpoller, threads and first GC cycles
                w.request(*protocol.round_cmd(SOAK_SCENARIO, 1000, st))
            worker0 = _snapshot(w.proc.pid)
            for _ in range(calls):
                w.request(*protocol.round_cmd(SOAK_SCENARIO, 1000, st))
            worker1 = _snapshot(w.proc.pid)
    except (BuildError, ToolchainError, WorkerCrash) as e:
        print(f"gobench soak: {e}", file=err)
        return 2
    rows.append([f"worker, {calls} round calls of {SOAK_SCENARIO}", worker0["rss_kib"], worker1["rss_kib"],
                 worker0["fds"], worker1["fds"], worker0["threads"], worker1["threads"], "", ""])
    out.write("\n" + render([[str(c) for c in r] for r in rows],
                            ["process", "RSS KiB before", "after", "fds before", "after", "threads before",
                             "after", "temp files before", "after"]) + "\n")
    out.write(_rss_trend(rss_series) + "\n")
    for p in new_tmp:
        out.write(f"new temporary: {p}\n")
    out.write(f"soak finished in {time.monotonic() - t0:.0f} s\n")
    grew = parent1["fds"] > parent0["fds"] or worker1["fds"] > worker0["fds"] or bool(new_tmp)
    if grew:
        out.write("descriptors or temporary files grew: a leak\n")
    return 1 if grew else 0
