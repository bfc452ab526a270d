"""`invoke profile`: CPU and allocation profiles, an execution trace and GC traces of every scenario, in
dedicated workers, stored as standard files in a run folder with their parsed form in the run record.

Wires collect (gobench/collect/profile.py: the workers; collect/pprof.py:
`go tool pprof`) -> analyse (gobench/analyse/profile.py) -> store; the report
shows the result (gobench/present/profile.py).
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from gobench.analyse import claims
from gobench.analyse import profile as analysis
from gobench.analyse import summary
from gobench.collect import machine, plan, pprof
from gobench.collect import micro as collect
from gobench.collect import profile as profiling
from gobench.commands.common import INTERRUPTED, after_run
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.store import runs as store

PROFILE_DIR = "profiles"
TOP_SITES = 15
TOP_CPU = 15


def analyse_outcome(o: dict, staging: Path) -> None:
    """analyse_outcome replaces a scenario's collected profile by its parsed form: file paths relative to
    the run folder, what each kind cost, allocation sites, top CPU functions, CPU stacks and GC cycles."""
    prof = o.get("profile")
    if not prof:
        return
    plain = [r["elapsed_ns"] / r["n"] for r in o.get("rounds") or [] if r.get("n")]
    prof["overhead"] = {k: analysis.overhead(plain, [r["elapsed_ns"] / r["n"] for r in rs if r.get("n")])
                        for k, rs in prof["kind_rounds"].items()}
    files = prof.get("files") or {}
    if "alloc" in files:
        rs = prof["kind_rounds"]["alloc"]
        n = sum(r["n"] for r in rs)
        sites = analysis.alloc_sites(analysis.parse_raw(pprof.raw(Path(files["alloc"]))), prof["ops"]["alloc"])
        prof["alloc_totals"] = analysis.alloc_totals(sites, sum(r["alloc_objects"] for r in rs) / n if n else None,
                                                     sum(r["alloc_bytes"] for r in rs) / n if n else None)
        prof["alloc_sites"] = sites[:TOP_SITES]
    if "cpu" in files:
        cpu = analysis.parse_raw(pprof.raw(Path(files["cpu"])))
        prof["cpu_top"] = analysis.cpu_top(cpu, TOP_CPU)
        prof["cpu_stacks"] = analysis.folded_stacks(cpu)
        prof["cpu_samples"] = len(cpu.samples)
    if "gctrace" in files:
        cycles = analysis.parse_gctrace(prof.pop("gctrace_text", ""))
        prof["gctrace"] = {"cycles": cycles, "summary": analysis.gctrace_summary(cycles)}
    prof["files"] = {k: f"{PROFILE_DIR}/{Path(v).relative_to(staging)}" for k, v in files.items()}


def describe(o: dict, folder: Path) -> str:
    """describe is a scenario's lines on the terminal: its files, allocation sites, top CPU, overhead."""
    prof = o.get("profile") or {}
    lines = [f"{o['name']}: {o['status']}" + (f": {o['error']}" if o.get("error") else "")
             + (f" (N={o['n']})" if o.get("n") else "")]
    for kind, rel in (prof.get("files") or {}).items():
        lines.append(f"  {kind:8s} {folder / rel}")
    tot = prof.get("alloc_totals")
    if tot:
        lines.append(f"  allocation sites (objects/op, bytes/op), sum {tot['profile_objects_per_op']:.2f} objects/op; "
                     f"runtime counter {tot['runtime_allocs_per_op']:.2f} allocs/op:")
        for s in prof["alloc_sites"][:8]:
            if s["objects_per_op"] >= 0.005:
                lines.append(f"    {s['objects_per_op']:6.2f} {s['bytes_per_op']:8.1f} B  {s['function']} {s['site']}"
                             + (f" (from {s['caller']})" if s.get("caller") else ""))
        if tot.get("unsampled_objects_per_op", 0) >= 0.005:
            lines.append(f"    {tot['unsampled_objects_per_op']:6.2f}             counted, at no site of the scenario: "
                         f"tiny objects that joined a started 16-byte block (sites with 16 B blocks: "
                         f"{', '.join(tot['tiny_block_sites']) or 'none'}), or the runtime's own")
    if prof.get("cpu_top"):
        lines.append("  top CPU (flat share): " + ", ".join(f"{r['function']} {r['flat_share'] * 100:.0f}%"
                                                         for r in prof["cpu_top"][:4]))
    gs = (prof.get("gctrace") or {}).get("summary")
    if gs:
        a = gs["all"]
        lines.append(f"  GC: {a['cycles']} cycles ({gs['forced']} forced by the round protocol)"
                     + (f", mark {a['mark_wall_ms_mean']:.2f} ms mean / {a['mark_wall_ms_max']:.2f} max, "
                        f"goal {a['heap_goal_mb_min']}-{a['heap_goal_mb_max']} MB" if a["cycles"] else ""))
    ov = prof.get("overhead") or {}
    if ov:
        lines.append("  overhead (ns/op with / without): " + ", ".join(
            f"{k} x{v['ratio']:.3f}" if v.get("ratio") else f"{k} -" for k, v in ov.items()))
    return "\n".join(lines)


