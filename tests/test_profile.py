"""Tests of `invoke profile`: the gctrace parser on captured lines, pprof's text form against
`go tool pprof -top` on real profiles, allocation sites against the runtime's counters, bad input, a
crashing scenario, and the gate's attribution of the injected allocation."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from gobench.analyse import profile as analysis
from gobench.build import library as buildmod
from gobench.build import toolchain
from gobench.collect import pprof
from gobench.collect import profile as profiling
from gobench.collect import protocol
from gobench.collect.protocol import Settings
from gobench.collect.spawn import Worker, stopping
from gobench.commands import gate_profile
from gobench.commands.profile import analyse_outcome
from gobench.commands.profile import profile as profile_cmd
from gobench.paths import GOSRC
from gobench.present import charts

TESTDATA = Path(__file__).parent / "testdata"
SMALL = Settings(round_ms=10.0, rounds=2, ffi_calls=50_000, max_calibration_s=5.0)


# ---------------------------------------------------------------- gctrace



def _site(text: str) -> str:
    """_site is "paymentroute.go:LINE" of the first line of gosrc/patterns/paymentroute.go containing text, so
    that the tests follow the source when lines move."""
    from gobench.paths import GOSRC

    for i, line in enumerate((GOSRC / "patterns" / "paymentroute.go").read_text().splitlines(), 1):
        if text in line:
            return f"paymentroute.go:{i}"
    raise AssertionError(f"{text!r} not in paymentroute.go")


SPRINTF = _site('return fmt.Sprintf("route:%v,amt:%.2f", method, amount)')
CALL = _site("key := paymentRouteKeyAny(method, paymentAmount(i))")

def test_gctrace_parser_reads_every_line_of_a_real_run():
    text = (TESTDATA / "gctrace_tradecontext_heap.txt").read_text()  # invoke profile --kind gctrace, 2 P
    gc_lines = [ln for ln in text.splitlines() if ln.startswith("gc ")]
    cycles = analysis.parse_gctrace(text)
    assert len(cycles) == len(gc_lines) > 0
    assert [c["cycle"] for c in cycles] == [int(ln.split()[1]) for ln in gc_lines]
    assert sum(c["forced"] for c in cycles) == sum(ln.endswith("(forced)") for ln in gc_lines)
    first = cycles[0]  # gc 8 @0.193s 2%: 0.98+0.40+0.003 ms clock, 1.9+0/0.62/0+0.007 ms cpu, 7->7->0 MB, 10 MB goal
    assert (first["cycle"], first["at_s"], first["gc_cpu_percent"]) == (8, 0.193, 2)
    assert (first["stw_sweep_term_ms"], first["mark_wall_ms"], first["stw_mark_term_ms"]) == (0.98, 0.40, 0.003)
    assert first["stw_ms"] == pytest.approx(0.983)
    assert (first["mark_cpu_assist_ms"], first["mark_cpu_background_ms"], first["mark_cpu_idle_ms"]) == (0, 0.62, 0)
    assert (first["heap_before_mb"], first["heap_after_mb"], first["heap_live_mb"], first["heap_goal_mb"]) == \
        (7, 7, 0, 10)
    assert first["procs"] == 2 and first["forced"]
    s = analysis.gctrace_summary(cycles)
    assert s["all"]["cycles"] == len(cycles)
    assert s["triggered"]["cycles"] == len(cycles) - s["forced"] > 0
    assert s["all"]["mark_wall_ms_max"] == max(c["mark_wall_ms"] for c in cycles)


def test_gctrace_parser_skips_other_lines():
    assert analysis.parse_gctrace("runtime: cannot set cpu profile rate\nscvg: 1 MB released\n") == []


# ---------------------------------------------------------------- bad input


def test_unknown_kind_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'heap'.*allowed: cpu, alloc, trace, gctrace"):
        profiling.parse_kinds("cpu,heap")
    assert profiling.parse_kinds("gctrace,cpu") == ["cpu", "gctrace"]
    assert profiling.parse_kinds(None) == list(profiling.KINDS)


def test_filter_matching_nothing_is_an_error(tmp_path, monkeypatch):
    err = io.StringIO()
    assert profile_cmd("NoSuchFamily", builds=["default"], out=io.StringIO(), err=err, report=False) == 2
    assert "matches no scenario" in err.getvalue() and "PaymentRoute/interface" in err.getvalue()


@pytest.mark.parametrize("quick,rounds", [(True, None), (False, 2)])
def test_profiled_rounds_do_not_warm_up(tmp_path, monkeypatch, quick, rounds):
    seen = []

    def stop_after_settings(name, params, library_dir, chosen, st, folder, cpu_min_s):
        seen.append(st)
        raise ValueError("stand-in: stop here")

    monkeypatch.setattr(profiling, "profile_scenario", stop_after_settings)
    monkeypatch.setattr(profile_cmd.__globals__["store"], "runs_dir", lambda *a: tmp_path)
    profile_cmd("^OrderItem/new$", quick=quick, rounds=rounds, builds=["default"], out=io.StringIO(),
                err=io.StringIO(), report=False)
    assert len(seen) == 1 and seen[0].warmup_ms == 0  # a warm-up's samples would join the profile's
    assert rounds is None or seen[0].rounds == rounds


def test_bench_workers_do_not_profile(built_default):
    """A worker started as bench starts it samples allocations at the runtime's default rate only."""
    with stopping({}) as ws:
        w = ws["w"] = Worker("plain", built_default.dir)
        rep = w.request(*protocol.profile_cmd("status"))
        assert rep["profile"]["mem_profile_rate"] == 512 * 1024
        ws["a"] = Worker("alloc", built_default.dir, profiling.worker_env("alloc"))
        assert ws["a"].request(*protocol.profile_cmd("status"))["profile"]["mem_profile_rate"] == 1


