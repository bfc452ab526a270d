"""`invoke new-pattern NAME`: a bad name writes nothing; a good one writes a pattern that builds and passes its tests."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from gobench.build import toolchain
from gobench.commands import new_pattern
from gobench.paths import GOSRC


@pytest.mark.parametrize("name,why", [
    ("mapPrealloc", "exported Go identifier"),
    ("Map-Prealloc", "exported Go identifier"),
    ("", "exported Go identifier"),
    ("9Lives", "exported Go identifier"),
    ("OrderItem", "exists already"),  # orderitem.go is there
    ("Sink", "exists already"),  # sink.go is there, though it registers no family
])
def test_a_bad_name_is_refused_and_nothing_is_written(tmp_path, name, why):
    patterns = tmp_path / "patterns"
    shutil.copytree(GOSRC / "patterns", patterns)
    before = sorted(p.name for p in patterns.iterdir())
    err = io.StringIO()
    assert new_pattern.main(name, patterns, out=io.StringIO(), err=err) == 2
    assert why in err.getvalue()
    assert sorted(p.name for p in patterns.iterdir()) == before


def test_a_family_registered_in_another_file_is_refused(tmp_path):
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "other.go").write_text('package patterns\n\nvar x = registry.Scenario{Family: "MapPrealloc"}\n')
    err = io.StringIO()
    assert new_pattern.main("MapPrealloc", patterns, out=io.StringIO(), err=err) == 2
    assert "registered already in" in err.getvalue() and not (patterns / "mapprealloc.go").exists()


def _free_name(patterns) -> str:
    """_free_name is a family name no pattern uses yet (a user may already have made MapPrealloc)."""
    for i in range(100):
        name = "SkeletonProbe" + (str(i) if i else "")
        if not (patterns / f"{name.lower()}.go").exists():
            return name
    raise AssertionError("no free pattern name")


def test_the_skeleton_builds_registers_and_passes_its_tests(tmp_path):
    gosrc = tmp_path / "gosrc"
    shutil.copytree(GOSRC, gosrc)
    name = _free_name(gosrc / "patterns")
    out, err = io.StringIO(), io.StringIO()
    assert new_pattern.main(name, gosrc / "patterns", out=out, err=err) == 0, err.getvalue()
    written = sorted(p.name for p in (gosrc / "patterns").glob(f"{name.lower()}*"))
    assert written == [f"{name.lower()}.go", f"{name.lower()}_test.go"], out.getvalue()
    tc = toolchain.find()
    for cmd in (["vet", "./..."],
                ["test", "-count=1", "-run", f"{name}|TestScenarios|TestKinds", "./patterns", "./bench", "./load"],
                ["test", "-count=1", "-run", "^$", "-bench", f"Scenarios/{name}/", "-benchtime", "100x",
                 "-benchmem", "./patterns"]):
        p = subprocess.run([tc.go, *cmd], cwd=gosrc, env=tc.env(), capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, f"go {' '.join(cmd)}:\n{p.stdout[-3000:]}{p.stderr[-3000:]}"
    assert f"BenchmarkScenarios/{name}/baseline" in p.stdout and f"BenchmarkScenarios/{name}/optimised" in p.stdout
