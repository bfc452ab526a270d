"""Collecting the two sides of a performance-gate comparison.

This is the collect layer of the gate (gobench/analyse/gate.py decides, and
gobench/present/gatereport.py presents). A *side* is a set of built
libraries, keyed by logical build name ("default", "arenas"): the working
tree's, a git worktree's of another commit, the working tree's built with
another Go toolchain (``check --against-go``), or a test-only variant standing
in for "default" (gobench/build/worktree.py builds them). A *session* runs
every selected scenario of one side once, each scenario in its own worker
process with a family's rounds rotating (scheduler.run_rotate), the same
way ``invoke bench`` does.

``run_sessions`` runs one side several times and pools the rounds (a
baseline, and the fresh run compared with it). ``run_abba`` compares two
sides on this machine now: both libraries are loaded at once, each in its own
worker, and their rounds alternate A B B A ... (scheduler.run_pair), in
several blocks of fresh worker pairs, and the rounds are pooled per side.

The records hold raw rounds only: the caller derives the summaries
(gobench.analyse.summary.attach) before storing or printing them.

Note: a first version ran whole sessions in ABBA order (A B, B A, ...). On
the busy 2-core VM the noise changes within a second, so sessions a second
apart still differed by up to 25% in an A/A test, "significantly" at the
round level; alternating round by round removed that (see scheduler.py).

Note: the FFI crossing (FFI/noop) is not measured in gate sessions: it
measures the machine and the cffi stub, not the Go patterns, and one more
worker per session would cost about a second.
"""

from __future__ import annotations

import sys
import time
from typing import IO

# The gate (gobench/analyse/gate.py) calls build_side, resolve_ref and worktree, and reads buildmod.ROOT, here.
from gobench.build.worktree import Side
from gobench.collect import machine, plan, scheduler
from gobench.collect.protocol import Settings
from gobench.errors import BuildError, GateError
from gobench.store import runs as store


def _plan(side: Side, filter_: str | None) -> list[plan.Job]:
    try:
        return plan.plan(side, filter_, ffi=False)
    except BuildError as e:  # a library that built but does not load
        raise GateError(str(e)) from e


def abba_order(blocks: int) -> list[str]:
    """abba_order lists the sessions of ``blocks`` blocks: AB, BA, AB, ... ("base"/"head")."""
    if not isinstance(blocks, int) or blocks < 1:
        raise ValueError(f"blocks must be a positive integer, got {blocks!r}")
    return [side for i in range(blocks) for side in scheduler.abba(i, ("base", "head"))]


def run_session(side: Side, filter_: str | None, settings: Settings, label: str,
                out: IO[str] = sys.stdout) -> tuple[list[dict], dict]:
    """run_session runs the side's selected scenarios once; returns (outcomes, library info per build)."""
    jobs = _plan(side, filter_)
    outcomes: list[dict] = []
    libraries: dict = {}
    for job in jobs:
        t0 = time.monotonic()
        outs, info = scheduler.run_rotate(job.specs, side[job.build].dir, settings, job.env, job.knobs)
        if info:
            libraries.setdefault(job.build, {"info": info, "stamp": side[job.build].stamp,
                                             "dir": str(side[job.build].dir)})
        for o in outs:
            o.update(plan.declared(side[job.build], o["name"]))
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


def toolchain_of(side: Side) -> dict:
    """toolchain_of is the Go toolchain a side's libraries were built with (from their stamps: the project's Go,
    or another with ``check --against-go``), as a run record stores it."""
    stamp = next(iter(side.values())).stamp
    # the default variant adds no experiment of its own: its GOEXPERIMENT is the toolchain's (check --against-go
    # 1.27+nogreenteagc), which the version label carries as bench --go's labels do
    exp = side["default"].stamp.get("goexperiment") if "default" in side else None
    return {"go": stamp["go"], "source": stamp["go_source"], "version": stamp["go_version"] + (f"+{exp}" if exp else "")}


def record(outcomes: list[dict], libraries: dict, settings: Settings, filter_: str | None, role: str,
           source: dict, sessions: int, toolchain: dict | None = None) -> dict:
    """record assembles a run record (schema gobench.run/1, raw rounds only) for one pooled side; ``toolchain``
    is what built its libraries (toolchain_of; default: the project's Go)."""
    return store.new_record("micro", settings.as_dict(), libraries, outcomes, filter_, commit=source.get("commit"),
                            machine=machine.describe(), toolchain=toolchain or machine.toolchain(),
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

    In each block every family runs in a pair of workers (scheduler.run_pair)
    whose rounds alternate A B B A ...; the side that starts alternates from
    block to block, so over the blocks the order is balanced too. A scenario
    only one side has is recorded as skipped on the other (the gate reports it
    as new or missing). Raises GateError when a side's library cannot be loaded.
    """
    settings.validate()
    abba_order(blocks)
    t0 = time.monotonic()
    bjobs = {(j.build, j.family): j for j in _plan(base, filter_)}
    hjobs = {(j.build, j.family): j for j in _plan(head, filter_)}
    if not bjobs and not hjobs:
        raise ValueError(f"--filter {filter_!r} matches no scenario on either side")
    sessions: dict[str, list[list[dict]]] = {"base": [], "head": []}
    libs: dict[str, dict] = {"base": {}, "head": {}}
    keys = list(dict.fromkeys(list(hjobs) + list(bjobs)))
    for blk in range(blocks):
        first = scheduler.abba(blk, ("base", "head"))[0]
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
            res = scheduler.run_pair(common, base[key[0]].dir, head[key[0]].dir, settings, first=first,
                                     env=hj.env, knobs=hj.knobs)
            if res.get("fatal"):
                raise GateError(f"a library could not be loaded for {key[1]} [{key[0]}]: {res['fatal']}")
            for role, side in (("base", base), ("head", head)):
                if res["info"].get(role):
                    libs[role].setdefault(key[0], {"info": res["info"][role], "stamp": side[key[0]].stamp,
                                                   "dir": str(side[key[0]].dir)})
                for o in res[role].values():
                    o.update(plan.declared(side[key[0]], o["name"]))
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
    for role, src, side in (("base", base_source, base), ("head", head_source, head)):
        run = record(pool(sessions[role]), libs[role], settings, filter_, role, src, blocks, toolchain_of(side))
        run["gate"]["order"] = " ".join("AB" if b % 2 == 0 else "BA" for b in range(blocks))
        run["wall_s"] = wall
        runs.append(run)
    return runs[0], runs[1]