# ---------------------------------------------------------------- real profiles


@pytest.fixture(scope="module")
def payment_profiles(tmp_path_factory):
    """PaymentRoute's two variants profiled (alloc and cpu) in dedicated workers, as invoke profile does."""
    built = buildmod.build("default")
    root = tmp_path_factory.mktemp("profiles")
    outs = {}
    for name in ("PaymentRoute/interface", "PaymentRoute/concrete"):
        o = profiling.profile_scenario(name, {}, built.dir, ["cpu", "alloc"], SMALL,
                                       profiling.scenario_dir(root, name))
        assert o["status"] == "ok", o["error"]
        files = dict(o["profile"]["files"])
        analyse_outcome(o, root)
        outs[name] = (o, files)
    return outs


def _top_flat(text: str) -> dict[str, float]:
    """_top_flat reads `go tool pprof -top -lines` rows: "flat flat% sum% cum cum% function file:line"."""
    rows = {}
    for ln in text.splitlines():
        m = re.match(r"^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+\d+\s+[\d.]+%\s+(\S+) \S*/([^/\s]+:\d+)", ln)
        if m:
            rows[(m.group(2), m.group(3))] = rows.get((m.group(2), m.group(3)), 0) + int(m.group(1))
    return rows


def test_interface_allocation_sites_sum_to_its_allocs_per_op(payment_profiles):
    o, files = payment_profiles["PaymentRoute/interface"]
    prof = o["profile"]
    tot = prof["alloc_totals"]
    rounds = prof["kind_rounds"]["alloc"]
    allocs_per_op = sum(r["alloc_objects"] for r in rounds) / sum(r["n"] for r in rounds)
    assert tot["runtime_allocs_per_op"] == pytest.approx(allocs_per_op)
    assert allocs_per_op == pytest.approx(3.0, abs=0.01)
    sites = [s for s in prof["alloc_sites"] if s["objects_per_op"] >= 0.005]
    # the profile sees 2.5 objects/op: the 8-byte float box goes to the tiny allocator, two to a 16-byte block,
    # and only the object that starts a block is sampled; the runtime counts both
    assert sum(s["objects_per_op"] for s in sites) == pytest.approx(2.5, abs=0.01)
    assert tot["unsampled_objects_per_op"] == pytest.approx(0.5, abs=0.01)
    tiny = next(s for s in sites if s["site"] == SPRINTF and s["function"].endswith("paymentRouteKeyAny"))
    assert tiny["bytes_per_object"] == analysis.TINY_BLOCK_BYTES
    assert tiny["objects_per_op"] == pytest.approx(tot["unsampled_objects_per_op"], abs=0.01)  # one of two sampled
    assert {s["site"] for s in sites if s["function"].startswith("gobench/")} == \
        {CALL, SPRINTF}
    # fmt may add a tiny block of its own now and then (print.go, when its pool of printers was emptied
    # by the round's GC): only our sites are fixed
    assert {s for s in tot["tiny_block_sites"] if s.startswith("paymentroute.go")} == {SPRINTF}
    assert any(s["function"] == "fmt.Sprintf" and s["caller"] == SPRINTF for s in sites)
    assert sum(s["bytes_per_op"] for s in sites) == pytest.approx(tot["runtime_bytes_per_op"], rel=0.02)


