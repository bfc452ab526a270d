"""The metric table (gobench/metrics.py) is the one list of metrics: every other list is derived from it."""

from __future__ import annotations

import pytest
import synthetic_runs as syn

from gobench.analyse import compare, gate, summary
from gobench.metrics import EXACT, GO_UNITS, HEADLINE, METRICS, unit_of
from gobench.present import charts, text
from gobench.store import benchfmt
from gobench.store import runs as store


def test_each_metric_is_listed_once_with_what_readers_need():
    assert list(METRICS) == [m.name for m in METRICS.values()]
    for m in METRICS.values():
        assert m.better in ("lower", "higher") and m.unit, m
    assert HEADLINE == ("ns_per_op", "allocs_per_op", "bytes_per_op", "gc_per_1k_ops")
    assert EXACT == ("allocs_per_op", "bytes_per_op")


def test_derived_lists_follow_the_table():
    assert set(gate.DETERMINISTIC) == {m for m in HEADLINE if m in EXACT}
    assert set(gate.STATISTICAL) == {m for m in HEADLINE if m not in EXACT}
    assert tuple(compare.DEFAULT_METRICS) == HEADLINE
    assert [k for _, k in text.COLUMNS[1:-1]] == list(HEADLINE)
    assert [h for h, _ in text.COLUMNS[2:-1]] == [METRICS[m].unit for m in HEADLINE[1:]]
    assert [(m, title) for m, title in charts.FAMILY_PANELS] == [(m, METRICS[m].unit) for m in HEADLINE]


def test_summaries_have_every_metric_a_round_gives():
    r = {"n": 1000, "elapsed_ns": 2e6, "alloc_objects": 1000, "alloc_bytes": 48_000, "gc_cycles": 2,
         "extra": {"pool_hit_rate": 0.5}}
    values = summary.per_round([r], ffi_ns_per_call=200.0)
    assert set(values) == {m.name for m in METRICS.values()} | {"pool_hit_rate"}
    assert values["ns_per_op"] == [2000.0] and values["gc_per_1k_ops"] == [2.0] and values["ffi_share"] == [1e-4]


def test_bench_txt_units_come_from_the_table():
    run = syn.make_run(with_load=False)
    txt = store.bench_text(run)
    units = [line.split()[1:] for line in txt.splitlines() if line.startswith("Unit ")]
    assert units == [[m.go_unit, f"better={m.better}"] for m in GO_UNITS]
    first = next(r for r in benchfmt.parse(txt.splitlines()) if r.base_name == "OrderItem/new")
    rnd = next(b for b in run["benchmarks"] if b["name"] == "OrderItem/new")["rounds"][0]
    assert list(first.values)[:len(GO_UNITS)] == [m.go_unit for m in GO_UNITS]
    assert first.values["GCs/op"] == pytest.approx(rnd["gc_cycles"] / rnd["n"], rel=1e-5)  # gc_per_1k_ops per op
    assert first.values["ns/op"] == pytest.approx(rnd["elapsed_ns"] / rnd["n"], rel=1e-5)


def test_unit_lookup_falls_back_for_a_scenarios_own_metrics():
    assert unit_of("bytes_per_op") == "B/op"
    assert unit_of("pool_hit_rate") == "pool_hit_rate"
    declared = [{"name": "pool_hit_rate", "unit": "hits/get"}, {"name": "x"}]
    assert unit_of("pool_hit_rate", declared) == "hits/get"
    assert unit_of("x", declared) == "x" and unit_of("ns_per_op", declared) == "ns/op"
