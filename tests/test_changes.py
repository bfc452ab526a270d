"""What changed since the previous review (analyse/changes.py, store/verdicts.py, and the line each claim's section
of a review's report gains), on synthetic verdicts and runs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import synthetic_runs as syn

from gobench.analyse import changes, claims
from gobench.analyse.claims import Verdict, say
from gobench.commands import report as report_cmd
from gobench.present import claims as claimstable
from gobench.present import report
from gobench.store import runs as store
from gobench.store import verdicts as stored


def _verdict(kind: str, decider) -> Verdict:
    return Verdict("C1", "2.2", "sync.Pool", "23 ns -> 3.1 ns", "-", kind, kind, decider=decider)


RATIO = lambda r: say("ns_per_op {r}", r=say("{m:ratio} (95% CI {lo:ratio}-{hi:ratio})", m=r, lo=r * 0.9,  # noqa: E731
                                                                                                  hi=r * 1.1))


def test_deciding_number_is_the_first_number_in_reading_order():
    n = changes.deciding_number(RATIO(1.8))
    assert n is not None and n[0] == 1.8 and n[1] == "ratio" and len(n[2]) == 2
    assert changes.deciding_number(say("{n} repeats, {x:num ms}", n=3, x=4.5))[:2] == (4.5, "num ms")  # a count is no number
    assert changes.deciding_number("-") is None and changes.deciding_number("") is None


@pytest.mark.parametrize("before, now, expected", [
    (None, _verdict(claims.HOLDS, RATIO(1.8)), "not in the previous review (run R0)"),
    (_verdict(claims.REFUTED, RATIO(1.07)), _verdict(claims.HOLDS, RATIO(1.8)),
     "verdict changed from refuted to holds; deciding number 1.07x -> 1.8x (68.2% higher) (previous review: run R0)"),
    (_verdict(claims.HOLDS, RATIO(1.8)), _verdict(claims.HOLDS, RATIO(1.81)),
     "verdict unchanged (holds); deciding number 1.8x -> 1.81x (about the same)"),
    (_verdict(claims.NOT_MEASURABLE, ""), _verdict(claims.HOLDS, RATIO(1.8)),
     "verdict changed from not measurable here to holds; a deciding number now"),
    (_verdict(claims.HOLDS, say("{x:num ns} saved", x=700.0)), _verdict(claims.HOLDS, RATIO(1.8)),
     "the deciding number is now a different measure"),
    (_verdict(claims.NOT_MEASURABLE, ""), _verdict(claims.NOT_MEASURABLE, ""),
     "verdict unchanged (not measurable here); no deciding number then or now"),
])
def test_change_states_verdict_and_number(before, now, expected):
    kept = {"claims": {"C1": changes.entry(before)}} if before else {"claims": {}}
    changes.attach([now], {**kept, "run_id": "R0"})
    assert expected in claimstable.text(now.change)


def test_no_previous_review_no_line():
    v = _verdict(claims.HOLDS, RATIO(1.8))
    changes.attach([v], None)
    assert v.change == "" and ("since the previous review", "") not in claimstable.details(v)


def test_previous_is_the_newest_older_review_and_skips_damaged(tmp_path):
    runs = tmp_path / "runs"
    for rid in ("20260101T000000Z-a", "20260102T000000Z-b", "20260103T000000Z-c", "20260105T000000Z-e"):
        (runs / rid).mkdir(parents=True)
    stored.write(runs / "20260101T000000Z-a", "20260101T000000Z-a", {"C1": {"kind": "holds"}})
    (runs / "20260102T000000Z-b" / stored.VERDICTS).write_text("{truncated")
    stored.write(runs / "20260105T000000Z-e", "20260105T000000Z-e", {"C1": {"kind": "refuted"}})  # newer: not "previous"
    got = stored.previous(runs / "20260103T000000Z-c")
    assert got["run_id"] == "20260101T000000Z-a"
    assert stored.previous(runs / "20260101T000000Z-a") is None


def test_a_review_report_keeps_its_verdicts_and_the_next_says_what_changed(tmp_path):
    load = syn.make_run(run_id="20260101T000100Z-01234567-bbbb", benchmarks=[])
    load["load"] = [e for e in load["load"] if e["kind"] in ("order-new", "order-pool") and not e["sweep"]]  # C2
    store.write_run(load, tmp_path)
    folders = []
    for rid, pool_ns in (("20260101T000000Z-01234567-aaaa", 18), ("20260102T000000Z-01234567-cccc", 4.0)):
        bs = [b for b in syn.micro_benchmarks() if b["family"] == "OrderItem" and b["name"] != "OrderItem/pool"]
        micro = syn.make_run(run_id=rid, with_load=False, benchmarks=bs + [syn.bench("OrderItem/pool", syn.rounds(
            pool_ns, 0, 0, seed=3, extra={"pool_hit_rate": 1.0}))])
        folders.append(store.write_run(micro, tmp_path))
        err = io.StringIO()
        assert report_cmd.report(rid, [load["run_id"]], root=tmp_path, out=io.StringIO(), err=err) == 0, err.getvalue()
    first, second = ((f / report.REPORT_MD).read_text() for f in folders)
    assert "since the previous review" not in first  # nothing before it
    kept = json.loads((folders[0] / stored.VERDICTS).read_text())
    assert kept["claims"]["C1"]["kind"] == claims.MAGNITUDE and kept["claims"]["C1"]["number"] > 1
    assert ("**since the previous review**: verdict changed from magnitude differs to holds; deciding number "
            in second) and "(previous review: run 20260101T000000Z-01234567-aaaa)" in second
    assert "**since the previous review**: verdict unchanged (holds); deciding number" in second  # C2
