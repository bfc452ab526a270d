"""Run comparison (analyse/compare.py, present/compare.py), history (analyse/history.py) and their commands."""

from __future__ import annotations

import io
import json

import synthetic_runs as syn

from gobench.commands import compare as compare_cmd, history as history_cmd
from gobench.analyse import compare
from gobench.analyse import history
from gobench.metrics import HEADLINE
from gobench.present import compare as table
from gobench.store import runs as store


def runs():
    a = syn.make_run(run_id="20260101T000000Z-aaaaaaaa-0001", with_load=False)
    b = syn.make_run(run_id="20260102T000000Z-bbbbbbbb-0002", created="2026-01-02T00:00:00+00:00",
                     with_load=False)
    b["benchmarks"] = [x for x in b["benchmarks"] if x["name"] != "StructLayout/packed"]
    # 12 rounds a side: with 6, no p-value survives Holm over the comparison's ~80 tests
    for x in a["benchmarks"]:
        if x["name"] == "OrderItem/new":
            x.update(syn.bench("OrderItem/new", syn.rounds(30, 1, 48, 1e-5, k=12, seed=11)))
    for x in b["benchmarks"]:
        if x["name"] == "OrderItem/new":  # twice as slow
            x.update(syn.bench("OrderItem/new", syn.rounds(60, 1, 48, 1e-5, k=12, seed=12)))
    b["benchmarks"].append(syn.bench("Extra/only", syn.rounds(5, seed=13)))
    b["machine"]["cpu_model"] = "Other CPU"
    return a, b


def row(rows, name, metric="ns_per_op"):
    return next(r for r in rows if r.name == name and r.metric == metric)


def test_significance_and_ratio():
    a, b = runs()
    rows = compare.compare(a, b)
    slow = row(rows, "OrderItem/new")
    assert slow.significant and 1.9 < slow.ratio < 2.1 and table.delta(slow).startswith("+")
    same = row(rows, "PaymentRoute/interface")  # same seed and values in both runs
    assert not same.significant and table.delta(same) == "~"
    assert table.delta(row(rows, "OrderItem/new", "allocs_per_op")) == "~"  # exact counts, equal
    assert list(dict.fromkeys(r.metric for r in rows)) == list(HEADLINE)  # the default metrics: the table's


def test_benchmarks_in_one_run_only_are_listed():
    a, b = runs()
    rows = compare.compare(a, b)
    assert table.delta(row(rows, "StructLayout/packed")) == "only in A"
    assert table.delta(row(rows, "Extra/only")) == "only in B"
    assert table.delta(row(rows, "TradeContext/arena [arenas]")) == "no data"  # crashed in both: still listed
    text = table.render(rows, a, b)
    assert "only in A" in text and "only in B" in text
    assert "cpu: Synthetic CPU (A) vs Other CPU (B)" in text


def test_render_markdown():
    a, b = runs()
    text = table.render(compare.compare(a, b, ["ns_per_op"]), a, b, markdown=True)
    assert "| scenario | A median (95% CI) |" in text and "allocs_per_op" not in text


