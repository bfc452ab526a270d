"""The results store: one folder per run under results/runs/, written atomically.

A run folder holds ``run.json`` (the record: schema ``gobench.run/1``, see
gobench/schema/run.schema.json), ``bench.txt`` (Go benchmark format, for
benchstat) and ``pytest-benchmark.json``. The folder is assembled under a
temporary name and renamed into place when complete; only then is
``results/latest`` (a text file holding the run id) replaced. An interrupted
run therefore leaves no folder that looks complete.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from gobench.store import atomic
from gobench.store import benchfmt
from gobench.store import pbjson

from gobench.errors import StoreError
from gobench.metrics import GO_UNITS
from gobench.paths import RESULTS

SCHEMA = "gobench.run/1"


def new_run_id(commit: str | None) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{(commit or 'nogit')[:8]}-{secrets.token_hex(2)}"


def new_record(kind: str, settings: dict, libraries: dict, benchmarks: list[dict], filter_: str | None = None,
               commit: str | None = None, *, machine: dict, toolchain: dict, **extra) -> dict:
    """new_record assembles a run record of schema gobench.run/1.

    ``machine`` and ``toolchain`` are the facts the collector gathered
    (gobench.collect.machine); ``commit`` overrides the working tree's commit
    (a gate side built from another ref); ``extra`` adds top-level fields
    (load, gate, wall_s, ...).
    """
    return {
        "schema": SCHEMA,
        "run_id": new_run_id(commit or (machine.get("git") or {}).get("commit")),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "kind": kind,
        "filter": filter_,
        "settings": settings,
        "machine": machine,
        "toolchain": toolchain,
        "libraries": libraries,
        "ffi_ns_per_call": extra.pop("ffi_ns_per_call", None),
        "benchmarks": benchmarks,
        **extra,
    }


def runs_dir(root: Path = RESULTS) -> Path:
    return root / "runs"


def bench_text(run: dict) -> str:
    """bench_text renders a run's micro results in the Go benchmark format, one line per round.

    The configuration lines describe what was measured (platform, CPU, Go,
    GOGC, GOMAXPROCS, build) and nothing else, so that two runs of the same
    configuration have the same configuration and `benchstat A/bench.txt
    B/bench.txt` compares them in one table; the run id and the commit go to
    a comment line, which benchstat ignores (run.json has them too).

    The Unit lines and the first value columns are the metrics of
    gobench.metrics that have a Go unit, in its order; a scenario's own
    metrics follow under their names. No unit is declared ``assume=exact``:
    benchstat then expects every value of a benchmark to be identical, and
    even the exact counts (allocs/op, B/op) vary between rounds by the
    runtime's own background allocations (OrderItem/pool: 0 or 2.4e-07
    allocs/op).
    """
    info = next(iter(run.get("libraries", {}).values()), {}).get("info", {})
    git = run["machine"].get("git") or {}
    commit = (git.get("commit") or "unknown") + ("-dirty" if git.get("dirty") else "")
    config = {
        "goos": info.get("goos", ""), "goarch": info.get("goarch", ""), "pkg": "gobench",
        "cpu": run["machine"].get("cpu_model", ""), "go": info.get("go_version", ""),
        "goexperiment": info.get("goexperiment") or "none",
        "gogc": str(info.get("gc_percent", "")), "gomaxprocs": str(info.get("gomaxprocs", "")),
    }
    out = io.StringIO()
    benchfmt.write(out, config, [], units={m.go_unit: f"better={m.better}" for m in GO_UNITS},
                   comments=[f"gobench run {run['run_id']} at commit {commit}"])
    current_build = None
    for b in run["benchmarks"]:
        if (b.get("build"), b.get("go")) != current_build:
            current_build = (b.get("build"), b.get("go"))
            binfo = run.get("libraries", {}).get(_library_key(b), {}).get("info", {})
            out.write(f"build: {current_build[0]}\ngoexperiment: {binfo.get('goexperiment') or 'none'}\n")
            out.write(_toolchain_config(b))
        procs = int(info.get("gomaxprocs") or 1)
        name = benchfmt.bench_name(b["name"], procs)
        lines = []
        for r in b.get("rounds") or []:
            if not r.get("n"):
                continue
            pairs = [(m.of_round(r) * m.go_scale, m.go_unit) for m in GO_UNITS]
            pairs += [(v, benchfmt.unit_name(k)) for k, v in (r.get("extra") or {}).items()]
            lines.append((name, r["n"], pairs))
        benchfmt.write(out, {}, lines)
    return out.getvalue()


def _library_key(b: dict) -> str:
    """_library_key is the key of a result's library in run["libraries"]: its build, and in a run across Go
    toolchains its Go version too ("default@go1.22.10")."""
    return f"{b.get('build')}@{b['go']}" if b.get("go") else str(b.get("build"))


def _toolchain_config(b: dict) -> str:
    """_toolchain_config is the config line naming a result's Go toolchain in a run across toolchains
    (``go: go1.22.10``), so that ``benchstat -col go bench.txt`` shows the versions side by side; empty
    in a single-toolchain run, whose go line is in the file's header."""
    return f"go: {b['go']}\n" if b.get("go") else ""


