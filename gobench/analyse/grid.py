"""Claims per context, side by side: the claims x (host, Go version) grid of a report (the analyse stage).

A run across Go toolchains (``invoke bench --go``) holds every scenario once
per version, and runs joined with ``invoke report --with`` may come from
other machines. Each (host, Go version) is a context: its claims are decided
by analyse.claims on that context's results only, and contexts are set side
by side, never pooled. A round on one host says nothing about the speed or
the noise of another, and two versions are compared only through the ratio
each measured between its own interleaved variants.

A host is the machine a run names (hostname, CPU model, cores,
architecture). Two CI runners of one label are two hosts: they may be
different hardware. Joined runs from the main run's host are merged into
its contexts as ``invoke report --with`` always did (a load run beside a
bench run), each into the context of its own Go version; runs from other
hosts make contexts of their own.

What changed (``changes``): per host, its oldest version against its newest;
across hosts, every other host against the main host at the same Go version
(two hosts at two versions differ in two ways at once, so they are not set
against each other). A claim decided in both contexts is listed when its
verdict differs, or when one of its deciding ratios moved by more than
MATERIAL_FACTOR and the two 95% intervals do not overlap (or one side has no
interval). A claim not measurable in one of them is not a change: the grid
shows why (a scenario a version lacks, escape.json made with another Go).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from gobench.analyse import claims
from gobench.analyse import versions

# MATERIAL_FACTOR is how far a deciding ratio must move, either way, to be named as a change: on a shared
# 2-core VM the per-round ratios of one quick run spread by 10-20%
MATERIAL_FACTOR = 1.2


@dataclass(frozen=True)
class Host:
    """Host is the machine a run was measured on, as its record names it."""

    hostname: str
    cpu_model: str
    cpu_count: int | None
    arch: str
    kernel: str

    @property
    def key(self) -> tuple:
        """key identifies the machine; the kernel is left out (an upgraded kernel is still the same machine)."""
        return self.hostname, self.cpu_model, self.cpu_count, self.arch


def host_of(run: dict) -> Host:
    """host_of is the Host of a run record ("?" for a fact it lacks)."""
    m = run.get("machine") or {}
    return Host(str(m.get("hostname") or "?"), str(m.get("cpu_model") or "?"), m.get("cpu_count"),
                str(m.get("arch") or "?"), str(m.get("kernel") or "?"))


def go_version(run: dict) -> str:
    """go_version is the Go version of a run measured with one toolchain: its default library's, else the toolchain's."""
    libs = run.get("libraries") or {}
    for name in ("default", *libs):
        v = ((libs.get(name) or {}).get("info") or {}).get("go_version")
        if v:
            return v
    return (run.get("toolchain") or {}).get("version") or "go?"


def go_views(run: dict) -> list[tuple[str, dict]]:
    """go_views are (Go version, the run reduced to it), oldest first; one pair for a single-toolchain run."""
    vs = versions.versions(run)
    if not vs:
        return [(go_version(run), run)]
    return [(v, versions.version_view(run, v)) for v in vs]


def split_hosts(run: dict, others: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """split_hosts returns (the others measured on run's host, the other runs grouped by host), in the given order."""
    here = host_of(run).key
    same, apart = [], {}
    for o in others:
        k = host_of(o).key
        if k == here:
            same.append(o)
        else:
            apart.setdefault(k, []).append(o)
    return same, list(apart.values())


@dataclass
class Context:
    """Context is one column of the grid: a host and a Go version, the record its claims are decided on, and the
    tags of the runs (claims.run_tag) that record comes from."""

    host: Host
    go: str
    run: dict
    tags: list[str]


def contexts(run: dict, others: list[dict]) -> list[Context]:
    """contexts are the (host, Go version) columns of run and the runs joined to it: the main host first, each
    host's versions oldest first. A context's record merges (claims.merge_runs) that host's runs at that version."""
    same, apart = split_hosts(run, others)
    out = []
    for group in [[run, *same], *apart]:
        views = [(r, go, v) for r in group for go, v in go_views(r)]
        for go in sorted({go for _, go, _ in views}, key=versions.version_key):
            mine = [(r, v) for r, g, v in views if g == go]
            out.append(Context(host_of(group[0]), go, claims.merge_runs(mine[0][1], [v for _, v in mine[1:]]),
                               [claims.run_tag(r) for r, _ in mine]))
    return out


@dataclass
class Grid:
    """Grid is every claim decided in every context: ``verdicts[i]`` are contexts[i]'s, in claims.json order."""

    contexts: list[Context]
    verdicts: list[list[claims.Verdict]]

    @property
    def hosts(self) -> list[Host]:
        """hosts are the grid's distinct hosts, the main host first."""
        return list({c.host.key: c.host for c in self.contexts}.values())

    def claim_ids(self) -> list[str]:
        return [v.id for v in self.verdicts[0]] if self.verdicts else []


def build(run: dict, others: list[dict], escape_path: Path | str | None = None,
          claims_doc: dict | None = None) -> Grid | None:
    """build decides every claim per context; None when there is only one context (the claims table says it all).

    escape.json (claims C12, C13) was written by one toolchain on the machine that holds the results folder: it
    decides those claims in the main host's context of that Go version only, and the others say why not.
    """
    ctxs = contexts(run, others)
    if len(ctxs) < 2:
        return None
    doc = claims_doc or claims.load_claims()
    escape, _ = claims.load_escape(escape_path) if escape_path else (None, None)
    main = host_of(run).key
    per = []
    for c in ctxs:
        own = escape is not None and c.host.key == main and escape.get("go_version") in (None, c.go)
        per.append(claims.evaluate(c.run, escape_path if own else None, doc))
    return Grid(ctxs, per)


@dataclass
class Change:
    """Change is one claim that reads materially differently in two contexts of a grid (a: before, b: after)."""

    claim: str
    across: str  # "versions" or "hosts"
    a: Context
    b: Context
    va: claims.Verdict
    vb: claims.Verdict


def moved(ra: claims.Ratio, rb: claims.Ratio) -> bool:
    """moved says whether a deciding ratio moved materially: by more than MATERIAL_FACTOR either way, with the two
    95% intervals apart (or missing on a side)."""
    if not (ra.median > 0 and rb.median > 0) or math.isinf(ra.median) or math.isinf(rb.median):
        return False
    if max(ra.median, rb.median) / min(ra.median, rb.median) <= MATERIAL_FACTOR:
        return False
    if any(math.isnan(x) or math.isinf(x) for x in (ra.lo, ra.hi, rb.lo, rb.hi)):
        return True
    return ra.hi < rb.lo or rb.hi < ra.lo


def material(va: claims.Verdict, vb: claims.Verdict) -> bool:
    """material says whether two verdicts on one claim, decided in both contexts, differ: in kind, or in a
    deciding ratio of the same metric that moved (``moved``)."""
    if claims.NOT_MEASURABLE in (va.kind, vb.kind):
        return False
    if va.kind != vb.kind:
        return True
    rb = {r.metric: r for r in vb.ratios}
    return any(moved(r, rb[r.metric]) for r in va.ratios if r.metric in rb)


def changes(grid: Grid) -> list[Change]:
    """changes lists the claims that read differently: per host from its oldest to its newest Go version and from
    each toolchain to its GOEXPERIMENT builds, then each other host against the main host at the same Go version;
    by claim within each comparison."""
    idx = {id(c): i for i, c in enumerate(grid.contexts)}
    pairs: list[tuple[str, Context, Context]] = []
    for h in grid.hosts:
        mine = [c for c in grid.contexts if c.host.key == h.key]
        # a GOEXPERIMENT build ("go1.27.3+nogreenteagc") sorts after its toolchain but is not a newer version:
        # versions are compared plain, and each experiment build against its own toolchain
        plain = [c for c in mine if "+" not in c.go]
        if len(plain) > 1:
            pairs.append(("versions", plain[0], plain[-1]))
        for c in mine:
            base = next((p for p in plain if p.go == c.go.partition("+")[0]), None) if "+" in c.go else None
            if base is not None:
                pairs.append(("versions", base, c))
    main = grid.hosts[0].key
    for c in grid.contexts:
        if c.host.key != main:
            ref = next((m for m in grid.contexts if m.host.key == main and m.go == c.go), None)
            if ref is not None:
                pairs.append(("hosts", ref, c))
    out = []
    for across, a, b in pairs:
        for va, vb in zip(grid.verdicts[idx[id(a)]], grid.verdicts[idx[id(b)]]):
            if material(va, vb):
                out.append(Change(va.id, across, a, b, va, vb))
    return out
