"""Per-benchmark metrics derived from raw rounds, and their summaries.

Every metric is computed per round (so it has a sample, a median and a
confidence interval), as gobench.metrics derives it; per-op values are
float divisions of round totals.
"""

from __future__ import annotations

from gobench.analyse import stats
from gobench.metrics import METRICS
from gobench.records import FFI_NAME


def per_round(rounds: list[dict], ffi_ns_per_call: float | None) -> dict[str, list[float]]:
    """per_round returns each metric's per-round values, including scenario extras and FFI share."""
    out: dict[str, list[float]] = {}
    for r in rounds:
        if not r.get("n"):
            continue
        for m in METRICS.values():
            if m.of_round is not None:
                out.setdefault(m.name, []).append(float(m.of_round(r)))
        for k, v in (r.get("extra") or {}).items():
            out.setdefault(k, []).append(float(v))
        if ffi_ns_per_call and r.get("elapsed_ns"):
            out.setdefault("ffi_share", []).append(ffi_ns_per_call / r["elapsed_ns"])
    return out


def summarize_rounds(rounds: list[dict], ffi_ns_per_call: float | None) -> dict[str, dict]:
    """summarize_rounds maps each metric to its Summary as a dict."""
    return {k: stats.summarize(v).as_dict() for k, v in per_round(rounds, ffi_ns_per_call).items()}


def ffi_ns_per_call(benchmarks: list[dict], go: str | None = None) -> float | None:
    """ffi_ns_per_call is the median cost of one FFI crossing, from the run's FFI/noop rounds (None without them);
    in a run across Go toolchains, ``go`` picks that toolchain's crossing."""
    for b in benchmarks:
        if b.get("name") == FFI_NAME and b.get("rounds") and b.get("go") == go:
            return stats.summarize([r["elapsed_ns"] / r["n"] for r in b["rounds"] if r.get("n")]).median
    return None


def attach(run: dict) -> dict:
    """attach adds a ``summary`` to every benchmark of a collected run record (and the run's FFI cost); returns it.

    Collection stores raw rounds only; the summaries stored next to them are
    derived here, so that collect never depends on the analysis.
    """
    bs = run.get("benchmarks") or []
    ffi_ns = ffi_ns_per_call(bs, bs[0].get("go") if bs else None)
    for b in bs:
        own = ffi_ns if b.get("go") is None else ffi_ns_per_call(bs, b["go"])
        b["summary"] = summarize_rounds(b.get("rounds") or [], None if b.get("name") == FFI_NAME else own)
    if ffi_ns is not None:
        run["ffi_ns_per_call"] = ffi_ns
    return run
