"""Interleaved collection with one worker process per scenario.

The variants of a family are compared side by side: their rounds alternate
(rotating the order every round) so machine noise falls on all of them
alike. Each variant lives in its own worker process, because variants that
share a Go heap disturb each other: measured on the 2-core VM, a
TradeContext/heap round took 995 ns/op with a TradeContext/slab instance open
in the same process (1 MiB of live, pointer-holding contexts that every GC
cycle must mark) against 897 ns/op alone, which made the harness disagree
with `go test -bench` (where the slab does not exist yet when heap runs) by
13%. Only one process runs at a time; the others wait in a blocking read.

A worker that dies (a fatal Go error) costs only its own scenario: it is
marked ``crashed`` with the tail of its stderr and the other processes go on.
The workers speak the line protocol of gobench.lockstep.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Callable

from gobench.collect.lockstep import ROUND_TIMEOUT_S, WorkerCrash, Peer, stopping
from gobench.collect.protocol import Settings

_CAUSE = re.compile(r"^(fatal error:|runtime: |panic:|SIG[A-Z]+:)")


def _crash_text(peer: Peer, name: str, e: Exception) -> str:
    try:
        lines = peer.err_path.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    causes = [ln for ln in lines if _CAUSE.match(ln)][:5]
    return f"worker died while running {name}:\n" + "\n".join(causes + ["..."] if causes else []) + f"\n{e}"


def run_family(specs: list[tuple[str, dict]], variant_dir: Path, settings: Settings, env: dict | None = None,
               knobs: dict | None = None, on_poll: Callable[[dict], None] | None = None) -> tuple[list[dict], dict]:
    """run_family measures a family's scenarios, one process each, rounds interleaved; returns (outcomes, info)."""
    settings.validate()
    out = {name: {"name": name, "params": params, "status": "ok", "error": None, "n": 0, "calibration": None,
                  "rounds": []} for name, params in specs}
    info: dict = {}
    poll = on_poll or (lambda doc: None)
    with tempfile.TemporaryDirectory(prefix="gobench-interleave-") as tmp:
        peers: dict[str, Peer] = {}
        with stopping(peers):
            for i, (name, params) in enumerate(specs):
                poll({"current": name, "current_step": "open+calibrate"})
                p = peers[name] = Peer(f"s{i}", variant_dir, env or {}, knobs or {}, Path(tmp))
                try:
                    rep = p.request({"op": "open", "specs": [[name, params]]}, ROUND_TIMEOUT_S)
                    info = info or rep.get("info") or {}
                    if name in (rep.get("errors") or {}):
                        out[name].update(status="error", error=rep["errors"][name])
                        continue
                    rep = p.request({"op": "calibrate", "name": name, "goal_ns": settings.round_ms * 1e6,
                                     "max_s": settings.max_calibration_s},
                                    ROUND_TIMEOUT_S + settings.max_calibration_s)
                    if "error" in rep:
                        out[name].update(status="error", error=rep["error"])
                    else:
                        out[name].update(n=rep["n"], calibration=rep["trials"])
                except WorkerCrash as e:
                    out[name].update(status="crashed", error=_crash_text(p, name, e))
            for r in range(settings.rounds):
                live = [n for n, _ in specs if out[n]["status"] == "ok"]
                if not live:
                    break
                k = r % len(live)
                for name in live[k:] + live[:k]:  # rotate so no variant always runs first
                    poll({"current": name, "current_step": f"round {r + 1}/{settings.rounds}"})
                    try:
                        rep = peers[name].request({"op": "round", "name": name, "n": out[name]["n"]},
                                                  ROUND_TIMEOUT_S + settings.round_ms / 1000 * 20)
                    except WorkerCrash as e:
                        out[name].update(status="crashed", error=_crash_text(peers[name], name, e))
                        continue
                    if "error" in rep:
                        out[name].update(status="error", error=rep["error"])
                    else:
                        out[name]["rounds"].append(rep["round"])
    return list(out.values()), info
