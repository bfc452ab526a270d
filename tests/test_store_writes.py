"""Writing results: a killed writer's temporaries are removed by the next write; an unwritable results
folder is refused before measuring; a run that cannot be stored goes to a fallback folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

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


def test_an_unwritable_results_folder_is_refused_before_measuring(tmp_path):
    from gobench.errors import StoreError
    from gobench.store import runs

    blocked = tmp_path / "results"
    blocked.write_text("a file where the results folder should be")
    with pytest.raises(StoreError, match="cannot store runs in .*results/runs"):
        runs.check_writable(blocked)


def test_a_run_that_cannot_be_stored_goes_to_the_fallback_folder(tmp_path, monkeypatch):
    import json

    from gobench.errors import StoreError
    from gobench.store import runs
    from synthetic_runs import make_run

    monkeypatch.setattr(runs.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    blocked = tmp_path / "results"
    blocked.write_text("in the way")
    run = make_run()
    with pytest.raises(StoreError, match="written to .*gobench-unsaved-runs") as e:
        runs.write_run(run, blocked)
    saved = tmp_path / "tmp" / "gobench-unsaved-runs" / run["run_id"]
    assert str(saved) in str(e.value)
    assert json.loads((saved / "run.json").read_text())["run_id"] == run["run_id"]
    assert (saved / "bench.txt").exists()
