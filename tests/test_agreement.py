"""The agreement with go test that every bench and review run carries: measuring (collect.crosscheck),
the section of the run record (analyse.crosscheck), its text (present.crosscheck) and the wiring
(commands.bench, commands.review)."""

from __future__ import annotations

import io
import json

import pytest
import synthetic_runs as syn

from gobench.analyse import crosscheck as analysis
from gobench.collect import crosscheck as collect
from gobench.commands import bench as bench_cmd
from gobench.commands import review as review_cmd
from gobench.errors import BuildError
from gobench.present import crosscheck as present
from gobench.present import report
from gobench.records import GOTEST, HARNESS
from gobench.store import runs as store
from gobench.store import schema as schemacheck


def fake_repeats(name: str, harness_ns: float, gotest_ns: float, k: int, allocs: float) -> list[collect.Repeat]:
    """fake_repeats are k ABBA repeats whose harness/go test ratio is harness_ns/gotest_ns, slightly spread."""
    out = []
    for i in range(k):
        f = 1 + 0.01 * (i % 3)
        h, g = (harness_ns * f, allocs, 48 * allocs), (gotest_ns * f, allocs, 48 * allocs)
        out.append(collect.Repeat(name.split("/")[0], name, i, k, [(HARNESS, h), (GOTEST, g), (GOTEST, g), (HARNESS, h)]))
    return out


def test_the_section_has_each_scenarios_ratio_with_its_interval():
    reps = fake_repeats("OrderItem/new", 22.0, 20.0, 9, 1.0) + fake_repeats("PaymentRoute/concrete", 5.0, 5.0, 3, 0.0)
    crashed = {"name": "TradeContext/slab", "status": "crashed", "error": "fatal error: out of memory"}
    sec = analysis.agreement_section(reps, [crashed], 17.26, 40.0)
    new, concrete, slab = sec["scenarios"]
    assert new["name"] == "OrderItem/new" and new["repeats"] == 9 and new["ratio_median"] == pytest.approx(1.1)
    assert new["ci_lo"] <= 1.1 <= new["ci_hi"] and not new["agrees"] and new["harness_allocs_per_op"] == 1.0
    assert concrete["ratio_median"] == pytest.approx(1.0) and concrete["ci_lo"] is None and concrete["agrees"]
    assert slab == {"name": "TradeContext/slab", "error": "harness crashed: fatal error: out of memory"}
    assert sec["wall_s"] == 17.3 and sec["band"] == [0.95, 1.05]
    run = syn.make_run(with_load=False)
    run["agreement"] = sec
    assert schemacheck.errors(run) == []
    text = present.agreement_text(sec)
    assert "OrderItem/new 1.100 [" in text and "9 repeats" in text
    assert "PaymentRoute/concrete 1.000 (no CI: under 6 repeats)" in text and "harness crashed" in text


def test_the_text_says_when_agreement_was_not_measured():
    assert present.agreement_text({"skipped": "--no-agreement"}) == "not measured (--no-agreement)"
    assert present.agreement_text({"error": "go test -c failed"}) == "not measured: go test -c failed"
    assert present.agreement_text(None) is None  # a run from before agreement was measured


@pytest.fixture
def bench_here(tmp_path, monkeypatch):
    """bench_here runs commands.bench on a synthetic run stored under tmp_path, without measuring or reporting."""
    monkeypatch.setattr(store, "RESULTS", tmp_path)
    monkeypatch.setattr(store.check_writable, "__defaults__", (tmp_path,))
    monkeypatch.setattr(store.write_run, "__defaults__", (tmp_path,))
    ok = [b for b in syn.micro_benchmarks() if b["status"] == "ok"]  # a crashed scenario would make the exit 1
    monkeypatch.setattr(bench_cmd.collect, "run_micro", lambda *a, **k: syn.make_run(with_load=False, benchmarks=ok))
    monkeypatch.setattr(bench_cmd, "after_run", lambda *a, **k: None)

    def run(**kw) -> tuple[int, str, dict]:
        out, err = io.StringIO(), io.StringIO()
        rc = bench_cmd.bench(quick=True, out=out, err=err, **kw)
        folder = store.resolve(None, tmp_path)
        return rc, out.getvalue() + err.getvalue(), json.loads((folder / "run.json").read_text())
    return run


