"""Running a micro-benchmark session: build, plan, run the families, assemble the run record.

The record holds raw rounds only; the command derives the summaries
(gobench.analyse.summary.attach) before storing and printing it.
"""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.build import library as buildmod
from gobench.build import toolchain as gotoolchain
from gobench.build import variants
from gobench.collect import machine, plan, scheduler
from gobench.collect.protocol import WARMUP_MS, Settings
from gobench.errors import BuildError
from gobench.records import FFI_NAME
from gobench.store import runs as store

QUICK = Settings(round_ms=15.0, rounds=6, ffi_calls=50_000, max_calibration_s=10.0, warmup_ms=WARMUP_MS)
FULL = Settings(round_ms=100.0, rounds=10, ffi_calls=200_000, max_calibration_s=30.0, warmup_ms=WARMUP_MS)


class Progress:
    """Progress prints one updating line per job on a terminal, plain lines otherwise."""

    def __init__(self, out: IO[str], total_jobs: int):
        self.out, self.total, self.i, self.t0 = out, total_jobs, 0, time.monotonic()
        self.tty = hasattr(out, "isatty") and out.isatty()
        self._last = ""

    def start(self, label: str) -> None:
        self.i += 1
        self.label = label
        if not self.tty:
            self.out.write(f"[{self.i}/{self.total}] {label} ...\n")
            self.out.flush()

    def step(self, name: str, step: str) -> None:
        if not self.tty:
            return
        line = f"\r[{self.i}/{self.total}] {self.label}: {name} {step}  ({time.monotonic() - self.t0:.0f} s)"
        if line != self._last:
            self.out.write(line.ljust(100)[:120])
            self.out.flush()
            self._last = line

    def done(self, msg: str) -> None:
        if self.tty:
            self.out.write("\r" + " " * 120 + "\r")
        self.out.write(f"[{self.i}/{self.total}] {self.label}: {msg}\n")
        self.out.flush()


def build_variants(names: list[str], out: IO[str]) -> dict[str, buildmod.Built]:
    return {n: buildmod.build(n, log=lambda m: print(m, file=out)) for n in names}


def build_across(names: list[str], tcs: list[gotoolchain.Toolchain], out: IO[str]) -> tuple[dict[str, dict], bool]:
    """build_across builds every variant with every toolchain: ({go label: {variant: Built, or why it could
    not be built with that Go}}, whether functions are 64-byte aligned); a label is the Go version and any
    GOEXPERIMENT of the toolchain (toolchain.Toolchain.label: "go1.27.3+nogreenteagc"). A build that fails with one Go does
    not stop the others: its scenarios are reported as not available in that Go.

    Every version is linked with the same function alignment, because alignment alone moved single
    scenarios by up to 19% (variants.FUNC_ALIGN): 64 bytes when every linker has -funcalign (Go 1.25 on),
    else Go's default for all.
    """
    funcalign = all(buildmod.has_funcalign(tc) for tc in tcs)
    if not funcalign:
        print("functions aligned at Go's default for every version (Go before 1.25 has no -funcalign)", file=out)
    built: dict[str, dict] = {}
    for tc in tcs:
        built[tc.label] = {}
        for n in names:
            try:
                built[tc.label][n] = buildmod.build(n, log=lambda m: print(m, file=out), tc=tc, funcalign=funcalign)
            except BuildError as e:
                first = str(e).strip().splitlines()
                why = next((ln for ln in first[1:] if ln.strip() and not ln.startswith("#")), first[0])
                built[tc.label][n] = f"the {n} library does not build: {why.strip()}"
                print(f"{tc.label} {n}: {built[tc.label][n]}", file=out)
    return built, funcalign