def check_writable(root: Path = RESULTS) -> None:
    """check_writable raises StoreError, before anything is measured, when runs cannot be stored under root."""
    folder = runs_dir(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check.", suffix=".tmp"):
            pass
    except OSError as e:
        raise StoreError(f"cannot store runs in {folder}: {e.strerror or e}. Make it a writable folder "
                         f"(or remove what is in its way) before measuring.") from None


def fallback_dir() -> Path:
    """fallback_dir is where a run goes when its results folder cannot take it."""
    return Path(tempfile.gettempdir()) / "gobench-unsaved-runs"


def _write_folder(run: dict, parent: Path, extra_dirs: dict[str, Path] | None = None) -> Path:
    final = parent / run["run_id"]
    tmp = parent / f".{run['run_id']}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for name, src in (extra_dirs or {}).items():
            shutil.copytree(src, tmp / name)
        atomic.write_json(tmp / "run.json", run)
        atomic.write_text(tmp / "bench.txt", bench_text(run))
        atomic.write_json(tmp / "pytest-benchmark.json", pbjson.document(run))
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def write_run(run: dict, root: Path = RESULTS, *, extra_dirs: dict[str, Path] | None = None) -> Path:
    """write_run stores a complete run folder atomically and points results/latest at it.

    extra_dirs are folders copied into it under their names (e.g. {"profiles": staging folder}), before
    it is renamed into place; the caller removes the sources.

    When the folder cannot take it (a full disk, a file in the way), the run
    is written to fallback_dir() instead and StoreError names both places:
    what was measured is not lost.
    """
    try:
        final = _write_folder(run, runs_dir(root), extra_dirs)
        atomic.write_text(root / "latest", run["run_id"] + "\n")
        return final
    except OSError as e:
        why = f"could not store run {run['run_id']} in {runs_dir(root)}: {e.strerror or e}"
    try:
        saved = _write_folder(run, fallback_dir(), extra_dirs)
    except OSError as e2:
        raise StoreError(f"{why}; nor in {fallback_dir()}: {e2.strerror or e2}") from None
    raise StoreError(f"{why}. The run was written to {saved} instead; move it to {runs_dir(root)} when there "
                     f"is room.")


def resolve(run: str | None, root: Path = RESULTS) -> Path:
    """resolve turns a run id, a path or None (latest) into a run folder, or raises StoreError."""
    if not run or run == "latest":
        try:
            run = (root / "latest").read_text().strip()
        except OSError:
            raise StoreError(f"no runs yet: {root / 'latest'} does not exist; run `invoke bench` first") from None
    p = Path(run)
    if not p.is_dir():
        p = runs_dir(root) / run
    if not p.is_dir():
        known = sorted(x.name for x in runs_dir(root).glob("*") if x.is_dir() and not x.name.startswith("."))
        raise StoreError(f"no run folder {run!r}; known runs: {', '.join(known[-10:]) or 'none'}")
    return p


def read_doc(path: Path, schema: str, what: str, required: tuple[str, ...], error: type[Exception] | None = None,
             hint: str = "", if_missing: str | None = None) -> dict:
    """read_doc reads one of gobench's JSON documents (a run record, a baseline) and checks its schema
    and top-level fields. Each failure raises ``error`` (StoreError by default) naming the file and the
    reason, followed by ``hint`` (what to do); a missing file raises ``if_missing`` when given."""
    error = error or StoreError
    tail = f"; {hint}" if hint else ""
    try:
        text = path.read_text()
    except FileNotFoundError as e:
        raise error(if_missing or f"{path}: cannot read ({e.strerror}){tail}") from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror}){tail}") from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise error(f"{path}: not valid JSON (truncated or corrupt?): {e}{tail}") from None
    if not isinstance(doc, dict) or "schema" not in doc:
        raise error(f"{path}: not a gobench {what} (no 'schema' field){tail}")
    if doc["schema"] != schema:
        raise error(f"{path}: schema {doc['schema']!r} is not supported (this gobench reads {schema}){tail}")
    for key in required:
        if key not in doc:
            raise error(f"{path}: missing field {key!r} (truncated?){tail}")
    return doc


def load_run(run: str | Path | None, root: Path = RESULTS) -> dict:
    """load_run reads and checks a run.json, raising StoreError with a clear reason."""
    d = resolve(str(run) if run else None, root)
    return read_doc(d / "run.json", SCHEMA, "run record", ("run_id", "machine", "benchmarks"))