def test_bench_stores_and_shows_the_agreement(bench_here, monkeypatch):
    asked = []

    def agreement(out, names):
        asked.append(names)
        return (fake_repeats("OrderItem/new", 21.0, 20.0, 8, 1.0)
                + fake_repeats("PaymentRoute/concrete", 5.0, 5.0, 8, 0.0), [], 15.0)
    monkeypatch.setattr(bench_cmd.agreement_collect, "agreement", agreement)
    rc, text, run = bench_here()
    assert rc == 0 and asked == [collect.AGREEMENT_SCENARIOS]
    assert [s["name"] for s in run["agreement"]["scenarios"]] == ["OrderItem/new", "PaymentRoute/concrete"]
    assert schemacheck.errors(run) == []
    assert "agreement with go test on this machine: OrderItem/new 1.050 [" in text
    env = dict((k, v) for k, v in report.environment(run))
    assert env["agreement with go test"] == present.agreement_text(run["agreement"])


def test_no_agreement_skips_it_and_says_so(bench_here, monkeypatch):
    def agreement(*a, **k):
        raise AssertionError("--no-agreement must not measure")
    monkeypatch.setattr(bench_cmd.agreement_collect, "agreement", agreement)
    rc, text, run = bench_here(agreement=False)
    assert rc == 0 and run["agreement"] == {"skipped": "--no-agreement"}
    assert "agreement with go test on this machine: not measured (--no-agreement)" in text
    assert dict((k, v) for k, v in report.environment(run))["agreement with go test"] == "not measured (--no-agreement)"


def test_an_agreement_that_cannot_run_is_recorded_and_the_run_kept(bench_here, monkeypatch):
    def agreement(*a, **k):
        raise BuildError("go test -c ./patterns (default) failed: no space left on device")
    monkeypatch.setattr(bench_cmd.agreement_collect, "agreement", agreement)
    rc, text, run = bench_here()
    assert rc == 0 and run["agreement"] == {"error": "go test -c ./patterns (default) failed: no space left on device"}
    assert "not measured: go test -c" in text and len(run["benchmarks"]) > 1


@pytest.mark.parametrize("flag", [True, False])
def test_review_passes_no_agreement_to_its_bench(monkeypatch, flag):
    seen = {}

    def bench(**kw):
        seen.update(kw)
        return 2  # stops review before the load runs
    monkeypatch.setattr(review_cmd, "bench", bench)
    assert review_cmd.review(quick=True, out=io.StringIO(), err=io.StringIO(), agreement=flag) == 2
    assert seen["agreement"] is flag


def test_the_budgeted_crosscheck_runs_only_the_named_scenarios():
    """A real, budgeted cross-check of one scenario: the names filter and the budget reach the collection
    (every scenario gets at least one repeat however short the budget); no timing is asserted."""
    out = io.StringIO()
    reps, outcomes, wall_s = collect.agreement(out=out, names=("PaymentRoute/concrete",), budget_s=2.0)
    assert reps and {r.name for r in reps} == {"PaymentRoute/concrete"}
    assert all(r.order in ("HGGH", "GHHG") for r in reps)
    assert [o["name"] for o in outcomes] == ["PaymentRoute/concrete"] and outcomes[0]["status"] == "ok"
    sec = analysis.agreement_section(reps, outcomes, wall_s, collect.AGREEMENT_BENCHTIME_MS)
    assert sec["scenarios"][0]["repeats"] == len(reps) and sec["scenarios"][0]["gotest_allocs_per_op"] == 0
