"""Claim verdicts (analyse/claims.py, rendered by present/claims.py): every verdict kind of every decide type,
on synthetic runs."""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import synthetic_runs as syn

from gobench.analyse import claims
from gobench.present import claims as claimstable

CLAIMS_MD = Path("/work/shared/CLAIMS.md")


@dataclass
class Shown:
    """Shown is a verdict as a reader sees it: its phrases rendered."""

    kind: str
    measured: str
    verdict: str
    notes: list[str]


def verdict(run: dict, cid: str, escape: Path | None = None) -> Shown:
    v = next(v for v in claims.evaluate(run, escape) if v.id == cid)
    return Shown(v.kind, claimstable.text(v.measured), claimstable.text(v.verdict),
                 [claimstable.text(n) for n in v.notes])


def with_bench(run: dict, name: str, rounds: list[dict]) -> dict:
    """with_bench returns a copy of run whose benchmark `name` has the given rounds."""
    run = copy.deepcopy(run)
    run["benchmarks"] = [b for b in run["benchmarks"] if b["name"] != name] + [syn.bench(name, rounds)]
    return run


def with_load(run: dict, kind: str, **kw) -> dict:
    """with_load returns a copy of run whose plain load entry of `kind` is replaced."""
    run = copy.deepcopy(run)
    run["load"] = [e for e in run["load"] if not (e["kind"] == kind and e["sweep"] is None)]
    run["load"].append(syn.load_entry(kind, **kw))
    return run


def without(run: dict, name: str) -> dict:
    """without returns a copy of run without the micro benchmark `name`."""
    run = copy.deepcopy(run)
    run["benchmarks"] = [b for b in run["benchmarks"] if b["name"] != name]
    return run


def with_repeats(run: dict, kind: str, behind: tuple[int, ...] = (), **kw) -> dict:
    """with_repeats returns a copy of run whose plain kept-up load point of `kind` is 3 new repeats; the repeats in
    `behind` fell behind their target."""
    run = copy.deepcopy(run)
    label = next(e["label"] for e in run["load"] if e["kind"] == kind and e["sweep"] is None and "repeat" in e)
    run["load"] = [e for e in run["load"] if e["label"] != label]
    for e in syn.repeated(kind, **kw):
        if e["repeat"] in behind:
            e["result"]["rate"]["kept_up"] = False
        run["load"].append(e)
    return run


def with_profile(run: dict) -> dict:
    """with_profile returns a copy of run whose adaptive controller run had a stepped rate profile."""
    run = copy.deepcopy(run)
    for e in run["load"]:
        if e["sweep"] == "controller" and e["point"]["controller"] == "adaptive":
            e["result"]["config"] = {"profile": {"kind": "steps", "rates": [2000, 8000, 2000]}}
    return run


BASE = syn.make_run()
NO_LOAD = syn.make_run(with_load=False)
# the heap variant 60 us per request: enough saving for 12,400 -> 28,900 req/s on one core
PLAUSIBLE = with_bench(BASE, "TradeContext/heap", syn.rounds(60_000, 3, 2048, 1e-4, seed=11))

