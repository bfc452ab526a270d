"""crosscheck: both tools run the same Go functions; their allocation counts must agree exactly."""

from __future__ import annotations

import io

import pytest

from gobench.analyse import crosscheck as analysis
from gobench.collect import crosscheck, scheduler
from gobench.commands import crosscheck as command
from gobench.errors import BuildError
from gobench.present import crosscheck as present


def test_crosscheck_pairs_both_tools_on_the_same_functions():
    seen = []
    repeats, outcomes = crosscheck.crosscheck(["OrderItem"], repeats=2, benchtime_ms=20, builds=("default",),
                                              out=io.StringIO(), on_repeat=seen.append)
    assert seen == repeats
    assert [o["status"] for o in outcomes] == ["ok", "ok"]
    assert [(r.name, r.index, r.order) for r in repeats] == [
        ("OrderItem/new", 0, "HGGH"), ("OrderItem/pool", 0, "HGGH"),
        ("OrderItem/new", 1, "GHHG"), ("OrderItem/pool", 1, "GHHG")]
    pairs = analysis.pairs(repeats)
    assert set(pairs) == {"OrderItem/new", "OrderItem/pool"}
    for p in pairs.values():
        assert len(p.harness_ns) == len(p.gotest_ns) == 2 and len(p.ratios()) == 2
    new = pairs["OrderItem/new"]
    assert new.harness_allocs == pytest.approx([1.0, 1.0], abs=1e-3) and new.gotest_allocs == [1.0, 1.0]
    assert new.harness_bytes == pytest.approx([48.0, 48.0], abs=0.05) and new.gotest_bytes == [48.0, 48.0]
    assert "ratio median" in present.table(pairs)


def test_each_repeat_measures_the_harness_in_a_new_worker_with_the_calibrated_n(monkeypatch):
    # a process's whole life can be fast or slow (disk syncs: 25%), so the repeats, the statistic's unit,
    # must not share one; calibrating again per repeat would put seconds between the two tools
    started, measured, calibrations = [], [], []
    init, round_, calibrate = scheduler.Worker.__init__, scheduler.Family.round, scheduler.protocol.calibrate_cmd

    def spy_init(self, *a, **kw):
        init(self, *a, **kw)
        started.append(self)

    def spy_round(self, side, name, pair=None):
        w = self.workers[self._key(side, name)]
        assert all(old.proc.poll() is not None for old in started if old is not w)  # replaced ones were closed
        measured.append(w)
        return round_(self, side, name, pair)

    def spy_calibrate(*a, **kw):
        calibrations.append(a[0])
        return calibrate(*a, **kw)

    monkeypatch.setattr(scheduler.Worker, "__init__", spy_init)
    monkeypatch.setattr(scheduler.Family, "round", spy_round)
    monkeypatch.setattr(scheduler.protocol, "calibrate_cmd", spy_calibrate)
    repeats, outcomes = crosscheck.crosscheck(["OrderItem"], repeats=3, benchtime_ms=10, builds=("default",),
                                              out=io.StringIO(), names=("OrderItem/new",))
    assert [r.order for r in repeats] == ["HGGH", "GHHG", "HGGH"] and calibrations == ["OrderItem/new"]
    harness = [w for w in started if w.label == "OrderItem/new"]  # not the library's scenario-list worker
    assert len(harness) == 4  # the one that calibrated, then one per repeat
    assert measured == [harness[1], harness[1], harness[2], harness[2], harness[3], harness[3]]
    (o,) = outcomes
    assert o["status"] == "ok" and len(o["rounds"]) == 6


def test_pairs_average_each_tools_two_samples_per_repeat():
    h, g = analysis.HARNESS, analysis.GOTEST
    rep = crosscheck.Repeat("F", "F/a", 0, 1, [(h, (10.0, 1.0, 8.0)), (g, (20.0, 1.0, 8.0)), (g, (22.0, 1.0, 8.0)),
                                               (h, (12.0, 1.0, 8.0))])
    p = analysis.pairs([rep])["F/a"]
    assert p.harness_ns == [11.0] and p.gotest_ns == [21.0] and p.ratios() == [11.0 / 21.0]
    assert not p.agrees()
    assert present.repeat_line(rep, p) == "[F] repeat 1/1 F/a HGGH: 10 20 22 12 ns/op, ratio 0.524"


