"""Entry points behind the invoke tasks: functions that take arguments and
writers and return an exit code. tasks.py only parses flags and calls these.
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO

from gobench import collect, present, store
from gobench.errors import BuildError, ToolchainError


def parse_params(items: list[str] | None) -> dict[str, dict]:
    """parse_params turns ["Snapshot/write:records=1024", ...] into {"Snapshot/write": {"records": 1024}}."""
    out: dict[str, dict] = {}
    for item in items or []:
        try:
            name, kv = item.split(":", 1)
            k, v = kv.split("=", 1)
            out.setdefault(name, {})[k] = int(v)
        except ValueError:
            raise ValueError(f"--param {item!r}: expected Family/Variant:name=integer, e.g. Snapshot/write:records=4096") \
                from None
    return out


def bench(filter_: str | None = None, quick: bool = False, rounds: int | None = None, round_ms: float | None = None,
          params: list[str] | None = None, builds: list[str] | None = None, out: IO[str] = sys.stdout,
          err: IO[str] = sys.stderr) -> int:
    """bench runs the micro benchmarks, stores the run and prints the table; returns an exit code."""
    st = collect.QUICK if quick else collect.FULL
    if rounds is not None or round_ms is not None:
        st = collect.Settings(round_ms=round_ms if round_ms is not None else st.round_ms,
                              rounds=rounds if rounds is not None else st.rounds,
                              ffi_calls=st.ffi_calls, max_calibration_s=st.max_calibration_s)
    t0 = time.monotonic()
    try:
        st.validate()
        run = collect.run_micro(filter_, st, builds=builds, params=parse_params(params), out=out)
    except (ValueError, ToolchainError, BuildError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; nothing was stored.", file=err)
        return 130
    folder = store.write_run(run)
    out.write("\n" + present.micro_table(run) + "\n" + present.notes(run))
    out.write(f"\nstored {folder} ({time.monotonic() - t0:.0f} s wall)\n")
    out.write(f"Go benchmark format (for benchstat): {folder / 'bench.txt'}\n")
    return 1 if any(b.get("status") not in ("ok", None) for b in run["benchmarks"]) else 0


def scenarios(out: IO[str] = sys.stdout) -> int:
    """scenarios lists every scenario of every build with its parameters."""
    built = collect.build_variants(["default", "arenas"], sys.stderr)
    seen = set()
    for bname, b in built.items():
        for s in b.scenarios():
            name = f"{s['family']}/{s['variant']}"
            if name in seen:
                continue
            seen.add(name)
            tag = " (test-only)" if s.get("hidden") else ("" if bname == "default" else f" [{bname}]")
            out.write(f"{name}{tag}: {s['doc']}\n")
            for p in s["params"]:
                out.write(f"    {p['name']}={p['default']} [{p['min']}..{p['max']}] {p.get('unit', '')} {p['doc']}\n")
    return 0


if __name__ == "__main__":
    print(json.dumps(parse_params(sys.argv[1:])))