# (case, run, claim, expected kind, text the verdict must contain)
CASES = [
    # micro_ratio
    ("C1 ratio within 1.5x of claim", with_bench(BASE, "OrderItem/pool", syn.rounds(4.0, seed=3)), "C1",
     claims.HOLDS, "holds"),
    ("C1 ratio smaller than claimed", BASE, "C1", claims.MAGNITUDE,
     "direction holds, magnitude differs (falls short of the claim: measured ns_per_op: 30.5 -> 18 ns, 1.7x vs "
     "claimed 23 -> 3.1 ns, 7.42x)"),
    ("C1 pool slower", with_bench(BASE, "OrderItem/pool", syn.rounds(45, seed=3)), "C1", claims.REFUTED,
     "refuted (the difference goes the other way"),
    ("C1 no significant difference", with_bench(BASE, "OrderItem/pool", syn.rounds(30, seed=2)), "C1",
     claims.REFUTED, "refuted (no significant difference"),
    ("C1 scenario missing", syn.make_run(benchmarks=[b for b in syn.micro_benchmarks()
                                                      if b["name"] != "OrderItem/pool"]), "C1",
     claims.NOT_MEASURABLE, "not measurable here (no scenario 'OrderItem/pool' in this run (found OrderItem/new))"),
    ("C1 too few rounds", with_bench(with_bench(BASE, "OrderItem/pool", syn.rounds(18, k=3, seed=3)),
                                     "OrderItem/new", syn.rounds(30, k=3, seed=2)), "C1",
     claims.NOT_MEASURABLE, "too few rounds"),
    # C11: the article's concrete version as written (still fmt.Sprintf) decides; ours is the best version
    ("C11 the article's concrete version still allocates", BASE, "C11", claims.MAGNITUDE,
     "measured bytes_per_op: 16 -> 8 B, 2x vs claimed 16 -> 0 B, eliminated"),
    ("C11 best version only, without the article's", without(BASE, "PaymentRoute/concrete-article"), "C11",
     claims.HOLDS, "holds"),
    ("C11 the article's version crashed", syn.make_run(benchmarks=[b for b in syn.micro_benchmarks()
                                                                   if b["name"] != "PaymentRoute/concrete-article"]
                                                       + [syn.bench("PaymentRoute/concrete-article", [],
                                                                    status="crashed",
                                                                    error="worker killed by SIGABRT\nfatal: boom")]),
     "C11", claims.HOLDS, "holds"),
    ("C11 both crashed", syn.make_run(benchmarks=[b for b in syn.micro_benchmarks()
                                                  if not b["name"].startswith("PaymentRoute/concrete")]
                                      + [syn.bench("PaymentRoute/concrete", [], status="crashed",
                                                   error="worker killed by SIGABRT\nfatal error: boom")]),
     "C11", claims.NOT_MEASURABLE, "PaymentRoute/concrete crashed: worker killed by SIGABRT"),
    # C10: the article's own struct is 32 B whatever was measured
    ("C10 the article's arithmetic error", BASE, "C10", claims.CANNOT_BE_TRUE,
     "is 32 B, not the 40 B it states: its \"40 instead of 48\" is an arithmetic error"),
    ("C10 states the arithmetic without measurements", syn.make_run(benchmarks=[]), "C10", claims.CANNOT_BE_TRUE,
     "ends at byte 32"),
    # snapshot_bandwidth
    ("C6 faster but physically implausible", BASE, "C6", claims.CANNOT_BE_TRUE, "39.5x the memcpy bandwidth"),
    ("C6 the durable pair is in the verdict", BASE, "C6", claims.CANNOT_BE_TRUE,
     "the durable pair reverses the result: Snapshot/mmap-msync runs at 0.468x (95% CI"),
    ("C6 mmap slower, no memcpy", without(with_bench(BASE, "Snapshot/mmap", syn.rounds(
        9e5, n=64, seed=9, extra={"mb_per_s": 1000.0})), "Snapshot/memcpy"), "C6", claims.REFUTED,
     "refuted (the difference goes the other way"),
    ("C6 no scenarios, memcpy measured",
     syn.make_run(benchmarks=[b for b in syn.micro_benchmarks() if b["name"] not in ("Snapshot/mmap", "Snapshot/write")]),
     "C6", claims.CANNOT_BE_TRUE, "the claimed times are physically implausible"),
    ("C6 nothing measured", syn.make_run(benchmarks=[]), "C6", claims.NOT_MEASURABLE, "run `invoke bench`"),
    # load_ratio
    ("C2 GC cycles ratio within tolerance", BASE, "C2", claims.HOLDS, "holds"),
    ("C2 pool has more GC cycles", with_load(BASE, "order-pool", p50_ns=18_000, gc_per_min=300, stw_ns=40_000,
                                             achieved=2000), "C2", claims.REFUTED, "the difference goes the other way"),
    ("C2 within load noise", with_load(BASE, "order-pool", p50_ns=18_000, gc_per_min=175, stw_ns=40_000,
                                       achieved=2000), "C2", claims.REFUTED, "no significant difference"),
    ("C2 without load", NO_LOAD, "C2", claims.NOT_MEASURABLE,
     "not measurable here (no load run in this run; run `invoke load`)"),
    # C3: the claimed rates need 46 us less work per request; the micro benchmarks measure the saving
    ("C3 implausible from the micro savings", BASE, "C3", claims.CANNOT_BE_TRUE,
     "1 core: 1/12,400 - 1/28,900 s = 46 us less work per request; the micro benchmarks measure 601 ns saved"),
    ("C3 implausible without load runs", NO_LOAD, "C3", claims.CANNOT_BE_TRUE, "the claim needs 76.6x that"),
    ("C3 plausible, throughput ratio decides", PLAUSIBLE, "C3", claims.HOLDS, "holds"),
    ("C3 plausible, both kept up", with_load(with_load(PLAUSIBLE, "tradecontext-heap", p50_ns=60_000, gc_per_min=220,
                                                       stw_ns=5e4, achieved=2000), "tradecontext-slab",
                                             p50_ns=30_000, gc_per_min=12, stw_ns=5e4, achieved=2000),
     "C3", claims.NOT_MEASURABLE, "kept up"),
    ("C3 plausible, kinds absent", PLAUSIBLE | {"load": [e for e in syn.load_section()
                                                         if "tradecontext" not in e["kind"]]},
     "C3", claims.NOT_MEASURABLE, "no pair of ok plain load runs"),
    # C4: latency needs repeats that kept up
    ("C4 p99 of 3 repeats a side", BASE, "C4", claims.HOLDS, "holds"),
    ("C4 single run, no CI", with_load(with_load(BASE, "tradecontext-heap", p50_ns=60_000, gc_per_min=220,
                                                 stw_ns=5e4, achieved=2000), "tradecontext-slab", p50_ns=25_000,
                                       gc_per_min=12, stw_ns=5e4, achieved=2000),
     "C4", claims.NOT_MEASURABLE, "latency.p99: single run, no CI"),
    ("C4 repeats that fell behind decide nothing", with_repeats(BASE, "tradecontext-heap", p50_ns=60_000,
                                                                gc_per_min=220, stw_ns=5e4, achieved=1500,
                                                                kept_up=False),
     "C4", claims.NOT_MEASURABLE, "latency.p99: only 0 usable repeats"),
    ("C4 lower-bound percentiles decide nothing", with_repeats(BASE, "tradecontext-slab", p50_ns=25_000,
                                                               gc_per_min=12, stw_ns=5e4, achieved=2000,
                                                               lower_bound=True),
     "C4", claims.NOT_MEASURABLE, "only 0 usable repeats"),
    ("C4 one of three fell behind", with_repeats(BASE, "tradecontext-heap", p50_ns=60_000, gc_per_min=220,
                                                 stw_ns=5e4, achieved=2000, behind=(1,)),
     "C4", claims.NOT_MEASURABLE, "only 2 usable repeats"),
    ("C5 not to zero", BASE, "C5", claims.MAGNITUDE, "vs claimed 217 -> 0 GC/min, eliminated"),
    ("C5 to zero", with_load(BASE, "tradecontext-slab", p50_ns=30_000, gc_per_min=0, stw_ns=0, achieved=2000),
     "C5", claims.HOLDS, "holds"),
    ("C5 to zero, but the baseline is 2x the claimed one",
     with_load(with_load(BASE, "tradecontext-slab", p50_ns=30_000, gc_per_min=0, stw_ns=0, achieved=2000),
               "tradecontext-heap", p50_ns=60_000, gc_per_min=450, stw_ns=5e4, achieved=2000),
     "C5", claims.MAGNITUDE, "the baseline is 2.07x the claimed 217 GC/min, outside the factor 1.5"),
    # controller
    ("C7 constant rate: 150 beats 100, not adaptation", BASE, "C7", claims.NOT_MEASURABLE,
     "adaptation was not exercised: the rate was constant, with no peak, and the controller only set GOGC to 100, 150"),
    ("C7 with a rate profile with peaks", with_profile(BASE), "C7", claims.HOLDS, "second half not exercised"),
    ("C7 without load", NO_LOAD, "C7", claims.NOT_MEASURABLE, "no load run in this run"),
    # gomaxprocs sweep
    ("C8 lowest at the core count", BASE, "C8", claims.HOLDS, "this machine has 2 cores"),
    ("C8 single run per point", syn.make_run() | {"load": [e for e in syn.load_section()
                                                          if e.get("repeat", 0) == 0]},
     "C8", claims.NOT_MEASURABLE, "single run at GOMAXPROCS=1, 2, 4"),
    ("C8 without load names the hardware", NO_LOAD, "C8", claims.NOT_MEASURABLE, "this machine has 2 cores"),
    ("C2 too few GC cycles for a rate", with_load(BASE, "order-new", p50_ns=20_000, gc_per_min=18, stw_ns=40_000,
                                                  achieved=2000), "C2", claims.NOT_MEASURABLE,
     "ran only 3 GC cycles in the measured intervals of its 1 repeat together"),
    ("C2 sweep-only load run", syn.make_run() | {"load": [e for e in syn.load_section() if e["sweep"] == "gogc"]},
     "C2", claims.NOT_MEASURABLE, "holds only the gogc sweep"),
    # pause bounds
    ("C9 pauses under the bounds", BASE, "C9", claims.HOLDS, "holds"),
    ("C9 a saturated run's long pauses are left out",
     with_load(BASE, "tradecontext-heap", p50_ns=6e4, gc_per_min=220, stw_ns=3e6, achieved=9000, target=40000,
               kept_up=False), "C9", claims.HOLDS, "holds"),
    ("C9 bucket straddles 0.8 ms", syn.make_run() | {"load": [
        syn.load_entry("order-new", p50_ns=2e4, gc_per_min=6, stw_ns=8.5e5, achieved=2000, seed=7)
        | {"result": {**syn.load_entry("order-new", p50_ns=2e4, gc_per_min=6, stw_ns=8.5e5, achieved=2000)["result"],
                      "gc": {"stw_count": 2, "stw_max_ns": 917504, "stw_p99_ns": 917504,
                             "stw_buckets": [{"lo_ns": 786432, "hi_ns": 917504, "count": 2}]}}}]},
     "C9", claims.NOT_MEASURABLE, "too few pauses for a p99: go1.27.3/none: 2 pauses"),
    ("C9 sweep points off the defaults are left out", syn.make_run() | {"load": [
        e for e in syn.load_section() if e["sweep"] == "gomaxprocs" and e["point"]["gomaxprocs"] != 2]},
     "C9", claims.NOT_MEASURABLE, "no open-loop load run at the default GOGC and GOMAXPROCS"),
    ("C9 long pause", with_load(BASE, "order-new", p50_ns=20_000, gc_per_min=180, stw_ns=3e6, achieved=2000), "C9",
     claims.REFUTED, "a bound is exceeded"),
    ("C9 a p99 of too few pauses is not decided", syn.make_run() | {"load": [
        syn.load_entry("order-new", p50_ns=2e4, gc_per_min=78, stw_ns=4e4, achieved=2000, seed=7)]},
     "C9", claims.NOT_MEASURABLE, "too few pauses for a p99: go1.27.3/none: 26 pauses"),
]


