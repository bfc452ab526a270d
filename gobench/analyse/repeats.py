"""Repeated load points and the statistics across them (analysis step).

A load point is one setting (a request kind, a sweep value) run in a
process of its own; `invoke load` repeats each point, and every repeat is
one entry of the run's "load" section with the same label and ``"repeat": i``.
The unit of a statistic is the repeat (an independent process), never a
request or a round: a p99 of one run says nothing about the next run's
(three identical order-new runs at 12k req/s gave p99 11.9, 19.6 and
11.1 µs).

Note: analyse/loadview.py is to gain ``repeats`` and ``p99_ci`` with this
contract; until it does, this module is where claims.py reads them.
"""

from __future__ import annotations

import math
from statistics import median

from gobench.analyse import loadview
from gobench.analyse import stats

MIN_REPEATS = 3  # fewer repeats of a point give no interval for its median


def repeats(run: dict) -> dict[str, list[dict]]:
    """repeats groups the run's ok load entries by label: {label: [entries in repeat order]}."""
    out: dict[str, list[dict]] = {}
    for e in loadview.entries(run, ok_only=True):
        out.setdefault(loadview.label(e), []).append(e)
    for es in out.values():
        es.sort(key=lambda e: e.get("repeat") if isinstance(e.get("repeat"), int) else 0)
    return out


def kept_up(e: dict) -> bool:
    """kept_up says whether an open-loop entry served its target rate (a closed-loop entry always does)."""
    r = loadview.rate(e)
    return r["closed_loop"] or r["kept_up"] is not False


def latency_usable(e: dict) -> bool:
    """latency_usable says whether an entry's percentiles may decide a latency verdict: it kept up with its target
    and its percentiles are not lower bounds (never-started requests left out)."""
    lat = loadview.result(e).get("latency")
    lower = isinstance(lat, dict) and lat.get("lower_bound") is True
    return kept_up(e) and not lower


def coverage(n: int) -> float:
    """coverage is the probability that [min, max] of n independent repeats covers their population median:
    1 - 2 * (1/2)^n (75% for 3 repeats, 87.5% for 4, 93.8% for 5)."""
    return 1 - 2 * 0.5 ** n


def median_ci(values: list[float]) -> tuple[float, float, float, float] | None:
    """median_ci is (median, lo, hi, coverage) of per-repeat values: the 95% order-statistic interval from 6
    repeats on, else [min, max] with its smaller coverage; None with fewer than MIN_REPEATS values."""
    xs = sorted(v for v in values if v is not None and not math.isnan(v))
    if len(xs) < MIN_REPEATS:
        return None
    ranks = stats.median_ci_ranks(len(xs))
    if ranks:
        return median(xs), xs[ranks[0]], xs[ranks[1]], stats.CONFIDENCE
    return median(xs), xs[0], xs[-1], coverage(len(xs))


def p99_ci(entries: list[dict]) -> tuple[float, float, float] | None:
    """p99_ci is (median, lo, hi) of the per-repeat p99 latencies in ns (see median_ci), None with fewer than
    MIN_REPEATS repeats that have a p99."""
    ci = median_ci([loadview.latency(e)[99.0] for e in entries])
    return ci[:3] if ci else None


def spread(values: list) -> tuple[float, float, float, int] | None:
    """spread is (median, min, max, n) of per-repeat values (None and NaN left out), None when none is left: what
    a chart draws for a point, the median the claims decide on with the whole range of the repeats around it."""
    xs = sorted(v for v in values if v is not None and not math.isnan(v))
    return (median(xs), xs[0], xs[-1], len(xs)) if xs else None


def gomaxprocs_repeats(run: dict) -> dict[int, list[dict]]:
    """gomaxprocs_repeats maps each GOMAXPROCS of the run's GOMAXPROCS sweep to its ok repeats that kept up with
    their rate: the entries claim C8 is decided on and the gomaxprocs-sweep chart draws."""
    out: dict[int, list[dict]] = {}
    for e in loadview.entries(run, ok_only=True):
        p = loadview.point_value(e, "gomaxprocs")
        if e.get("sweep") == "gomaxprocs" and isinstance(p, (int, float)) and kept_up(e):
            out.setdefault(int(p), []).append(e)
    return out
