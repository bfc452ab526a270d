"""bench.txt of two runs is something benchstat can compare: same configuration, no false exactness."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import synthetic_runs as syn

from gobench.store import benchfmt
from gobench.store import runs as store

BENCHSTAT = Path("/tmp/bs/benchstat")  # built from golang.org/x/perf/cmd/benchstat, where present


def two_runs() -> tuple[dict, dict]:
    """two_runs are two runs of the same configuration: other run ids, other commits, other values."""
    a = syn.make_run(run_id="20260101T000000Z-01234567-aaaa", with_load=False)
    b = copy.deepcopy(a)
    b["run_id"] = "20260102T000000Z-89abcdef-bbbb"
    b["machine"]["git"] = {"commit": "89abcdef" * 5, "dirty": False, "branch": "topic"}
    for bench in b["benchmarks"]:
        for r in bench["rounds"]:
            r["elapsed_ns"] = int(r["elapsed_ns"] * 1.2)
    return a, b


def configurations(text: str) -> set[tuple]:
    """configurations groups a bench.txt's results the way benchstat's default table projection does:
    by every configuration key and value in effect at the result (.config)."""
    return {tuple(sorted(r.config.items())) for r in benchfmt.parse(text.splitlines())}


def test_two_runs_of_one_configuration_share_their_configuration():
    runs = two_runs()
    ca, cb = (configurations(store.bench_text(r)) for r in runs)
    assert ca == cb, "benchstat would put each run in its own table"
    assert len(ca) == len({b["build"] for b in runs[0]["benchmarks"] if b["rounds"]})  # one per build


def test_run_id_and_commit_are_in_a_comment_benchstat_ignores():
    a, _ = two_runs()
    text = store.bench_text(a)
    comment = text.splitlines()[0]
    assert comment == ("# gobench run 20260101T000000Z-01234567-aaaa at commit "
                       "0123456789abcdef0123456789abcdef01234567-dirty")
    keys = {k for r in benchfmt.parse(text.splitlines()) for k in r.config}
    assert not keys & {"runid", "commit"}
    assert keys >= {"goos", "goarch", "cpu", "go", "gogc", "gomaxprocs", "build", "goexperiment"}


def test_no_unit_claims_exact_values_because_round_counts_vary():
    text = store.bench_text(two_runs()[0])
    units = [line for line in text.splitlines() if line.startswith("Unit ")]
    assert units and not [u for u in units if "assume=exact" in u]


@pytest.mark.skipif(not BENCHSTAT.is_file(), reason=f"no benchstat binary at {BENCHSTAT} (build it from "
                                                    "golang.org/x/perf/cmd/benchstat to run this check)")
def test_benchstat_compares_two_runs_in_one_table(tmp_path: Path):
    files = []
    for name, run in zip("AB", two_runs()):
        (tmp_path / name).mkdir()
        f = tmp_path / name / "bench.txt"
        f.write_text(store.bench_text(run))
        files.append(f"{name}/bench.txt")
    p = subprocess.run([str(BENCHSTAT), *files], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "A/bench.txt" in out and "B/bench.txt" in out
    # one configuration: its header once, and each unit's table has both runs as columns with a comparison
    assert out.count("goos: linux") == 1 and out.count("build: default") == 1
    header = next(line for line in out.splitlines() if "sec/op" in line)
    assert header.count("sec/op") == 2 and "vs base" in header
    row = next(line for line in out.splitlines() if line.startswith("OrderItem/new-2"))
    assert "+20.00%" in row  # B's rounds are 1.2 times A's
