"""Collecting the two sides of a performance-gate comparison.

This is the collect layer of the gate (gobench/gate.py analyses, and
gobench/gatereport.py presents). A *side* is a set of built libraries, keyed
by logical build name ("default", "arenas"): the working tree's, a git
worktree's of another commit, or a test-only variant standing in for
"default". A *session* runs every selected scenario of one side once, each
scenario in its own worker process with a family's rounds interleaved
(interleave.run_family), the same way ``invoke bench`` does.

``run_sessions`` runs one side several times and pools the rounds (a
baseline, and the fresh run compared with it). ``run_abba`` compares two
sides on this machine now: both libraries are loaded at once, each in its own
worker, and their rounds alternate A B B A ... (gobench/lockstep.py), in
several blocks of fresh worker pairs, and the rounds are pooled per side.

Note: a first version ran whole sessions in ABBA order (A B, B A, ...). On
the busy 2-core VM the noise changes within a second, so sessions a second
apart still differed by up to 25% in an A/A test, "significantly" at the
round level; alternating round by round removed that (see lockstep.py).

Note: the FFI crossing (FFI/noop) is not measured in gate sessions: it
measures the machine and the cffi stub, not the Go patterns, and one more
worker per session would cost about a second.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Iterator

from gobench.build import library as buildmod
from gobench.collect import interleave
from gobench.collect import orchestrate
from gobench.store import runs as store
from gobench.analyse import summary
from gobench.collect.protocol import Settings
from gobench.errors import GateError

Side = dict[str, "buildmod.Built"]


def abba_order(blocks: int) -> list[str]:
    """abba_order lists the sessions of ``blocks`` blocks: AB, BA, AB, ... ("base"/"head")."""
    if not isinstance(blocks, int) or blocks < 1:
        raise ValueError(f"blocks must be a positive integer, got {blocks!r}")
    order: list[str] = []
    for i in range(blocks):
        order += ["base", "head"] if i % 2 == 0 else ["head", "base"]
    return order


def run_session(side: Side, filter_: str | None, settings: Settings, label: str,
                out: IO[str] = sys.stdout) -> tuple[list[dict], dict]:
    """run_session runs the side's selected scenarios once; returns (outcomes, library info per build)."""
    jobs = orchestrate.plan(side, filter_, ffi=False)
    outcomes: list[dict] = []
    libraries: dict = {}
    for job in jobs:
        t0 = time.monotonic()
        outs, info = interleave.run_family(job.specs, side[job.build].dir, settings, job.env, job.knobs)
        if info:
            libraries.setdefault(job.build, {"info": info, "stamp": side[job.build].stamp,
                                             "dir": str(side[job.build].dir)})
        for o in outs:
            o.setdefault("status", "ok")
            o.update(build=job.build, family=o["name"].split("/")[0], variant=o["name"].split("/", 1)[1],
                     env=job.env, knobs=job.knobs)
            outcomes.append(o)
        bad = [o for o in outs if o.get("status") != "ok"]
        out.write(f"  {label}: {job.label}: {'ok' if not bad else '; '.join(o['name'] + ' ' + o['status'] for o in bad)}"
                  f" ({time.monotonic() - t0:.1f} s)\n")
        out.flush()
    return outcomes, libraries


def pool(sessions: list[list[dict]]) -> list[dict]:
    """pool merges the outcomes of several sessions per scenario: rounds are concatenated.

    A scenario that failed (error, crashed) in any session keeps that status
    and error: a crash is never averaged away. A session that skipped it
    (another scenario's crash ended that session) just adds no rounds.
    ``sessions`` counts the sessions pooled; each round gets a ``session`` index.
    """
    merged: dict[str, dict] = {}
    for i, outs in enumerate(sessions):
        for o in outs:
            m = merged.get(o["name"])
            rounds = [{**r, "session": i} for r in (o.get("rounds") or [])]
            if m is None:
                merged[o["name"]] = {**o, "rounds": rounds, "sessions": 1}
                continue
            m["rounds"] += rounds
            m["sessions"] += 1
            st = o.get("status", "ok")
            if m.get("status") == "skipped" and st != "skipped":
                m["status"], m["error"] = st, o.get("error")
            elif st not in ("ok", "skipped") and m.get("status") == "ok":
                m["status"], m["error"] = st, o.get("error")
    return list(merged.values())


