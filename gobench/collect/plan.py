"""Planning a collection: which scenarios a library has, which to run, and in which jobs.

A job is one family of one build in one environment; the scheduler runs a
job's scenarios together (gobench/collect/scheduler.py). A Go library is
read-only to its process (GOGC and GOMAXPROCS are read at load), so a
different environment is a different job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gobench.build import library as buildmod
from gobench.collect import protocol
from gobench.collect.spawn import Worker, stopping
from gobench.errors import BuildError, WorkerCrash
from gobench.records import FFI_NAME

_REGISTRY: dict[tuple[str, str], dict] = {}


def _registry(built: buildmod.Built) -> dict:
    """_registry is what a built library registered ({"scenarios": [...], "load_kinds": [...]}), read once
    per build and process in a worker (one Go runtime per process). Raises BuildError when it cannot load."""
    key = (str(built.dir), built.stamp.get("sources_sha256", ""))
    if key not in _REGISTRY:
        with stopping({}) as workers:
            w = workers["info"] = Worker(f"{built.variant} library", built.dir)
            try:
                rep = w.request(*protocol.open_cmd([]))
            except WorkerCrash as e:
                raise BuildError(f"the {built.variant} library in {built.dir} did not report its registry: {e}") \
                    from None
        _REGISTRY[key] = {"scenarios": rep["scenarios"], "load_kinds": rep.get("load_kinds") or []}
    return _REGISTRY[key]


def scenarios(built: buildmod.Built) -> list[dict]:
    """scenarios returns the scenarios a built library registered: family, variant, doc, params, metrics
    (name, unit), smoke parameters, gate overrides, hidden, requires and its `go test -bench` pattern."""
    return _registry(built)["scenarios"]


def declared(built: buildmod.Built, name: str) -> dict:
    """declared is what a scenario's library and registration say about its results, stored with them in the
    run record: the GOEXPERIMENT the library was built with ("" for the toolchain's defaults), its own metrics
    (name, unit), the gate's overrides for it, and whether it is test-only."""
    exp = {"goexperiment": built.stamp.get("goexperiment") or ""}
    for s in scenarios(built):
        if f"{s['family']}/{s['variant']}" != name:
            continue
        out: dict = {**exp, "metrics": [{"name": m["name"], "unit": m["unit"]} for m in s.get("metrics") or []]}
        if s.get("gate"):
            out["gate"] = dict(s["gate"])
        if s.get("hidden"):
            out["hidden"] = True
        return out
    return exp


def load_kinds(built: buildmod.Built) -> list[dict]:
    """load_kinds returns the request kinds a built library registered: name, doc, params, requires, and
    whether the default load run (``default``) and the sweeps (``sweep``) use it."""
    return _registry(built)["load_kinds"]


@dataclass
class Job:
    """Job is one worker's work: scenarios of one family on one build with one environment."""

    build: str
    family: str
    specs: list[tuple[str, dict]]
    env: dict[str, str] = field(default_factory=dict)
    knobs: dict = field(default_factory=dict)
    ffi: bool = False
    # across Go toolchains (``--go``): the toolchains' versions, and per version the scenarios it lacks and why
    gos: tuple[str, ...] = ()
    unavailable: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in sorted(self.env.items()))
        versions = f" {' '.join(self.gos)}" if self.gos else ""
        return f"{self.family} [{self.build}{versions}{extra}]"


def select(scenarios: list[dict], pattern: str | None, include_hidden: bool = False) -> list[dict]:
    """select returns the scenarios whose "Family/Variant" matches the regular expression pattern."""
    if pattern:
        try:
            rx = re.compile(pattern)
        except re.error as e:
            raise ValueError(f"--filter {pattern!r} is not a valid regular expression: {e}") from None
    out = []
    for s in scenarios:
        name = f"{s['family']}/{s['variant']}"
        if pattern and not rx.search(name):
            continue
        # test-only scenarios run only when asked for, or when the pattern names their family
        if s.get("hidden") and not include_hidden and not (pattern and s["family"] in pattern):
            continue
        out.append(s)
    return out