def test_cli_compare(tmp_path):
    a, b = runs()
    store.write_run(a, tmp_path)
    store.write_run(b, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert compare_cmd.compare(a["run_id"], b["run_id"], root=tmp_path, out=out, err=err) == 0
    assert "OrderItem/new" in out.getvalue()
    err = io.StringIO()
    assert compare_cmd.compare(a["run_id"], "missing", root=tmp_path, out=io.StringIO(), err=err) == 2
    assert "no run folder 'missing'" in err.getvalue() and "Traceback" not in err.getvalue()


def test_history_collects_and_skips_bad_runs(tmp_path):
    a, b = runs()
    store.write_run(a, tmp_path)
    store.write_run(b, tmp_path)
    bad = store.runs_dir(tmp_path) / "20260103T000000Z-cccccccc-0003"
    bad.mkdir()
    (bad / "run.json").write_text(json.dumps({"schema": "gobench.run/0"}))
    series, skipped, seen = history.collect("ns_per_op", "OrderItem", tmp_path)
    assert set(series) == {"OrderItem/new", "OrderItem/pool"}
    assert [p["run_id"] for p in series["OrderItem/new"]] == [a["run_id"], b["run_id"]]
    assert len(skipped) == 1 and "gobench.run/0" in skipped[0]
    assert "mb_per_s" in seen


def test_history_names_each_unreadable_run_and_why(tmp_path):
    a, b = runs()
    store.write_run(a, tmp_path)
    store.write_run(b, tmp_path)
    folder = store.runs_dir(tmp_path)
    (folder / "r-truncated").mkdir()
    (folder / "r-truncated" / "run.json").write_text(json.dumps(a)[:200])
    (folder / "r-no-record").mkdir()
    bad_list = json.loads(json.dumps(a))
    bad_list["benchmarks"] = "lost"
    (folder / "r-not-a-list").mkdir()
    (folder / "r-not-a-list" / "run.json").write_text(json.dumps(bad_list))
    bad_summary = json.loads(json.dumps(a))
    bad_summary["run_id"] = "r-bad-summary"
    broken = next(i for i, x in enumerate(a["benchmarks"]) if x["name"] != "OrderItem/new")
    bad_summary["benchmarks"][broken]["summary"] = [1, 2]
    (folder / "r-bad-summary").mkdir()
    (folder / "r-bad-summary" / "run.json").write_text(json.dumps(bad_summary))
    out, err = io.StringIO(), io.StringIO()
    assert history_cmd.history("ns_per_op", "OrderItem/new", root=tmp_path, out=out, err=err) == 0
    lines = err.getvalue().splitlines()
    assert len(lines) == 4 and all(line.startswith("gobench history: left out, unreadable: ") for line in lines)
    why = {name: next(line for line in lines if f"/{name}/run.json" in line) for name in
           ("r-truncated", "r-no-record", "r-not-a-list", "r-bad-summary")}
    assert "not valid JSON" in why["r-truncated"]
    assert "cannot read" in why["r-no-record"]
    assert "'benchmarks' is str, not a list" in why["r-not-a-list"]
    assert f"benchmark {broken}: {a['benchmarks'][broken]['name']}: 'summary' is list" in why["r-bad-summary"]
    # the readable runs are still charted, and the readable entries of a partly bad run too
    assert "OrderItem/new: 3 runs" in out.getvalue()


def test_cli_history(tmp_path):
    a, b = runs()
    store.write_run(a, tmp_path)
    store.write_run(b, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert history_cmd.history("ns_per_op", "OrderItem/new", root=tmp_path, out=out, err=err) == 0
    assert (tmp_path / "history.png").exists() and (tmp_path / "history.svg").exists()
    assert "OrderItem/new: 2 runs" in out.getvalue() and "+" in out.getvalue()
    err = io.StringIO()
    assert history_cmd.history("no_such_metric", None, root=tmp_path, out=io.StringIO(), err=err) == 2
    assert "metrics seen:" in err.getvalue() and "ns_per_op" in err.getvalue()
    err = io.StringIO()
    assert history_cmd.history("ns_per_op", "([", root=tmp_path, out=io.StringIO(), err=err) == 2
    assert "not a regular expression" in err.getvalue()
    err = io.StringIO()
    assert history_cmd.history("ns_per_op", None, root=tmp_path / "empty", out=io.StringIO(), err=err) == 2


def test_many_rows_are_holm_corrected():
    """An A/A-like comparison of 40 scenarios: some raw p-values fall under 0.05 by chance, none after Holm."""
    import random

    rng = random.Random(3)
    a = syn.make_run(run_id="20260101T000000Z-aaaaaaaa-0001", with_load=False)
    b = syn.make_run(run_id="20260102T000000Z-bbbbbbbb-0002", with_load=False)
    a["benchmarks"], b["benchmarks"] = [], []
    for i in range(40):
        for run in (a, b):
            rounds = syn.rounds(50, 1, 48, 1e-5, seed=rng.randrange(10**6))
            run["benchmarks"].append(syn.bench(f"F{i}/v", rounds))
    rows = [r for r in compare.compare(a, b, ["ns_per_op"])]
    assert any(r.p < 0.05 for r in rows)  # uncorrected, this would show "significant" differences
    assert not any(r.significant for r in rows)
    assert all(r.p_holm >= r.p for r in rows)
    assert "Holm" in table.render(rows, a, b)
