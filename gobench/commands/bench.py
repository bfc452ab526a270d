"""`invoke bench` and `invoke scenarios`: measure the micro benchmarks, store the run, print the table."""

from __future__ import annotations

import sys
import time
from typing import IO

from gobench.analyse import crosscheck as agreement_stats
from gobench.analyse import summary
from gobench.collect import crosscheck as agreement_collect
from gobench.collect import micro as collect
from gobench.collect import plan
from gobench.collect.protocol import Settings
from gobench.commands.common import after_run, parse_params
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present import crosscheck as agreement_present
from gobench.present import text as present
from gobench.store import runs as store


def bench(filter_: str | None = None, quick: bool = False, rounds: int | None = None, round_ms: float | None = None,
          params: list[str] | None = None, builds: list[str] | None = None, out: IO[str] = sys.stdout,
          err: IO[str] = sys.stderr, agreement: bool = True) -> int:
    """bench runs the micro benchmarks, stores the run and prints the table; returns an exit code.

    Unless ``agreement`` is False (--no-agreement), the run also carries this machine's agreement with
    `go test` (measure_agreement), shown with the table and in the report's environment.
    """
    st = collect.QUICK if quick else collect.FULL
    if rounds is not None or round_ms is not None:
        st = Settings(round_ms=round_ms if round_ms is not None else st.round_ms,
                      rounds=rounds if rounds is not None else st.rounds,
                      ffi_calls=st.ffi_calls, max_calibration_s=st.max_calibration_s)
    t0 = time.monotonic()
    try:
        st.validate()
        store.check_writable()
        run = collect.run_micro(filter_, st, builds=builds, params=parse_params(params), out=out)
        run["agreement"] = measure_agreement(out) if agreement else {"skipped": "--no-agreement"}
    except (ValueError, ToolchainError, BuildError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; nothing was stored.", file=err)
        return 130
    summary.attach(run)
    try:
        folder = store.write_run(run)
    except StoreError as e:
        print(f"gobench: {e}", file=err)
        return 2
    out.write("\n" + present.micro_table(run) + "\n" + present.notes(run))
    out.write(f"\nagreement with go test on this machine: {agreement_present.agreement_text(run['agreement'])}\n")
    out.write(f"\nstored {folder} ({time.monotonic() - t0:.0f} s wall)\n")
    out.write(f"Go benchmark format (for benchstat): {folder / 'bench.txt'}\n")
    after_run(folder, out, err, escape_check=True)
    return 1 if any(b.get("status") not in ("ok", None) for b in run["benchmarks"]) else 0


def measure_agreement(out: IO[str]) -> dict:
    """measure_agreement runs the short cross-check of collect.crosscheck.agreement (an allocating and a
    non-allocating scenario against `go test`, about 20 s) and returns the run record's "agreement"
    section; when it cannot run, the section says why and the run is stored all the same."""
    names = agreement_collect.AGREEMENT_SCENARIOS
    out.write(f"agreement with go test: {', '.join(names)}, ABBA, about "
              f"{agreement_collect.AGREEMENT_BUDGET_S + 2:.0f} s (--no-agreement skips it)\n")
    out.flush()
    try:
        repeats, outcomes, wall_s = agreement_collect.agreement(out=out, names=names)
    except (BuildError, ToolchainError) as e:
        return {"error": str(e)}
    if not repeats and not outcomes:
        return {"error": f"none of {', '.join(names)} is registered in the default build"}
    return agreement_stats.agreement_section(repeats, outcomes, wall_s, agreement_collect.AGREEMENT_BENCHTIME_MS)


def scenarios(out: IO[str] = sys.stdout) -> int:
    """scenarios lists every scenario of every build with its parameters."""
    built = collect.build_variants(["default", "arenas"], sys.stderr)
    seen = set()
    for bname, b in built.items():
        for s in plan.scenarios(b):
            name = f"{s['family']}/{s['variant']}"
            if name in seen:
                continue
            seen.add(name)
            tag = " (test-only)" if s.get("hidden") else ("" if bname == "default" else f" [{bname}]")
            out.write(f"{name}{tag}: {s['doc']}\n")
            for p in s["params"]:
                out.write(f"    {p['name']}={p['default']} [{p['min']}..{p['max']}] {p.get('unit', '')} {p['doc']}\n")
            for m in s.get("metrics") or []:
                out.write(f"    metric {m['name']} ({m['unit']})\n")
    out.write("\nLoad request kinds (invoke load --family KIND):\n")
    seen = set()
    for bname, b in built.items():
        for k in plan.load_kinds(b):
            if k["name"] in seen:
                continue
            seen.add(k["name"])
            tags = [t for t in ("default" if k.get("default") else "", "sweep" if k.get("sweep") else "",
                                f"[{bname}]" if bname != "default" else "") if t]
            out.write(f"{k['name']}{' (' + ', '.join(tags) + ')' if tags else ''}: {k['doc']}\n")
    return 0
