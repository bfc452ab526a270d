"""Cross-checking the harness against `go test -bench` on the same Go functions.

Each pattern's `go test` benchmarks call the very batch functions the
harness runs, and both are linked with the same flags (64-byte function
alignment, see variants.FUNC_ALIGN), so their ns/op, allocs/op and B/op
should agree. The harness worker for a scenario stays open and is
calibrated once to N operations per round; `go test` then runs exactly N
too (`-test.benchtime Nx`). Each repeat measures a scenario four times in
ABBA order, so a repeat's ratio harness / go test compares samples taken
within about a second of each other and cancels linear drift; the verdict
is the median of the per-repeat ratios, shown with its 95% interval.

Note: on the shared 2-core VM, store-heavy loops switch between two speeds
(OrderItem/pool about 16.5 and 29 ns/op) within seconds in both tools,
while an ALU-bound loop stays within 3%; it is the machine, not either
tool. Pairing samples closely in time and taking many repeats is what
makes the median usable. Restarting the harness worker for every repeat
was tried first: process start and calibration put tens of seconds
between the two sides of a pair, and the ratios spread over 0.6-1.6.

Note: allocation-bound scenarios read 4-10% faster in the harness. A plain
Go program timing the same call agrees with the harness; it is go test's
benchmark driver that is slower for them (its GC cycles run about twice as
long); see the README.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from gobench.store import benchfmt
from gobench.build import library as buildmod
from gobench.present import text as present
from gobench.analyse import stats
from gobench.build import toolchain
from gobench.collect.lockstep import ROUND_TIMEOUT_S, WorkerCrash, Peer, stopping
from gobench.errors import BuildError
from gobench.build.variants import get as get_variant

AGREE = (0.95, 1.05)


@dataclass
class Pair:
    """Pair holds both tools' per-repeat values (the mean of a repeat's two samples) for one scenario."""

    name: str
    harness_ns: list[float] = field(default_factory=list)
    gotest_ns: list[float] = field(default_factory=list)
    harness_allocs: list[float] = field(default_factory=list)
    gotest_allocs: list[float] = field(default_factory=list)
    harness_bytes: list[float] = field(default_factory=list)
    gotest_bytes: list[float] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [h / g for h, g in zip(self.harness_ns, self.gotest_ns) if g]

    def add_repeat(self, harness: list[tuple[float, float, float]], gotest: list[tuple[float, float, float]]) -> None:
        """add_repeat records one repeat from each tool's (ns/op, allocs/op, B/op) samples."""
        for samples, columns in ((harness, (self.harness_ns, self.harness_allocs, self.harness_bytes)),
                                 (gotest, (self.gotest_ns, self.gotest_allocs, self.gotest_bytes))):
            for k, column in enumerate(columns):
                column.append(statistics.fmean(x[k] for x in samples))


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


