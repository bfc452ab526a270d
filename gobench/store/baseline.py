"""The performance gate's files: the committed baseline, its thresholds file and the check's output folder.

``results/baseline/noise.json`` (schema ``gobench.gate-noise/1``, from
``invoke gate-calibrate``) holds each scenario's measured A/A noise, from
which the gate derives its minimum effects.
``results/baseline/baseline.json`` (schema ``gobench.baseline/1``) wraps a
run record with what is needed to repeat it (settings, builds, sessions,
filter); ``results/baseline/gate.json`` optionally overrides the gate's
thresholds. This module builds the baseline document and reads both files
as plain dicts, checking only their shape (commands.gate writes the
baseline with store.atomic): analyse.gate turns the thresholds into a
Config, and commands.gate checks that the settings are ones the collector
accepts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gobench.errors import GateError
from gobench.paths import RESULTS
from gobench.store import runs

BASELINE_SCHEMA = "gobench.baseline/1"
BASELINE_DIR = RESULTS / "baseline"
BASELINE_PATH = BASELINE_DIR / "baseline.json"
CONFIG_PATH = BASELINE_DIR / "gate.json"
NOISE_PATH = BASELINE_DIR / "noise.json"  # `invoke gate-calibrate`: each scenario's A/A lockstep noise
NOISE_SCHEMA = "gobench.gate-noise/1"
OUT_DIR = RESULTS / "gate"  # where `invoke check` writes summary.md, decision.json and both sides' runs

REDO = "record a new one with `invoke baseline` and commit results/baseline/baseline.json"


def baseline_doc(run: dict, builds: list[str], sessions: int) -> dict:
    """baseline_doc wraps a run record with what is needed to repeat it."""
    return {
        "schema": BASELINE_SCHEMA,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": run["settings"],
        "filter": run.get("filter"),
        "builds": list(builds),
        "sessions": sessions,
        "machine": run["machine"],
        "run": run,
    }


def load_baseline(path: Path = BASELINE_PATH) -> dict:
    """load_baseline reads and checks a baseline file, raising GateError that says what to do."""
    doc = runs.read_doc(path, BASELINE_SCHEMA, "baseline", ("settings", "builds", "machine", "run"), GateError, REDO,
                        if_missing=f"no baseline at {path}; {REDO}, or compare with a commit: "
                                   "`invoke check --against REF`")
    run = doc["run"]
    if not isinstance(run, dict) or run.get("schema") != runs.SCHEMA or not isinstance(run.get("benchmarks"), list):
        raise GateError(f"{path}: the run inside is not a {runs.SCHEMA} record; {REDO}")
    if not any(b.get("rounds") for b in run["benchmarks"]):
        raise GateError(f"{path}: the baseline run has no measured rounds; {REDO}")
    if not isinstance(doc["settings"], dict):
        raise GateError(f"{path}: bad settings (not an object); {REDO}")
    return doc


def read_config(path: Path = CONFIG_PATH) -> dict:
    """read_config reads results/baseline/gate.json as a dict ({} when there is none); analyse.gate checks its keys."""
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text())
    except ValueError as e:
        raise GateError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise GateError(f"{path}: expected a JSON object of gate settings, got {type(doc).__name__}")
    return doc


def noise_doc(noise: dict[str, dict], machine: dict, settings: dict, blocks: int) -> dict:
    """noise_doc wraps calibrated noise ({scenario: {"ns_per_op": spread, ...}}) with how it was measured."""
    return {"schema": NOISE_SCHEMA, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine, "settings": settings, "blocks": blocks, "noise": noise}


def read_noise(path: Path = NOISE_PATH) -> tuple[dict[str, float], dict]:
    """read_noise returns ({scenario: ns/op noise}, the machine it was measured on) from a calibration file
    (({}, {}) when there is none)."""
    if not path.exists():
        return {}, {}
    try:
        doc = json.loads(path.read_text())
    except ValueError as e:
        raise GateError(f"{path}: not valid JSON: {e}; run `invoke gate-calibrate` again") from None
    if not isinstance(doc, dict) or doc.get("schema") != NOISE_SCHEMA or not isinstance(doc.get("noise"), dict):
        raise GateError(f"{path}: not a {NOISE_SCHEMA} document; run `invoke gate-calibrate` again")
    out = {}
    for name, v in doc["noise"].items():
        x = v.get("ns_per_op") if isinstance(v, dict) else None
        if isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0:
            out[name] = float(x)
    return out, doc.get("machine") if isinstance(doc.get("machine"), dict) else {}
