"""`invoke review`: micro benchmarks, load runs and sweeps, one report with a verdict per claim."""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.collect import load as loadrun
from gobench.commands.bench import bench
from gobench.commands.common import after_run
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present import load as loadtext
from gobench.store import runs as store


# SNAPSHOT_ARTICLE_RECORDS is the article's 1 GB snapshot (claim C6) in 48-byte records: 1e9 / 48, rounded up.
SNAPSHOT_ARTICLE_RECORDS = 20_833_334
SNAPSHOT_ARTICLE_VARIANTS = ("write", "mmap", "memcpy", "write-fdatasync", "mmap-msync")
SNAPSHOT_ARTICLE_ROUNDS = 4  # the fewest a side for a Mann-Whitney p below 0.05


def snapshot_at_article_size(out: IO[str], err: IO[str]) -> tuple[int, str | None]:
    """snapshot_at_article_size measures the Snapshot family at the article's 1 GB (claim C6) in a run of its own;
    returns (exit code, the stored run's folder or None).

    The default snapshot (3 MiB) stays in the CPU caches; at 1 GB every copy goes to memory and the mapping
    faults in 4 KiB pages, which is what the article's numbers are about. One op is one whole snapshot, so a
    round is one op and the rounds are few.
    """
    out.write(f"\n== Snapshot at the article's size ({SNAPSHOT_ARTICLE_RECORDS:,} records of 48 B, 1 GB) ==\n")
    params = [f"Snapshot/{v}:records={SNAPSHOT_ARTICLE_RECORDS}" for v in SNAPSHOT_ARTICLE_VARIANTS]
    code = bench(filter_=f"^Snapshot/({'|'.join(SNAPSHOT_ARTICLE_VARIANTS)})$", rounds=SNAPSHOT_ARTICLE_ROUNDS,
                 round_ms=1.0, params=params, out=out, err=err)
    if code == 2:
        return code, None
    return code, str(store.resolve(None))


def review(quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """review runs everything a design review needs and writes one report with a verdict per claim.

    The micro benchmarks, the default load run, the GOGC, GOMAXPROCS,
    GC-implementation and controller sweeps, a closed-loop run of the
    TradeContext kinds (throughput, claim C3) and the Snapshot family at the
    article's 1 GB (claim C6) are stored as separate runs; the report of the
    micro run joins the others.
    """
    t0 = time.monotonic()
    code = bench(quick=quick, out=out, err=err)
    if code == 2:
        return 2
    micro = store.resolve(None)
    dur, warm = (3.0, 1.0) if quick else (10.0, 2.0)
    joined, worst = [], code
    steps = [(None, None, "open"), ("gogc", None, "open"), ("gomaxprocs", None, "open"), ("gc", None, "open"),
             ("controller", None, "open"), (None, ["tradecontext-heap", "tradecontext-slab"], "closed")]
    for sweep, kinds, mode in steps:
        title = (f"load sweep {sweep}" if sweep else "closed-loop load of " + ", ".join(kinds) if kinds
                 else "load at the default rate")
        out.write(f"\n== {title} ==\n")
        try:
            duration = max(dur, 11.0) if sweep == "controller" else dur  # two controller periods at least
            run_ = loadrun.run(kinds, 12_000, duration, warm, sweep, mode, 5.0, out,
                               on_point=lambda e: print(f"    {loadtext.summary_line(e)}", file=out, flush=True))
        except (ValueError, ToolchainError, BuildError) as e:
            print(f"gobench review: {title}: {e}", file=err)
            worst = max(worst, 1)
            continue
        except KeyboardInterrupt:
            print("\ngobench review: interrupted; runs stored so far are kept.", file=err)
            return 130
        try:
            folder = store.write_run(run_)
        except StoreError as e:
            print(f"gobench review: {title}: {e}", file=err)
            return 2
        out.write("\n" + loadtext.table(run_) + f"stored {folder}\n")
        joined.append(str(folder))
        if any(e["status"] != "ok" for e in run_["load"]):
            worst = max(worst, 1)
    code, snap = snapshot_at_article_size(out, err)
    worst = max(worst, code)
    if snap:
        joined.append(snap)
    out.write("\n")
    after_run(micro, out, err, with_runs=joined)
    out.write(f"review finished in {time.monotonic() - t0:.0f} s\n")
    return worst
