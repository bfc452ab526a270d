"""`invoke baseline` and `invoke check`: the CI performance gate, wired from its stages.

``baseline`` measures the working tree in several worker sessions and
stores the pooled run as results/baseline/baseline.json (store.baseline).
``check`` measures again, either the same way as the baseline or (``against``)
in lockstep with a build of another git ref (collect.gate_sessions), or
(``against_go``) in lockstep with the working tree built by another Go
toolchain, lets analyse.gate decide, and writes the summary, the decision,
both sides' runs and the chart (present.gatereport) to results/gate/. With
``against`` or ``against_go``, a scenario flagged as a timing regression is
measured again in fresh worker pairs and fails only if that second pass
agrees (confirm_flagged). Both lockstep modes share one path (_lockstep):
only how the two sides are built differs.
``calibrate`` (`invoke gate-calibrate`) measures each scenario's A/A noise
into results/baseline/noise.json, from which the gate sets ns/op minimum
effects. All return an exit code: 0 pass, 1 regression, 2 could not check,
130 interrupted.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import time
from pathlib import Path
from typing import IO

from gobench.analyse import gate, summary
from gobench.analyse.gate import Config, Decision
from gobench.build import library as buildmod
from gobench.build import toolchain as gotoolchain
from gobench.build import toolchains, variants, worktree
from gobench.collect import gate_sessions
from gobench.collect import machine
from gobench.collect.protocol import Settings
from gobench.commands import gate_profile
from gobench.commands.common import INTERRUPTED
from gobench.errors import GateError, ToolchainError
from gobench.paths import ROOT
from gobench.present import gatereport
from gobench.store import atomic, baseline as baselinefile, runs as store

# Gate settings: many short rounds rather than `invoke bench`'s few long ones. The rounds
# are the sample of the U test, and the shorter a lockstep round, the more of the machine's
# noise the two rounds of a pair share. Measured with `invoke gate-selftest --trials 10` on
# the busy 2-core VM: bench's 10 x 100 ms caught inject-slow 9/10 times in 829 s; 10 x 15 ms
# caught it 10/10 in 160 s (no false alarm in either).
# No warm-up before a round (protocol.Settings.warmup_ms): in lockstep both sides idle alike, and 100 ms
# before each 15 ms round made a whole-suite check 4x longer.
QUICK = Settings(round_ms=15.0, rounds=10, ffi_calls=50_000, max_calibration_s=10.0)
FULL = Settings(round_ms=20.0, rounds=30, ffi_calls=200_000, max_calibration_s=30.0)
DEFAULT_BLOCKS = 4  # --against: 4 lockstep blocks (fresh worker pairs), AB BA AB BA
DEFAULT_SESSIONS = 3  # baseline: worker sessions pooled per side (the check repeats the same number)
DEFAULT_BUILDS = ("default", "arenas")


def load_config(path: Path = baselinefile.CONFIG_PATH, noise_path: Path | None = None,
                out: IO[str] | None = None) -> Config:
    """load_config reads results/baseline/gate.json over the gate's defaults (no file: the defaults), with the
    calibrated noise of results/baseline/noise.json when it was measured on this machine (noise is a property
    of a machine and its load: another machine's would set wrong minimum effects; then the defaults apply)."""
    cfg = gate.config_from(baselinefile.read_config(path), str(path))
    noise_path = noise_path or baselinefile.NOISE_PATH  # looked up at call time, so tests can point it elsewhere
    noise, where = baselinefile.read_noise(noise_path)
    same, diffs = gate.same_machine(where, machine.describe())
    if noise and not same:
        if out:
            out.write(f"note: {noise_path} was calibrated on another machine ({'; '.join(diffs)}): not used; "
                      f"run `invoke gate-calibrate` here for per-scenario minimum effects\n")
        noise = {}
    cfg.noise = noise
    return cfg


def _settings(quick: bool, rounds: int | None = None, round_ms: float | None = None) -> Settings:
    """_settings are QUICK or FULL with the rounds and round length the user asked for."""
    st = QUICK if quick else FULL
    return dataclasses.replace(st, round_ms=round_ms if round_ms is not None else st.round_ms,
                               rounds=rounds if rounds is not None else st.rounds).validate()


def baseline(quick: bool = False, filter_: str | None = None, rounds: int | None = None,
             round_ms: float | None = None, sessions: int | None = None, builds: list[str] | None = None,
             path: Path = baselinefile.BASELINE_PATH, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """baseline records a baseline (pooled over ``sessions`` worker sessions, default 3) at ``path``."""
    builds = list(builds or DEFAULT_BUILDS)
    n_sessions = sessions or DEFAULT_SESSIONS
    try:
        st = _settings(quick, rounds, round_ms)
        side = worktree.build_side(builds, out=out)
        run = summary.attach(gate_sessions.run_sessions(side, filter_, st, n_sessions, {"ref": "working tree"},
                                                        out))
    except (ValueError, GateError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; no baseline written.", file=err)
        return INTERRUPTED
    if not run["benchmarks"]:
        print(f"gobench: --filter {filter_!r} matches no scenario; see `invoke scenarios`", file=err)
        return 2
    bad = [b["name"] for b in run["benchmarks"] if b.get("status") != "ok"]
    if bad:
        print(f"gobench: not recording a baseline: {', '.join(bad)} failed; fix them or narrow --filter", file=err)
        return 2
    atomic.write_json(path, baselinefile.baseline_doc(run, builds, n_sessions))
    out.write(f"baseline: {len(run['benchmarks'])} scenarios, {n_sessions} sessions of {st.rounds} rounds x "
              f"{st.round_ms:g} ms on {run['machine']['hostname']} ({run['machine']['cpu_model']}, "
              f"{run['machine']['cpu_count']} CPUs) -> {path}\n"
              f"commit it with the change it measures: git add {_rel(path)}\n")
    return 0


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def check(against: str | None = None, strict_timing: bool = False, filter_: str | None = None,
          quick: bool = False, rounds: int | None = None, round_ms: float | None = None,
          blocks: int | None = None, builds: list[str] | None = None,
          baseline_path: Path = baselinefile.BASELINE_PATH, config_path: Path = baselinefile.CONFIG_PATH,
          out_dir: Path = baselinefile.OUT_DIR, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr,
          against_go: str | None = None) -> int:
    """check runs the gate: against the baseline file, (``against``) against a git ref, ABBA, or
    (``against_go``: "1.26", "1.27+nogreenteagc") the project's Go against another toolchain, ABBA."""
    t0 = time.monotonic()
    try:
        if against and against_go:
            raise ValueError("--against and --against-go are two different checks (another commit, another Go); "
                             "give one")
        cfg = load_config(config_path, out=out)
        if against:
            decision, runs = _check_against(against, filter_, _settings(quick, rounds, round_ms),
                                            blocks or DEFAULT_BLOCKS, list(builds or DEFAULT_BUILDS), cfg, out)
        elif against_go:
            decision, runs = _check_against_go(against_go, filter_, _settings(quick, rounds, round_ms),
                                               blocks or DEFAULT_BLOCKS, list(builds or DEFAULT_BUILDS), cfg, out)
        else:
            decision, runs = _check_baseline(baseline_path, strict_timing, filter_, quick, rounds, round_ms,
                                             cfg, out)
    except (ValueError, GateError, ToolchainError) as e:
        print(f"gobench: could not check: {e}", file=err)
        _step_summary(f"## gobench performance gate: could not check\n\n```\n{e}\n```\n")
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; no verdict.", file=err)
        return INTERRUPTED
    decision.info["wall_s"] = round(time.monotonic() - t0, 1)
    d = write_outputs(decision, runs, out_dir, out)
    out.write("\n" + gatereport.terminal(decision) + "\n")
    out.write(f"summary: {d / 'summary.md'}  (benchstat {d / 'base.bench.txt'} {d / 'head.bench.txt'})\n")
    return decision.exit_code


def _baseline_settings(doc: dict, path: Path) -> Settings:
    """_baseline_settings are the settings a baseline was recorded with, checked as the collector checks them."""
    try:
        return Settings(**doc["settings"]).validate()
    except (TypeError, ValueError) as e:
        raise GateError(f"{path}: bad settings ({e}); {baselinefile.REDO}") from None


def _check_baseline(path: Path, strict_timing: bool, filter_: str | None, quick: bool, rounds: int | None,
                    round_ms: float | None, cfg: Config, out: IO[str]) -> tuple[Decision, dict]:
    doc = baselinefile.load_baseline(path)
    st = _baseline_settings(doc, path)
    if quick or rounds is not None or round_ms is not None:
        asked = _settings(quick, rounds, round_ms)
        if (asked.rounds, asked.round_ms) != (st.rounds, st.round_ms):
            raise GateError(f"the baseline was recorded with {st.rounds} rounds x {st.round_ms:g} ms and a check "
                            f"must use the same; drop --quick/--rounds/--round-ms, or re-record with "
                            f"`invoke baseline` using them")
    base_filter = doc.get("filter")
    if filter_ and base_filter and filter_ != base_filter:
        out.write(f"note: baseline filter {base_filter!r}; checking {filter_!r} (scenarios outside it are missing)\n")
    side = worktree.build_side(list(doc["builds"]), out=out)
    head = summary.attach(gate_sessions.run_sessions(side, filter_ or base_filter, st, int(doc.get("sessions") or 1),
                                                {"ref": "working tree"}, out))
    decision, base_run = gate.judge_baseline(doc, head, cfg, strict_timing, narrowed=bool(filter_))
    decision.info.update(settings=st.as_dict(), sessions=doc.get("sessions"), builds=doc["builds"])
    decision.info["explanation"] = gate_profile.explain(decision, None, side, baselinefile.OUT_DIR / "profiles", out)
    return decision, {"base": base_run, "head": head}


def _check_against(ref: str, filter_: str | None, st: Settings, blocks: int, builds: list[str], cfg: Config,
                   out: IO[str]) -> tuple[Decision, dict]:
    gate_sessions.abba_order(blocks)  # validates blocks before any build
    with worktree.worktree(ref) as (wt, commit):
        src = wt / "gosrc"
        if not src.is_dir():
            raise GateError(f"{ref} ({commit[:8]}) has no gosrc/ folder: it predates gobench's Go module")
        out.write(f"base: {ref} ({commit[:8]}) built from {wt}\n")
        base = worktree.build_side(builds, src_root=src, out=out)
        head = worktree.build_side(builds, out=out)
        head_src = _working_tree()
        # inside the worktree, so that a line only the base has is shown with its source
        return _lockstep(base, head, {"ref": ref, "commit": commit}, head_src, f"{ref} ({commit[:8]})",
                         "working tree" + (" (uncommitted changes)" if head_src["dirty"] else ""), "against",
                         filter_, st, blocks, builds, cfg, out)


def _check_against_go(spec: str, filter_: str | None, st: Settings, blocks: int, builds: list[str], cfg: Config,
                      out: IO[str]) -> tuple[Decision, dict]:
    """_check_against_go gates a Go upgrade: the working tree built with the project's Go (base) and with the
    toolchain ``spec`` names (head, from the toolchain cache; "1.27+nogreenteagc" the project's Go with that
    experiment), measured as _check_against measures two commits. Both sides link with the same function
    alignment (64 bytes when both linkers have -funcalign, else Go's default), so that only the toolchain differs."""
    gate_sessions.abba_order(blocks)  # validates blocks before any fetch or build
    log = lambda m: print(f"  {m}", file=out)  # noqa: E731
    own = gotoolchain.find()
    other = toolchains.find_all([spec], log=log, flag="--against-go")[0]
    funcalign = buildmod.has_funcalign(own) and buildmod.has_funcalign(other)
    if not funcalign:
        out.write(f"functions aligned at Go's default on both sides ({other.label} has no -funcalign)\n")
    out.write(f"base: {own.label} ({own.source}); head: {other.label} ({other.source}); same sources\n")
    base = worktree.build_side(builds, tc=own, funcalign=funcalign, out=out)
    head = worktree.build_side(builds, tc=other, funcalign=funcalign, out=out)
    src = _working_tree()
    decision, runs = _lockstep(base, head, {**src, "go": own.label}, {**src, "go": other.label},
                               f"{own.label} ({own.source})", f"{other.label} ({other.source})", "against-go",
                               filter_, st, blocks, builds, cfg, out)
    decision.info["go"] = {"base": own.label, "head": other.label,
                           "func_align": variants.FUNC_ALIGN if funcalign else "go default"}
    return decision, runs


def _working_tree() -> dict:
    """_working_tree describes the working tree as a gate source: its commit and whether it has changes."""
    git = machine.git_info()
    return {"ref": "working tree", "commit": git.get("commit"), "dirty": git.get("dirty")}


def _lockstep(base: worktree.Side, head: worktree.Side, base_src: dict, head_src: dict, base_label: str,
              head_label: str, mode: str, filter_: str | None, st: Settings, blocks: int, builds: list[str],
              cfg: Config, out: IO[str]) -> tuple[Decision, dict]:
    """_lockstep measures two built sides in ABBA blocks (gate_sessions.run_abba), judges head against base
    (analyse.gate.compare, timing gated), confirms flagged timing regressions in fresh worker pairs, and
    profiles the confirmed ones on both sides."""
    base_run, head_run = gate_sessions.run_abba(base, head, filter_, st, blocks, base_src, head_src, out)
    summary.attach(base_run)
    summary.attach(head_run)
    decision = gate.compare(base_run, head_run, cfg, timing_gated=True, mode=mode, base_label=base_label,
                            head_label=head_label)
    runs = {"base": base_run, "head": head_run}
    runs.update(confirm_flagged(decision, base, head, st, blocks, base_src, head_src, cfg, out))
    decision.info["explanation"] = gate_profile.explain(decision, base, head, baselinefile.OUT_DIR / "profiles", out)
    decision.info.update(settings=st.as_dict(), blocks=blocks, order=base_run["gate"]["order"], builds=builds)
    return decision, runs


def confirm_flagged(decision: Decision, base: worktree.Side, head: worktree.Side, st: Settings, blocks: int,
                    base_src: dict, head_src: dict, cfg: Config, out: IO[str]) -> dict[str, dict]:
    """confirm_flagged measures the scenarios with a timing regression again, in fresh worker pairs, and keeps
    a regression only if this second pass flags it too (analyse.gate.confirm). Returns the second pass's runs
    ({} when nothing was flagged)."""
    flagged = sorted({c.scenario for c in decision.regressions if c.kind == "statistical"})
    if not flagged:
        return {}
    out.write(f"confirming {len(flagged)} flagged scenario(s) in fresh worker pairs: {', '.join(flagged)}\n")
    only = "^(" + "|".join(re.escape(n) for n in flagged) + ")$"
    b2, h2 = gate_sessions.run_abba(base, head, only, st, blocks, base_src, head_src, out)
    summary.attach(b2)
    summary.attach(h2)
    second = gate.compare(b2, h2, cfg, timing_gated=decision.timing_gated, mode=decision.mode)
    gate.confirm(decision, second)
    return {"base.confirm": b2, "head.confirm": h2}


def calibrate(quick: bool = True, filter_: str | None = None, blocks: int = 8, builds: list[str] | None = None,
              path: Path = baselinefile.NOISE_PATH, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """calibrate measures each scenario's A/A lockstep noise (the working tree's libraries against themselves,
    ``blocks`` blocks) and writes it to ``path`` (results/baseline/noise.json: commit it with the baseline)."""
    try:
        if not isinstance(blocks, int) or blocks < 3:
            raise ValueError(f"--blocks must be an integer >= 3 (a spread over blocks), got {blocks!r}")
        st = _settings(quick)
        side = worktree.build_side(list(builds or DEFAULT_BUILDS), out=out)
        src = {"ref": "working tree (A/A calibration)"}
        b, h = gate_sessions.run_abba(side, side, filter_, st, blocks, src, src, out)
    except (ValueError, GateError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; no calibration written.", file=err)
        return INTERRUPTED
    for role, run in (("base", b), ("head", h)):  # the raw A/A rounds, to see where the noise came from
        atomic.write_json(baselinefile.OUT_DIR / f"calibrate.{role}.run.json", summary.attach(run))
    noise = gate.block_noise(b, h)
    if not noise:
        print("gobench: no scenario had 3 blocks of paired rounds; nothing written", file=err)
        return 2
    cfg = gate.config_from(baselinefile.read_config(), str(baselinefile.CONFIG_PATH))
    cfg.noise = noise
    atomic.write_json(path, baselinefile.noise_doc({n: {"ns_per_op": round(v, 5)} for n, v in noise.items()},
                                                    b["machine"], st.as_dict(), blocks))
    out.write(f"calibrated {len(noise)} scenarios ({blocks} A/A blocks of {st.rounds} x {st.round_ms:g} ms) -> "
              f"{path}\n  ns/op minimum effect = max({cfg.effect_floor:.0%}, {cfg.noise_k:g} x noise):\n")
    for n, v in sorted(noise.items(), key=lambda kv: -kv[1]):
        out.write(f"  {n:32s} noise {v * 100:5.2f}%  ->  minimum effect {cfg.for_scenario(n, 'ns_per_op')[0]:.1%}\n")
    out.write(f"commit it with the baseline: git add {_rel(path)}\n")
    return 0


def write_outputs(decision: Decision, runs: dict[str, dict], out_dir: Path = baselinefile.OUT_DIR,
                  out: IO[str] = sys.stdout) -> Path:
    """write_outputs writes summary.md, comment.md (for the pull request), decision.json, each side's run and
    bench.txt, and the chart."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = gatereport.markdown(decision)
    atomic.write_text(out_dir / "summary.md", md)
    atomic.write_text(out_dir / "comment.md", gatereport.comment(decision, _chart_link()))
    atomic.write_json(out_dir / "decision.json", decision.as_dict())
    for role, run in runs.items():
        atomic.write_json(out_dir / f"{role}.run.json", run)
        atomic.write_text(out_dir / f"{role}.bench.txt", store.bench_text(run))
    try:
        gatereport.chart(decision, out_dir / "ratios.png")
    except (OSError, ValueError, RuntimeError) as e:  # a chart is a nicety: a warning, never the exit code
        out.write(f"gobench: warning: chart not written: {e}\n")
    _step_summary(md)
    return out_dir


def _chart_link() -> str:
    """_chart_link is where a pull-request reader finds the chart: the Actions run (its artifact) in CI."""
    server, repo, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else "ratios.png"


def _step_summary(md: str) -> None:
    """_step_summary appends to the GitHub Actions job summary when running there."""
    gh = os.environ.get("GITHUB_STEP_SUMMARY")
    if gh:
        with open(gh, "a") as f:
            f.write(md + "\n")
