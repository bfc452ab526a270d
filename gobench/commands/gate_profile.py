"""The gate's explanation of a regression: profile the regressed scenarios on both sides and name what
changed, e.g. "OrderItem/new: +1.00 allocs/op (+8.0 B/op), orderitem.go:66 `sinkBox = &injectBox{it}`".

Called once by `invoke check` after its decision (commands/gate.py,
_check_against, and commands/gate_selftest.py), while both sides' libraries
still exist. It profiles in dedicated workers (gobench/collect/profile.py),
never in the gate's measured sessions, and returns Markdown lines for the
summary; the decision itself is not changed by them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import IO

from gobench.paths import GOSRC
from gobench.analyse import profile as analysis
from gobench.build import library as buildmod
from gobench.collect import plan
from gobench.collect import profile as profiling
from gobench.collect.protocol import Settings
from gobench.commands.profile import analyse_outcome
from gobench.errors import BuildError

# Short: the profile explains a regression the gate has already found; it does not measure it again.
SETTINGS = Settings(round_ms=15.0, rounds=3, ffi_calls=50_000, max_calibration_s=10.0)
MAX_SCENARIOS = 3  # regressed scenarios profiled per check (each takes several seconds per side)
TOP = 3  # changes named per scenario
ALLOC_METRICS = ("allocs_per_op", "bytes_per_op")
GO_MODULE = "gobench"  # gosrc/go.mod's module path
MIN_CHANGE = 0.005  # allocs/op: a smaller change at a site is the harness's or the runtime's own


def _build_of(side: dict[str, buildmod.Built], name: str) -> buildmod.Built | None:
    """_build_of is the side's library that has the scenario (default first)."""
    for b in sorted(side.values(), key=lambda b: b.variant != "default"):
        if any(f"{s['family']}/{s['variant']}" == name for s in plan.scenarios(b)):
            return b
    return None


def _source(row: dict) -> str:
    """_source is the text of a site's line in the working tree (the head side's sources). Libraries are
    built with -trimpath, so a profile names files by module path ("gobench/patterns/orderitem.go")."""
    name = row.get("file") or ""
    path = GOSRC / name.removeprefix(GO_MODULE + "/") if not Path(name).is_absolute() else Path(name)
    try:
        text = path.read_text().splitlines()
    except OSError:
        return ""
    i = int(row.get("line") or 0) - 1
    return f" `{text[i].strip()}`" if 0 <= i < len(text) else ""


def _profiled(side: dict[str, buildmod.Built] | None, name: str, kinds: list[str], folder: Path) -> dict | None:
    if side is None:
        return None
    built = _build_of(side, name)
    if built is None:
        return {"status": "error", "error": f"{name} is not in this side's libraries"}
    staging = folder
    o = profiling.profile_scenario(name, {}, built.dir, kinds, SETTINGS, profiling.scenario_dir(staging, name))
    if o["status"] == "ok":
        analyse_outcome(o, staging.parent)
    return o


def scenario_lines(name: str, metrics: list[str], base: dict | None, head: dict) -> list[str]:
    """scenario_lines are the Markdown list items for one regressed scenario from both sides' profiles
    (base None: the head's top sites and functions, as against a baseline file there is no base library)."""
    hp = head.get("profile") or {}
    bp = (base or {}).get("profile") or {}
    if base is None:
        name += " (head only, nothing to compare with)"
    lines = []
    if any(m in ALLOC_METRICS for m in metrics) and "alloc_sites" in hp:
        for d in analysis.diff_sites(bp.get("alloc_sites") or [], hp["alloc_sites"], TOP, MIN_CHANGE):
            lines.append(f"- {name}: {d['objects_per_op']:+.2f} allocs/op ({d['bytes_per_op']:+.1f} B/op), "
                         f"{d['site']}{_source(d)} in {d['function']}"
                         + (f" (called from {d['caller']})" if d.get("caller") else ""))
        if not lines:
            lines.append(f"- {name}: the allocation profiles of the two sides do not differ at any site by "
                         f"{MIN_CHANGE} allocs/op or more")
    if any(m not in ALLOC_METRICS for m in metrics) and "cpu_top" in hp:
        for d in analysis.diff_cpu(bp.get("cpu_top") or [], hp["cpu_top"], TOP):
            lines.append(f"- {name}: CPU share of {d['function']} {d['base'] * 100:.0f}% -> {d['head'] * 100:.0f}%")
    return lines


def explain(decision, base: dict[str, buildmod.Built] | None, head: dict[str, buildmod.Built], folder: Path,
            out: IO[str] = sys.stdout) -> list[str]:
    """explain profiles the scenarios that regressed in ``decision`` (up to MAX_SCENARIOS) on both sides
    (``base`` None: the head only, as against a baseline file) into folder/{base,head}/Family/Variant,
    and returns Markdown lines naming the top differences; [] when nothing regressed."""
    by_name: dict[str, list[str]] = {}
    for c in decision.regressions:
        by_name.setdefault(c.scenario, []).append(c.metric)
    if not by_name:
        return []
    shutil.rmtree(folder, ignore_errors=True)  # an earlier check's profiles are not this one's
    lines = ["", "### Where the regressions come from", "",
             f"Each regressed scenario profiled on {'both sides' if base else 'the head (the baseline is a file)'} in dedicated workers ({SETTINGS.rounds} rounds x "
             f"{SETTINGS.round_ms:g} ms, files in `{folder}`); the largest differences first:", ""]
    for name in list(by_name)[:MAX_SCENARIOS]:
        metrics = by_name[name]
        kinds = (["alloc"] if any(m in ALLOC_METRICS for m in metrics) else []) + \
            (["cpu"] if any(m not in ALLOC_METRICS for m in metrics) else [])
        out.write(f"profiling {name} ({', '.join(kinds)}) on both sides to explain the regression ...\n")
        try:
            b = _profiled(base, name, kinds, folder / "base")
            h = _profiled(head, name, kinds, folder / "head")
        except BuildError as e:
            lines.append(f"- {name}: could not profile: {e}")
            continue
        bad = [f"{side} side: {o['error']}" for side, o in (("base", b), ("head", h)) if o and o["status"] != "ok"]
        if bad:
            lines.append(f"- {name}: could not profile ({'; '.join(bad)})"[:2000])
            continue
        lines += scenario_lines(name, metrics, b, h)
    if len(by_name) > MAX_SCENARIOS:
        lines.append(f"- ({len(by_name) - MAX_SCENARIOS} more regressed scenarios not profiled; "
                     f"`invoke profile --filter NAME` on each side profiles them)")
    return lines
