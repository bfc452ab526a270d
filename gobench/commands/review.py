"""`invoke review`: micro benchmarks, load runs and sweeps, one report with a verdict per claim."""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.collect import load as loadrun
from gobench.commands import load as loadcmd
from gobench.commands.bench import bench
from gobench.commands.common import INTERRUPTED, after_run
from gobench.commands.profile import review_pass
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present import load as loadtext
from gobench.store import runs as store


LOAD_REPEATS = 3
# The claims whose baseline GC rate a load run each is calibrated to, one run per claim: with a live heap of
# hundreds of MiB a request kind's own allocations make few GC cycles (order-new almost none, tradecontext-heap
# none in a 1 s point of --quick), so the default run alone cannot show C2's or C5's GC/min.
CALIBRATED = ("C2", "C5")
# SWEEPS_CALIBRATED_TO is the calibrated claim whose extra allocation per request the GC sweeps run with.
SWEEPS_CALIBRATED_TO = "C2"
# Load settings of the review. Measured on the 2-core VM: a point costs its warm-up and duration plus about
# 2 s (process start, building the order book, drain); 19 points x 3 repeats and two calibrations of 3 probes
# each must fit the review's budget
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


# SNAPSHOT_ARTICLE_RECORDS is the article's 1 GB snapshot (claim C6) in 48-byte records: 1e9 / 48, rounded up.
SNAPSHOT_ARTICLE_RECORDS = 20_833_334
SNAPSHOT_ARTICLE_VARIANTS = ("write", "mmap", "memcpy", "write-fdatasync", "mmap-msync")
# Rounds of the 1 GB step: 6 give the per-round ratios a distribution-free 95% CI; --quick runs 4, the fewest a
# side for a Mann-Whitney p below 0.05, and C6's CI is then a t-interval of the log ratios (claims.ratio_ci).
# A round of the five variants takes about 3.5 s; opening them (1 GB of records each, and a synced 1 GB file
# for the four that write one) takes most of the step's 50-70 s.
SNAPSHOT_ARTICLE_ROUNDS = 6
SNAPSHOT_ARTICLE_ROUNDS_QUICK = 4


def snapshot_at_article_size(out: IO[str], err: IO[str], quick: bool = False) -> tuple[int, str | None]:
    """snapshot_at_article_size measures the Snapshot family at the article's 1 GB (claim C6) in a run of its own;
    returns (exit code, the stored run's folder or None).

    The default snapshot (3 MiB) stays in the CPU caches; at 1 GB every copy goes to memory and the mapping
    faults in 4 KiB pages, which is what the article's numbers are about. One op is one whole snapshot, so a
    round is one op and the rounds are few.
    """
    out.write(f"\n== Snapshot at the article's size ({SNAPSHOT_ARTICLE_RECORDS:,} records of 48 B, 1 GB) ==\n")
    params = [f"Snapshot/{v}:records={SNAPSHOT_ARTICLE_RECORDS}" for v in SNAPSHOT_ARTICLE_VARIANTS]
    code = bench(filter_=f"^Snapshot/({'|'.join(SNAPSHOT_ARTICLE_VARIANTS)})$",
                 rounds=SNAPSHOT_ARTICLE_ROUNDS_QUICK if quick else SNAPSHOT_ARTICLE_ROUNDS, round_ms=1.0,
                 params=params, out=out, err=err, agreement=False, report=False)  # the micro run has the agreement
    if code in (INTERRUPTED, 2):
        return code, None
    return code, str(store.resolve(None))


