"""Shared fixtures: the default library, built once and loaded once per test process.

Only one Go library can live in a process, so tests that need another build
variant, a fatal error or other GOGC/GOMAXPROCS settings run it in a worker
process (gobench.orchestrate) instead.
"""

from __future__ import annotations

import pytest

from gobench.collect import bridge
from gobench.build import library as build


@pytest.fixture(scope="session")
def built_default():
    return build.build("default")


@pytest.fixture(scope="session")
def lib(built_default):
    return bridge.load(built_default.dir)