@pytest.mark.parametrize("case,run,cid,kind,text", CASES, ids=[c[0] for c in CASES])
def test_verdicts(case, run, cid, kind, text):
    v = verdict(run, cid)
    assert v.kind == kind, f"{case}: {v.verdict} | {v.measured}"
    assert text in v.verdict or text in v.measured, f"{case}: {v.verdict} | {v.measured}"
    if kind == claims.MAGNITUDE:
        assert v.verdict.startswith("direction holds, magnitude differs (") and " vs claimed " in v.verdict
    if kind == claims.NOT_MEASURABLE:
        assert v.verdict.startswith("not measurable here (") and v.verdict.endswith(")")


def test_c6_states_the_bandwidth_arithmetic():
    v = verdict(BASE, "C6")
    assert "1 GB in 1.7 ms needs 588 GB/s" in v.measured
    assert "memcpy measured here: 14.9 GB/s" in v.measured
    assert any("MS_ASYNC" in n for n in v.notes)


def test_c9_reports_go_version_and_goexperiment():
    v = verdict(BASE, "C9")
    assert "go1.27.3, GOEXPERIMENT=none" in v.measured and "longest pause in [0.185, 0.22) ms" in v.measured
    assert "holds for go1.27.3/none (741 pauses), as thresholds" in v.verdict
    assert any("rollout thresholds" in n for n in v.notes)
    nv = verdict(NO_LOAD, "C9")
    assert "go1.27.3" in nv.measured and "GOEXPERIMENT=arenas" in nv.measured


