"""`invoke gate-selftest`: the gate's own false alarms and power, measured, in either of its modes.

In ``--against`` mode (the default) each trial runs what `invoke check
--against` runs (lockstep ABBA blocks, the decision, and the second pass for
a flagged timing regression). In baseline mode (``--mode baseline``) it runs
what `invoke baseline` and then `invoke check` run: a baseline pooled over
worker sessions of the base side (kept in memory: results/baseline/ is left
alone), then as many sessions of the head side, judged against it
(analyse.gate.judge_baseline; baseline mode has no second pass). The two
sides of a trial are measured one right after the other, so the machine has
less time to change between them than between a committed baseline and a
later check: baseline mode's numbers here are its best case. The base side
is the default library and the head side a build standing in for it:

    A/A           the same library: any failure is a false alarm
    A/A-worktree  HEAD built a second time from a git worktree in a temporary
                  folder on the base side: differences between two builds of the
                  same commit (source paths, VCS stamps) are false alarms too
    A/A-noisy     the same library, with a CPU-bound process started a few seconds
                  into the check on one core for part of it (a noisy neighbour)
    slow-5/10/20/40  test-only builds doing 5, 10, 20, 40% more work per
                  OrderItem/new operation that allocates nothing
                  (gosrc/patterns/inject.go): detected only when the *timing*
                  tier fails OrderItem/new ns/op
    alloc-1       one more allocation per op (+1 alloc/op)
    alloc-0.1     one more allocation in every tenth op (+0.1 alloc/op)

It prints detections (or false alarms) over trials with Wilson 95%
intervals, the ns/op change the gate measured for each slow build (the
injected percentages are nominal), the time a check took, and the wall time.
In baseline mode it also counts how often the machine was steady enough for
timing to be gated at all (analyse.gate.steady): when a side's sessions
vary by more than half the minimum effect, baseline mode refuses to fail on
timing ("machine not steady").
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Iterator

from gobench.analyse import gate, summary
from gobench.analyse.gate import Config, Decision
from gobench.analyse.stats import wilson
from gobench.build import worktree
from gobench.collect import gate_sessions
from gobench.collect.protocol import Settings
from gobench.commands.gate import DEFAULT_BLOCKS, DEFAULT_SESSIONS, FULL, QUICK, confirm_flagged, load_config
from gobench.errors import GateError
from gobench.store import baseline as baselinefile


@dataclass(frozen=True)
class Kind:
    """Kind is one kind of self-test trial: the head build and what the gate must catch (None: nothing)."""

    head_variant: str
    target: tuple[str, str] | None
    noisy: bool = False
    worktree: bool = False  # build the base side from a git worktree of HEAD


KINDS = {
    "A/A": Kind("default", None),
    "A/A-worktree": Kind("default", None, worktree=True),
    "A/A-noisy": Kind("default", None, noisy=True),
    "slow-5": Kind("inject-slow-5", ("OrderItem/new", "ns_per_op")),
    "slow-10": Kind("inject-slow-10", ("OrderItem/new", "ns_per_op")),
    "slow-20": Kind("inject-slow-20", ("OrderItem/new", "ns_per_op")),
    # beyond OrderItem/new's calibrated minimum effect on a busy 2-core VM (about 30%): where power starts
    "slow-40": Kind("inject-slow-40", ("OrderItem/new", "ns_per_op")),
    "alloc-1": Kind("inject-alloc", ("OrderItem/new", "allocs_per_op")),
    "alloc-0.1": Kind("inject-alloc-tenth", ("OrderItem/new", "allocs_per_op")),
}
SELFTEST_FILTER = "^OrderItem/"
MODES = ("against", "baseline")  # `check --against REF`; `baseline` then `check`
# the noisy neighbour: starts this long into a trial, on this core, for this long
NOISE_START_S, NOISE_CPU, NOISE_DURATION_S = 3.0, 1, 15.0


def parse_kinds(text: str | None) -> list[str]:
    """parse_kinds reads a comma-separated list of kinds (None or "": all), raising ValueError naming the known ones."""
    kinds = [k.strip() for k in (text or "").split(",") if k.strip()] or list(KINDS)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown self-test kind(s) {', '.join(bad)}; known: {', '.join(KINDS)}")
    return kinds


@contextlib.contextmanager
def noisy_neighbour(start_s: float = NOISE_START_S, duration_s: float = NOISE_DURATION_S,
                    cpu: int = NOISE_CPU) -> Iterator[None]:
    """noisy_neighbour runs a CPU-bound process pinned to one core, from ``start_s`` for ``duration_s`` seconds,
    while the block runs; it is always stopped (by its pid) when the block ends."""
    procs: list[subprocess.Popen] = []
    cpus = {cpu} if cpu in os.sched_getaffinity(0) else set(list(os.sched_getaffinity(0))[-1:])
    code = f"import os,time\nos.sched_setaffinity(0, {cpus!r})\nt=time.monotonic()+{duration_s}\n" \
           "while time.monotonic() < t: pass\n"
    timer = threading.Timer(start_s, lambda: procs.append(subprocess.Popen([sys.executable, "-c", code])))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        for p in procs:
            p.kill()
            p.wait()


def run_trial(kind: str, st: Settings, blocks: int, cfg: Config | None = None, filter_: str = SELFTEST_FILTER,
              out: IO[str] = sys.stdout, mode: str = "against", sessions: int = DEFAULT_SESSIONS) -> Decision:
    """run_trial runs one self-test trial as `check --against` would (lockstep ``blocks``, decision,
    confirmation) or, with ``mode="baseline"``, as `baseline` then `check` would (``sessions`` a side).
    The check's own wall time is in the decision's info["check_s"]."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    k = KINDS[kind]
    cfg = cfg or Config()
    with contextlib.ExitStack() as stack:
        src = None
        if k.worktree:
            wt, _ = stack.enter_context(worktree.worktree("HEAD"))
            src = wt / "gosrc"
        base = worktree.build_side(["default"], src_root=src, out=out)
        head = worktree.build_side(["default"], variant_for={"default": k.head_variant}, out=out)
        bsrc = {"ref": "HEAD built in a git worktree" if k.worktree else "default build"}
        hsrc = {"ref": f"{k.head_variant} build"}
        if mode == "baseline":
            d = _baseline_trial(base, head, bsrc, hsrc, k.noisy, st, sessions, cfg, filter_, out)
            d.info.update(trial=kind, settings=st.as_dict(), sessions=sessions)
            return d
        t0 = time.monotonic()
        if k.noisy:
            stack.enter_context(noisy_neighbour())
        b, h = gate_sessions.run_abba(base, head, filter_, st, blocks, bsrc, hsrc, out)
        d = gate.compare(b, h, cfg, timing_gated=True, mode="selftest", base_label=bsrc["ref"],
                         head_label=k.head_variant)
        confirm_flagged(d, base, head, st, blocks, bsrc, hsrc, cfg, out)
    d.info.update(trial=kind, settings=st.as_dict(), blocks=blocks, check_s=time.monotonic() - t0)
    return d


