"""A worker process: loads one Go library, runs one job, writes results to a file.

    python -m gobench.worker JOB.json OUT.json

Like asv, the worker writes its results to the file it is given (atomically,
after every round), never to stdout, so that when the Go runtime dies with a
fatal error the parent still has every round measured before it and knows
which scenario was running (``current``). The parent handles timeouts, crashes
and cleanup. Job kinds are registered in JOB_KINDS (``micro`` here; other
modules add theirs).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

from gobench.store import atomic
from gobench.collect import bridge
from gobench.collect.protocol import Outcome, Settings, measure_family, measure_ffi

JOB_KINDS: dict[str, Callable[[bridge.Library, dict, "Writer"], None]] = {}


class Writer:
    """Writer holds the worker's output document and rewrites it atomically."""

    def __init__(self, path: Path):
        self.path = path
        self.doc = {"status": "running", "pid": os.getpid(), "current": None, "outcomes": [], "started": time.time()}
        self._last = 0.0

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last > 0.05:
            atomic.write_json(self.path, self.doc)
            self._last = now


def apply_knobs(lib: bridge.Library, knobs: dict) -> dict:
    """apply_knobs sets run-time knobs from the job and returns the values in force."""
    if knobs.get("gc_percent") is not None:
        lib.set_gc_percent(int(knobs["gc_percent"]))
    if knobs.get("memory_limit") is not None:
        lib.set_memory_limit(int(knobs["memory_limit"]))
    if knobs.get("gomaxprocs"):
        lib.set_gomaxprocs(int(knobs["gomaxprocs"]))
    info = lib.info()
    info.pop("scenarios", None)
    return info


def run_micro(lib: bridge.Library, job: dict, w: Writer) -> None:
    """run_micro measures each family of the job (interleaved variants) and optionally the FFI crossing."""
    st = Settings(**job.get("settings", {})).validate()
    outs: list[Outcome] = []

    def progress(o: Outcome | None, msg: str) -> None:
        if o is not None:
            w.doc["current"] = o.name
            w.doc["current_step"] = msg
            if o not in outs:
                outs.append(o)
        w.doc["outcomes"] = [x.as_dict() for x in outs]
        w.flush(force=o is not None and msg.startswith("open"))

    if job.get("ffi"):
        measure_ffi(lib, st, progress)
    for fam in job.get("families", []):
        measure_family(lib, [(name, params) for name, params in fam], st, progress)
    w.doc["outcomes"] = [x.as_dict() for x in outs]


JOB_KINDS["micro"] = run_micro


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m gobench.worker JOB.json OUT.json", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[0]).read_text())
    w = Writer(Path(argv[1]))
    # The parent owns Ctrl-C: it is delivered to the whole process group, and
    # the parent decides to stop us; a worker dying mid-write would be worse.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    kind = job.get("kind", "micro")
    if kind not in JOB_KINDS:
        w.doc.update(status="failed", error=f"unknown job kind {kind!r}; known: {', '.join(sorted(JOB_KINDS))}")
        w.flush(force=True)
        return 2
    try:
        lib = bridge.load(Path(job["variant_dir"]))
        w.doc["info"] = apply_knobs(lib, job.get("knobs", {}))
        w.flush(force=True)
        JOB_KINDS[kind](lib, job, w)
        w.doc["status"] = "done"
        w.doc["current"] = None
    except Exception as e:  # a Python-side failure is data for the parent, not a lost run
        import traceback

        w.doc.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        w.flush(force=True)
        return 1
    w.flush(force=True)
    return 0



def run_load(lib: bridge.Library, job: dict, w: Writer) -> None:
    """run_load runs the Go load generator once (one sweep point) and records its reply."""
    from gobench.errors import GoBenchError

    label = job.get("label", "load")
    w.doc["current"] = label
    w.doc["current_step"] = f"load for {job['request'].get('duration_ms', 0) / 1000:.0f} s"
    w.flush(force=True)
    try:
        w.doc["outcomes"] = [{"name": label, "status": "ok", "result": lib.call("load", job["request"])}]
    except GoBenchError as e:
        w.doc["outcomes"] = [{"name": label, "status": "error", "error": str(e)}]


JOB_KINDS["load"] = run_load


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