def review(quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr, agreement: bool = True) -> int:
    """review runs everything a design review needs and writes one report with a verdict per claim.

    The micro benchmarks, the default load run, a run calibrated to each of C2's and C5's baseline GC
    rates (CALIBRATED; each decides only its own claim), the GOGC, GOMAXPROCS,
    GC-implementation and controller sweeps, a closed-loop run of the TradeContext kinds (throughput,
    claim C3), the Snapshot family at the article's 1 GB (claim C6) and a profile pass are stored as
    separate runs; the report of the micro run joins the others. The micro run carries this machine's
    agreement with `go test` unless ``agreement`` is False (--no-agreement).

    Every load point runs LOAD_REPEATS times in fresh processes, in the
    service model (ServiceModel's defaults; --quick: a smaller book and
    shorter points); the GOGC, GOMAXPROCS, GC and controller sweeps add the
    extra allocation per request that the C2 calibration chose, so that GC
    cycles run in their points; the controller sweep runs the steps profile,
    so traffic rises and falls across the controller's decisions. Both modes
    profile only the scenarios claims cite, with --quick's short CPU profile
    (commands/profile.review_pass); --quick runs the 1 GB Snapshot step with 4
    rounds instead of 6. The output ends with each stage's wall time.
    """
    clock = StageClock()
    code = bench(quick=quick, out=out, err=err, agreement=agreement, report=False)  # one report, at the end
    clock.lap("micro benchmarks" + (" and agreement" if agreement else ""))
    if code in (INTERRUPTED, 2):  # Ctrl-C ends the review, not only the stage it came in
        return code
    micro = store.resolve(None)
    settings = QUICK if quick else FULL
    joined, worst = [], code
    work_steps = 0  # timed by the first load point, then the same for every stage (ServiceModel.work_steps)
    # extra_alloc: the SWEEPS_CALIBRATED_TO stage's extra allocation per request, which the GC sweeps run with: at the
    # service's own allocation rate (order-new: about 4.6 MB/s at 12k req/s) a 64 or 256 MiB book sees no GC
    # cycle in a point, so the sweeps of GOGC, GOMAXPROCS, the GC and the controller would have no pause to show.
    extra_alloc = 0
    closed = ["tradecontext-heap", "tradecontext-slab"]  # claim C3 is a throughput claim: a closed loop
    # stage: None (a plain run), a claim of CALIBRATED (a run calibrated to it) or a sweep
    for stage, mode in ((None, "open"), *((c, "open") for c in CALIBRATED), ("gogc", "open"),
                        ("gomaxprocs", "open"), ("gc", "open"), ("controller", "open"), (None, "closed")):
        sweep = stage if stage not in CALIBRATED else None
        title = ("closed-loop load of " + ", ".join(closed) if mode == "closed"
                 else f"load calibrated to {stage}" if stage in CALIBRATED
                 else f"load sweep {sweep}" if sweep else "load at the default rate")
        out.write(f"\n== {title} ==\n")
        try:
            s = settings["controller" if sweep == "controller" else "points"]
            service = loadrun.ServiceModel(live_heap_mib=settings["live_heap_mib"], profile=s["profile"],
                                           profile_period_s=s.get("profile_period_s", 0), work_steps=work_steps,
                                           extra_alloc_bytes=extra_alloc if sweep else 0)
            kinds, rate, calibration = (closed if mode == "closed" else None), 12_000, None
            if stage in CALIBRATED:
                kinds, rate, service, calibration = loadcmd.calibrated(stage, service, s["duration_s"],
                                                                       s["warmup_s"], out)
                if stage == SWEEPS_CALIBRATED_TO:
                    extra_alloc = service.extra_alloc_bytes
            run_ = loadrun.run(kinds, rate, s["duration_s"], s["warmup_s"], sweep, mode, s["interval_s"], out,
                               on_point=lambda e: print(f"    {loadtext.summary_line(e)}", file=out, flush=True),
                               repeats=LOAD_REPEATS, service=service, calibration=calibration)
        except (ValueError, ToolchainError, BuildError) as e:
            print(f"gobench review: {title}: {e}", file=err)
            worst = max(worst, 1)
            clock.lap(title)
            continue
        except KeyboardInterrupt:
            print("\ngobench review: interrupted; runs stored so far are kept.", file=err)
            return INTERRUPTED
        work_steps = run_["settings"]["service"]["work_steps"]
        try:
            folder = store.write_run(run_)
        except StoreError as e:
            print(f"gobench review: {title}: {e}", file=err)
            return 2
        out.write("\n" + loadtext.settings_line(run_) + "\n" + loadtext.table(run_) + f"\nstored {folder}\n")
        joined.append(str(folder))
        clock.lap(title)
        if any(e["status"] != "ok" for e in run_["load"]):
            worst = max(worst, 1)
    code, snap = snapshot_at_article_size(out, err, quick)
    clock.lap("Snapshot at 1 GB")
    if code == INTERRUPTED:
        print("gobench review: interrupted; runs stored so far are kept.", file=err)
        return INTERRUPTED
    worst = max(worst, code)
    if snap:
        joined.append(snap)
    worst = max(worst, review_pass(joined, out, err))  # profiles, shown in the report's families
    clock.lap("profiles")
    out.write("\n")
    after_run(micro, out, err, with_runs=joined, escape_check=True)
    clock.lap("escape check and report")
    out.write(clock.summary() + "\n")
    return worst


class StageClock:
    """StageClock times the stages of a review, so that its output says where the time went (the budget is 5
    minutes for --quick on 2 cores)."""

    def __init__(self) -> None:
        self.t0 = self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, stage: str) -> None:
        """lap ends the stage that ran since the last lap."""
        now = time.monotonic()
        self.laps.append((stage, now - self.last))
        self.last = now

    def summary(self) -> str:
        """summary is the line review ends with: the total and every stage's wall time."""
        return (f"review finished in {self.last - self.t0:.0f} s: "
                + "; ".join(f"{name} {secs:.0f} s" for name, secs in self.laps))
