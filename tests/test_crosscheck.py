"""crosscheck: both tools run the same Go functions; their allocation counts must agree exactly."""

from __future__ import annotations

import io

import pytest

from gobench import crosscheck


def test_crosscheck_pairs_both_tools_on_the_same_functions():
    pairs = crosscheck.crosscheck(["OrderItem"], repeats=2, benchtime_ms=20, builds=("default",), out=io.StringIO())
    assert set(pairs) == {"OrderItem/new", "OrderItem/pool"}
    for p in pairs.values():
        assert len(p.harness_ns) == len(p.gotest_ns) == 2 and len(p.ratios()) == 2
    new = pairs["OrderItem/new"]
    assert new.harness_allocs == pytest.approx([1.0, 1.0], abs=1e-3) and new.gotest_allocs == [1.0, 1.0]
    assert new.harness_bytes == pytest.approx([48.0, 48.0], abs=0.05) and new.gotest_bytes == [48.0, 48.0]
    assert "ratio median" in crosscheck.table(pairs)


@pytest.mark.parametrize("kw,msg", [({"repeats": 0}, "repeats must be"), ({"benchtime_ms": 1}, "benchtime_ms must be")])
def test_crosscheck_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg):
        crosscheck.crosscheck(["OrderItem"], **{"repeats": 1, "benchtime_ms": 20, **kw})
