"""pytest-benchmark JSON for a gobench run, so `pytest-benchmark compare` and
`pytest --benchmark-compare` can read our micro results.

The statistics are computed by pytest-benchmark's own Stats class from the
per-operation seconds of each round (elapsed / N measured inside Go); the
Go-side metrics go into ``extra_info``, as the fixture-based benchmarks in
tests/benchmarks/ do.
"""

from __future__ import annotations

import datetime as dt
import platform

from pytest_benchmark import __version__ as PB_VERSION
from pytest_benchmark.stats import Stats


def machine_info(machine: dict) -> dict:
    return {
        "node": machine.get("hostname"),
        "processor": platform.processor(),
        "machine": machine.get("arch"),
        "python_compiler": platform.python_compiler(),
        "python_implementation": platform.python_implementation(),
        "python_implementation_version": platform.python_version(),
        "python_version": platform.python_version(),
        "python_build": list(platform.python_build()),
        "release": machine.get("kernel"),
        "system": machine.get("os"),
        "cpu": {"brand_raw": machine.get("cpu_model"), "count": machine.get("cpu_count")},
    }


def document(run: dict) -> dict:
    """document converts a run record into a pytest-benchmark JSON document."""
    machine = run["machine"]
    git = machine.get("git") or {}
    benches = []
    for b in run["benchmarks"]:
        secs = [r["elapsed_ns"] / r["n"] / 1e9 for r in b.get("rounds") or [] if r.get("n")]
        if not secs:
            continue
        st = Stats()
        for x in secs:
            st.update(x)
        stats = st.as_dict()
        stats["data"] = secs
        stats["iterations"] = 1
        summ = b.get("summary", {})
        benches.append({
            "group": b["name"].split("/")[0],
            "name": b["name"],
            "fullname": f"gobench::{b['build']}::{b['name']}",
            "params": b.get("params") or None,
            "param": None,
            "extra_info": {
                "n_per_round": b.get("n"),
                "build": b.get("build"),
                **{f"{k}_median": v.get("median") for k, v in summ.items()},
            },
            "options": {"disable_gc": False, "timer": "go time.Now (monotonic), per op", "min_rounds": len(secs),
                        "max_time": None, "min_time": None, "warmup": True},
            "stats": stats,
        })
    return {
        "machine_info": machine_info(machine),
        "commit_info": {"id": git.get("commit"), "dirty": git.get("dirty"), "branch": git.get("branch"),
                        "project": "gobench", "time": run.get("created")},
        "benchmarks": benches,
        "datetime": run.get("created") or dt.datetime.now(dt.timezone.utc).isoformat(),
        "version": PB_VERSION,
    }
