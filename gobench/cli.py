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
    after_run(folder, out, err, escape_check=True)
    return 1 if any(b.get("status") not in ("ok", None) for b in run["benchmarks"]) else 0


def after_run(folder, out: IO[str], err: IO[str], with_runs: list[str] | None = None,
              escape_check: bool = False) -> None:
    """after_run refreshes the escape-analysis check and writes the run's report.

    Both are derived from stored data; a failure here is a warning, since the
    run itself is already stored and can be reported later with `invoke report`.
    """
    import io

    from gobench import escape, report

    root = folder.parent.parent
    if escape_check:
        buf = io.StringIO()
        if escape.main(["--out", str(root / "escape.json")], buf) == 2:
            print(f"gobench: warning: escape analysis could not run:\n{buf.getvalue()}", file=err)
    try:
        md = report.write_report(folder, root, with_runs)
        out.write(f"report: {md} (and {md.with_suffix('.html').name}); charts in {folder / 'charts'}\n")
    except Exception as e:  # noqa: BLE001 - the stored run matters more than its report
        print(f"gobench: warning: the report could not be written ({type(e).__name__}: {e}); "
              f"retry with `invoke report --run {folder.name}`", file=err)


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



def gate_baseline(quick: bool = False, filter_: str | None = None, rounds: int | None = None,
                  round_ms: float | None = None, sessions: int | None = None, out: IO[str] = sys.stdout,
                  err: IO[str] = sys.stderr) -> int:
    """gate_baseline records results/baseline/baseline.json for the performance gate (gobench/gate.py)."""
    from gobench import gate

    return gate.baseline_main(quick, filter_, rounds, round_ms, sessions or gate.DEFAULT_SESSIONS, out=out, err=err)


def gate_check(against: str | None = None, strict_timing: bool = False, filter_: str | None = None,
               quick: bool = False, blocks: int | None = None, out: IO[str] = sys.stdout,
               err: IO[str] = sys.stderr) -> int:
    """gate_check runs the performance gate; 0 pass, 1 regression, 2 could not check."""
    from gobench import gate

    return gate.check_main(against, strict_timing, filter_, quick, blocks=blocks or gate.DEFAULT_BLOCKS,
                           out=out, err=err)


