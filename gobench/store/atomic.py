"""Atomic file writes: write a temporary file in the same folder, fsync, rename.

A reader (or a crash, or Ctrl-C) sees the old file or the new one, never half.
A writer killed with SIGKILL cannot clean up, so temporaries carry their
writer's process id, and the next write into the folder removes those whose
writer is gone.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Callable

STALE_AFTER_S = 3600.0  # a temporary without a process id is left over when it is this old
_TMP = re.compile(r"^\..+\.pid(\d+)\.[^.]+\.tmp$")


def _new_file_mode() -> int:
    """_new_file_mode is the mode open() would give a new file (0666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """remove_stale_temporaries deletes the temporary files that killed writers left in folder and returns them."""
    now = time.time() if now is None else now
    removed = []
    for tmp in Path(folder).glob(".*.tmp"):
        m = _TMP.match(tmp.name)
        try:
            stale = (not _alive(int(m.group(1)))) if m else now - tmp.stat().st_mtime > STALE_AFTER_S
            if stale:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:
            pass
    return removed


def write_via(path: Path | str, fill: Callable[[Path], None]) -> None:
    """write_via lets fill(tmp) write a temporary file, then fsyncs it and renames it to path.

    An existing file keeps its mode; a new one gets the usual 0666 less the
    umask, not mkstemp's 0600. Stale temporaries of earlier killed writes in
    the same folder are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.pid{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        os.close(fd)
        fill(Path(tmp))
        os.chmod(tmp, mode)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text(path: Path | str, text: str) -> None:
    """write_text replaces path's content with text atomically (see write_via)."""
    write_via(path, lambda tmp: tmp.write_text(text))


def write_json(path: Path | str, obj) -> None:
    """write_json writes obj as indented JSON atomically (NaN is written as null)."""
    write_text(path, json.dumps(_clean(obj), indent=1, sort_keys=False) + "\n")


def _clean(o):
    if isinstance(o, float) and o != o:
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o
