"""`invoke review`: micro benchmarks, load runs and sweeps, one report with a verdict per claim."""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.collect import load as loadrun
from gobench.commands import load as loadcmd
from gobench.commands.bench import bench
from gobench.commands.common import after_run
from gobench.commands.profile import review_pass
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present import load as loadtext
from gobench.store import runs as store


LOAD_REPEATS = 3
# The claim whose baseline GC rate a load run is calibrated to: with a live heap of hundreds of MiB an order's
# own allocations make almost no GC cycles, so the default run alone cannot show C2's GC/min.
CALIBRATED = "C2"
# Load settings of the review. Measured on the 2-core VM: a point costs its warm-up and duration plus about
# 2 s (process start, building the order book, drain); 17 points x 3 repeats must fit the review's budget
# (20 min full, 5 min --quick, micro benchmarks included). The controller needs two of its intervals per
# profile step at least, so it runs longer points, and --quick shortens its interval.
FULL = {"live_heap_mib": 256,
        "points": {"duration_s": 8.0, "warmup_s": 2.0, "interval_s": 5.0, "profile": "constant"},
        "controller": {"duration_s": 15.0, "warmup_s": 1.0, "interval_s": 5.0, "profile": "steps",
                       "profile_period_s": 15.0}}
QUICK = {"live_heap_mib": 64,
         "points": {"duration_s": 1.0, "warmup_s": 0.5, "interval_s": 5.0, "profile": "constant"},
         "controller": {"duration_s": 2.5, "warmup_s": 0.5, "interval_s": 0.5, "profile": "steps",
                        "profile_period_s": 3.0}}


def review(quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr, agreement: bool = True) -> int:
    """review runs everything a design review needs and writes one report with a verdict per claim.

    The micro benchmarks, the default load run and the GOGC, GOMAXPROCS,
    GC-implementation and controller sweeps are stored as separate runs; the
    report of the micro run joins the others in its claims table. The micro
    run carries this machine's agreement with `go test` unless ``agreement``
    is False (--no-agreement).

    Every load point runs LOAD_REPEATS times in fresh processes, in the
    service model (ServiceModel's defaults; --quick: a smaller book and
    shorter points); the controller sweep runs the steps profile, so traffic
    rises and falls across the controller's decisions.
    """
    t0 = time.monotonic()
    code = bench(quick=quick, out=out, err=err, agreement=agreement)
    if code == 2:
        return 2
    micro = store.resolve(None)
    settings = QUICK if quick else FULL
    joined, worst = [], code
    work_steps = 0  # timed by the first load point, then the same for every stage (ServiceModel.work_steps)
    for sweep in (None, CALIBRATED, "gogc", "gomaxprocs", "gc", "controller"):
        title = {None: "load at the default rate", CALIBRATED: f"load calibrated to {CALIBRATED}"}.get(
            sweep, f"load sweep {sweep}")
        out.write(f"\n== {title} ==\n")
        try:
            s = settings["controller" if sweep == "controller" else "points"]
            service = loadrun.ServiceModel(live_heap_mib=settings["live_heap_mib"], profile=s["profile"],
                                           profile_period_s=s.get("profile_period_s", 0), work_steps=work_steps)
            kinds, rate, calibration = None, 12_000, None
            if sweep == CALIBRATED:
                kinds, rate, service, calibration = loadcmd.calibrated(CALIBRATED, service, s["duration_s"],
                                                                       s["warmup_s"], out)
            run_ = loadrun.run(kinds, rate, s["duration_s"], s["warmup_s"], sweep if sweep != CALIBRATED else None,
                               "open", s["interval_s"], out,
                               on_point=lambda e: print(f"    {loadtext.summary_line(e)}", file=out, flush=True),
                               repeats=LOAD_REPEATS, service=service, calibration=calibration)
        except (ValueError, ToolchainError, BuildError) as e:
            print(f"gobench review: {title}: {e}", file=err)
            worst = max(worst, 1)
            continue
        except KeyboardInterrupt:
            print("\ngobench review: interrupted; runs stored so far are kept.", file=err)
            return 130
        work_steps = run_["settings"]["service"]["work_steps"]
        try:
            folder = store.write_run(run_)
        except StoreError as e:
            print(f"gobench review: {title}: {e}", file=err)
            return 2
        out.write("\n" + loadtext.settings_line(run_) + "\n" + loadtext.table(run_) + f"\nstored {folder}\n")
        joined.append(str(folder))
        if any(e["status"] != "ok" for e in run_["load"]):
            worst = max(worst, 1)
    worst = max(worst, review_pass(quick, joined, out, err))  # profiles, shown in the report's families
    out.write("\n")
    after_run(micro, out, err, with_runs=joined)
    out.write(f"review finished in {time.monotonic() - t0:.0f} s\n")
    return worst
