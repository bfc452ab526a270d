"""Comparing Go toolchains within one run (``invoke bench --go``): the analyse stage's side of versions.

In a run across toolchains every scenario was measured with each Go, its
rounds interleaved with the other versions' (round r of every version ran
in the same stretch of time, and carries ``pair`` = r). A version's ratio to
the reference version is therefore computed per round, from the rounds that
ran together, and summarised as the median of those ratios with its
distribution-free 95% interval (gobench.analyse.stats; no bootstrap, so a
report is reproducible). Rounds of one process are not fully independent
(each side is one worker process), so the interval covers round-to-round
noise, not a second process's different luck: repeat the run to see that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gobench.analyse import stats
from gobench.metrics import METRICS
from gobench.records import FFI_NAME

# the metrics compared across versions: time with a ratio and CI, the exact counts as medians
RATIO_METRIC = "ns_per_op"
COUNT_METRICS = ("allocs_per_op", "bytes_per_op", "gc_per_1k_ops")


@dataclass
class VersionCell:
    """VersionCell is one scenario with one Go version: its status, medians, and its ratio to the reference."""

    go: str
    status: str
    error: str | None = None
    medians: dict[str, float | None] = field(default_factory=dict)
    ns_ci: tuple[float | None, float | None] = (None, None)
    ratio: stats.Summary | None = None  # this version's ns/op over the reference's, per matched round


@dataclass
class VersionRow:
    """VersionRow is one scenario across the run's Go versions."""

    name: str
    cells: dict[str, VersionCell]


def version_key(go: str) -> tuple:
    """version_key orders "go1.22.10" before "go1.27.3" (numerically), and a toolchain before its GOEXPERIMENT
    builds ("go1.27.3" before "go1.27.3+nogreenteagc", those by name), so the order never depends on a set's."""
    number, _, experiments = go.partition("+")
    return tuple(int(x) for x in re.findall(r"\d+", number)), experiments


def versions(run: dict) -> list[str]:
    """versions are the run's Go versions, oldest first (empty for a single-toolchain run)."""
    return sorted({b["go"] for b in run.get("benchmarks") or [] if b.get("go")}, key=version_key)


def reference(run: dict, ref: str | None = None) -> str:
    """reference is the version the others are divided by: ``ref`` ("1.27", "go1.27.3") or the newest.

    Raises ValueError naming the run's versions when ``ref`` is not one of them.
    """
    have = versions(run)
    if not have:
        raise ValueError("this run was not measured across Go toolchains (invoke bench --go 1.22,1.27)")
    if not ref:
        return have[-1]
    want = ref if ref.startswith("go") else "go" + ref
    hits = [v for v in have if v == want or v.startswith(want + ".")]
    if not hits:
        raise ValueError(f"--go-ref {ref!r} is not a version of this run; it has {', '.join(have)}")
    return hits[-1]


def version_view(run: dict, go: str) -> dict:
    """version_view is a run across Go toolchains reduced to one version's results (and the results that carry
    no version), for what is decided per version: the claims, the charts."""
    return {**run, "benchmarks": [b for b in run.get("benchmarks") or [] if b.get("go") in (None, go)]}


def _per_round(b: dict, metric: str) -> dict[int, float]:
    of = METRICS[metric].of_round
    return {r.get("pair", i): float(of(r)) for i, r in enumerate(b.get("rounds") or []) if r.get("n")}


def matched_ratios(b: dict, ref: dict) -> list[float]:
    """matched_ratios divides b's ns/op by ref's, round by round, over the rounds that ran together."""
    mine, theirs = _per_round(b, RATIO_METRIC), _per_round(ref, RATIO_METRIC)
    return [mine[k] / theirs[k] for k in sorted(mine.keys() & theirs.keys()) if theirs[k] > 0]


def compare(run: dict, ref: str | None = None) -> tuple[str, list[VersionRow]]:
    """compare lays out every scenario across the run's versions; returns (reference version, rows)."""
    refv = reference(run, ref)
    by: dict[str, dict[str, dict]] = {}
    for b in run.get("benchmarks") or []:
        if b.get("go") and b["name"] != FFI_NAME:
            by.setdefault(b["name"], {})[b["go"]] = b
    rows = []
    for name, per in by.items():
        cells = {}
        for go in versions(run):
            b = per.get(go)
            if b is None:
                cells[go] = VersionCell(go, "absent")
                continue
            s = b.get("summary") or {}
            cell = VersionCell(go, b.get("status", "?"), b.get("error"),
                               {m: (s.get(m) or {}).get("median") for m in (RATIO_METRIC, *COUNT_METRICS)},
                               ((s.get(RATIO_METRIC) or {}).get("ci_lo"), (s.get(RATIO_METRIC) or {}).get("ci_hi")))
            r = per.get(refv)
            if r is not None and b.get("rounds") and r.get("rounds"):
                ratios = matched_ratios(b, r)
                cell.ratio = stats.summarize(ratios) if ratios else None
            cells[go] = cell
        rows.append(VersionRow(name, cells))
    return refv, rows