def _baseline_trial(base: worktree.Side, head: worktree.Side, bsrc: dict, hsrc: dict, noisy: bool, st: Settings,
                    sessions: int, cfg: Config, filter_: str, out: IO[str]) -> Decision:
    """_baseline_trial records a baseline of ``base`` in memory, then checks ``head`` against it as `invoke check`
    does (the noisy neighbour, if any, during the check)."""
    t0 = time.monotonic()
    run = summary.attach(gate_sessions.run_sessions(base, filter_, st, sessions, bsrc, out))
    doc = baselinefile.baseline_doc(run, list(base), sessions)
    t1 = time.monotonic()
    with noisy_neighbour() if noisy else contextlib.nullcontext():
        now = summary.attach(gate_sessions.run_sessions(head, filter_, st, sessions, hsrc, out))
    d, _ = gate.judge_baseline(doc, now, cfg)
    d.info.update(baseline_s=t1 - t0, check_s=time.monotonic() - t1)
    return d


def _timing_steady(d: Decision) -> tuple[int, int]:
    """_timing_steady counts a baseline-mode decision's gated ns/op comparisons on a steady machine, and all of
    them whose steadiness could be told (analyse.gate.steady)."""
    known = [gate.steady(c) for c in d.comparisons if c.metric == "ns_per_op" and c.gated and c.kind == "statistical"]
    known = [s for s in known if s is not None]
    return sum(known), len(known)


