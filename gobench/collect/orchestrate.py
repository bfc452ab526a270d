"""The parent side of collection: plan worker processes, run them, gather results.

One worker process per (build variant, family, environment): a Go library is
read-only to its process (GOGC and GOMAXPROCS are read at load, and it cannot
be unloaded), and a fatal Go error must cost only its own worker. Workers run
one after another, never side by side, so they do not disturb each other's
timings on a small machine.

When a worker dies, the rounds it wrote are kept, the scenario it was running
is marked ``crashed`` with the tail of its stderr, and the family's remaining
scenarios are retried once in a fresh worker.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gobench.build import library as buildmod
from gobench.collect.protocol import Settings
from gobench.records import FFI_NAME

STDERR_TAIL = 40  # lines of a crashed worker's stderr kept in the result


@dataclass
class Job:
    """Job is one worker's work: scenarios of one family on one build with one environment."""

    build: str
    family: str
    specs: list[tuple[str, dict]]
    env: dict[str, str] = field(default_factory=dict)
    knobs: dict = field(default_factory=dict)
    ffi: bool = False

    @property
    def label(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in sorted(self.env.items()))
        return f"{self.family} [{self.build}{extra}]"


def select(scenarios: list[dict], pattern: str | None, include_hidden: bool = False) -> list[dict]:
    """select returns the scenarios whose "Family/Variant" matches the regular expression pattern."""
    if pattern:
        try:
            rx = re.compile(pattern)
        except re.error as e:
            raise ValueError(f"--filter {pattern!r} is not a valid regular expression: {e}") from None
    out = []
    for s in scenarios:
        name = f"{s['family']}/{s['variant']}"
        if pattern and not rx.search(name):
            continue
        # test-only scenarios run only when asked for, or when the pattern names their family
        if s.get("hidden") and not include_hidden and not (pattern and s["family"] in pattern):
            continue
        out.append(s)
    return out


def validate_params(scn: dict, params: dict) -> dict:
    """validate_params checks user parameters against the scenario's declaration, before any Go call."""
    decl = {p["name"]: p for p in scn["params"]}
    name = f"{scn['family']}/{scn['variant']}"
    for k, v in params.items():
        if k not in decl:
            raise ValueError(f"{name}: unknown parameter {k!r}; allowed: {sorted(decl) or 'none'}")
        p = decl[k]
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{name}: parameter {k} must be an integer, got {v!r}")
        if not p["min"] <= v <= p["max"]:
            raise ValueError(f"{name}: parameter {k}={v} out of range [{p['min']}, {p['max']}] ({p['doc']})")
    return dict(params)


def plan(built: dict[str, "buildmod.Built"], pattern: str | None, params: dict[str, dict] | None = None,
         ffi: bool = True, env: dict | None = None, knobs: dict | None = None) -> list[Job]:
    """plan groups the selected scenarios of every built variant into jobs, one per family.

    A scenario present in several builds (every default scenario is also in
    the arenas build) is run only in the first build that has it, unless it
    requires that build's experiment.
    """
    params = params or {}
    jobs: list[Job] = []
    seen: set[str] = set()
    for bname, b in built.items():
        fams: dict[str, list[tuple[str, dict]]] = {}
        for s in select(b.scenarios(), pattern):
            name = f"{s['family']}/{s['variant']}"
            if name in seen:
                continue
            seen.add(name)
            fams.setdefault(s["family"], []).append((name, validate_params(s, params.get(name, {}))))
        for fam, specs in fams.items():
            jobs.append(Job(bname, fam, specs, dict(env or {}), dict(knobs or {})))
    # the crossing is always measured (it is cheap): every row's FFI share needs it
    if ffi and (jobs or (pattern and re.search(pattern, FFI_NAME))):
        jobs.insert(0, Job(next(iter(built)), "FFI", [], dict(env or {}), dict(knobs or {}), ffi=True))
    return jobs


_CAUSE = re.compile(r"^(fatal error:|runtime: |panic:|SIG[A-Z]+:|Traceback|[A-Za-z]+Error:)")


