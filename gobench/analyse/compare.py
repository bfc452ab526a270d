"""Side-by-side comparison of two stored runs, the way benchstat compares two files.

Analysis step: for every benchmark (name and build) and metric it takes the
per-round values of run A and run B (summary.per_round), and returns both
medians with their 95% CIs, the ratio B/A and a Mann-Whitney U test as a
Row. The p-values of all rows are adjusted with Holm's method, because a
comparison of two runs makes about 88 tests at once: uncorrected, an A/A
comparison showed about 4 "significant" differences. present/compare.py
prints the rows: a difference only when the Holm-adjusted p < 0.05,
otherwise "~" (no significant difference). Benchmarks
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
    p_holm: float | None = None  # p adjusted (Holm) over every tested row of the comparison

    @property
    def significant(self) -> bool:
        return self.p_holm is not None and not math.isnan(self.p_holm) and self.p_holm < ALPHA


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
    tested = [r for r in rows if r.p is not None and not math.isnan(r.p)]
    for r, ph in zip(tested, holm([r.p for r in tested])):
        r.p_holm = ph
    return rows


def holm(pvalues: list[float]) -> list[float]:
    """holm returns Holm-Bonferroni adjusted p-values (NaN stays NaN and does not count as a test)."""
    idx = sorted((i for i, p in enumerate(pvalues) if not math.isnan(p)), key=lambda i: pvalues[i])
    m = len(idx)
    out = [math.nan] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


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
