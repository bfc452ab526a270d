"""Cross-checking the harness against `go test -bench` on the same Go functions: the measuring.

Each pattern's `go test` benchmarks call the very batch functions the
harness runs, and both are linked with the same flags (64-byte function
alignment, see variants.FUNC_ALIGN), so their ns/op, allocs/op and B/op
should agree. A harness worker calibrates each scenario once to N
operations per round; `go test` then runs exactly N too
(`-test.benchtime Nx`). Every repeat, the first too, gets a new harness
worker that opens the scenario and measures that N (starting and opening
take about 0.1 s), so that the repeats, the unit of the statistics, are
independent processes on both sides: some effects last a process's life
(a worker whose disk syncs ran 25% faster in every repeat, README
"Agreement with go test -bench"). Each repeat measures a scenario four times in
ABBA order (scheduler.repeat_order: harness, go test, go test, harness; the
next repeat starts with go test), so a repeat compares samples taken within
about a second of each other and cancels linear drift. The statistics are
gobench/analyse/crosscheck.py, the table gobench/present/crosscheck.py.

Note: on the shared 2-core VM, store-heavy loops switch between two speeds
(OrderItem/pool about 16.5 and 29 ns/op) within seconds in both tools,
while an ALU-bound loop stays within 3%; it is the machine, not either
tool. Pairing samples closely in time and taking many repeats is what
makes the median usable. A new worker per repeat that also calibrated
again was tried first: calibration put tens of seconds between the two
sides of a pair, and the ratios spread over 0.6-1.6; reusing N avoids that.

Note: how far the tools agree depends on the host and its load: on an
Intel VM allocation-bound scenarios read 4-10% faster in the harness; on
the AMD VM, loaded by other jobs, most scenarios read faster in the harness
with intervals too wide to resolve 10%. The README's "How it measures" has
the numbers, gosrc/cmd/agreement the experiment; each `invoke bench` run
stores a short cross-check (``agreement``) for this reason.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

from gobench.build import library as buildmod
from gobench.build import toolchain
from gobench.build.variants import get as get_variant
from gobench.collect import plan, scheduler
from gobench.collect.protocol import WARMUP_MS, Settings
from gobench.errors import BuildError
from gobench.records import GOTEST, HARNESS
from gobench.store import benchfmt

TOOLS = (HARNESS, GOTEST)
CALIBRATION_S = 30.0
GOTEST_WARMUP_RUNS = 1  # go test runs before the one that counts, in the same process (see run_gotest)


@dataclass
class Repeat:
    """Repeat is one ABBA repeat of a scenario: its samples in the order taken, each
    (tool, (ns/op, allocs/op, B/op)), every sample doing the same N operations."""

    family: str
    name: str
    index: int  # 0-based
    repeats: int  # how many the run has
    samples: list[tuple[str, tuple[float, float, float]]]

    @property
    def order(self) -> str:
        """order is the repeat's ABBA order as letters, e.g. "HGGH"."""
        return "".join("H" if tool == HARNESS else "G" for tool, _ in self.samples)