def run_micro(filter_: str | None = None, settings: Settings = FULL, builds: list[str] | None = None,
              params: dict | None = None, env: dict | None = None, knobs: dict | None = None,
              ffi: bool = True, out: IO[str] = sys.stdout,
              toolchains: list[gotoolchain.Toolchain] | None = None) -> dict:
    """run_micro measures the selected scenarios and returns the run record (raw rounds; not yet stored).

    ``toolchains`` (``--go``) measures each scenario with each Go, side by side (run_across).
    """
    settings.validate()
    builds = builds or ["default", "arenas"]
    if toolchains:
        return run_across(filter_, settings, builds, params, env, knobs, ffi, out, toolchains)
    t0 = time.monotonic()
    built = build_variants(builds, out)
    jobs = plan.plan(built, filter_, params, ffi=ffi, env=env, knobs=knobs)
    if not jobs:
        known = sorted({f"{s['family']}/{s['variant']}" for b in built.values() for s in plan.scenarios(b)
                        if not s.get("hidden")})
        raise ValueError(f"--filter {filter_!r} matches no scenario; known: {', '.join(known + [FFI_NAME])}")
    prog = Progress(out, len(jobs))
    results, libraries = [], {}
    for job in jobs:
        prog.start(job.label)
        lib_dir = built[job.build].dir
        if job.ffi:
            o, info = scheduler.measure_ffi(lib_dir, settings, job.env, job.knobs, prog.step)
            outcomes = [o]
        else:
            outcomes, info = scheduler.run_rotate(job.specs, lib_dir, settings, job.env, job.knobs, prog.step)
        if info:
            libraries.setdefault(job.build, {"info": info, "stamp": built[job.build].stamp})
        for o in outcomes:
            o.update(plan.declared(built[job.build], o["name"]))
            o.update(build=job.build, family=o["name"].split("/")[0], variant=o["name"].split("/", 1)[1],
                     env=job.env, knobs=job.knobs)
        if job.ffi:
            results[:0] = outcomes
        else:
            results += outcomes
        bad = [o for o in outcomes if o["status"] != "ok"]
        prog.done("ok" if not bad else "; ".join(f"{o['name']} {o['status']}" for o in bad))
    return store.new_record("micro", settings.as_dict(), libraries, results, filter_, machine=machine.describe(),
                            toolchain=machine.toolchain(), wall_s=time.monotonic() - t0)


def run_across(filter_: str | None, settings: Settings, builds: list[str], params: dict | None, env: dict | None,
               knobs: dict | None, ffi: bool, out: IO[str], toolchains: list[gotoolchain.Toolchain]) -> dict:
    """run_across measures the selected scenarios with each toolchain: a worker per (scenario, toolchain),
    rounds interleaved across toolchains within a family (scheduler.run_rotate_sides). Every result carries
    its toolchain's label as ``go`` ("go1.22.10", "go1.27.3+nogreenteagc") and the GOEXPERIMENT its library
    was built with as ``goexperiment``; ``libraries`` is keyed "<build>@<go label>"."""
    t0 = time.monotonic()
    built, funcalign = build_across(builds, toolchains, out)
    jobs = plan.plan_across(built, filter_, params, ffi=ffi, env=env, knobs=knobs)
    if not jobs:
        known = sorted({f"{s['family']}/{s['variant']}" for bs in built.values() for b in bs.values()
                        if not isinstance(b, str) for s in plan.scenarios(b) if not s.get("hidden")})
        raise ValueError(f"--filter {filter_!r} matches no scenario; known: {', '.join(known + [FFI_NAME])}")
    prog = Progress(out, len(jobs))
    results: list[dict] = []
    ffi_results: list[dict] = []
    libraries: dict[str, dict] = {}
    for job in jobs:
        prog.start(job.label)
        dirs = {go: built[go][job.build].dir for go in job.gos if not isinstance(built[go][job.build], str)}
        if job.ffi:
            outs, infos = {}, {}
            for go, d in dirs.items():
                o, infos[go] = scheduler.measure_ffi(d, settings, job.env, job.knobs, prog.step)
                outs[go] = [o]
        else:
            outs, infos = scheduler.run_rotate_sides(job.specs, dirs, settings, job.env, job.knobs, prog.step,
                                                     unavailable=job.unavailable)
        for go, info in infos.items():
            if info:
                libraries.setdefault(f"{job.build}@{go}", {"info": info, "stamp": built[go][job.build].stamp})
        for go in job.gos:
            if go not in dirs:  # its library did not build: every scenario of the job is unavailable there
                outs[go] = [{**scheduler.new_outcome(name, p), "status": "unavailable",
                             "error": job.unavailable.get(go, {}).get(name) or f"not available in {go}: "
                                                                               f"{built[go][job.build]}"}
                            for name, p in job.specs]
        outcomes = []
        for go in job.gos:
            for o in outs.get(go) or []:
                b = built[go][job.build]
                if not isinstance(b, str):
                    o.update(plan.declared(b, o["name"]))
                o.update(build=job.build, go=go, family=o["name"].split("/")[0],
                         variant=o["name"].split("/", 1)[1], env=job.env, knobs=job.knobs)
                outcomes.append(o)
        (ffi_results if job.ffi else results).extend(outcomes)
        bad = [o for o in outcomes if o["status"] != "ok"]
        prog.done("ok" if not bad else "; ".join(f"{o['name']} {o['go']} {o['status']}" for o in bad))
    tcs = [{"go": tc.go, "source": tc.source, "version": tc.version, "goroot": tc.goroot, "label": tc.label,
            "goexperiment": tc.goexperiment} for tc in toolchains]
    return store.new_record("micro", settings.as_dict(), libraries, ffi_results + results, filter_,
                            machine=machine.describe(), toolchain=machine.toolchain(), toolchains=tcs,
                            func_align=variants.FUNC_ALIGN if funcalign else "go default",
                            wall_s=time.monotonic() - t0)
