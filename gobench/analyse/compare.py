"""Side-by-side comparison of two stored runs, the way benchstat compares two files.

Analysis step: for every benchmark (name and build) and metric it takes the
per-round values of run A and run B (summary.per_round), and returns both
medians with their 95% CIs, the ratio B/A and a Mann-Whitney U test as a
Row. present/compare.py prints the rows: a difference only when p < 0.05,
otherwise "~" (no significant difference), as benchstat does. Benchmarks
present in only one run are listed as such, never silently dropped.

Note: like benchstat, this needs about 6 rounds a side before any
difference can reach p < 0.05; with fewer, no row is significant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gobench.analyse import stats
from gobench.analyse import summary
from gobench.metrics import HEADLINE

DEFAULT_METRICS = HEADLINE
ALPHA = 0.05
MIN_ROUNDS = 6  # fewer rounds on a side than this, and a difference rarely reaches p < ALPHA


@dataclass
class Row:
    """Row is one benchmark and metric in the comparison."""

    name: str  # Family/Variant, with " [build]" for non-default builds
    metric: str
    a: dict | None  # summary (median, ci_lo, ci_hi, n) in run A, None when absent
    b: dict | None
    ratio: float | None  # median B / median A
    p: float | None
    only: str | None = None  # "A" or "B" when the benchmark ran in one run only

    @property
    def significant(self) -> bool:
        return self.p is not None and not math.isnan(self.p) and self.p < ALPHA


def _key(b: dict) -> str:
    build = b.get("build", "default")
    return b["name"] + ("" if build == "default" else f" [{build}]")


def _samples(run: dict) -> dict[str, tuple[dict, dict[str, list[float]]]]:
    """_samples maps each benchmark key to (its summary, its per-round metric values)."""
    out = {}
    for b in run.get("benchmarks") or []:
        rounds = b.get("rounds") or []
        out[_key(b)] = (b.get("summary") or {}, summary.per_round(rounds, run.get("ffi_ns_per_call")))
    return out


def compare(run_a: dict, run_b: dict, metrics: list[str] | tuple[str, ...] | None = None) -> list[Row]:
    """compare returns a Row per benchmark and metric: common benchmarks in A's order, then those only in B."""
    metrics = list(metrics or DEFAULT_METRICS)
    sa, sb = _samples(run_a), _samples(run_b)
    rows = []
    for key in list(sa) + [k for k in sb if k not in sa]:
        for m in metrics:
            if key not in sb or key not in sa:
                only = "A" if key in sa else "B"
                s = (sa if only == "A" else sb)[key][0].get(m)
                rows.append(Row(key, m, s if only == "A" else None, s if only == "B" else None, None, None, only))
                continue
            (suma, ra), (sumb, rb) = sa[key], sb[key]
            a, b = suma.get(m), sumb.get(m)
            if a is None and ra.get(m):
                a = stats.summarize(ra[m]).as_dict()
            if b is None and rb.get(m):
                b = stats.summarize(rb[m]).as_dict()
            ma, mb = (a or {}).get("median"), (b or {}).get("median")
            ratio = mb / ma if ma and mb is not None else (1.0 if ma == 0 and mb == 0 else None)
            p = stats.mann_whitney_p(ra.get(m, []), rb.get(m, [])) if ra.get(m) and rb.get(m) else None
            rows.append(Row(key, m, a, b, ratio, p))
    return rows


def config_differences(run_a: dict, run_b: dict) -> list[tuple[str, object, object]]:
    """config_differences lists (what, in A, in B) for each fact of the machines and builds that differs
    between the runs (it may explain a delta)."""
    def facts(run: dict) -> dict:
        m = run.get("machine") or {}
        info = ((run.get("libraries") or {}).get("default") or {}).get("info") or {}
        git = m.get("git") or {}
        return {"cpu": m.get("cpu_model"), "cores": m.get("cpu_count"), "kernel": m.get("kernel"),
                "go": info.get("go_version") or (run.get("toolchain") or {}).get("version"),
                "GOEXPERIMENT": info.get("goexperiment") or "none", "GOGC": info.get("gc_percent"),
                "GOMAXPROCS": info.get("gomaxprocs"),
                "commit": (git.get("commit") or "none")[:12] + ("-dirty" if git.get("dirty") else ""),
                "rounds": (run.get("settings") or {}).get("rounds"),
                "round_ms": (run.get("settings") or {}).get("round_ms")}
    fa, fb = facts(run_a), facts(run_b)
    return [(k, fa[k], fb[k]) for k in fa if fa[k] != fb[k]]