def test_c8_refuted_and_magnitude():
    run = copy.deepcopy(BASE)
    for e in run["load"]:
        if e["sweep"] == "gomaxprocs" and e["point"]["gomaxprocs"] == 2:
            e.update(syn.load_entry("order-new", p50_ns=20_000, gc_per_min=180, stw_ns=150_000, achieved=2000,
                                    sweep="gomaxprocs", point={"gomaxprocs": 2}, seed=22))
    assert verdict(run, "C8").kind == claims.REFUTED
    run = copy.deepcopy(BASE)
    for e in run["load"]:
        if e["sweep"] == "gomaxprocs" and e["point"]["gomaxprocs"] == 4:  # double: far worse than claimed 1.41x
            e.update(syn.load_entry("order-new", p50_ns=20_000, gc_per_min=180, stw_ns=400_000, achieved=2000,
                                    sweep="gomaxprocs", point={"gomaxprocs": 4}, seed=24))
    v = verdict(run, "C8")
    assert v.kind == claims.MAGNITUDE and "claimed 1.41x" in v.verdict


def test_c8_too_few_pauses_is_not_measurable():
    run = copy.deepcopy(BASE)
    for e in run["load"]:
        if e["sweep"] == "gomaxprocs":
            e["result"]["gc"]["stw_count"] = 2
            e["result"]["gc"]["stw_buckets"] = e["result"]["gc"]["stw_buckets"][:1]
            e["result"]["gc"]["stw_buckets"][0]["count"] = 2
    v = verdict(run, "C8")
    assert v.kind == claims.NOT_MEASURABLE and "too few STW pauses at GOMAXPROCS=1, 2, 4" in v.verdict
    assert "at least 10 over the repeats together" in v.verdict and "2 cores" in v.verdict