def _tail(path: Path, lines: int = STDERR_TAIL) -> str:
    """_tail returns the cause lines of a Go or Python crash (first ones) and then the last lines."""
    try:
        all_lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    causes = [ln for ln in all_lines[:-lines] if _CAUSE.match(ln)][:5]
    return "\n".join(causes + (["..."] if causes else []) + all_lines[-lines:])


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_worker(job_doc: dict, variant_dir: Path, env: dict, timeout_s: float,
               on_poll: Callable[[dict], None] | None = None) -> tuple[dict, int, str]:
    """run_worker runs one worker and returns (its output document, exit code, stderr tail).

    The output document is whatever the worker last wrote; a worker that died
    before writing anything yields ``{"status": "crashed", "outcomes": []}``.
    """
    with tempfile.TemporaryDirectory(prefix="gobench-worker-") as tmp:
        tmp = Path(tmp)
        job_path, out_path, err_path = tmp / "job.json", tmp / "out.json", tmp / "stderr.txt"
        job_path.write_text(json.dumps({**job_doc, "variant_dir": str(variant_dir)}))
        wenv = {**os.environ, **env}
        wenv.setdefault("GOTRACEBACK", "single")
        with open(err_path, "w") as errf:
            proc = subprocess.Popen([sys.executable, "-m", "gobench.collect.worker", str(job_path), str(out_path)],
                                    stdout=errf, stderr=errf, env=wenv, cwd=str(buildmod.ROOT),
                                    start_new_session=False)
            deadline = time.monotonic() + timeout_s
            try:
                while proc.poll() is None:
                    if time.monotonic() > deadline:
                        proc.kill()
                        proc.wait()
                        doc = _read(out_path) or {"outcomes": []}
                        doc["status"] = "timeout"
                        return doc, -9, f"worker timed out after {timeout_s:.0f} s\n" + _tail(err_path)
                    if on_poll:
                        doc = _read(out_path)
                        if doc:
                            on_poll(doc)
                    time.sleep(0.2)
            except BaseException:  # Ctrl-C in the parent: stop the worker, leave nothing running
                proc.kill()
                proc.wait()
                raise
        doc = _read(out_path) or {"status": "crashed", "outcomes": []}
        rc = proc.returncode
        if rc != 0 and doc.get("status") in ("running", None):
            doc["status"] = "crashed"
        return doc, rc, _tail(err_path)


def _signal_name(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def run_job(job: Job, settings: Settings, variant_dir: Path, on_poll=None) -> tuple[list[dict], dict]:
    """run_job runs a job's worker (retrying once without a crashed scenario) and returns outcomes and info."""
    remaining = list(job.specs)
    outcomes: dict[str, dict] = {}
    info: dict = {}
    per_round_s = settings.round_ms / 1000
    for attempt in range(2):
        n = max(1, len(remaining))
        timeout = 120 + n * (settings.rounds + 10) * per_round_s * 4 + n * settings.max_calibration_s
        doc, rc, tail = run_worker(
            {"kind": "micro", "families": [remaining] if remaining else [], "settings": settings.as_dict(),
             "ffi": job.ffi and attempt == 0, "knobs": job.knobs},
            variant_dir, job.env, timeout, on_poll)
        info = doc.get("info") or info
        for o in doc.get("outcomes", []):
            outcomes[o["name"]] = o
        if doc.get("status") == "done":
            break
        if doc.get("status") == "failed":  # a Python-side failure inside the worker
            for name, params in remaining:
                o = outcomes.setdefault(name, {"name": name, "params": params, "rounds": []})
                if o.get("status") in (None, "ok"):
                    o.update(status="error", error=doc.get("error", "worker failed") + "\n" + tail)
            break
        crashed = doc.get("current")
        why = "timed out" if doc.get("status") == "timeout" else _signal_name(rc)
        if crashed:
            o = outcomes.setdefault(crashed, {"name": crashed, "params": {}, "rounds": []})
            o.update(status="crashed", error=f"worker {why} while running {crashed}:\n{tail}")
        done = {k for k, o in outcomes.items() if o.get("status") != "ok" or
                len(o.get("rounds") or []) >= settings.rounds}
        remaining = [(nm, p) for nm, p in remaining if nm not in done and nm != crashed]
        if not crashed:  # died before starting anything: every scenario is lost with it
            for name, params in remaining:
                outcomes[name] = {"name": name, "params": params, "rounds": [], "status": "crashed",
                                  "error": f"worker {why} before running:\n{tail}"}
            break
        if not remaining:
            break
        for nm, _ in remaining:  # partial rounds of survivors are dropped: rerun them cleanly
            outcomes.pop(nm, None)
    for name, params in job.specs:
        outcomes.setdefault(name, {"name": name, "params": params, "rounds": [], "status": "skipped",
                                   "error": "not run"})
    return list(outcomes.values()), info
