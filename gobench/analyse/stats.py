"""Statistics on samples of rounds: medians, distribution-free confidence
intervals and the Mann-Whitney U test, the way benchstat treats benchmarks.

Note: a bootstrap CI was considered and rejected: with the 6-20 rounds a
benchmark has, the order-statistic interval for the median is exact in its
coverage, needs no random numbers (reports are reproducible) and says plainly
when there are too few samples for a 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import median as _median

CONFIDENCE = 0.95
MIN_SAMPLES_FOR_CI = 6  # with fewer, no order-statistic interval reaches 95%


@dataclass(frozen=True)
class Summary:
    """Summary describes a sample: median with its confidence interval, and spread."""

    n: int
    median: float
    ci_lo: float  # NaN when n < MIN_SAMPLES_FOR_CI
    ci_hi: float
    mean: float
    min: float
    max: float

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def _binom_cdf(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2)."""
    return sum(math.comb(n, i) for i in range(0, k + 1)) / 2.0**n


def median_ci_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int] | None:
    """median_ci_ranks returns 0-based ranks (lo, hi) of the sorted sample bounding the median.

    The interval [x(lo), x(hi)] covers the true median with probability at
    least ``confidence`` whatever the distribution; None when n is too small.
    """
    alpha = 1 - confidence
    best = None
    for k in range(0, n // 2 + 1):
        # P(median < x(k)) = P(Binom <= k-1), using 0-based x(k) as the (k+1)-th order statistic.
        if 2 * _binom_cdf(k, n) <= alpha:
            best = k
        else:
            break
    if best is None:
        return None
    return best, n - 1 - best


def summarize(values: list[float], confidence: float = CONFIDENCE) -> Summary:
    """summarize computes the Summary of a sample (NaN-free values expected)."""
    xs = sorted(float(v) for v in values)
    if not xs:
        nan = math.nan
        return Summary(0, nan, nan, nan, nan, nan, nan)
    ranks = median_ci_ranks(len(xs), confidence)
    lo, hi = (xs[ranks[0]], xs[ranks[1]]) if ranks else (math.nan, math.nan)
    return Summary(len(xs), _median(xs), lo, hi, sum(xs) / len(xs), xs[0], xs[-1])


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """mann_whitney_p is the two-sided p-value that samples a and b come from one distribution."""
    if len(a) == 0 or len(b) == 0:
        return math.nan
    if set(a) == set(b) and len(set(a)) == 1:
        return 1.0
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
