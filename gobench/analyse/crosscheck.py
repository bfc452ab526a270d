"""Crosscheck statistics: per-repeat ratios harness / go test and whether the two tools agree.

A repeat's four samples (ABBA, gobench/collect/crosscheck.py) become one value
per tool, the mean of its two samples; the verdict is the median of the
per-repeat ratios of ns/op, with its distribution-free 95% interval.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Iterable

from gobench.analyse import stats
from gobench.records import GOTEST, HARNESS

AGREE = (0.95, 1.05)  # median ratio band in which the tools agree


@dataclass
class Pair:
    """Pair holds both tools' per-repeat values (the mean of a repeat's two samples) for one scenario."""

    name: str
    harness_ns: list[float] = field(default_factory=list)
    gotest_ns: list[float] = field(default_factory=list)
    harness_allocs: list[float] = field(default_factory=list)
    gotest_allocs: list[float] = field(default_factory=list)
    harness_bytes: list[float] = field(default_factory=list)
    gotest_bytes: list[float] = field(default_factory=list)

    def ratios(self) -> list[float]:
        """ratios are the per-repeat ratios harness ns/op / go test ns/op."""
        return [h / g for h, g in zip(self.harness_ns, self.gotest_ns) if g]

    def ratio_summary(self) -> stats.Summary:
        """ratio_summary is the median of the ratios with its 95% interval (none with fewer than 6 repeats)."""
        return stats.summarize(self.ratios())

    def agrees(self) -> bool:
        """agrees says whether the median ratio lies in the AGREE band."""
        rs = self.ratios()
        return bool(rs) and AGREE[0] <= statistics.median(rs) <= AGREE[1]

    def add_repeat(self, harness: list[tuple[float, float, float]], gotest: list[tuple[float, float, float]]) -> None:
        """add_repeat records one repeat from each tool's (ns/op, allocs/op, B/op) samples."""
        for samples, columns in ((harness, (self.harness_ns, self.harness_allocs, self.harness_bytes)),
                                 (gotest, (self.gotest_ns, self.gotest_allocs, self.gotest_bytes))):
            for k, column in enumerate(columns):
                column.append(statistics.fmean(x[k] for x in samples))


def add(pairs: dict[str, Pair], repeat) -> Pair:
    """add records a collected repeat (name, samples as (tool, values)) in its scenario's Pair and returns it."""
    p = pairs.setdefault(repeat.name, Pair(repeat.name))
    p.add_repeat([x for tool, x in repeat.samples if tool == HARNESS], [x for tool, x in repeat.samples if tool == GOTEST])
    return p


def pairs(repeats: Iterable) -> dict[str, Pair]:
    """pairs builds every scenario's Pair from the collected repeats."""
    out: dict[str, Pair] = {}
    for r in repeats:
        add(out, r)
    return out


def agreement_section(repeats: Iterable, outcomes: list[dict], wall_s: float, benchtime_ms: float) -> dict:
    """agreement_section is a run record's "agreement": per scenario the median ratio harness / go test of
    ns/op over the ABBA repeats with its 95% interval (null with fewer than 6 repeats), both tools' median
    ns/op and allocs/op; a scenario the harness could not measure has its error instead."""
    by_name = pairs(repeats)
    scenarios = []
    for name, p in by_name.items():
        sm = p.ratio_summary()
        d = sm.as_dict()
        scenarios.append({"name": name, "repeats": sm.n, "ratio_median": d["median"], "ci_lo": d["ci_lo"],
                          "ci_hi": d["ci_hi"], "agrees": p.agrees(),
                          "harness_ns_per_op": statistics.median(p.harness_ns),
                          "gotest_ns_per_op": statistics.median(p.gotest_ns),
                          "harness_allocs_per_op": statistics.median(p.harness_allocs),
                          "gotest_allocs_per_op": statistics.median(p.gotest_allocs)})
    for o in outcomes:
        if o.get("status") != "ok" and o.get("name") not in by_name:
            scenarios.append({"name": o.get("name"), "error": f"harness {o.get('status')}: {o.get('error')}"})
    return {"band": list(AGREE), "benchtime_ms": benchtime_ms, "wall_s": round(wall_s, 1), "scenarios": scenarios}
