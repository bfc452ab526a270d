"""An exclusive lock on a file, so that two processes never build or unpack into the same folder (build stage)."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def held(path: Path) -> Iterator[None]:
    """held holds an exclusive flock on path (created with its folder) for the with-block; others wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
