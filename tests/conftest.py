"""Shared fixtures: the default library, built once and loaded once per test process.

Only one Go library can live in a process, so tests that need another build
variant, a fatal error or other GOGC/GOMAXPROCS settings run it in a worker
process (gobench.collect.spawn.Worker) instead.
"""

from __future__ import annotations

import pytest

from gobench.collect import bridge
from gobench.build import library as build
from gobench.store import baseline as baselinefile


@pytest.fixture(autouse=True)
def no_calibration_of_this_checkout(tmp_path_factory, monkeypatch):
    """A gate-calibrate file in the checkout (results/baseline/noise.json) would set the minimum effects the
    gate tests assume are the defaults; a test that wants one passes its own noise_path."""
    monkeypatch.setattr(baselinefile, "NOISE_PATH", tmp_path_factory.mktemp("no-noise") / "noise.json")


@pytest.fixture(scope="session")
def built_default():
    return build.build("default")


@pytest.fixture(scope="session")
def lib(built_default):
    return bridge.load(built_default.dir)
