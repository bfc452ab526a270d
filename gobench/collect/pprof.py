"""Running `go tool pprof` from the toolchain gobench builds with: a profile's text form and a profile's
difference from a base, both as files the user can open with the same tool.

Collect stage, like gobench/collect/escape.py: it runs a tool and returns its
output; gobench/analyse/profile.py reads it.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from gobench.build import toolchain
from gobench.errors import ToolchainError

TIMEOUT_S = 300.0


@functools.lru_cache(maxsize=None)
def _tool(tc: toolchain.Toolchain) -> list[str]:
    """_tool is the command that runs pprof: its binary, as ``go tool -n pprof`` names it, else ``go tool pprof``.

    Each ``go tool pprof`` first starts the go command, which finds (or, from Go 1.24 on, builds into its cache
    and then finds) the pprof binary: measured on the 2-core VM, 0.27 s a call against 0.007 s for the binary
    itself, and a profiled scenario makes three calls. The path is asked once per process.
    """
    try:
        p = subprocess.run([tc.go, "tool", "-n", "pprof"], env=tc.env(), capture_output=True, text=True,
                           timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return [tc.go, "tool", "pprof"]
    path = p.stdout.strip()
    return [path] if p.returncode == 0 and path and Path(path).is_file() else [tc.go, "tool", "pprof"]


def _pprof(args: list[str], what: str, binary: bool = False) -> str | bytes:
    tc = toolchain.find()
    cmd = [*_tool(tc), *args]
    try:
        p = subprocess.run(cmd, env=tc.env(), capture_output=True, text=not binary, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"`go tool pprof {' '.join(args)}` ({what}) did not finish in {TIMEOUT_S:.0f} s") from None
    if p.returncode != 0:
        err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode(errors="replace")
        raise ToolchainError(f"`go tool pprof {' '.join(args)}` ({what}) failed: {err.strip()[-2000:]}")
    return p.stdout


def raw(path: Path) -> str:
    """raw is ``go tool pprof -raw PATH``: every sample with its location ids, every location's frames."""
    return _pprof(["-raw", str(path)], "text form")


def top(path: Path, sample_index: str | None = None, lines: bool = False, nodecount: int = 50) -> str:
    """top is ``go tool pprof -top`` (per line with ``lines``), what a user would run on the file."""
    args = ["-top", f"-nodecount={nodecount}"] + (["-lines"] if lines else []) + \
        ([f"-sample_index={sample_index}"] if sample_index else [])
    return _pprof(args + [str(path)], "top")


def subtract(base: Path, total: Path, out: Path) -> Path:
    """subtract writes ``total`` minus ``base`` to ``out`` as a pprof profile
    (``go tool pprof -proto -base BASE TOTAL``): the allocations made between the two snapshots."""
    data = _pprof(["-proto", "-base", str(base), str(total)], "difference", binary=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
