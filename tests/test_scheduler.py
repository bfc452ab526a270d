"""The scheduler's two orders (rotate and ABBA) and what a failure costs, as data: the workers are
stand-ins that log each command, so these tests run no Go and time nothing."""

from __future__ import annotations

import pytest

from gobench.collect import scheduler
from gobench.collect.protocol import Settings
from gobench.errors import WorkerCrash

ST = Settings(round_ms=1.0, rounds=2)


def test_rotate_moves_the_start_every_round():
    assert [scheduler.rotate(["a", "b", "c"], r) for r in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    assert scheduler.rotate([], 3) == []


def test_abba_alternates_the_sides_round_by_round():
    assert [s for r in range(4) for _, s in scheduler.round_order(["x"], r, ("A", "B"))] == list("ABBAABBA")
    assert scheduler.round_order(["x", "y"], 1, ("base", "head")) == [
        ("y", "head"), ("y", "base"), ("x", "head"), ("x", "base")]
    assert scheduler.round_order(["a", "b"], 1, ("one",)) == [("b", "one"), ("a", "one")]  # one side: rotate


def test_crosscheck_repeats_start_with_the_other_tool():
    assert ["".join(scheduler.repeat_order(i, ("H", "G"))) for i in range(3)] == ["HGGH", "GHHG", "HGGH"]


class FakeWorker:
    """FakeWorker answers like a worker and logs (label, op, name); ``fail`` maps (label, op, name, k) to
    "crash" or "error" for the k-th such command (0-based)."""

    log: list[tuple] = []
    commands: list[dict] = []
    fail: dict[tuple, str] = {}

    def __init__(self, label, library_dir, env=None):
        self.label, self.dir = label, library_dir
        self.seen: dict[tuple, int] = {}

    def request(self, cmd: dict, timeout: float) -> dict:
        key = (self.label, cmd["op"], cmd.get("name"))
        k = self.seen[key] = self.seen.get(key, -1) + 1
        FakeWorker.log.append(key)
        FakeWorker.commands.append(cmd)
        what = FakeWorker.fail.get(key + (k,))
        if what == "crash":
            raise WorkerCrash(self.label, f"died (exit status 2) in {cmd['op']}:\nfatal error: test")
        if what == "error":
            return {"error": "Go error: test"}
        if cmd["op"] == "open":
            return {"info": {"dir": str(self.dir)}, "scenarios": [], "errors": {}}
        if cmd["op"] == "calibrate":
            return {"n": 10, "trials": [[1, 100], [10, 1000]]}
        return {"round": {"n": cmd["n"], "elapsed_ns": 1000, "alloc_objects": 0, "alloc_bytes": 0, "gc_cycles": 0}}

    def kill(self):
        pass

    def close(self):
        pass


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(scheduler, "Worker", FakeWorker)
    FakeWorker.log, FakeWorker.commands, FakeWorker.fail = [], [], {}
    return FakeWorker


SPECS = [("F/a", {}), ("F/b", {})]


def test_rotate_one_worker_per_scenario_rounds_interleaved(fake):
    outs, info = scheduler.run_rotate(SPECS, "lib", ST)
    assert fake.log == [
        ("F/a", "open", None), ("F/a", "calibrate", "F/a"), ("F/b", "open", None), ("F/b", "calibrate", "F/b"),
        ("F/a", "round", "F/a"), ("F/b", "round", "F/b"),  # round 0
        ("F/b", "round", "F/b"), ("F/a", "round", "F/a"),  # round 1 starts with the next scenario
    ]
    assert [(o["name"], o["status"], o["n"], len(o["rounds"])) for o in outs] == [("F/a", "ok", 10, 2),
                                                                                  ("F/b", "ok", 10, 2)]
    assert info == {"dir": "lib"} and "pair" not in outs[0]["rounds"][0]


def test_rounds_warm_up_unless_one_operation_outlasts_the_warm_up(fake):
    # the fake's calibration: 10 ops in 1,000 ns; round_ms 1: 100 ns/op, so 50 ms of warm-up is 500 rounds' worth
    scheduler.run_rotate(SPECS, "lib", Settings(round_ms=1.0, rounds=1, warmup_ms=50.0))
    assert {c["warmup_n"] for c in fake.commands if c["op"] == "round"} == {500}
    fake.commands.clear()
    # calibration says one op lasts 1e-4 ms, more than a warm-up of 1e-5 ms: none
    scheduler.run_rotate(SPECS, "lib", Settings(round_ms=1.0, rounds=1, warmup_ms=1e-5))
    assert {c["warmup_n"] for c in fake.commands if c["op"] == "round"} == {0}


def test_rotate_a_crash_costs_only_its_scenario(fake):
    fake.fail = {("F/a", "round", "F/a", 0): "crash", ("F/b", "calibrate", "F/b", 0): "error"}
    specs = SPECS + [("F/c", {})]
    outs, _ = scheduler.run_rotate(specs, "lib", ST)
    by = {o["name"]: o for o in outs}
    assert by["F/a"]["status"] == "crashed" and "F/a worker died" in by["F/a"]["error"]
    assert by["F/b"]["status"] == "error" and by["F/b"]["rounds"] == []
    assert by["F/c"]["status"] == "ok" and len(by["F/c"]["rounds"]) == 2
    assert [k for k in fake.log if k[1] == "round"] == [("F/a", "round", "F/a"), ("F/c", "round", "F/c"),
                                                        ("F/c", "round", "F/c")]


def test_abba_pair_calibrates_on_base_warms_up_both_and_alternates(fake):
    res = scheduler.run_pair(SPECS, "B", "H", ST, first="head")
    assert fake.log == [
        ("base", "open", None), ("head", "open", None),
        ("base", "calibrate", "F/a"), ("head", "round", "F/a"), ("base", "round", "F/a"),  # warm-up, head first
        ("base", "calibrate", "F/b"), ("head", "round", "F/b"), ("base", "round", "F/b"),
        ("head", "round", "F/a"), ("base", "round", "F/a"), ("head", "round", "F/b"), ("base", "round", "F/b"),
        ("base", "round", "F/b"), ("head", "round", "F/b"), ("base", "round", "F/a"), ("head", "round", "F/a"),
    ]
    for side in ("base", "head"):
        for o in res[side].values():
            assert o["status"] == "ok" and o["n"] == 10 and [r["pair"] for r in o["rounds"]] == [0, 1]
    assert res["info"] == {"base": {"dir": "B"}, "head": {"dir": "H"}} and "fatal" not in res


def test_abba_a_crash_ends_the_block(fake):
    fake.fail = {("head", "round", "F/a", 1): "crash"}  # F/a's first measured round on head (after its warm-up)
    res = scheduler.run_pair(SPECS, "B", "H", ST)
    assert res["head"]["F/a"]["status"] == "crashed" and "head worker died" in res["head"]["F/a"]["error"]
    assert res["base"]["F/a"]["status"] == "ok" and len(res["base"]["F/a"]["rounds"]) == 1  # its partner keeps it
    for side in ("base", "head"):
        assert res[side]["F/b"]["status"] == "skipped"
        assert res[side]["F/b"]["error"] == "not finished: head worker died in this block"
    assert fake.log[-1] == ("head", "round", "F/a")  # nothing ran after the crash


def test_abba_a_worker_that_cannot_open_is_fatal(fake):
    fake.fail = {("head", "open", None, 0): "crash"}
    res = scheduler.run_pair(SPECS, "B", "H", ST)
    assert "head worker died" in res["fatal"]
    assert not [k for k in fake.log if k[1] != "open"]


def test_abba_an_error_drops_only_that_scenario(fake):
    fake.fail = {("base", "round", "F/b", 0): "error"}  # F/b's warm-up on base
    res = scheduler.run_pair(SPECS, "B", "H", ST)
    assert res["base"]["F/b"]["status"] == "error" and res["head"]["F/b"]["rounds"] == []
    assert len(res["base"]["F/a"]["rounds"]) == len(res["head"]["F/a"]["rounds"]) == 2


def test_rotate_across_toolchains_interleaves_scenario_and_version(fake):
    outs, info = scheduler.run_rotate_sides(SPECS, {"go1.22": "L22", "go1.27": "L27"}, ST)
    rounds = [k for k in fake.log if k[1] == "round"]
    # per scenario: one warm-up on each version; then round 0 A-side first, round 1 reversed, scenarios rotated
    assert rounds[4:] == [
        ("go1.22 F/a", "round", "F/a"), ("go1.27 F/a", "round", "F/a"),
        ("go1.22 F/b", "round", "F/b"), ("go1.27 F/b", "round", "F/b"),
        ("go1.27 F/b", "round", "F/b"), ("go1.22 F/b", "round", "F/b"),
        ("go1.27 F/a", "round", "F/a"), ("go1.22 F/a", "round", "F/a")]
    assert [k for k in fake.log if k[1] == "calibrate"] == [("go1.22 F/a", "calibrate", "F/a"),
                                                            ("go1.22 F/b", "calibrate", "F/b")]
    for side in ("go1.22", "go1.27"):
        assert [(o["n"], [r["pair"] for r in o["rounds"]]) for o in outs[side]] == [(10, [0, 1]), (10, [0, 1])]
    assert info == {"go1.22": {"dir": "L22"}, "go1.27": {"dir": "L27"}}


def test_rotate_across_toolchains_an_unavailable_scenario_runs_on_the_others(fake):
    why = {"go1.22": {"F/a": "not available in go1.22: needs Go 1.23"}}
    outs, _ = scheduler.run_rotate_sides(SPECS, {"go1.22": "L22", "go1.27": "L27"}, ST, unavailable=why)
    a22, a27 = outs["go1.22"][0], outs["go1.27"][0]
    assert a22["status"] == "unavailable" and a22["error"] == "not available in go1.22: needs Go 1.23"
    assert a22["rounds"] == [] and len(a27["rounds"]) == 2
    assert ("go1.27 F/a", "calibrate", "F/a") in fake.log  # calibrated on the first version that has it
    assert not [k for k in fake.log if k[0] == "go1.22 F/a"]  # no worker for it at all


def test_rotate_across_toolchains_a_crash_costs_only_that_version(fake):
    fake.fail = {("go1.22 F/a", "round", "F/a", 1): "crash"}  # its first measured round (after the warm-up)
    outs, _ = scheduler.run_rotate_sides(SPECS, {"go1.22": "L22", "go1.27": "L27"}, ST)
    assert outs["go1.22"][0]["status"] == "crashed"
    assert len(outs["go1.27"][0]["rounds"]) == 2 and all(len(o["rounds"]) == 2 for o in (outs["go1.22"][1],
                                                                                           outs["go1.27"][1]))