@pytest.mark.parametrize("scenario,pattern", [
    ({"family": "OrderItem", "variant": "new"}, "^BenchmarkOrderItem$/^new$"),
    ({"family": "Snapshot", "variant": "mmap+x"}, r"^BenchmarkSnapshot$/^mmap\+x$"),
    ({"family": "OrderItem", "variant": "new", "benchmark": "^BenchmarkOrderItems$/^new$"}, "^BenchmarkOrderItems$/^new$"),
])
def test_gotest_benchmark_pattern(scenario, pattern):
    assert crosscheck.gotest_bench_pattern(scenario) == pattern


def test_crosscheck_command_bad_input_is_exit_2():
    err = io.StringIO()
    assert command.main(["OrderItem"], 0, 20, out=io.StringIO(), err=err) == 2
    assert "repeats must be" in err.getvalue()


@pytest.mark.parametrize("kw,msg", [({"repeats": 0}, "repeats must be"), ({"benchtime_ms": 1}, "benchtime_ms must be")])
def test_crosscheck_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg):
        crosscheck.crosscheck(["OrderItem"], **{"repeats": 1, "benchtime_ms": 20, **kw})


def test_library_and_test_binary_align_functions_alike(tmp_path):
    """Both tools run the same machine code at the same offsets within 64-byte windows (variants.FUNC_ALIGN)."""
    import subprocess

    from gobench.build import library as build
    from gobench.build import toolchain
    from gobench.build import variants

    go = toolchain.find().go
    lib = build.build("default").dir / build.LIB_NAME
    binary = crosscheck.compile_tests("default", tmp_path)
    for path in (lib, binary):
        out = subprocess.run([go, "tool", "nm", str(path)], capture_output=True, text=True, check=True).stdout
        funcs = {ln.split()[-1]: int(ln.split()[0], 16) for ln in out.splitlines()
                 if len(ln.split()) >= 3 and ln.split()[1] in "Tt" and ln.split()[-1].startswith("gobench/patterns.")}
        assert "gobench/patterns.OrderItemNew" in funcs, path
        misaligned = {n: hex(a) for n, a in funcs.items() if a % variants.FUNC_ALIGN}
        assert not misaligned, f"{path.name}: functions not on {variants.FUNC_ALIGN}-byte boundaries: {misaligned}"


def test_gotest_sample_is_the_last_run_of_its_process(tmp_path):
    """run_gotest asks go test for a warm-up run before the one that counts, in the same process, and
    takes the last result line (the harness worker it is compared with is warm too)."""
    fake = tmp_path / "patterns.test"
    fake.write_text("#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\n"
                    "echo 'BenchmarkScenarios/OrderItem/new-2  1000  30.5 ns/op  48 B/op  1 allocs/op'\n"
                    "echo 'BenchmarkScenarios/OrderItem/new-2  1000  20.5 ns/op  48 B/op  1 allocs/op'\n")
    fake.chmod(0o755)
    got = crosscheck.run_gotest(fake, {"family": "OrderItem", "variant": "new"}, 1000)
    assert got.values["ns/op"] == 20.5
    args = (tmp_path / "args").read_text().split()
    assert args[args.index("-test.count") + 1] == str(1 + crosscheck.GOTEST_WARMUP_RUNS) == "2"
    assert args[args.index("-test.benchtime") + 1] == "1000x"
    fake.write_text("#!/bin/sh\necho 'BenchmarkScenarios/OrderItem/new-2  1000  30.5 ns/op'\n")
    with pytest.raises(BuildError, match="expected 2 result lines, got 1"):
        crosscheck.run_gotest(fake, {"family": "OrderItem", "variant": "new"}, 1000)
