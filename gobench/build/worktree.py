"""Building a gate side: the libraries of the working tree, of another commit (a git worktree), or a
test-only variant standing in for a build.

These build; they measure nothing. The gate (gobench/collect/gate_sessions.py
collects, gobench/analyse/gate.py decides) uses them to get the two sides it compares.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

from gobench.build import library as buildmod
from gobench.build import toolchain as gotoolchain
from gobench.errors import BuildError, GateError, ToolchainError

Side = dict[str, "buildmod.Built"]


def build_side(builds: list[str], src_root: Path | None = None, variant_for: dict[str, str] | None = None,
               out: IO[str] = sys.stdout, tc: gotoolchain.Toolchain | None = None, funcalign: bool = True) -> Side:
    """build_side builds one side's libraries; ``variant_for`` maps a logical build to the variant built for it.

    ``variant_for={"default": "inject-slow"}`` makes the test-only build stand
    in for "default" (the gate's self-test). ``tc`` builds with another Go
    toolchain or GOEXPERIMENT (``check --against-go``) and ``funcalign=False``
    with Go's default function alignment (as build.library.build). Build failures raise GateError.
    """
    side: Side = {}
    for name in builds:
        variant = (variant_for or {}).get(name, name)
        try:
            side[name] = buildmod.build(variant, src_root=src_root, log=lambda m: print(f"  {m}", file=out), tc=tc,
                                        funcalign=funcalign)
        except (BuildError, ToolchainError) as e:
            where = (f" from {src_root}" if src_root else "") + (f" with {tc.label}" if tc else "")
            raise GateError(f"building the {variant} library{where} failed:\n{e}") from e
    return side


def _git(*args: str, cwd: Path = buildmod.ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def resolve_ref(ref: str) -> str:
    """resolve_ref returns the commit a ref names, or raises GateError saying what to do."""
    if not ref or ref.startswith("-"):
        raise GateError(f"--against {ref!r} is not a git ref")
    try:
        p = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except OSError as e:
        raise GateError(f"git is needed for --against: {e}") from None
    if p.returncode != 0:
        raise GateError(f"--against {ref!r}: no such commit in {buildmod.ROOT}. Check the name "
                        f"(`git branch -a`); in CI, check out with fetch-depth: 0 so the base branch is present.")
    return p.stdout.strip()


@contextlib.contextmanager
def worktree(ref: str) -> Iterator[tuple[Path, str]]:
    """worktree checks ref out (detached) into a temporary folder and yields (folder, commit).

    The worktree is removed and pruned in ``finally``, also on Ctrl-C.
    """
    commit = resolve_ref(ref)
    tmp = Path(tempfile.mkdtemp(prefix="gobench-gate-"))
    wt = tmp / "src"
    try:
        p = _git("worktree", "add", "--detach", str(wt), commit)
        if p.returncode != 0:
            raise GateError(f"git worktree add {ref} failed:\n{p.stderr.strip()}")
        yield wt, commit
    finally:
        if wt.exists():
            _git("worktree", "remove", "--force", str(wt))
        shutil.rmtree(tmp, ignore_errors=True)
        _git("worktree", "prune")
