"""Running a micro-benchmark session: build, plan, run the families, assemble the run record.

The record holds raw rounds only; the command derives the summaries
(gobench.analyse.summary.attach) before storing and printing it.
"""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.build import library as buildmod
from gobench.collect import machine, plan, scheduler
from gobench.collect.protocol import Settings
from gobench.records import FFI_NAME
from gobench.store import runs as store

QUICK = Settings(round_ms=15.0, rounds=6, ffi_calls=50_000, max_calibration_s=10.0)
FULL = Settings(round_ms=100.0, rounds=10, ffi_calls=200_000, max_calibration_s=30.0)


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


def run_micro(filter_: str | None = None, settings: Settings = FULL, builds: list[str] | None = None,
              params: dict | None = None, env: dict | None = None, knobs: dict | None = None,
              ffi: bool = True, out: IO[str] = sys.stdout) -> dict:
    """run_micro measures the selected scenarios and returns the run record (raw rounds; not yet stored)."""
    settings.validate()
    builds = builds or ["default", "arenas"]
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