def test_concrete_has_no_allocation_sites(payment_profiles):
    o, _ = payment_profiles["PaymentRoute/concrete"]
    assert [s for s in o["profile"]["alloc_sites"] if s["objects_per_op"] >= 0.005] == []
    assert o["profile"]["alloc_totals"]["runtime_allocs_per_op"] < 0.005


def test_go_tool_pprof_top_agrees_with_the_parsed_sites(payment_profiles):
    o, files = payment_profiles["PaymentRoute/interface"]
    path = Path(files["alloc"])
    top = _top_flat(pprof.top(path, "alloc_objects", lines=True, nodecount=500))
    assert top, "no rows read from go tool pprof -top"
    # the parser against the tool, over every sample: objects by innermost frame and line
    prof = analysis.parse_raw(pprof.raw(path))
    io_ = prof.index("alloc_objects")
    flat: dict[tuple[str, str], int] = {}
    for values, locs in prof.samples:
        leaf = prof.stack(locs)[0]
        flat[(leaf.function, leaf.site)] = flat.get((leaf.function, leaf.site), 0) + values[io_]
    assert {k: v for k, v in top.items() if v} == {k: v for k, v in flat.items() if v and k in top}
    # the round's sites are those rows less what the worker itself did there (JSON, writing the profile)
    ops = o["profile"]["ops"]["alloc"]
    for s in o["profile"]["alloc_sites"]:
        if s["objects_per_op"] >= 0.1 and not s.get("via"):
            assert 0 <= top[(s["function"], s["site"])] - round(s["objects_per_op"] * ops) <= 0.005 * ops, s


def test_cpu_profile_names_the_scenario_and_draws(payment_profiles, tmp_path):
    o, files = payment_profiles["PaymentRoute/interface"]
    prof = o["profile"]
    assert prof["cpu_samples"] > 0
    cum = {r["function"]: r["cum_share"] for r in analysis.cpu_top(analysis.parse_raw(pprof.raw(Path(files["cpu"]))),
                                                                     top=10_000)}
    assert cum.get("gobench/patterns.PaymentRouteInterface", 0) > 0.3
    paths = charts.profile_icicle({"interface": prof["cpu_stacks"]}, "t", tmp_path, "icicle")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 0 for p in paths)
    assert charts.profile_icicle({"interface": []}, "t", tmp_path, "none") == []