def compile_tests(variant: str, outdir: Path) -> Path:
    """compile_tests builds the patterns package's test binary for a build variant."""
    tc = toolchain.find()
    v = get_variant(variant)
    env = tc.env(**({"GOEXPERIMENT": v.goexperiment} if v.goexperiment else {}))
    out = outdir / f"patterns-{variant}.test"
    p = subprocess.run([tc.go, "test", "-c", *v.build_flags(), "-o", str(out), "./patterns"], cwd=buildmod.GOSRC,
                       env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(f"go test -c ./patterns ({variant}) failed:\n{p.stdout}{p.stderr}")
    return out


def gotest_bench_pattern(scenario: dict) -> str:
    """gotest_bench_pattern is the -test.bench regular expression that selects exactly the scenario's
    `go test` benchmark: the library's own ``benchmark`` field when its scenario info has one,
    else ^Benchmark{Family}$/^{variant}$."""
    if scenario.get("benchmark"):
        return scenario["benchmark"]
    return f"^Benchmark{re.escape(scenario['family'])}$/^{re.escape(scenario['variant'])}$"


def run_gotest(binary: Path, scenario: dict, n: int, warmup_runs: int = GOTEST_WARMUP_RUNS) -> benchfmt.Result:
    """run_gotest runs one scenario's `go test` benchmark for exactly n operations (`-test.benchtime {n}x`,
    so both tools do the same work) and parses its result line.

    The benchmark runs ``warmup_runs`` more times first, in the same process (`-test.count`), and only
    the last run counts: the harness worker it is compared with, new too, runs the scenario for about
    100 ms before each measured round (Settings.warmup_ms), while a go test process would pay its first
    heap growth and page faults in its first run. A plain `go test -bench` reports a run after its
    calibration runs too. On the loaded AMD VM the first run of a new process was 1.44 [0.83, 2.54] times
    slower than the second for StructLayout/packed (20 alternating pairs; see the README).
    """
    name = f"{scenario['family']}/{scenario['variant']}"
    count = 1 + warmup_runs
    p = subprocess.run([str(binary), "-test.run", "^$", "-test.bench", gotest_bench_pattern(scenario),
                        "-test.benchmem", "-test.count", str(count), "-test.benchtime", f"{n}x"],
                       cwd=buildmod.GOSRC / "patterns", capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise BuildError(f"go test -bench {name} failed:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    got = benchfmt.parse(p.stdout.splitlines())
    if len(got) != count:
        raise BuildError(f"go test -bench {name}: expected {count} result lines, got {len(got)}:\n{p.stdout[-3000:]}")
    return got[-1]


def _pair_family(fam: str, scenarios: list[dict], variant_dir: Path, binary: Path, repeats: int,
                 benchtime_ms: float, on_repeat: Callable[[Repeat], None], deadline: float | None = None,
                 calibration_s: float = CALIBRATION_S) -> list[dict]:
    """_pair_family calibrates each scenario once to N operations per round and runs ``repeats`` ABBA
    repeats of it against `go test`, each in a new harness worker; returns the harness outcomes
    (a scenario whose harness failed is left out of the later repeats). No repeat starts after
    ``deadline`` (time.monotonic()), once every scenario has at least one."""
    by_name = {f"{s['family']}/{s['variant']}": s for s in scenarios}
    st = Settings(round_ms=benchtime_ms, rounds=2 * repeats, max_calibration_s=calibration_s, warmup_ms=WARMUP_MS)
    with scheduler.Family([(name, {}) for name in by_name], {HARNESS: variant_dir}, st) as harness:
        harness.prepare()
        for i in range(repeats):
            if i and deadline is not None and time.monotonic() >= deadline:
                break
            for name, scn in by_name.items():
                if harness.ok(name):
                    harness.restart(name)  # every repeat's harness samples from a process of their own
                samples = []
                for tool in scheduler.repeat_order(i, TOOLS):
                    if not harness.ok(name):
                        break
                    if tool == HARNESS:
                        r = harness.round(HARNESS, name)
                        if r is not None:
                            samples.append((tool, (r["elapsed_ns"] / r["n"], r["alloc_objects"] / r["n"],
                                                   r["alloc_bytes"] / r["n"])))
                    else:
                        g = run_gotest(binary, scn, harness.out[HARNESS][name]["n"])
                        samples.append((tool, (g.values["ns/op"], g.values.get("allocs/op", float("nan")),
                                               g.values.get("B/op", float("nan")))))
                if harness.ok(name):
                    on_repeat(Repeat(fam, name, i, repeats, samples))
    return list(harness.out[HARNESS].values())


def crosscheck(families: list[str] | None = None, repeats: int = 21, benchtime_ms: float = 100,
               builds: tuple[str, ...] = ("default", "arenas"), out: IO[str] = sys.stdout,
               on_repeat: Callable[[Repeat], None] | None = None, names: tuple[str, ...] | None = None,
               budget_s: float | None = None) -> tuple[list[Repeat], list[dict]]:
    """crosscheck measures each family with both tools, alternating; returns every repeat and the
    harness outcomes (status, error: a scenario the harness could not measure is not ``ok``).

    ``names`` keeps only those Family/Variant scenarios. ``budget_s`` bounds the whole cross-check:
    each family gets an equal share of what is left when it starts and stops starting repeats when
    its share is spent (every scenario still gets one), and calibration is capped to fit.
    ``on_repeat`` is called after each repeat (the command prints a progress line); build logs go to ``out``.
    """
    if repeats < 1 or repeats > 100:
        raise ValueError(f"repeats must be in [1, 100], got {repeats}")
    if not 10 <= benchtime_ms <= 60_000:
        raise ValueError(f"benchtime_ms must be in [10, 60000], got {benchtime_ms}")
    if budget_s is not None and budget_s <= 0:
        raise ValueError(f"budget_s must be positive, got {budget_s}")
    end = None if budget_s is None else time.monotonic() + budget_s
    done: list[Repeat] = []
    outcomes: list[dict] = []

    def record(rep: Repeat) -> None:
        done.append(rep)
        if on_repeat:
            on_repeat(rep)

    with tempfile.TemporaryDirectory(prefix="gobench-crosscheck-") as tmp:
        seen: set[str] = set()
        for bname in builds:
            b = buildmod.build(bname, log=lambda m: print(m, file=out))
            fams: dict[str, list[dict]] = {}
            for s in plan.scenarios(b):
                name = f"{s['family']}/{s['variant']}"
                if (s.get("hidden") or name in seen or (families and s["family"] not in families)
                        or (names and name not in names)):
                    continue
                seen.add(name)
                fams.setdefault(s["family"], []).append(s)
            if not fams:
                continue
            binary = compile_tests(bname, Path(tmp))
            for k, (fam, scns) in enumerate(fams.items()):
                deadline, calibration_s = None, CALIBRATION_S
                if end is not None:
                    share = max(0.0, end - time.monotonic()) / (len(fams) - k)
                    deadline, calibration_s = time.monotonic() + share, max(1.0, min(CALIBRATION_S, share / 4))
                outcomes += _pair_family(fam, scns, b.dir, binary, repeats, benchtime_ms, record, deadline,
                                         calibration_s)
    return done, outcomes


# The agreement every bench and review run carries: one allocating scenario, one that allocates nothing.
AGREEMENT_SCENARIOS = ("OrderItem/new", "PaymentRoute/concrete")
AGREEMENT_BUDGET_S = 16.0  # a repeat under way and closing the workers add 1-3 s: under 20 s on 2 busy cores
AGREEMENT_BENCHTIME_MS = 40.0
AGREEMENT_MAX_REPEATS = 25


def agreement(out: IO[str] = sys.stdout, names: tuple[str, ...] = AGREEMENT_SCENARIOS,
              budget_s: float = AGREEMENT_BUDGET_S) -> tuple[list[Repeat], list[dict], float]:
    """agreement is the short cross-check that `invoke bench` and `invoke review` store with their run:
    ``names`` on the default build, as many ABBA repeats as fit in ``budget_s``. Returns the repeats,
    the harness outcomes and the wall time it took."""
    t0 = time.monotonic()
    repeats, outcomes = crosscheck(None, AGREEMENT_MAX_REPEATS, AGREEMENT_BENCHTIME_MS, builds=("default",),
                                   out=out, names=names, budget_s=budget_s)
    return repeats, outcomes, time.monotonic() - t0