def selftest(trials: int = 10, quick: bool = False, blocks: int = DEFAULT_BLOCKS, kinds: str | None = None,
             filter_: str = SELFTEST_FILTER, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr,
             mode: str = "against", sessions: int = DEFAULT_SESSIONS) -> int:
    """selftest repeats ``trials`` trials of each kind and prints false alarms and detections with Wilson intervals.

    ``mode`` is "against" (lockstep, ``blocks`` blocks) or "baseline" (``sessions`` sessions a side).
    Returns 0 when there was no false alarm and every injected regression was
    caught, 1 otherwise, 2 when it could not run.
    """
    for flag, v in (("--trials", trials), ("--sessions", sessions)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            print(f"gobench: {flag} must be a positive integer, got {v!r}", file=err)
            return 2
    if mode not in MODES:
        print(f"gobench: --mode must be one of {', '.join(MODES)}, got {mode!r}", file=err)
        return 2
    try:
        names = parse_kinds(kinds)
    except ValueError as e:
        print(f"gobench: {e}", file=err)
        return 2
    st = QUICK if quick else FULL
    counts = {k: {"trials": 0, "fail": 0, "could_not": 0, "caught": 0, "significant": 0, "ratios": [],
                  "wall": [], "check": [], "unsteady": 0, "steady": 0, "timed": 0} for k in names}
    t0 = time.monotonic()
    quiet = open(os.devnull, "w")
    try:
        cfg = load_config(out=out)
        for i in range(trials):
            for kind in names:
                t1 = time.monotonic()
                d = run_trial(kind, st, blocks, cfg, filter_, out=quiet, mode=mode, sessions=sessions)
                c, target = counts[kind], KINDS[kind].target
                c["trials"] += 1
                c["wall"].append(time.monotonic() - t1)
                c["check"].append(d.info["check_s"])
                c["fail"] += d.exit_code == 1
                c["could_not"] += d.exit_code == 2
                hit = d.find(*target) if target else None
                c["caught"] += bool(hit and hit.fails)
                if hit and hit.ratio and hit.metric == "ns_per_op":
                    c["ratios"].append(hit.ratio)
                    # the test's power apart from the minimum effect: significantly slower after Holm
                    c["significant"] += hit.p_holm is not None and hit.p_holm < cfg.alpha and hit.ratio > 1
                    c["unsteady"] += gate.steady(hit) is False
                steady = ""
                if mode == "baseline":
                    n_steady, n_timed = _timing_steady(d)
                    c["steady"] += n_steady
                    c["timed"] += n_timed
                    steady = f"; steady ns/op {n_steady}/{n_timed}"
                regs = ", ".join(f"{r.scenario} {r.metric} x{r.ratio:.3f}" if r.ratio else f"{r.scenario} {r.metric}"
                                 for r in d.regressions) or "none"
                near = ", ".join(f"{r.scenario} x{r.ratio:.3f}" for r in d.near_misses)
                tgt = ""
                if hit and hit.ratio:
                    tgt = (f"; target {hit.metric} x{hit.ratio:.3f} {hit.verdict}"
                           + (f" (p Holm {hit.p_holm:.2g}, min effect {hit.min_effect:.1%})"
                              if hit.p_holm is not None else ""))
                out.write(f"trial {i + 1}/{trials} {kind:9s}: exit {d.exit_code}; regressions: {regs}{tgt}"
                          + (f"; near misses: {near}" if near else "") + steady
                          + f" ({time.monotonic() - t1:.0f} s)\n")
                out.flush()
    except (ValueError, GateError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; the trials so far:", file=err)
    finally:
        quiet.close()
    out.write("\n" + table(counts, st, blocks, time.monotonic() - t0, filter_, mode, sessions))
    ok = all(c["fail"] == 0 if KINDS[k].target is None else c["caught"] == c["trials"] for k, c in counts.items())
    return 0 if ok else 1


def table(counts: dict, st: Settings, blocks: int, wall_s: float, filter_: str, mode: str = "against",
          sessions: int = DEFAULT_SESSIONS) -> str:
    """table renders the self-test's counts: detections or false alarms, Wilson 95% interval, time per trial
    and per check, and in baseline mode how often the machine was steady enough to gate timing."""
    how = (f"--against mode: {st.rounds} x {st.round_ms:g} ms rounds, {blocks} lockstep blocks" if mode == "against"
           else f"baseline mode: a baseline of {sessions} sessions, then a check of {sessions}, each "
                f"{st.rounds} x {st.round_ms:g} ms rounds")
    lines = [f"gate self-test ({how}, filter {filter_!r}; {wall_s:.0f} s):",
             f"  {'kind':12s} {'what counts':34s} {'count':>7s}  {'Wilson 95%':14s} {'s/trial':>8s} "
             f"{'s/check':>8s}  measured"]
    steady = timed = 0
    for kind, c in counts.items():
        n = c["trials"]
        if not n:
            continue
        k = KINDS[kind]
        steady, timed = steady + c["steady"], timed + c["timed"]
        hits = c["fail"] if k.target is None else c["caught"]
        what = "false alarms (exit 1)" if k.target is None else f"detected ({k.target[1]} failed)"
        lo, hi = wilson(hits, n)
        extra = f"could not check {c['could_not']}/{n}" if c["could_not"] else ""
        if c["ratios"]:
            rs = sorted(c["ratios"])
            unsteady = f", not steady {c['unsteady']}/{n}" if mode == "baseline" else ""
            extra = (f"ns/op x{rs[len(rs) // 2]:.3f} (median; {rs[0]:.3f}-{rs[-1]:.3f}), significant "
                     f"{c['significant']}/{n}{unsteady} " + extra).strip()
        wall, check = sum(c["wall"]) / n, sum(c["check"]) / n
        lines.append(f"  {kind:12s} {what:34s} {hits:>3d}/{n:<3d}  [{lo:.2f}, {hi:.2f}]    {wall:8.0f} {check:8.0f}"
                     f"  {extra}")
    if mode == "baseline" and timed:
        lines.append(f"  machine steady (each side's sessions within half the minimum effect) for {steady}/{timed} "
                     f"gated ns/op comparisons: baseline mode refuses to fail on timing in the others")
    return "\n".join(lines) + "\n"