def test_a_crashing_scenario_keeps_the_others(tmp_path, built_default):
    outs = profiling.profile_all([("Fault/fatal", {}), ("PaymentRoute/concrete", {})], built_default.dir,
                                 ["alloc", "trace", "gctrace"], SMALL, tmp_path)
    crashed, ok = outs
    assert crashed["status"] == "crashed" and "Fault/fatal" in crashed["error"]
    assert ok["status"] == "ok"
    assert set(ok["profile"]["files"]) == {"alloc", "trace", "gctrace"}
    # go tool trace reads the trace (its -d=parsed mode prints the events instead of serving them)
    tc = toolchain.find()
    p = subprocess.run([tc.go, "tool", "trace", "-d=parsed", ok["profile"]["files"]["trace"]], env=tc.env(),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "StateTransition" in p.stdout


# ---------------------------------------------------------------- the gate


def test_gate_names_the_injected_allocation(tmp_path):
    """The gate self-test's inject-alloc build (gosrc/patterns/inject_alloc_on.go) allocates one injectBox
    per item in OrderItemNew: the explanation must name that line."""
    base = {"default": buildmod.build("default")}
    head = {"default": buildmod.build("inject-alloc")}
    # explain reads only the decision's regressions (scenario, metric): what analyse.gate decided
    d = SimpleNamespace(regressions=[SimpleNamespace(scenario="OrderItem/new", metric="allocs_per_op")])
    lines = gate_profile.explain(d, base, head, tmp_path, io.StringIO())
    src = (GOSRC / "patterns" / "orderitem.go").read_text().splitlines()
    line = next(i + 1 for i, t in enumerate(src) if "&injectBox{" in t)
    hit = [ln for ln in lines if f"orderitem.go:{line}" in ln]
    assert hit, lines
    assert hit[0].startswith("- OrderItem/new: +1.00 allocs/op") and "sinkBox = &injectBox{it}" in hit[0]


def test_report_section_shows_sites_cpu_chart_gc_and_overhead(payment_profiles, tmp_path):
    from gobench.present import report

    bs = [dict(payment_profiles[n][0], family="PaymentRoute", variant=n.split("/")[1])
          for n in ("PaymentRoute/concrete", "PaymentRoute/interface")]
    run = {"run_id": "r1", "settings": {**SMALL.as_dict(), "profile_kinds": ["cpu", "alloc"]}, "benchmarks": bs}
    doc = report.Doc()
    report.profile_section(doc, "PaymentRoute", [{"benchmarks": []}, run], tmp_path)
    tables = [b for b in doc.blocks if b[0] == "table"]
    sites = next(t for t in tables if t[1] == report.proftables.SITES_HEADER)
    assert {r[2] for r in sites[2] if r[0] == "interface"} >= {CALL, SPRINTF}
    assert not [r for r in sites[2] if r[0] == "concrete" and r[2]]  # concrete: only its total row
    assert any(t[1] == report.proftables.CPU_HEADER for t in tables)
    assert any(t[1][1:] == ["cpu", "alloc"] for t in tables)  # the overhead table
    charts_ = [b for b in doc.blocks if b[0] == "chart"]
    assert len(charts_) == 1 and charts_[0][2].exists()
    empty = report.Doc()
    report.profile_section(empty, "OrderItem", [run], tmp_path)
    assert empty.blocks == []


def test_diff_sites_lists_what_changed_largest_first():
    site = lambda fn, s, o, b: {"function": fn, "site": s, "via": "", "caller": "", "objects_per_op": o,  # noqa: E731
                                "bytes_per_op": b, "file": f"/src/{s.split(':')[0]}", "line": int(s.split(":")[1])}
    base = [site("p.New", "a.go:1", 1.0, 48.0), site("p.Old", "a.go:9", 0.25, 4.0)]
    head = [site("p.New", "a.go:1", 1.0, 48.0), site("p.Box", "b.go:7", 1.0, 8.0), site("p.Old", "a.go:9", 0.5, 8.0)]
    d = analysis.diff_sites(base, head)
    assert [(r["site"], r["objects_per_op"], r["bytes_per_op"]) for r in d] == [("b.go:7", 1.0, 8.0), ("a.go:9", 0.25, 4.0)]
    assert d[0]["line"] == 7
    gone = analysis.diff_sites(head, base)
    assert gone[0]["site"] == "b.go:7" and gone[0]["objects_per_op"] == -1.0


def test_pprof_runs_its_binary_and_falls_back_to_go_tool(monkeypatch):
    """The pprof binary `go tool -n pprof` names is run directly (the go command's start costs ~0.27 s a call);
    when go cannot name it, `go tool pprof` runs as before."""
    tc = toolchain.find()
    cmd = pprof._tool(tc)
    assert len(cmd) == 1 and Path(cmd[0]).is_file() and Path(cmd[0]).name.startswith("pprof")

    class Failed:
        returncode, stdout = 1, ""
    monkeypatch.setattr(pprof.subprocess, "run", lambda *a, **k: Failed())
    pprof._tool.cache_clear()
    try:
        assert pprof._tool(tc) == [tc.go, "tool", "pprof"]
    finally:
        pprof._tool.cache_clear()
