"""`invoke load`: request-shaped load at a target rate in a service model, repeated, and sweeps of GC settings.

Each request runs inside a service (gosrc/load/service.go): a resident
order book of --live-heap MiB (default 256) and --work-us of parse,
validate and match (default 30 us), around the kind's own handler, at
--rate requests/s (default 12000, the article's node) shaped by --profile
(constant, steps: 0.5/1/1.5x, bursts: 2x for a tenth of each period).
Every point runs --repeats times (default 3), each in a fresh process,
interleaved across points; the table gives the median p99 with its
interval across repeats. --calibrate-to CLAIM first picks the extra
allocation per request at which the claim's baseline kind runs the
claim's baseline GC rate (C2: 184 GC/min at 12k req/s), then measures the
baseline and optimised kinds with it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import IO

from gobench.analyse.claims import CLAIMS_FILE
from gobench.collect.load import ServiceModel, calibrate, run, validate
from gobench.commands.common import INTERRUPTED, after_run
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present.load import settings_line, summary_line, table
from gobench.store import runs as store


def calibration_target(claim_id: str) -> dict:
    """calibration_target reads a claim's baseline GC rate, rate and kinds from claims.json; a claim that
    has no load baseline in GC cycles per minute is refused, naming those that have one."""
    claims = json.loads(CLAIMS_FILE.read_text())["claims"]
    usable = {}
    for c in claims:
        d = c.get("decide") or {}
        m = next((m for m in d.get("metrics", []) if m.get("path") == "gc.cycles_per_min"
                  and m.get("claimed_baseline")), None)
        if d.get("type") == "load_ratio" and m and d.get("claimed_rate_per_s"):
            usable[c["id"]] = {"claim": c["id"], "baseline_kind": d["baseline_kind"],
                               "optimized_kind": d["optimized_kind"], "rate": float(d["claimed_rate_per_s"]),
                               "target_gc_per_min": float(m["claimed_baseline"])}
    if claim_id not in usable:
        raise ValueError(f"--calibrate-to {claim_id}: not a claim with a load baseline in GC cycles per minute; "
                         f"allowed: {', '.join(sorted(usable)) or 'none'}")
    return usable[claim_id]


def calibrated(claim: str, service: ServiceModel, duration_s: float, warmup_s: float, out: IO[str],
               workers: int = 0) -> tuple[list[str], float, ServiceModel, dict]:
    """calibrated runs the calibration for a claim (collect.load.calibrate) and returns the claim's kinds
    (baseline, optimised), its rate, the service with the chosen extra allocation, and the calibration."""
    target = calibration_target(claim)
    rate = target["rate"]
    cal = {"claim": claim, **calibrate(target["baseline_kind"], target["target_gc_per_min"], rate, duration_s,
                                       warmup_s, service, out, workers)}
    service = replace(service, extra_alloc_bytes=cal["extra_alloc_bytes"], work_steps=cal["work_steps"])
    print(f"calibrated: {cal['extra_alloc_bytes']} extra bytes per request gave {cal['reached_gc_per_min']:.1f} "
          f"GC/min on {target['baseline_kind']} (target {target['target_gc_per_min']:g})", file=out, flush=True)
    return [target["baseline_kind"], target["optimized_kind"]], rate, service, cal


def main(kinds: list[str] | None, rate: float, duration_s: float, warmup_s: float, sweep: str | None, mode: str,
         controller_interval_s: float, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr, workers: int = 0,
         repeats: int = 3, service: ServiceModel | None = None, calibrate_to: str | None = None) -> int:
    """main runs a load session, stores it and prints the summary; returns an exit code."""
    service = service or ServiceModel()
    try:
        store.check_writable()
        validate(rate, duration_s, warmup_s, sweep, repeats)
        service.validate()
        calibration = None
        if calibrate_to:
            calibrated_kinds, rate, service, calibration = calibrated(calibrate_to, service, duration_s, warmup_s,
                                                                      out, workers)
            kinds = kinds or calibrated_kinds
        run_ = run(kinds, rate, duration_s, warmup_s, sweep, mode, controller_interval_s, out, workers,
                   on_point=lambda e: print(f"    {summary_line(e)}", file=out, flush=True),
                   repeats=repeats, service=service, calibration=calibration)
    except (ValueError, BuildError, ToolchainError) as e:
        print(f"gobench load: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench load: interrupted; nothing was stored.", file=err)
        return INTERRUPTED
    try:
        folder = store.write_run(run_)
    except StoreError as e:
        print(f"gobench load: {e}", file=err)
        return 2
    out.write("\n" + settings_line(run_) + "\n" + table(run_) + f"\nstored {folder}\n")
    after_run(folder, out, err)
    return 1 if any(e["status"] != "ok" for e in run_["load"]) else 0