def profile(filter_: str | None = None, kinds: str | None = None, quick: bool = False, rounds: int | None = None,
            builds: list[str] | None = None, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr,
            report: bool = True) -> int:
    """profile profiles the selected scenarios, stores a run of kind "profile" and prints where the files
    are; returns 0, 1 when a scenario failed, 2 for bad input or when nothing could run."""
    # No warm-up before a profiled round: its samples would join the profile's, and under the allocation
    # profile (every allocation sampled) 100 ms of warm-up per round made the review's profile pass 331 s
    # instead of 50.
    st = dataclasses.replace(collect.QUICK if quick else collect.FULL, warmup_ms=0)
    cpu_min_s = profiling.CPU_MIN_S_QUICK if quick else profiling.CPU_MIN_S
    if rounds is not None:
        st = dataclasses.replace(st, rounds=rounds)
    t0 = time.monotonic()
    staging = None
    try:
        st.validate()
        chosen = profiling.parse_kinds(kinds)
        store.check_writable()
        built = collect.build_variants(builds or ["default", "arenas"], out)
        jobs = plan.plan(built, filter_, ffi=False)
        if not jobs:
            known = sorted({f"{s['family']}/{s['variant']}" for b in built.values() for s in plan.scenarios(b)
                            if not s.get("hidden")})
            raise ValueError(f"--filter {filter_!r} matches no scenario; known: {', '.join(known)}")
        staging = Path(tempfile.mkdtemp(prefix=".profiles-", dir=store.runs_dir()))
        results, libraries = [], {}
        total = sum(len(j.specs) for j in jobs)
        done = 0
        for job in jobs:
            for name, params in job.specs:
                done += 1
                out.write(f"[{done}/{total}] {name} [{job.build}] ...\n")
                out.flush()
                o = profiling.profile_scenario(name, params, built[job.build].dir, chosen, st,
                                               profiling.scenario_dir(staging, name), cpu_min_s=cpu_min_s)
                info = o.pop("info", None)
                if info:
                    libraries.setdefault(job.build, {"info": info, "stamp": built[job.build].stamp})
                o.update(plan.declared(built[job.build], name))
                o.update(build=job.build, family=name.split("/")[0], variant=name.split("/", 1)[1], env={},
                         knobs={})
                analyse_outcome(o, staging)
                results.append(o)
        run = store.new_record("profile", {**st.as_dict(), "profile_kinds": chosen, "profile_cpu_min_s": cpu_min_s},
                               libraries, results, filter_,
                               machine=machine.describe(), toolchain=machine.toolchain(),
                               wall_s=time.monotonic() - t0)
        summary.attach(run)
        folder = store.write_run(run, extra_dirs={PROFILE_DIR: staging})
    except (ValueError, ToolchainError, BuildError, StoreError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; nothing was stored.", file=err)
        return INTERRUPTED
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
    out.write("\n" + "\n\n".join(describe(o, folder) for o in run["benchmarks"]) + "\n")
    out.write(f"\nstored {folder} ({time.monotonic() - t0:.0f} s wall)\n"
              f"open a profile: go tool pprof -http=: {folder / PROFILE_DIR}/FAMILY/VARIANT/cpu.pprof; a trace: "
              f"go tool trace {folder / PROFILE_DIR}/FAMILY/VARIANT/trace.out\n")
    if report:
        after_run(folder, out, err)
    return 1 if any(o["status"] != "ok" for o in run["benchmarks"]) else 0


def review_pass(joined: list[str], out: IO[str], err: IO[str]) -> int:
    """review_pass is `invoke review`'s profile pass: the cited scenarios profiled, its run added to ``joined``
    (the runs whose results the review's report shows); returns 0, or 1 when it failed (the review goes on)."""
    out.write("\n== profiles ==\n")
    # The review's profiles explain the claims' verdicts, so both review modes profile only the scenarios a claim
    # cites (19 of 26) with --quick's settings and no runtime trace (the report shows none of it; it is a file
    # for `go tool trace`): 47 s on the 2-core VM, where every scenario at full settings took 13 minutes of a
    # 20-minute budget. `invoke profile` makes the full set.
    filter_ = "^(" + "|".join(claims.cited_scenarios()) + ")$"  # names: letters, digits, / and -
    code = profile(filter_=filter_, kinds="cpu,alloc,gctrace", quick=True, out=out, err=err, report=False)
    if code != 2:
        joined.append(str(store.resolve(None)))
    return min(code, 1)
