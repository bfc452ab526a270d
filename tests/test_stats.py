"""Statistics: order-statistic confidence intervals, summaries, calibration."""

from __future__ import annotations

import math

import pytest

from gobench.analyse import stats
from gobench.collect.protocol import Settings
from gobench.collect.worker import predict_n


@pytest.mark.parametrize("n,ranks", [(5, None), (6, (0, 5)), (8, (0, 7)), (9, (1, 7)), (10, (1, 8)), (20, (5, 14))])
def test_median_ci_ranks(n, ranks):
    assert stats.median_ci_ranks(n) == ranks


def test_ci_covers_median_at_least_95_percent():
    import random

    rng = random.Random(1)
    hits = 0
    trials = 2000
    for _ in range(trials):
        xs = [rng.lognormvariate(0, 1) for _ in range(10)]
        s = stats.summarize(xs)
        hits += s.ci_lo <= 1.0 <= s.ci_hi  # the lognormal(0,1) median is 1
    assert hits / trials >= 0.95 - 0.015


def test_summary_without_enough_samples_has_no_ci():
    s = stats.summarize([3, 1, 2])
    assert s.median == 2 and math.isnan(s.ci_lo) and s.as_dict()["ci_lo"] is None


def test_mann_whitney_detects_shift_and_not_identity():
    a = [100 + i for i in range(10)]
    assert stats.mann_whitney_p(a, [x * 1.3 for x in a]) < 0.01
    assert stats.mann_whitney_p(a, list(a)) > 0.5


@pytest.mark.parametrize("goal,prev_n,prev_ns,last,want", [
    (1e8, 1, 1000, 1, 100),          # at most 100x the last
    (1e8, 1000, 1e7, 1000, 12000),   # goal*prevN/prevNs = 10000, plus a fifth
    (1e8, 10, 1e9, 10, 11),          # at least last+1
])
def test_predict_n_follows_testing_b(goal, prev_n, prev_ns, last, want):
    assert predict_n(goal, prev_n, prev_ns, last) == want


@pytest.mark.parametrize("kw,msg", [
    ({"rounds": 0}, "rounds must be"), ({"round_ms": 0}, "round_ms must be"), ({"ffi_calls": 5}, "ffi_calls must be"),
    ({"warmup_ms": -1}, "warmup_ms must be"), ({"warmup_ms": 61_000}, "warmup_ms must be"),
])
def test_settings_validation(kw, msg):
    with pytest.raises(ValueError, match=msg):
        Settings(**kw).validate()


def test_log_t_ci_by_hand():
    # log ratios 0, 1, 0, 1: mean 0.5, sd sqrt(1/3), t(0.975, 3 df) = 3.182446
    gm, lo, hi = stats.log_t_ci([1.0, math.e, 1.0, math.e])
    half = 3.182446 * math.sqrt(1 / 3) / 2
    assert gm == pytest.approx(math.exp(0.5))
    assert (lo, hi) == pytest.approx((math.exp(0.5 - half), math.exp(0.5 + half)), rel=1e-5)


@pytest.mark.parametrize("ratios, expected", [
    ([0.4, 0.4, 0.4, 0.4], (0.4, 0.4, 0.4)),  # no spread: the interval is the ratio itself
    ([0.4], None),  # one ratio has no spread to estimate
    ([0.4, 0.0, 0.5], None),  # a ratio that is not positive has no logarithm
])
def test_log_t_ci_edges(ratios, expected):
    got = stats.log_t_ci(ratios)
    assert got == (pytest.approx(expected) if expected else None)
