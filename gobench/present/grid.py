"""The claims x (host, Go version) grid for people: the present stage's side of analyse.grid.

A table with a row per claim and a column per context (cell: the verdict in
a few words and its deciding ratio, times better, with its 95% interval), a
table of the hosts with a column each (CPU model, cores, kernel, Go), and
the generated list of what changed between versions and between hosts.
"""

from __future__ import annotations

import math

from gobench.analyse import claims
from gobench.analyse import grid as analyse
from gobench.present import claims as claimstext
from gobench.present.fmt import ratio_text

EXPLANATION = ("Every claim decided again in each column, on that column's results only: a column is one Go "
               "version on one host, and nothing is pooled across columns (a cell's ratio is between the two "
               "variants measured with that version, interleaved, on that host). Cell: the verdict and its deciding "
               "ratio, times better, with its 95% interval [lo, hi] where it has one. Escape-analysis claims "
               "(C12, C13) are decided only where escape.json was made; load claims only in the column of the "
               "Go version and host of the load run.")
HOSTS_EXPLANATION = ("Runs from different machines are set side by side, never pooled: the executive summary, the "
                     "claims table, the charts and the load and profile sections are from the first host only; the "
                     "other hosts appear in the grid below.")


def ratio_cell(r: claims.Ratio | None) -> str:
    """ratio_cell is "2.1x [1.9x, 2.3x]", "2.1x (no CI)", or "" without a ratio."""
    if r is None:
        return ""
    if math.isnan(r.lo) or math.isnan(r.hi):
        return f"{ratio_text(r.median)} (no CI)"
    return f"{ratio_text(r.median)} [{ratio_text(r.lo)}, {ratio_text(r.hi)}]"


def ratios_text(v: claims.Verdict) -> str:
    """ratios_text is a verdict's deciding ratios, "; "-separated, in the order of the grid's metric column."""
    return "; ".join(ratio_cell(r) for r in v.ratios)


def cell(v: claims.Verdict) -> str:
    """cell is a grid cell: the verdict's kind and its deciding number (the ratios, else the decider's text)."""
    number = ratios_text(v) or claimstext.text(v.decider)
    return f"{v.short}: {number}" if number else v.short


def host_labels(g: analyse.Grid) -> dict[tuple, str]:
    """host_labels names each host by CPU model and cores, with its hostname where two hosts would read the same."""
    base = {h.key: f"{h.cpu_model} x{h.cpu_count or '?'}" for h in g.hosts}
    clash = {lbl for lbl in base.values() if list(base.values()).count(lbl) > 1}
    return {k: (f"{lbl} ({k[0]})" if lbl in clash else lbl) for k, lbl in base.items()}


def column_label(c: analyse.Context, g: analyse.Grid, labels: dict[tuple, str]) -> str:
    """column_label is the Go version, with the host in front when the grid has several."""
    return c.go if len(g.hosts) == 1 else f"{labels[c.host.key]}, {c.go}"


def grid_rows(g: analyse.Grid, changes: list[analyse.Change] | None = None
              ) -> tuple[list[str], list[list[str]], list[str]]:
    """grid_rows returns (header, rows, row classes) of the claims grid: a row per claim, a column per context; the
    rows of claims that changed (analyse.grid.changes) have the class "changed"."""
    changed = {ch.claim for ch in changes or []}
    labels = host_labels(g)
    header = ["claim", "deciding ratio"] + [column_label(c, g, labels) for c in g.contexts]
    rows, classes = [], []
    for i, cid in enumerate(g.claim_ids()):
        vs = [per[i] for per in g.verdicts]
        metric = next(("; ".join(r.metric for r in v.ratios) for v in vs if v.ratios), "-")
        rows.append([cid, metric] + [cell(v) for v in vs])
        classes.append("changed" if cid in changed else "")
    return header, rows, classes


def host_rows(g: analyse.Grid) -> tuple[list[str], list[list[str]]]:
    """host_rows returns (header, rows) of the hosts table: a column per host, a row per fact."""
    labels = host_labels(g)
    header = [""] + [labels[h.key] for h in g.hosts]
    per = {h.key: [c for c in g.contexts if c.host.key == h.key] for h in g.hosts}
    facts = [("CPU model", lambda h: h.cpu_model), ("cores", lambda h: str(h.cpu_count or "?")),
             ("architecture", lambda h: h.arch), ("kernel", lambda h: h.kernel), ("hostname", lambda h: h.hostname),
             ("Go", lambda h: ", ".join(c.go for c in per[h.key])),
             ("runs", lambda h: ", ".join(dict.fromkeys(t for c in per[h.key] for t in c.tags)))]
    return header, [[name] + [f(h) for h in g.hosts] for name, f in facts]


def change_lines(g: analyse.Grid, changes: list[analyse.Change]) -> list[str]:
    """change_lines are the "what changed" list: one line per claim and comparison, e.g.
    "C1 (ns_per_op, times better): 2.1x [1.9x, 2.3x] with go1.22.10, 1.3x [1.2x, 1.4x] with go1.27.3"."""
    labels = host_labels(g)
    many = len(g.hosts) > 1
    out = []
    for ch in changes:
        metrics = "; ".join(r.metric for r in (ch.va.ratios or ch.vb.ratios))
        what = f" ({metrics}, times better)" if metrics else ""
        kinds = "" if ch.va.kind == ch.vb.kind else f"; verdict {ch.va.short} -> {ch.vb.short}"
        if ch.across == "versions":
            where = f" on {labels[ch.a.host.key]}" if many else ""
            out.append(f"{ch.claim}{where}{what}: {ratios_text(ch.va) or ch.va.short} with {ch.a.go}, "
                       f"{ratios_text(ch.vb) or ch.vb.short} with {ch.b.go}{kinds}")
        else:
            out.append(f"{ch.claim} at {ch.a.go}{what}: {ratios_text(ch.va) or ch.va.short} on "
                       f"{labels[ch.a.host.key]}, {ratios_text(ch.vb) or ch.vb.short} on {labels[ch.b.host.key]}{kinds}")
    return out
