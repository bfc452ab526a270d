"""Tests for `invoke soak`'s argument checks and its reading of the parent's RSS series."""

import io

from gobench.commands import soak


def test_rss_trend_tells_a_plateau_from_a_slope():
    plateau = soak._rss_trend([100_000, 110_000, 115_000, 116_000, 116_000, 116_000, 116_000, 116_000])
    assert "+0 KiB in the second" in plateau
    leak = soak._rss_trend([100_000 + 1_000 * i for i in range(8)])
    assert "+1,000 KiB in the first half, +1,000 KiB in the second" in leak


def test_rss_trend_with_few_sessions_lists_them():
    assert soak._rss_trend([1, 2]) == "parent RSS after each session (KiB): [1, 2]"


def test_bad_arguments_say_what_is_allowed():
    err = io.StringIO()
    assert soak.main(runs=0, err=err) == 2
    assert "--runs must be an integer in [1, 1000], got 0" in err.getvalue()
    err = io.StringIO()
    assert soak.main(runs=1, calls=-5, err=err) == 2
    assert "--calls must be an integer in [1, 10000000], got -5" in err.getvalue()
