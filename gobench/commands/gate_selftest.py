"""`invoke gate-selftest`: the gate's own false alarms and detections, measured.

Each trial compares the default library with a build standing in for it,
in lockstep, and lets analyse.gate decide: against itself (A/A: any
regression is a false alarm), and against the test-only builds
inject-slow (20% slower) and inject-alloc (one more allocation per op,
gosrc/patterns/inject.go) that must be caught.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import IO

from gobench.analyse import gate
from gobench.analyse.gate import Config, Decision
from gobench.build import worktree
from gobench.collect import gate_sessions
from gobench.collect.protocol import Settings
from gobench.commands.gate import DEFAULT_BLOCKS, FULL, QUICK, load_config
from gobench.errors import GateError

TRIALS = {
    # name: (head variant standing in for "default", what must be caught)
    "A/A": ("default", None),
    "slow": ("inject-slow", ("OrderItem/new", "ns_per_op")),
    "alloc": ("inject-alloc", ("OrderItem/new", "allocs_per_op")),
}
SELFTEST_FILTER = "^OrderItem/"


def run_trial(kind: str, st: Settings, blocks: int, cfg: Config | None = None, filter_: str = SELFTEST_FILTER,
              out: IO[str] = sys.stdout) -> Decision:
    """run_trial runs one self-test trial: default against itself or against a test-only regression, ABBA."""
    head_variant, _ = TRIALS[kind]
    base = worktree.build_side(["default"], out=out)
    head = worktree.build_side(["default"], variant_for={"default": head_variant}, out=out)
    b, h = gate_sessions.run_abba(base, head, filter_, st, blocks, {"ref": "default build"},
                                  {"ref": f"{head_variant} build"}, out)
    d = gate.compare(b, h, cfg, timing_gated=True, mode="selftest", base_label="default", head_label=head_variant)
    d.info.update(trial=kind, settings=st.as_dict(), blocks=blocks)
    return d


def selftest(trials: int = 10, quick: bool = False, blocks: int = DEFAULT_BLOCKS,
             out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """selftest repeats A/A, slow and alloc trials; prints false alarms and detections.

    Returns 0 when there was no false alarm and every injected regression was
    caught, 1 otherwise, 2 when it could not run.
    """
    if not isinstance(trials, int) or trials < 1:
        print(f"gobench: --trials must be a positive integer, got {trials!r}", file=err)
        return 2
    st = QUICK if quick else FULL
    counts = {k: {"trials": 0, "fail": 0, "caught": 0} for k in TRIALS}
    t0 = time.monotonic()
    quiet = open(os.devnull, "w")
    try:
        cfg = load_config()
        for i in range(trials):
            for kind, (_, target) in TRIALS.items():
                d = run_trial(kind, st, blocks, cfg, out=quiet)
                c = counts[kind]
                c["trials"] += 1
                c["fail"] += d.exit_code != 0
                hit = d.find(*target) if target else None
                caught = bool(hit and hit.fails)
                c["caught"] += caught
                regs = ", ".join(f"{r.scenario} {r.metric} x{r.ratio:.3f}" if r.ratio else f"{r.scenario} {r.metric}"
                                 for r in d.regressions) or "none"
                for x in d.comparisons:  # how close did noise come? (A/A: every timing comparison)
                    if kind == "A/A" and x.metric == "ns_per_op" and x.ratio and x.p_holm is not None:
                        c.setdefault("worst", []).append((abs(math.log(x.ratio)), x.ratio, x.p_holm, x.scenario))
                tgt = f" target {hit.metric} x{hit.ratio:.3f} p_holm={hit.p_holm if hit.p_holm is not None else '-'}" \
                    if hit and hit.ratio else ""
                out.write(f"trial {i + 1}/{trials} {kind:5s}: exit {d.exit_code}; regressions: {regs}{tgt} "
                          f"({time.monotonic() - t0:.0f} s)\n")
                out.flush()
    except (ValueError, GateError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    finally:
        quiet.close()
    aa, slow, alloc = counts["A/A"], counts["slow"], counts["alloc"]
    worst = max(aa.get("worst") or [(0, 1.0, 1.0, "-")])
    low_p = min((w[2] for w in aa.get("worst") or []), default=1.0)
    out.write(f"\nself-test ({'quick' if quick else 'full'} settings: {st.rounds} x {st.round_ms:g} ms rounds, "
              f"{blocks} lockstep blocks, "
              f"{time.monotonic() - t0:.0f} s):\n"
              f"  A/A false alarms:          {aa['fail']}/{aa['trials']} (largest A/A ns/op change "
              f"x{worst[1]:.3f} on {worst[3]}; smallest A/A p Holm {low_p:.2g})\n"
              f"  inject-slow detected:      {slow['caught']}/{slow['trials']} (as a timing regression on "
              f"OrderItem/new ns/op; gate failed {slow['fail']}/{slow['trials']})\n"
              f"  inject-alloc detected:     {alloc['caught']}/{alloc['trials']} (allocs/op on OrderItem/new)\n")
    ok = aa["fail"] == 0 and slow["caught"] == slow["trials"] and alloc["caught"] == alloc["trials"]
    return 0 if ok else 1