def record(outcomes: list[dict], libraries: dict, settings: Settings, filter_: str | None, role: str,
           source: dict, sessions: int) -> dict:
    """record assembles a run record (schema gobench.run/1) for one pooled side."""
    for o in outcomes:
        o["summary"] = summary.summarize_rounds(o.get("rounds") or [], None)
    return store.new_record("micro", settings.as_dict(), libraries, outcomes, filter_, commit=source.get("commit"),
                            gate={"role": role, "source": source, "sessions": sessions})


def run_sessions(side: Side, filter_: str | None, settings: Settings, sessions: int, source: dict,
                 out: IO[str] = sys.stdout) -> dict:
    """run_sessions runs ``sessions`` sessions of one side and returns the pooled run record."""
    settings.validate()
    if not isinstance(sessions, int) or sessions < 1:
        raise ValueError(f"sessions must be a positive integer, got {sessions!r}")
    t0 = time.monotonic()
    all_outs, libs = [], {}
    for i in range(sessions):
        outs, li = run_session(side, filter_, settings, f"session {i + 1}/{sessions}", out)
        all_outs.append(outs)
        libs.update(li)
    run = record(pool(all_outs), libs, settings, filter_, "head", source, sessions)
    run["wall_s"] = time.monotonic() - t0
    return run


def run_abba(base: Side, head: Side, filter_: str | None, settings: Settings, blocks: int,
             base_source: dict, head_source: dict, out: IO[str] = sys.stdout) -> tuple[dict, dict]:
    """run_abba measures base and head in ``blocks`` blocks and returns their pooled run records.

    In each block every family runs in a lockstep pair of workers (gobench/lockstep.py)
    whose rounds alternate A B B A ...; the side that starts alternates from
    block to block, so over the blocks the order is balanced too. A scenario
    only one side has is recorded as skipped on the other (the gate reports it
    as new or missing). Raises GateError when a side's library cannot be loaded.
    """
    from gobench.collect import lockstep

    settings.validate()
    abba_order(blocks)
    t0 = time.monotonic()
    bjobs = {(j.build, j.family): j for j in orchestrate.plan(base, filter_, ffi=False)}
    hjobs = {(j.build, j.family): j for j in orchestrate.plan(head, filter_, ffi=False)}
    if not bjobs and not hjobs:
        raise ValueError(f"--filter {filter_!r} matches no scenario on either side")
    sessions: dict[str, list[list[dict]]] = {"base": [], "head": []}
    libs: dict[str, dict] = {"base": {}, "head": {}}
    keys = list(dict.fromkeys(list(hjobs) + list(bjobs)))
    for blk in range(blocks):
        first = "base" if blk % 2 == 0 else "head"
        outs: dict[str, list[dict]] = {"base": [], "head": []}
        for key in keys:
            bj, hj = bjobs.get(key), hjobs.get(key)
            bspecs = dict(bj.specs) if bj else {}
            hspecs = dict(hj.specs) if hj else {}
            common = [(n, p) for n, p in (hj.specs if hj else []) if n in bspecs]
            only = {"base": [(n, p) for n, p in bspecs.items() if n not in hspecs],
                    "head": [(n, p) for n, p in hspecs.items() if n not in bspecs]}
            for role, specs in only.items():
                outs[role] += [{"name": n, "params": p, "status": "skipped", "rounds": [], "build": key[0],
                                "error": f"not on the {'head' if role == 'base' else 'base'} side"} for n, p in specs]
            if not common:
                continue
            t1 = time.monotonic()
            res = lockstep.run_pair(common, base[key[0]].dir, head[key[0]].dir, settings, first=first,
                                    env=hj.env, knobs=hj.knobs)
            if res.get("fatal"):
                raise GateError(f"a library could not be loaded for {key[1]} [{key[0]}]: {res['fatal']}")
            for role, side in (("base", base), ("head", head)):
                if res["info"].get(role):
                    libs[role].setdefault(key[0], {"info": res["info"][role], "stamp": side[key[0]].stamp,
                                                   "dir": str(side[key[0]].dir)})
                for o in res[role].values():
                    o.update(build=key[0], env=hj.env, knobs=hj.knobs)
                    outs[role].append(o)
            bad = [f"{r} {o['name']} {o['status']}" for r in ("base", "head") for o in res[r].values()
                   if o["status"] != "ok"]
            out.write(f"  block {blk + 1}/{blocks} ({'AB' if first == 'base' else 'BA'}...): {key[1]} [{key[0]}]: "
                      f"{'ok' if not bad else '; '.join(bad)} ({time.monotonic() - t1:.1f} s)\n")
            out.flush()
        for role in ("base", "head"):
            for o in outs[role]:
                o.update(family=o["name"].split("/")[0], variant=o["name"].split("/", 1)[1])
            sessions[role].append(outs[role])
    wall = time.monotonic() - t0
    runs = []
    for role, src in (("base", base_source), ("head", head_source)):
        run = record(pool(sessions[role]), libs[role], settings, filter_, role, src, blocks)
        run["gate"]["order"] = " ".join("AB" if b % 2 == 0 else "BA" for b in range(blocks))
        run["wall_s"] = wall
        runs.append(run)
    return runs[0], runs[1]


