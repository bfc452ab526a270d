"""Atomic writes: temporaries of a killed writer are removed by the next write; a CC that is set must exist."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from gobench.build import toolchain
from gobench.errors import ToolchainError
from gobench.store import atomic


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    # A child starts an atomic write whose fill never returns, and is killed with SIGKILL mid-write.
    code = ("import sys, time; from gobench.store import atomic; "
            "atomic.write_via(sys.argv[1], lambda tmp: (tmp.write_text('half'), print('writing', flush=True), "
            "time.sleep(60)))")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "chart.svg")], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = list(tmp_path.glob(".*.tmp"))
    assert len(left) == 1 and not (tmp_path / "chart.svg").exists()
    atomic.write_text(tmp_path / "other.txt", "x")
    assert not list(tmp_path.glob(".*.tmp")), "the killed writer's temporary survived the next write"
    assert (tmp_path / "other.txt").read_text() == "x"


def test_a_live_writers_temporary_is_kept(tmp_path):
    mine = tmp_path / f".a.txt.pid{os.getpid()}.abc123.tmp"
    mine.write_text("in progress")
    old = tmp_path / ".b.txt.xyz.tmp"  # no process id (an older writer): removed only when old
    old.write_text("left")
    atomic.write_text(tmp_path / "c.txt", "x")
    assert mine.exists() and old.exists()
    os.utime(old, (time.time() - 2 * atomic.STALE_AFTER_S,) * 2)
    assert atomic.remove_stale_temporaries(tmp_path) == [old]


def test_a_cc_that_is_set_but_missing_is_an_error(monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(ToolchainError, match="CC='/nonexistent/cc' is set but"):
        toolchain._find_cc()


def test_cc_may_carry_flags(monkeypatch):
    monkeypatch.setenv("CC", "gcc -m64")
    assert os.path.basename(toolchain._find_cc()) == "gcc"
