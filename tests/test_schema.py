"""The run schema (gobench/store/schemas/run.schema.json) and its checker (gobench/store/schema.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import synthetic_runs as syn

from gobench.store import schema as schemacheck

TESTDATA = Path(__file__).parent / "testdata"
REAL = ["run_real_micro_quick.json", "run_real_load_short.json"]


def real(name: str) -> dict:
    return json.loads((TESTDATA / name).read_text())


@pytest.mark.parametrize("name", REAL)
def test_real_runs_are_valid(name):
    """Runs stored by `invoke bench --quick` and `invoke load` on the 2-core VM."""
    assert schemacheck.errors(real(name)) == []


BROKEN = [
    ("no schema", lambda d: d.pop("schema"), "missing field 'schema'"),
    ("other schema", lambda d: d.update(schema="gobench.run/2"), "must be 'gobench.run/1'"),
    ("bad run id", lambda d: d.update(run_id="latest"), "does not match"),
    ("benchmark without status", lambda d: d["benchmarks"][0].pop("status"), "missing field 'status'"),
    ("string rounds", lambda d: d["benchmarks"][1].update(rounds="x"), "expected array or null"),
    ("negative n", lambda d: d["benchmarks"][1]["rounds"][0].update(n=-1), "below the minimum"),
    ("summary without median", lambda d: d["benchmarks"][1]["summary"]["ns_per_op"].pop("median"),
     "missing field 'median'"),
    ("unknown sweep", lambda d: d.update(load=[{"kind": "k", "status": "ok", "sweep": "x"}]), "must be one of"),
    ("load bucket without count", lambda d: d.update(load=[{"kind": "k", "status": "ok", "result": {
        "latency": {"buckets": [{"lo_ns": 1, "hi_ns": 2}]}}}]), "missing field 'count'"),
]


@pytest.mark.parametrize("case,mutate,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_violations_are_named(case, mutate, message):
    doc = real(REAL[0])
    mutate(doc)
    errs = schemacheck.errors(doc)
    assert any(message in e for e in errs), errs


def test_agrees_with_jsonschema():
    # jsonschema is in the dev extra: a skipped check would be a broken promise.
    import jsonschema

    schema = schemacheck.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    docs = [real(n) for n in REAL] + [json.loads(json.dumps(syn.make_run()))]
    for case, mutate, _ in BROKEN:
        d = real(REAL[0])
        mutate(d)
        docs.append(d)
    for d in docs:
        assert (not list(v.iter_errors(d))) == (not schemacheck.errors(d))


def test_atomic_writes_get_normal_file_modes(tmp_path):
    """Results are readable like any file the user writes (mkstemp alone would leave them 0600);
    rewriting a file keeps its mode."""
    import os
    import stat

    from gobench.store import atomic

    mask = os.umask(0o022)
    try:
        new = tmp_path / "run.json"
        atomic.write_json(new, {"a": 1})
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        new.chmod(0o640)
        atomic.write_text(new, "{}\n")
        assert stat.S_IMODE(new.stat().st_mode) == 0o640 and new.read_text() == "{}\n"
    finally:
        os.umask(mask)
    assert not list(tmp_path.glob(".*.tmp"))
