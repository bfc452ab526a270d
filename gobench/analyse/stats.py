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
    """P(X <= k) for X ~ Binomial(n, 1/2), summed in log space: 2.0**n overflows a float at n = 1024."""
    if k < 0:
        return 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in logs))


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


def log_t_ci(ratios: list[float], confidence: float = CONFIDENCE) -> tuple[float, float, float] | None:
    """log_t_ci is (geometric mean, lo, hi) of positive ratios with the t-interval of their logarithms' mean;
    None with fewer than 2 ratios or a ratio that is not positive.

    Note: for the few rounds that no order-statistic interval reaches 95% with (a 1 GB snapshot round takes
    seconds, so its step runs 4). It assumes the log ratios are about normal: a ratio of two timings of the
    same work is skewed, its logarithm much less. With identical ratios the interval is the ratio itself.
    """
    if len(ratios) < 2 or any(not r > 0 for r in ratios):
        return None
    from scipy.stats import t

    logs = [math.log(r) for r in ratios]
    n = len(logs)
    mean = sum(logs) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (n - 1))
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """mann_whitney_p is the two-sided p-value that samples a and b come from one distribution."""
    if len(a) == 0 or len(b) == 0:
        return math.nan
    if set(a) == set(b) and len(set(a)) == 1:
        return 1.0
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def mann_whitney_min_p(n1: int, n2: int) -> float:
    """mann_whitney_min_p is the smallest p-value mann_whitney_p can return for samples of these sizes.

    It runs the very test on the most extreme samples (every value of one
    side below every value of the other), so it follows scipy wherever scipy
    switches from the exact distribution to the normal approximation (above
    8 rounds a side) instead of assuming the exact 2 / C(n1 + n2, n1).
    """
    if n1 < 1 or n2 < 1:
        return 1.0
    return mann_whitney_p([float(i) for i in range(n1)], [float(n1 + i) for i in range(n2)])


def signed_rank_p(log_ratios: list[float], alternative: str = "greater") -> float:
    """signed_rank_p is the one-sided Wilcoxon signed-rank p-value that paired log-ratios are centred above 0
    (``alternative="greater"``: head slower) or below it (``"less"``).

    Zero differences are dropped (Wilcoxon's rule); no non-zero difference gives 1.0.
    scipy uses the exact distribution up to 50 pairs and the normal approximation above.
    """
    if alternative not in ("greater", "less"):
        raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}")
    xs = [x for x in log_ratios if x != 0]
    if not xs:
        return 1.0
    from scipy.stats import wilcoxon

    return float(wilcoxon(xs, alternative=alternative).pvalue)


def signed_rank_min_p(n: int) -> float:
    """signed_rank_min_p is the smallest one-sided p-value signed_rank_p can return for n pairs
    (the very test on n distinct positive differences: exact or approximate as scipy chooses)."""
    return 1.0 if n < 1 else signed_rank_p([float(i + 1) for i in range(n)], "greater")


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """wilson is the Wilson score 95% interval of a proportion k/n (k detections in n trials); (0, 1) for n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