def build_side(builds: list[str], src_root: Path | None = None, variant_for: dict[str, str] | None = None,
               out: IO[str] = sys.stdout) -> Side:
    """build_side builds one side's libraries; ``variant_for`` maps a logical build to the variant built for it.

    ``variant_for={"default": "inject-slow"}`` makes the test-only build stand
    in for "default" (the gate's self-test). Build failures raise GateError.
    """
    from gobench.errors import BuildError, ToolchainError

    side: Side = {}
    for name in builds:
        variant = (variant_for or {}).get(name, name)
        try:
            side[name] = buildmod.build(variant, src_root=src_root, log=lambda m: print(f"  {m}", file=out))
        except (BuildError, ToolchainError) as e:
            where = f" from {src_root}" if src_root else ""
            raise GateError(f"building the {variant} library{where} failed:\n{e}") from e
    return side


def _git(*args: str, cwd: Path = buildmod.ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def resolve_ref(ref: str) -> str:
    """resolve_ref returns the commit a ref names, or raises GateError saying what to do."""
    if not ref or ref.startswith("-"):
        raise GateError(f"--against {ref!r} is not a git ref")
    try:
        p = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except OSError as e:
        raise GateError(f"git is needed for --against: {e}") from None
    if p.returncode != 0:
        raise GateError(f"--against {ref!r}: no such commit in {buildmod.ROOT}. Check the name "
                        f"(`git branch -a`); in CI, check out with fetch-depth: 0 so the base branch is present.")
    return p.stdout.strip()


@contextlib.contextmanager
def worktree(ref: str) -> Iterator[tuple[Path, str]]:
    """worktree checks ref out (detached) into a temporary folder and yields (folder, commit).

    The worktree is removed and pruned in ``finally``, also on Ctrl-C.
    """
    commit = resolve_ref(ref)
    tmp = Path(tempfile.mkdtemp(prefix="gobench-gate-"))
    wt = tmp / "src"
    try:
        p = _git("worktree", "add", "--detach", str(wt), commit)
        if p.returncode != 0:
            raise GateError(f"git worktree add {ref} failed:\n{p.stderr.strip()}")
        yield wt, commit
    finally:
        if wt.exists():
            _git("worktree", "remove", "--force", str(wt))
        shutil.rmtree(tmp, ignore_errors=True)
        _git("worktree", "prune")