def validate_params(scn: dict, params: dict) -> dict:
    """validate_params checks user parameters against the scenario's declaration, before any Go call."""
    decl = {p["name"]: p for p in scn["params"]}
    name = f"{scn['family']}/{scn['variant']}"
    for k, v in params.items():
        if k not in decl:
            raise ValueError(f"{name}: unknown parameter {k!r}; allowed: {sorted(decl) or 'none'}")
        p = decl[k]
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{name}: parameter {k} must be an integer, got {v!r}")
        if not p["min"] <= v <= p["max"]:
            raise ValueError(f"{name}: parameter {k}={v} out of range [{p['min']}, {p['max']}] ({p['doc']})")
    return dict(params)


def plan(built: dict[str, buildmod.Built], pattern: str | None, params: dict[str, dict] | None = None,
         ffi: bool = True, env: dict | None = None, knobs: dict | None = None) -> list[Job]:
    """plan groups the selected scenarios of every built variant into jobs, one per family.

    A scenario present in several builds (every default scenario is also in
    the arenas build) is run only in the first build that has it, unless it
    requires that build's experiment.
    """
    params = params or {}
    jobs: list[Job] = []
    seen: set[str] = set()
    for bname, b in built.items():
        fams: dict[str, list[tuple[str, dict]]] = {}
        for s in select(scenarios(b), pattern):
            name = f"{s['family']}/{s['variant']}"
            if name in seen:
                continue
            seen.add(name)
            fams.setdefault(s["family"], []).append((name, validate_params(s, params.get(name, {}))))
        for fam, specs in fams.items():
            jobs.append(Job(bname, fam, specs, dict(env or {}), dict(knobs or {})))
    # the crossing is always measured (it is cheap): every row's FFI share needs it
    if ffi and (jobs or (pattern and re.search(pattern, FFI_NAME))):
        jobs.insert(0, Job(next(iter(built)), "FFI", [], dict(env or {}), dict(knobs or {}), ffi=True))
    return jobs


def plan_across(built: dict[str, dict[str, buildmod.Built | str]], pattern: str | None,
                params: dict[str, dict] | None = None, ffi: bool = True, env: dict | None = None,
                knobs: dict | None = None) -> list[Job]:
    """plan_across plans one job per (build, family) over several Go toolchains: ``built`` maps a Go version
    to its builds, each a Built or, when it could not be built with that Go, the reason (a string).

    A scenario is run on every toolchain whose build registers it; on the others it is unavailable, with
    the reason ("not available in go1.21.13: ..."). Its build is the first build that has it in any
    toolchain (as in plan). Raises BuildError when no toolchain could build anything.
    """
    params = params or {}
    gos = tuple(built)
    names: dict[str, dict[str, dict]] = {}  # build -> {scenario name: its registration}, first toolchain wins
    has: dict[tuple[str, str], set[str]] = {}  # (build, scenario) -> versions whose library has it
    for go, builds in built.items():
        for bname, b in builds.items():
            if isinstance(b, str):
                continue
            for s in select(scenarios(b), pattern):
                name = f"{s['family']}/{s['variant']}"
                names.setdefault(bname, {}).setdefault(name, s)
                has.setdefault((bname, name), set()).add(go)
    if not any(not isinstance(b, str) for builds in built.values() for b in builds.values()):
        raise BuildError("no Go toolchain could build the library:\n" + "\n".join(
            f"  {go} {bname}: {b}" for go, builds in built.items() for bname, b in builds.items()))
    jobs: list[Job] = []
    seen: set[str] = set()
    for bname in next(iter(built.values())):
        fams: dict[str, list[tuple[str, dict]]] = {}
        missing: dict[str, dict[str, str]] = {}
        for name, s in names.get(bname, {}).items():
            if name in seen:
                continue
            seen.add(name)
            fams.setdefault(s["family"], []).append((name, validate_params(s, params.get(name, {}))))
            for go in gos:
                if go in has[(bname, name)]:
                    continue
                b = built[go].get(bname)
                why = b if isinstance(b, str) else f"its {bname} library (built with {go}) does not register it"
                missing.setdefault(go, {})[name] = f"not available in {go}: {why}"
        for fam, specs in fams.items():
            miss = {go: {n: w for n, w in m.items() if n in dict(specs)} for go, m in missing.items()}
            jobs.append(Job(bname, fam, specs, dict(env or {}), dict(knobs or {}), gos=gos,
                            unavailable={go: m for go, m in miss.items() if m}))
    if ffi and (jobs or (pattern and re.search(pattern, FFI_NAME))):
        jobs.insert(0, Job(next(iter(next(iter(built.values())))), "FFI", [], dict(env or {}), dict(knobs or {}),
                           ffi=True, gos=gos))
    return jobs