def gate_selftest(trials: int = 10, quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """gate_selftest repeats A/A and injected-regression trials and prints false alarms and detections."""
    from gobench import gate

    return gate.selftest_main(trials, quick, out=out, err=err)


# --- reports, comparison, history (issue 5) -------------------------------------------------
# These read stored runs only; bad input (missing, truncated, foreign JSON, another schema) is a
# StoreError whose message is printed with exit status 2, never a traceback.


def report(run: str | None = None, with_runs: list[str] | None = None, root=None, out: IO[str] = sys.stdout,
           err: IO[str] = sys.stderr) -> int:
    """report rebuilds the charts, REPORT.md and REPORT.html of a stored run (default: latest); with_runs
    adds other runs' results (e.g. a load run) to its claims table."""
    from gobench import claims as claimsmod
    from gobench import report as rep

    root = root or store.RESULTS
    try:
        folder = store.resolve(run, root)
        path = rep.write_report(folder, root, with_runs)
        doc = claimsmod.merge_runs(store.load_run(folder, root), [store.load_run(r, root) for r in with_runs or []])
    except store.StoreError as e:
        print(f"gobench: {e}", file=err)
        return 2
    verdicts = claimsmod.evaluate(doc, root / "escape.json")
    width = max(len(v.id) for v in verdicts)
    out.write("".join(f"{v.id.ljust(width)}  {v.verdict}\n" for v in verdicts))
    out.write(f"\nwrote {path}\n  and {path.with_name(rep.REPORT_HTML)} (self-contained), charts in "
              f"{folder / rep.CHART_DIR}\n")
    return 0


def compare(run_a: str, run_b: str, metrics: list[str] | None = None, markdown: bool = False, root=None,
            out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """compare prints two runs side by side: medians, B/A and a Mann-Whitney test per benchmark and metric."""
    from gobench import compare as cmp

    root = root or store.RESULTS
    try:
        a, b = store.load_run(run_a, root), store.load_run(run_b, root)
    except store.StoreError as e:
        print(f"gobench: {e}", file=err)
        return 2
    if not a.get("benchmarks") and not b.get("benchmarks"):
        print("gobench: neither run has micro benchmarks (load runs are compared in their reports)", file=err)
        return 2
    out.write(cmp.render(cmp.compare(a, b, metrics or None), a, b, markdown))
    return 0


def history(metric: str = "ns_per_op", filter_: str | None = None, root=None, out: IO[str] = sys.stdout,
            err: IO[str] = sys.stderr) -> int:
    """history draws one metric of the matching benchmarks across all stored runs into results/history.png/svg."""
    from gobench import charts, history as hist, summary as summ

    root = root or store.RESULTS
    try:
        series, skipped, seen = hist.collect(metric, filter_, root)
    except ValueError as e:
        print(f"gobench: {e}", file=err)
        return 2
    for s in skipped:
        print(f"gobench: skipped: {s}", file=err)
    if not series:
        what = f"metric {metric!r}" + (f" for benchmarks matching {filter_!r}" if filter_ else "")
        known = ", ".join(sorted(seen)) or "none (no readable runs)"
        print(f"gobench: no stored run has {what}; metrics seen: {known}", file=err)
        return 2
    paths = charts.history_chart(series, metric, summ.unit_of(metric), root / "history")
    for name, pts in sorted(series.items()):
        first, last = pts[0]["median"], pts[-1]["median"]
        change = f"{(last / first - 1) * 100:+.1f}%" if first else "-"
        out.write(f"{name}: {len(pts)} runs, first {present.fmt_num(first)}, last {present.fmt_num(last)} "
                  f"{summ.unit_of(metric)} ({change})\n")
    out.write(f"wrote {', '.join(str(p) for p in paths)}\n")
    return 0


if __name__ == "__main__":
    print(json.dumps(parse_params(sys.argv[1:])))


def review(quick: bool = False, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """review runs everything a design review needs and writes one report with a verdict per claim.

    The micro benchmarks, the default load run and the GOGC, GOMAXPROCS,
    GC-implementation and controller sweeps are stored as separate runs; the
    report of the micro run joins the others in its claims table.
    """
    from gobench import loadrun

    t0 = time.monotonic()
    code = bench(quick=quick, out=out, err=err)
    if code == 2:
        return 2
    micro = store.resolve(None)
    dur, warm = (3.0, 1.0) if quick else (10.0, 2.0)
    joined, worst = [], code
    for sweep in (None, "gogc", "gomaxprocs", "gc", "controller"):
        title = f"load sweep {sweep}" if sweep else "load at the default rate"
        out.write(f"\n== {title} ==\n")
        try:
            duration = max(dur, 11.0) if sweep == "controller" else dur  # two controller periods at least
            run_ = loadrun.run(None, 12_000, duration, warm, sweep, "open", 5.0, out)
        except (ValueError, ToolchainError, BuildError) as e:
            print(f"gobench review: {title}: {e}", file=err)
            worst = max(worst, 1)
            continue
        except KeyboardInterrupt:
            print("\ngobench review: interrupted; runs stored so far are kept.", file=err)
            return 130
        folder = store.write_run(run_)
        out.write("\n" + loadrun.table(run_) + f"stored {folder}\n")
        joined.append(str(folder))
        if any(e["status"] != "ok" for e in run_["load"]):
            worst = max(worst, 1)
    out.write("\n")
    after_run(micro, out, err, with_runs=joined)
    out.write(f"review finished in {time.monotonic() - t0:.0f} s\n")
    return worst
