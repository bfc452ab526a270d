"""pytest-benchmark benchmarks of the default library's scenarios.

Each pedantic round is one FFI crossing that runs a round of N operations
inside Go; pytest-benchmark times the call from Python (crossing included)
while the Go-side per-op numbers go into extra_info, so that
`--benchmark-json`, `--benchmark-compare` and `pytest-benchmark compare` work.
The harness's own `invoke bench` is the statistically careful path; these
exist so teams can keep using pytest-benchmark's tooling.
"""

from __future__ import annotations

import statistics

import pytest

from gobench.collect.worker import calibrate

ROUND_NS = 2_000_000  # 2 ms of work per pedantic round keeps the suite quick


def scenario_names(lib) -> list[str]:
    return sorted(f"{s['family']}/{s['variant']}" for s in lib.info()["scenarios"] if not s["hidden"])


def pytest_generate_tests(metafunc):
    if "scenario" in metafunc.fixturenames:
        from gobench.collect import bridge
        from gobench.build import library as build

        lib = bridge.load(build.build("default").dir)
        metafunc.parametrize("scenario", [n for n in scenario_names(lib) if not n.startswith("Snapshot")] or ["none"])


def test_go_scenario(benchmark, lib, scenario):
    if scenario == "none":
        pytest.skip("no scenarios in the library")
    rounds = []
    with lib.open(scenario) as s:
        n, _ = calibrate(s, ROUND_NS, 5.0)

        def one_round():
            rounds.append(s.run(n))

        benchmark.pedantic(one_round, rounds=5, iterations=1, warmup_rounds=1)
    rounds = rounds[1:]  # the warm-up round
    benchmark.extra_info.update({
        "n_per_round": n,
        "go_ns_per_op_median": statistics.median(r.ns_per_op for r in rounds),
        "allocs_per_op_median": statistics.median(r.alloc_objects / r.n for r in rounds),
        "bytes_per_op_median": statistics.median(r.alloc_bytes / r.n for r in rounds),
        "gc_cycles_total": sum(r.gc_cycles for r in rounds),
    })
    assert all(r.n == n for r in rounds)


def test_ffi_noop(benchmark, lib):
    benchmark(lib.lib.gb_noop)
