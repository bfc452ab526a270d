"""`invoke review`: micro benchmarks, load runs and sweeps, one report with a verdict per claim."""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.collect import load as loadrun
from gobench.commands.bench import bench
from gobench.commands.common import after_run
from gobench.commands.profile import review_pass
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present import load as loadtext
from gobench.store import runs as store


def review(quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr, agreement: bool = True) -> int:
    """review runs everything a design review needs and writes one report with a verdict per claim.

    The micro benchmarks, the default load run and the GOGC, GOMAXPROCS,
    GC-implementation and controller sweeps are stored as separate runs; the
    report of the micro run joins the others in its claims table. The micro
    run carries this machine's agreement with `go test` unless ``agreement``
    is False (--no-agreement).
    """
    t0 = time.monotonic()
    code = bench(quick=quick, out=out, err=err, agreement=agreement)
    if code == 2:
        return 2
    micro = store.resolve(None)
    dur, warm = (3.0, 1.0) if quick else (10.0, 2.0)
    joined, worst = [], code
    for sweep in (None, "gogc", "gomaxprocs", "gc", "controller"):
        title = f"load sweep {sweep}" if sweep else "load at the default rate"
        out.write(f"\n== {title} ==\n")
        try:
            duration = max(dur, 11.0) if sweep == "controller" else dur  # two controller periods at least
            run_ = loadrun.run(None, 12_000, duration, warm, sweep, "open", 5.0, out,
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
    worst = max(worst, review_pass(quick, joined, out, err))  # profiles, shown in the report's families
    out.write("\n")
    after_run(micro, out, err, with_runs=joined)
    out.write(f"review finished in {time.monotonic() - t0:.0f} s\n")
    return worst
