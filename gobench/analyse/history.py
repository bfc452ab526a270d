"""One metric across all stored runs: the data behind `invoke history`.

Analysis step: it reads every results/runs/*/run.json (oldest first, by run
id, which starts with the UTC time), keeps the benchmarks whose name matches
a pattern, and returns each one's median and 95% CI of the metric per run.
Runs that cannot be read are listed, with the reason, not fatal: an old or
interrupted run must not hide the others.
"""

from __future__ import annotations

import re
from pathlib import Path

from gobench.store import runs as store


def collect(metric: str, pattern: str | None = None, root: Path = store.RESULTS) -> tuple[dict[str, list[dict]],
                                                                                          list[str], set[str]]:
    """collect returns (series, skipped, metrics_seen).

    series maps "Family/Variant[ [build]]" to points {run_id, created,
    median, ci_lo, ci_hi, n}; skipped lists "<run.json path>: reason" for
    each run that could not be read (missing, truncated or corrupt JSON,
    another schema, a malformed field) and for each malformed benchmark entry
    of a run that could; metrics_seen is every metric name met (for error
    messages).
    """
    try:
        rx = re.compile(pattern) if pattern else None
    except re.error as e:
        raise ValueError(f"--filter {pattern!r} is not a regular expression: {e}") from None
    series: dict[str, list[dict]] = {}
    skipped: list[str] = []
    seen: set[str] = set()
    folders = sorted(p for p in store.runs_dir(root).glob("*") if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        try:
            run = store.load_run(folder, root)
        except store.StoreError as e:
            skipped.append(str(e))
            continue
        benchmarks = run["benchmarks"]
        if not isinstance(benchmarks, list):
            skipped.append(f"{folder / 'run.json'}: 'benchmarks' is {type(benchmarks).__name__}, not a list")
            continue
        for i, b in enumerate(benchmarks):
            problem = _unreadable_benchmark(b, metric)
            if problem:
                skipped.append(f"{folder / 'run.json'}: benchmark {i}: {problem}")
                continue
            s = b.get("summary") or {}
            seen.update(s)
            if rx and not rx.search(b["name"]):
                continue
            m = s.get(metric)
            if m is None or m.get("median") is None:
                continue  # not measured in this run (a crashed scenario, a metric added later)
            build = b.get("build", "default")
            key = b["name"] + ("" if build == "default" else f" [{build}]")
            series.setdefault(key, []).append({"run_id": run["run_id"], "created": run.get("created"),
                                               "median": m["median"], "ci_lo": m.get("ci_lo"),
                                               "ci_hi": m.get("ci_hi"), "n": m.get("n")})
    return series, skipped, seen


def _unreadable_benchmark(b, metric: str) -> str | None:
    """_unreadable_benchmark says why one entry of a run's benchmarks cannot be read, or None when it can."""
    if not isinstance(b, dict):
        return f"is {type(b).__name__}, not an object"
    if not isinstance(b.get("name"), str):
        return "has no name"
    s = b.get("summary")
    if s is not None and not isinstance(s, dict):
        return f"{b['name']}: 'summary' is {type(s).__name__}, not an object"
    m = (s or {}).get(metric)
    if m is not None and not isinstance(m, dict):
        return f"{b['name']}: summary of {metric} is {type(m).__name__}, not an object"
    if m and m.get("median") is not None and not isinstance(m["median"], (int, float)):
        return f"{b['name']}: median of {metric} is {m['median']!r}, not a number"
    return None
