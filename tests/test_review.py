"""`invoke review`'s wiring (commands/review.py), with every stage replaced by a stand-in: which settings each
stage gets, one report at the end, and the stage times it ends with. Nothing is measured."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from gobench.commands import review as review_cmd


def test_review_stages(monkeypatch, tmp_path):
    calls: dict[str, list] = {"bench": [], "load": [], "report": []}
    extra = {"C2": 4096, "C5": 20000}  # what each claim's calibration picks

    def bench(**kw):
        calls["bench"].append(kw)
        return 0

    def calibrated(claim, service, duration_s, warmup_s, out):
        return [claim + "-base", claim + "-opt"], 12_000, replace(service, extra_alloc_bytes=extra[claim]), \
            {"claim": claim}

    def run(kinds, rate, duration_s, warmup_s, sweep, mode, interval_s, out, **kw):
        calls["load"].append((sweep, mode, kw["service"].extra_alloc_bytes, kw["calibration"]))
        assert kinds == ([kw["calibration"]["claim"] + "-base", kw["calibration"]["claim"] + "-opt"]
                         if kw["calibration"] else kinds)
        return {"settings": {"service": {"work_steps": 7}}, "load": []}

    def after_run(folder, out, err, with_runs=None, escape_check=False):
        calls["report"].append((folder, list(with_runs or []), escape_check))

    monkeypatch.setattr(review_cmd, "bench", bench)
    monkeypatch.setattr(review_cmd.loadcmd, "calibrated", calibrated)
    monkeypatch.setattr(review_cmd.loadrun, "run", run)
    monkeypatch.setattr(review_cmd.store, "resolve", lambda run: tmp_path / "micro")
    monkeypatch.setattr(review_cmd.store, "write_run", lambda r: tmp_path / f"load{len(calls['load'])}")
    monkeypatch.setattr(review_cmd.loadtext, "settings_line", lambda r: "")
    monkeypatch.setattr(review_cmd.loadtext, "table", lambda r: "")
    monkeypatch.setattr(review_cmd, "review_pass", lambda joined, out, err: joined.append("profile") or 0)
    monkeypatch.setattr(review_cmd, "after_run", after_run)
    out = io.StringIO()
    assert review_cmd.review(quick=True, out=out, err=io.StringIO()) == 0

    # no report but the last: bench and the 1 GB step store their runs without one
    assert [kw.get("report") for kw in calls["bench"]] == [False, False]
    assert calls["bench"][1]["rounds"] == review_cmd.SNAPSHOT_ARTICLE_ROUNDS_QUICK
    # a run calibrated to C2, then one to C5, each with its claim's kinds and extra allocation; the sweeps run at
    # C2's extra allocation; the default and closed-loop runs without
    assert calls["load"] == [(None, "open", 0, None), (None, "open", 4096, {"claim": "C2"}),
                             (None, "open", 20000, {"claim": "C5"}),
                             ("gogc", "open", 4096, None), ("gomaxprocs", "open", 4096, None),
                             ("gc", "open", 4096, None), ("controller", "open", 4096, None),
                             (None, "closed", 0, None)]
    # one report: of the micro run, joining every stage's run, with the escape check
    assert len(calls["report"]) == 1
    folder, joined, escape_check = calls["report"][0]
    assert folder == tmp_path / "micro" and escape_check and joined[-1] == "profile" and len(joined) == 10
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("review finished in ") and "; profiles " in last and "Snapshot at 1 GB" in last


@pytest.mark.parametrize("stopped_at", [0, 1])  # the micro benchmarks, the 1 GB Snapshot step
def test_ctrl_c_in_a_bench_stage_ends_the_review(monkeypatch, tmp_path, stopped_at):
    benches, later = [], []
    monkeypatch.setattr(review_cmd, "bench", lambda **kw: benches.append(kw) or (130 if len(benches) - 1 == stopped_at
                                                                                else 0))
    monkeypatch.setattr(review_cmd.loadcmd, "calibrated", lambda claim, service, *a: ([claim], 12_000, service, {}))
    monkeypatch.setattr(review_cmd.loadrun, "run", lambda *a, **kw: {"settings": {"service": {"work_steps": 7}},
                                                                     "load": []})
    monkeypatch.setattr(review_cmd.store, "resolve", lambda run: tmp_path / "micro")
    monkeypatch.setattr(review_cmd.store, "write_run", lambda r: tmp_path / "load")
    monkeypatch.setattr(review_cmd.loadtext, "settings_line", lambda r: "")
    monkeypatch.setattr(review_cmd.loadtext, "table", lambda r: "")
    monkeypatch.setattr(review_cmd, "review_pass", lambda *a: later.append("profiles") or 0)
    monkeypatch.setattr(review_cmd, "after_run", lambda *a, **kw: later.append("report"))
    assert review_cmd.review(quick=True, out=io.StringIO(), err=io.StringIO()) == 130
    assert len(benches) == stopped_at + 1 and later == []  # nothing after the stage Ctrl-C stopped
