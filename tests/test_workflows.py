"""The GitHub Actions workflows: each parses as YAML, and every `invoke` command they run names a task of tasks.py
with flags that task has (a renamed task or flag would otherwise surface only on a runner)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

import tasks

WORKFLOWS = sorted((Path(__file__).resolve().parent.parent / ".github" / "workflows").glob("*.yml"))


def invocations(script: str) -> list[list[str]]:
    """invocations are the argument lists of every `invoke` command in a shell script (after `invoke`)."""
    out = []
    for line in script.replace("\\\n", " ").splitlines():
        for cmd in re.split(r"&&|\|\||;|\|", line):
            words = shlex.split(cmd, comments=True)
            if words and words[0] == "invoke":
                out.append(words[1:])
    return out


def run_scripts(doc: dict) -> list[str]:
    return [step["run"] for job in doc["jobs"].values() for step in job.get("steps") or [] if "run" in step]


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_invokes_existing_tasks_and_flags(path):
    doc = yaml.safe_load(path.read_text())
    assert doc["jobs"], f"{path.name} has no jobs"
    calls = [c for s in run_scripts(doc) for c in invocations(s)]
    assert calls, f"{path.name} runs no invoke task"
    for words in calls:
        task = tasks.ns.tasks.get(words[0])
        assert task is not None, f"{path.name}: `invoke {words[0]}` is not a task; tasks: {sorted(tasks.ns.tasks)}"
        kinds = {n: a.kind for a in task.get_arguments() for n in a.names}
        for i, w in enumerate(words[1:], 1):
            if not w.startswith("--"):
                continue
            name = w[2:].split("=", 1)[0]
            assert name in kinds, f"{path.name}: `invoke {words[0]}` has no flag --{name}; it has {sorted(kinds)}"
            if kinds[name] is not bool and "=" not in w:
                assert i + 1 < len(words) and not words[i + 1].startswith("--"), f"{path.name}: --{name} needs a value"


def test_matrix_covers_runner_types_and_go_versions_and_merges_one_report():
    doc = yaml.safe_load((WORKFLOWS[0].parent / "perf-matrix.yml").read_text())
    matrix = doc["jobs"]["bench"]["strategy"]["matrix"]
    assert set(matrix["runner"]) == {"ubuntu-latest", "ubuntu-24.04-arm"} and len(matrix["go"]) >= 2
    bench = [c for s in run_scripts({"jobs": {"bench": doc["jobs"]["bench"]}}) for c in invocations(s)]
    assert bench[0][:2] == ["bench", "--quick"] and "--go" in bench[0]
    report = doc["jobs"]["report"]
    assert report["needs"] == "bench"
    merge = next(s for s in run_scripts({"jobs": {"r": report}}) if any(c[0] == "report" for c in invocations(s)))
    assert "args+=(--with " in merge  # every other run folder joins the report
    uses = [s.get("uses", "") for s in report["steps"]]
    assert any(u.startswith("actions/download-artifact") for u in uses)
    assert any(u.startswith("actions/upload-artifact") for u in uses)