def _gomaxprocs_pauses(run: dict, counts: list[int]) -> dict:
    """_gomaxprocs_pauses returns a copy of run whose GOMAXPROCS sweep repeats (i-th repeat of each point) made
    counts[i] STW pauses, all in the bucket of the point's typical pause."""
    run = copy.deepcopy(run)
    for e in run["load"]:
        if e["sweep"] == "gomaxprocs":
            g, n = e["result"]["gc"], counts[e["repeat"]]
            g["stw_count"], g["cycles"] = n, n / 2
            g["stw_buckets"] = [{**g["stw_buckets"][len(g["stw_buckets"]) // 2], "count": n}]
    return run


@pytest.mark.parametrize("counts, decided", [
    ([4, 4, 4], True),  # 12 pauses together: --quick's short points decide once pooled
    ([3, 3, 3], False),  # 9 together, fewer than 10
    ([1, 10, 10], False),  # 21 together, but one repeat has no standard deviation
])
def test_c8_pauses_pooled_over_repeats(counts, decided):
    v = verdict(_gomaxprocs_pauses(BASE, counts), "C8")
    assert (v.kind != claims.NOT_MEASURABLE) == decided, v.verdict
    if not decided:
        assert "too few STW pauses" in v.verdict


@pytest.mark.parametrize("cycles_per_repeat, decided", [
    (3, True),  # --quick at the claimed 184 GC/min: 3 cycles in a 1 s point, 9 for three repeats
    (1, False),  # 3 together: fewer than 5
])
def test_c2_gc_cycles_pooled_over_repeats(cycles_per_repeat, decided):
    run = copy.deepcopy(BASE)
    for e in run["load"]:
        if e["sweep"] is None and e["kind"] in ("order-new", "order-pool") and "repeat" in e:
            g = e["result"]["gc"]
            g["interval_s"] = 1.0
            g["cycles"] = cycles_per_repeat if e["kind"] == "order-new" else 0
            g["cycles_per_min"] = g["cycles"] * 60
    assert claims.pooled_gc_cycles([e for e in run["load"] if e["kind"] == "order-new" and "repeat" in e
                                    and e["sweep"] is None]) == 3 * cycles_per_repeat
    v = verdict(run, "C2")
    assert (v.kind != claims.NOT_MEASURABLE) == decided, v.verdict
    if not decided:
        assert "ran only 3 GC cycles in the measured intervals of its 3 repeats together" in v.verdict


def test_c7_refuted_when_controller_raises_cycles():
    run = with_profile(BASE)
    for e in run["load"]:
        if e["sweep"] == "controller" and e["point"]["controller"] == "adaptive":
            e["result"]["gc"]["cycles_per_min"] = 400
    v = verdict(run, "C7")
    assert v.kind == claims.REFUTED and "more GC cycles" in v.verdict


ESCAPE = {"go_version": "go1.27.3", "flags": "-gcflags=-m=2", "results": [
    {"id": "C12-closure-read", "claim": "C12", "func": "GoroutineClosure", "variable": "req", "expect": "stack",
     "article": "heap", "observed": "stack", "holds": True, "why": "captured by value"},
    {"id": "C12-param", "claim": "C12", "func": "GoroutineParam", "variable": "req", "expect": "stack",
     "article": "stack", "observed": "stack", "holds": True},
    {"id": "C12-object", "claim": "C12", "func": "GoroutineClosure", "variable": "func literal", "expect": "heap",
     "article": None, "observed": "heap", "holds": True},
    {"id": "C13-return-addr", "claim": "C13", "func": "EscapeReturnAddr", "variable": "it", "expect": "heap",
     "article": "heap", "observed": "heap", "holds": True},
    {"id": "C13-append-local", "claim": "C13", "func": "EscapeAppend", "variable": "append", "expect": "stack",
     "article": "heap", "observed": "stack", "holds": True, "allocs_per_op": 1, "allocates_on_stack_verdict": True},
    {"id": "C11-interface-box", "claim": "C11", "func": "PaymentRouteInterface", "variable": "method",
     "expect": "heap", "article": "heap", "observed": "heap", "holds": True},
]}


def test_escape_verdicts(tmp_path):
    path = tmp_path / "escape.json"
    path.write_text(json.dumps(ESCAPE))
    c12, c13 = verdict(BASE, "C12", path), verdict(BASE, "C13", path)
    assert c12.kind == claims.REFUTED and "passing the value saves nothing" in c12.verdict
    assert "as in the article: closure 2 allocs, 40 B vs param 3 allocs, 56 B" in c12.verdict
    assert "best version: closure 2 allocs, 88 B vs param 2 allocs, 88 B" in c12.verdict
    assert "captured by value" in " ".join(c12.notes)
    # the refuting C13 record is a variant built here: reported, never counted against the article
    assert c13.kind == claims.HOLDS and any("Variants built here" in n and "C13-append-local" in n
                                            for n in c13.notes)
    no_goroutines = syn.make_run(benchmarks=[b for b in syn.micro_benchmarks()
                                             if not b["name"].startswith("Goroutine/")])
    assert verdict(no_goroutines, "C12", path).kind == claims.REFUTED  # -m: closure-read on the stack
    assert any("C11-interface-box" in n for n in verdict(BASE, "C11", path).notes)  # context on other claims
    agree = copy.deepcopy(ESCAPE)
    for r in agree["results"]:
        if r.get("article"):
            r["observed"] = r["article"]
    path.write_text(json.dumps(agree))
    assert verdict(no_goroutines, "C12", path).kind == claims.HOLDS
    c12 = verdict(BASE, "C12", path)  # -m agrees, but the allocations say otherwise
    assert c12.kind == claims.REFUTED and "passing the value saves nothing" in c12.verdict
    # the simpler form {expect, observed, ok} without "article" decides with "expect"
    path.write_text(json.dumps([{"id": "e1", "claim": "C13", "func": "f", "variable": "x", "expect": "heap",
                                 "observed": "heap", "ok": True}]))
    assert verdict(BASE, "C13", path).kind == claims.HOLDS
    path.write_text("{truncated")
    v = verdict(BASE, "C13", path)
    assert v.kind == claims.NOT_MEASURABLE and "not readable JSON" in v.verdict
    assert "no none.json in the results folder" in verdict(BASE, "C13", tmp_path / "none.json").verdict
    # without escape.json, C12 is still decided by the allocation counts
    v = verdict(BASE, "C12", tmp_path / "none.json")
    assert v.kind == claims.REFUTED and any("no none.json" in n for n in v.notes)


def test_odd_load_replies_are_read_defensively():
    """Load replies are another program's output: loadview reads a missing or odd field as absent."""
    run = copy.deepcopy(BASE)
    run["load"][0]["result"]["gc"] = "garbage"
    run["load"][1]["result"] = {"latency": None}
    vs = claims.evaluate(run)
    assert len(vs) == 13 and all(claimstable.text(v.verdict) for v in vs)


def test_a_bug_raises_instead_of_becoming_a_verdict():
    doc = claims.load_claims()
    broken = copy.deepcopy(doc)
    spec = next(c for c in broken["claims"] if c["decide"]["type"] == "load_ratio")["decide"]["metrics"][0]
    spec["path"] = "nosuchgroup.cycles"  # a claims.json mistake: must fail loudly, not read "not measurable"
    with pytest.raises(ValueError, match="unknown load metric path"):
        claims.evaluate(BASE, claims_doc=broken)


def test_unknown_decide_type_is_rejected_on_load(tmp_path):
    doc = claims.load_claims()
    doc["claims"][0]["decide"]["type"] = "micro_ratoi"
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="decide type 'micro_ratoi'"):
        claims.load_claims(path)


def test_verdicts_carry_numbers():
    """The measured numbers stay numbers in the verdict; present.claims formats them."""
    v = next(v for v in claims.evaluate(BASE) if v.id == "C1")
    numbers = []

    def walk(t):
        if isinstance(t, claims.Phrase):
            for x in t.values.values():
                walk(x)
        elif isinstance(t, float):
            numbers.append(t)

    walk(v.measured)
    new = next(b for b in BASE["benchmarks"] if b["name"] == "OrderItem/new")
    assert new["summary"]["ns_per_op"]["median"] in numbers
    assert claimstable.text(claims.say("{x:num ms} {r:ratio}", x=1234.4, r=2.0)) == "1,234 ms 2x"


def _numbers(text: str) -> set[float]:
    return {float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def test_claimed_numbers_are_the_claims_own():
    """A claim's deciding numbers must be the numbers written in its text: never edited to make it pass."""
    doc = claims.load_claims()
    assert [c["id"] for c in doc["claims"]] == [f"C{i}" for i in range(1, 14)]
    for c in doc["claims"]:
        d, nums = c["decide"], _numbers(c["claimed"])
        for m in d.get("metrics", []):
            assert {float(m["claimed_baseline"]), float(m["claimed_optimized"])} <= nums, c["id"]
        if d["type"] == "snapshot_bandwidth":
            assert {d["claimed_baseline_ms"], d["claimed_optimized_ms"]} <= nums
        if d["type"] == "gomaxprocs_sweep":
            for p in d["claimed_points"].values():
                assert {p["mean_ms"], p["sd_ms"]} <= nums
        if d["type"] == "pause_bounds":
            assert {d["max_pause_ms"], d["p99_stw_ms"]} <= nums


@pytest.mark.skipif(not CLAIMS_MD.exists(), reason="the shared CLAIMS.md is not on this machine")
def test_claimed_text_is_exactly_as_in_claims_md():
    rows = {}
    for line in CLAIMS_MD.read_text().splitlines():
        m = re.match(r"^\| (C\d+) \| ([\d.]+) \| (.*) \| (.*) \|$", line)
        if m:
            rows[m[1]] = (m[2], m[3], m[4])
    for c in claims.load_claims()["claims"]:
        assert (c["section"], c["technique"], c["claimed"]) == rows[c["id"]]


def test_table_rows_have_every_claim():
    rows = claimstable.table_rows(claims.evaluate(BASE))
    assert [r[0] for r in rows] == [f"C{i}" for i in range(1, 14)]
    assert all(len(r) == len(claimstable.HEADER) and all(isinstance(x, str) for x in r) for r in rows)
    assert all(r[2] in claims.SHORT.values() for r in rows)  # short cells; the full verdict is in details
    c2 = next(v for v in claims.evaluate(BASE) if v.id == "C2")
    assert dict(claimstable.details(c2))["technique"].startswith("(as C1) ")


def test_micro_exact_without_the_article_struct():
    """micro_exact decides on the sizes alone when a claim has no article_struct."""
    doc = copy.deepcopy(claims.load_claims())
    c10 = next(c for c in doc["claims"] if c["id"] == "C10")
    del c10["decide"]["article_struct"]
    pick = lambda run: next(v for v in claims.evaluate(run, claims_doc=doc) if v.id == "C10")  # noqa: E731
    assert pick(BASE).kind == claims.HOLDS
    v = pick(with_bench(BASE, "StructLayout/packed", syn.rounds(2, extra={"sizeof_bytes": 32.0})))
    assert v.kind == claims.MAGNITUDE and "sizeof_bytes: 48 -> 32 B vs claimed 48 -> 40 B" in claimstable.text(v.verdict)
    v = pick(with_bench(BASE, "StructLayout/packed", syn.rounds(2, extra={"sizeof_bytes": 56.0})))
    assert v.kind == claims.REFUTED


def test_c7_notes_the_article_table_gogc_80():
    v = verdict(BASE, "C7")
    assert any("recommends GOGC 80 for \"low-load steady state\"" in n and "between 100 and 150" in n
               and "would need qps = -100" in n for n in v.notes)
    assert not any("GOGC 130" in n or "GOGC 60 " in n for n in v.notes)


def test_c3_and_c4_show_the_plausibility_arithmetic():
    assert any("Plausibility: the claimed p99 gain is 123 us per request" in n for n in verdict(BASE, "C4").notes)
    v = next(v for v in claims.evaluate(BASE) if v.id == "C3")
    assert "601 ns per request saved" in claimstable.text(v.decider)


def test_every_verdict_carries_a_decider_or_says_why_not():
    for v in claims.evaluate(BASE):
        assert v.short in claims.SHORT.values()
        if v.kind in (claims.HOLDS, claims.MAGNITUDE) and v.id not in ("C9",):
            assert claimstable.text(v.decider), v.id


def test_repeats_group_by_label_and_ci_covers_all_three():
    from gobench.analyse import repeats
    groups = repeats.repeats(BASE)
    assert len(groups["order-new"]) == 3 and [e["repeat"] for e in groups["order-new"]] == [0, 1, 2]
    p99s = [e["result"]["latency"]["p99_ns"] for e in groups["order-new"]]
    med, lo, hi = repeats.p99_ci(groups["order-new"])
    assert lo <= min(p99s) and hi >= max(p99s) and lo <= med <= hi
    assert repeats.p99_ci(groups["order-new"][:2]) is None
    assert repeats.coverage(3) == 0.75


def test_noise_that_hides_the_difference_is_not_a_refutation():
    """A ratio CI holding both 1x and the claimed ratio says "too noisy", never "refuted"; the summary says
    "undecided", never "avoid"."""
    pool = [r for i, v in enumerate((4, 40, 5, 35, 60, 3)) for r in syn.rounds(v, k=1, seed=30 + i)]
    new = [r for i in range(6) for r in syn.rounds(30, 1, 48, k=1, seed=40 + i)]
    run = with_bench(with_bench(BASE, "OrderItem/pool", pool), "OrderItem/new", new)
    v = verdict(run, "C1")
    assert v.kind == claims.NOT_MEASURABLE and "too noisy to decide: the 95% CI of the ratio, 0.496x-9.83x, holds both 1x" in v.verdict
    rec = next(r for r in claims.recommendations(run) if r.family == "OrderItem")
    assert rec.action == claims.UNKNOWN and "includes 1x" in rec.condition


def test_a_run_calibrated_to_a_claim_decides_it_and_no_other():
    """`invoke review` stores a default load run and one calibrated to C2 (extra allocation per request): C2 is
    decided on the calibrated pair, and no other claim ever uses a run calibrated to C2."""
    from synthetic_runs import load_entry

    micro = syn.make_run()
    micro.pop("load", None)
    plain = {"run_id": "20260101T000001Z-01234567-aaaa", "settings": {},
             "load": [load_entry(k, p50_ns=20_000, gc_per_min=0, stw_ns=40_000, achieved=2000, label=k)
                      for k in ("order-new", "order-pool")]}
    calibrated = {"run_id": "20260101T000002Z-01234567-bbbb", "settings": {"calibration": {"claim": "C2"}},
                  "load": [load_entry(k, p50_ns=20_000, gc_per_min=g, stw_ns=40_000, achieved=2000, label=k)
                           for k, g in (("order-new", 180), ("order-pool", 20))]}
    merged = claims.merge_runs(micro, [plain, calibrated])
    b, o = claims.pick_load_pair(merged, "order-new", "order-pool", 12_000, claim_id="C2")
    assert (b["calibrated_to"], o["calibrated_to"]) == ("C2", "C2")
    b, o = claims.pick_load_pair(merged, "order-new", "order-pool", 12_000, claim_id="C4")
    assert (b["calibrated_to"], o["calibrated_to"]) == (None, None)
    only_calibrated = claims.merge_runs(micro, [calibrated])
    assert claims.pick_load_pair(only_calibrated, "order-new", "order-pool", 12_000, claim_id="C4") is None


def test_a_run_calibrated_to_c5_decides_c5_and_no_other():
    """`invoke review` also stores a run calibrated to C5 (tradecontext kinds, which C3 and C4 use too): C5 is
    decided on it, no other claim picks its entries, and the same holds for its own report (`invoke load
    --calibrate-to C5` alone), where C3 and C4 then have no pair."""
    from synthetic_runs import load_entry

    micro = syn.make_run()
    micro.pop("load", None)
    plain = {"run_id": "20260101T000001Z-01234567-aaaa", "settings": {},
             "load": [load_entry(k, p50_ns=20_000, gc_per_min=0, stw_ns=40_000, achieved=2000, label=k)
                      for k in ("order-new", "order-pool", "tradecontext-heap", "tradecontext-slab")]}
    c5 = {"run_id": "20260101T000003Z-01234567-cccc", "settings": {"calibration": {"claim": "C5"}},
          "load": [load_entry(k, p50_ns=20_000, gc_per_min=g, stw_ns=40_000, achieved=12_000, target=12_000, label=k)
                   for k, g in (("tradecontext-heap", 217), ("tradecontext-slab", 0))]}
    load_claims = [c for c in claims.load_claims()["claims"] if c["decide"]["type"] == "load_ratio"]
    assert {"C2", "C3", "C4", "C5"} <= {c["id"] for c in load_claims}
    for name, merged in (("joined", claims.merge_runs(micro, [plain, c5])), ("alone", claims.merge_runs(c5, []))):
        for c in load_claims:
            d = c["decide"]
            pair = claims.pick_load_pair(merged, d["baseline_kind"], d["optimized_kind"], d.get("claimed_rate_per_s"),
                                         bool(d.get("needs_saturation")), c["id"])
            used = {e.get("calibrated_to") for e in pair or ()}
            assert used == ({"C5"} if c["id"] == "C5" else {None} if name == "joined" else set()), (name, c["id"])
        v = {x.id: x for x in claims.evaluate(merged)}
        assert v["C5"].kind != claims.NOT_MEASURABLE and "217 -> 0 GC/min" in claimstable.text(v["C5"].measured), name
        if name == "alone":
            assert v["C3"].kind == v["C4"].kind == claims.NOT_MEASURABLE


def test_c6_at_four_rounds_has_a_95_ci():
    """The 1 GB step runs 4 rounds (--quick): too few for an order-statistic interval, so C6's deciding ratios
    carry the t-interval of their log ratios, and the interval covers the ratio of the medians."""
    run = BASE
    for name, ns, mbps, seed in (("Snapshot/write", 5e5, 2000.0, 8), ("Snapshot/mmap", 3e5, 3500.0, 9),
                                 ("Snapshot/write-fdatasync", 7e5, 1500.0, 18), ("Snapshot/mmap-msync", 1.5e6, 700.0, 19)):
        run = with_bench(run, name, syn.rounds(ns, n=64, k=4, seed=seed, extra={"mb_per_s": mbps}))
    v = next(v for v in claims.evaluate(run) if v.id == "C6")
    decider = claimstable.text(v.decider)
    found = re.findall(r"([\d.]+)x \(95% CI ([\d.]+)x-([\d.]+)x: t-interval of the log ratios of 4 interleaved", decider)
    assert len(found) == 2, decider  # mmap/write() and the durable pair
    for (m, lo, hi), claimed in zip(found, (3500 / 2000, 700 / 1500)):
        assert float(lo) <= float(m) <= float(hi)
        assert float(lo) <= claimed * 1.1 and float(hi) >= claimed * 0.9
    # the grid's number and the executive summary carry the same interval as the claim's text
    assert not math.isnan(v.ratios[0].lo)
    rec = next(r for r in claims.recommendations(run) if r.family == "Snapshot")
    assert "t-interval of the log ratios of 4 interleaved" in claimstable.text(rec.decider)


def test_cited_scenarios_are_what_review_quick_profiles():
    """`invoke review --quick` profiles only the scenarios a claim is decided on; its filter joins their names
    unescaped, so each must be a plain Family/Variant."""
    names = claims.cited_scenarios()
    assert {"Snapshot/write", "Snapshot/mmap", "Snapshot/memcpy", "Snapshot/write-fdatasync", "Snapshot/mmap-msync",
            "StructLayout/article", "PaymentRoute/concrete-article", "TradeContext/heap", "OrderItem/pool"} <= set(names)
    assert "SnapshotTick/mmap" not in names and "OrderItemParallel/pool" not in names  # no claim cites them
    assert all(re.fullmatch(r"[A-Z][A-Za-z]*/[a-z0-9-]+", n) for n in names)


def test_c7_is_decided_on_the_repeats_not_on_the_first_pair():
    """The first repeat pair alone says the controller raised p99 by 48%; over three repeats a side the medians'
    intervals overlap (the fixed runs spread as widely), so p99 was not raised and fewer GC cycles hold."""
    run = with_profile(BASE)
    ctl = [e for e in run["load"] if e["sweep"] == "controller"]
    run["load"] = [e for e in run["load"] if e["sweep"] != "controller"]
    p99_ms = {"adaptive": [40, 20, 30], "fixed GOGC=100": [27, 45, 50]}
    for e in ctl:
        for i, ms in enumerate(p99_ms[e["point"]["controller"]]):
            r = copy.deepcopy(e)
            r["repeat"] = i
            r["result"]["latency"]["p99_ns"] = ms * 1e6
            run["load"].append(r)
    v = verdict(run, "C7")
    measured = claimstable.text(v.measured)
    assert "p99 30,000 us" in measured and "p99 45,000 us" in measured and "3+3 repeats" in measured, measured
    assert v.kind == claims.HOLDS, v.verdict
