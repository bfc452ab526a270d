"""The bench entry point: a real quick session end to end, and its errors."""

from __future__ import annotations

import io
import json

import pytest

from gobench.collect import protocol
from gobench.commands import bench as cli
from gobench.store import benchfmt
from gobench.store import runs as store


def test_bench_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "RESULTS", tmp_path)
    monkeypatch.setattr(store.write_run, "__defaults__", (tmp_path,))
    out, err = io.StringIO(), io.StringIO()
    rc = cli.bench("^OrderItem/", quick=True, rounds=6, round_ms=3, builds=["default"], out=out, err=err,
                   agreement=False)  # measured in test_agreement.py
    assert rc == 0, err.getvalue() + out.getvalue()
    text = out.getvalue()
    assert "OrderItem/new" in text and "OrderItem/pool" in text and "FFI crossing" in text
    run_id = (tmp_path / "latest").read_text().strip()
    folder = tmp_path / "runs" / run_id
    run = json.loads((folder / "run.json").read_text())
    names = [b["name"] for b in run["benchmarks"]]
    assert names[0] == "FFI/noop" and "OrderItem/new" in names
    # --rounds/--round-ms change only those: each round still starts warm (protocol.Settings.warmup_ms)
    assert run["settings"]["round_ms"] == 3 and run["settings"]["warmup_ms"] == protocol.WARMUP_MS > 0
    new = next(b for b in run["benchmarks"] if b["name"] == "OrderItem/new")
    assert len(new["rounds"]) == 6 and new["summary"]["allocs_per_op"]["median"] == pytest.approx(1, abs=1e-3)
    assert new["summary"]["ffi_share"]["median"] < 0.05
    rs = benchfmt.parse((folder / "bench.txt").read_text().splitlines())
    assert sum(r.base_name == "OrderItem/new" for r in rs) == 6
    assert rs[0].config["goos"] == "linux" and "go1.27" in rs[0].config["go"]
    pb = json.loads((folder / "pytest-benchmark.json").read_text())
    assert {b["name"] for b in pb["benchmarks"]} >= {"OrderItem/new", "OrderItem/pool"}


@pytest.mark.parametrize("kw,msg", [
    ({"filter_": "NoSuchThing"}, "matches no scenario; known: .*OrderItem/new"),
    ({"filter_": "OrderItem", "rounds": 0}, "rounds must be"),
    ({"filter_": "OrderItem", "params": ["OrderItem/new:size=3"]}, "unknown parameter 'size'"),
    ({"filter_": "OrderItem", "params": ["garbage"]}, "expected Family/Variant:name=integer"),
])
def test_bench_bad_input_is_a_clear_error(kw, msg):
    import re

    out, err = io.StringIO(), io.StringIO()
    rc = cli.bench(quick=True, builds=["default"], out=out, err=err, **kw)
    assert rc == 2 and re.search(msg, err.getvalue()), err.getvalue()


def test_every_task_flag_has_a_usable_short_form(capsys):
    """invoke derives short flags from the names; a name whose letters are all taken gets "-" ("--=STRING")."""
    from invoke import Program

    import tasks

    broken = []
    for name in tasks.ns.task_names:
        Program(namespace=tasks.ns).run(["invoke", "--help", name], exit=False)
        out = capsys.readouterr().out
        assert "Options:" in out, out
        broken += [f"{name}: {line.strip()}" for line in out.splitlines() if line.strip().startswith("--=")]
    assert not broken