def run_gotest(binary: Path, name: str, n: int) -> benchfmt.Result:
    """run_gotest runs one scenario's `go test` benchmark once for exactly n operations
    (`-test.benchtime {n}x`, so both tools do the same work) and parses its result line."""
    fam, var = name.split("/", 1)
    p = subprocess.run([str(binary), "-test.run", "^$", "-test.bench", f"^Benchmark{re.escape(fam)}$/^{re.escape(var)}$",
                        "-test.benchmem", "-test.count", "1", "-test.benchtime", f"{n}x"],
                       cwd=buildmod.GOSRC / "patterns", capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise BuildError(f"go test -bench {name} failed:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    got = [r for r in benchfmt.parse(p.stdout.splitlines()) if r.base_name == name]
    if len(got) != 1:
        raise BuildError(f"go test -bench {name}: expected one result line, got {len(got)}:\n{p.stdout[-3000:]}")
    return got[0]


def _pair_family(fam: str, specs: list[tuple[str, dict]], variant_dir: Path, binary: Path, repeats: int,
                 benchtime_ms: float, tmp: Path, pairs: dict[str, Pair], out: IO[str]) -> None:
    """_pair_family keeps one harness process per scenario open (calibrated once to N operations per
    round) and, per repeat, measures each scenario four times in ABBA order (harness, go test, go test,
    harness; the next repeat starts with go test), every sample doing exactly N operations. A repeat's
    ratio compares samples taken within about a second of each other and cancels linear drift."""
    peers: dict[str, Peer] = {}
    n: dict[str, int] = {}
    with stopping(peers):
        try:
            for i, (name, params) in enumerate(specs):
                p = peers[name] = Peer(f"x{i}", variant_dir, {}, {}, tmp)
                rep = p.request({"op": "open", "specs": [[name, params]]}, ROUND_TIMEOUT_S)
                if name in (rep.get("errors") or {}):
                    raise RuntimeError(f"harness could not open {name}: {rep['errors'][name]}")
                rep = p.request({"op": "calibrate", "name": name, "goal_ns": benchtime_ms * 1e6, "max_s": 30.0},
                                ROUND_TIMEOUT_S + 30)
                if "error" in rep:
                    raise RuntimeError(f"harness failed on {name}: {rep['error']}")
                n[name] = rep["n"]

            def harness(name: str) -> tuple[float, float, float]:
                rep = peers[name].request({"op": "round", "name": name, "n": n[name]}, ROUND_TIMEOUT_S)
                if "error" in rep:
                    raise RuntimeError(f"harness failed on {name}: {rep['error']}")
                r = rep["round"]
                return r["elapsed_ns"] / r["n"], r["alloc_objects"] / r["n"], r["alloc_bytes"] / r["n"]

            def gotest(name: str) -> tuple[float, float, float]:
                r = run_gotest(binary, name, n[name])
                return r.values["ns/op"], r.values.get("allocs/op", float("nan")), r.values.get("B/op", float("nan"))

            for i in range(repeats):
                order = (harness, gotest, gotest, harness) if i % 2 == 0 else (gotest, harness, harness, gotest)
                tags = "".join("H" if f is harness else "G" for f in order)
                for name, _ in specs:
                    samples = [(tool, tool(name)) for tool in order]
                    p = pairs.setdefault(name, Pair(name))
                    p.add_repeat([x for t, x in samples if t is harness], [x for t, x in samples if t is gotest])
                    print(f"[{fam}] repeat {i + 1}/{repeats} {name} {tags}: "
                          + " ".join(f"{x[0]:.4g}" for _, x in samples)
                          + f" ns/op, ratio {p.harness_ns[-1] / p.gotest_ns[-1]:.3f}", file=out, flush=True)
        except WorkerCrash as e:
            raise RuntimeError(f"harness worker crashed: {e}") from None


def crosscheck(families: list[str] | None = None, repeats: int = 21, benchtime_ms: float = 100,
               builds: tuple[str, ...] = ("default", "arenas"), out: IO[str] = sys.stdout) -> dict[str, Pair]:
    """crosscheck measures each family with both tools, alternating, and returns the pairs."""
    if repeats < 1 or repeats > 100:
        raise ValueError(f"repeats must be in [1, 100], got {repeats}")
    if not 10 <= benchtime_ms <= 60_000:
        raise ValueError(f"benchtime_ms must be in [10, 60000], got {benchtime_ms}")
    pairs: dict[str, Pair] = {}
    with tempfile.TemporaryDirectory(prefix="gobench-crosscheck-") as tmp:
        seen: set[str] = set()
        for bname in builds:
            b = buildmod.build(bname, log=lambda m: print(m, file=out))
            fams: dict[str, list[tuple[str, dict]]] = {}
            for s in b.scenarios():
                name = f"{s['family']}/{s['variant']}"
                if s.get("hidden") or name in seen or (families and s["family"] not in families):
                    continue
                seen.add(name)
                fams.setdefault(s["family"], []).append((name, {}))
            if not fams:
                continue
            binary = compile_tests(bname, Path(tmp))
            for fam, specs in fams.items():
                _pair_family(fam, specs, b.dir, binary, repeats, benchtime_ms, Path(tmp), pairs, out)
    return pairs


def table(pairs: dict[str, Pair]) -> str:
    """table renders the side-by-side comparison with the median ratio per scenario."""
    rows = []
    for name, p in sorted(pairs.items()):
        rs = p.ratios()
        sm = stats.summarize(rs)
        med = sm.median
        ok = AGREE[0] <= med <= AGREE[1]
        f = present.fmt_num
        rows.append([
            name, f(statistics.median(p.harness_ns)) if p.harness_ns else "-",
            f(statistics.median(p.gotest_ns)) if p.gotest_ns else "-",
            (f"{med:.3f} [{sm.ci_lo:.3f}, {sm.ci_hi:.3f}] ({sm.min:.2f}-{sm.max:.2f})" if sm.n >= stats.MIN_SAMPLES_FOR_CI
             else f"{med:.3f} ({sm.min:.2f}-{sm.max:.2f})") if rs else "-",
            "yes" if ok else "NO",
            f"{f(statistics.median(p.harness_allocs))} / {f(statistics.median(p.gotest_allocs))}"
            if p.harness_allocs and p.gotest_allocs else "-",
            f"{f(statistics.median(p.harness_bytes))} / {f(statistics.median(p.gotest_bytes))}"
            if p.harness_bytes and p.gotest_bytes else "-",
        ])
    return present.render(rows, ["scenario", "harness ns/op", "go test ns/op", "ratio median [95% CI] (range)",
                                 f"within {AGREE[0]}-{AGREE[1]}", "allocs/op h / g", "B/op h / g"])


