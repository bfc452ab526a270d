"""The design-review report of a stored run: REPORT.md and REPORT.html in its folder.

This is the last presentation step. It reads run.json (and results/escape.json
for the escape-analysis claims), draws the charts (present.charts) into the
run's charts/ folder and writes one document twice: Markdown that links the
PNGs, and a self-contained HTML page with the charts inline as SVG, so it
can be mailed or attached as one file. It never runs a benchmark: rebuilding
a report from stored data gives the same report.

The document is built as a list of blocks (heading, paragraph, table,
chart, preformatted text, list) and rendered by two small writers, so the
two formats cannot drift apart.

A run with a crashed or failed scenario still gets a report: the problem
is named, with its error, near the top.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from gobench.analyse import changes
from gobench.analyse import claims
from gobench.analyse import grid
from gobench.analyse import loadview
from gobench.analyse import versions
from gobench.present import charts
from gobench.present import claims as claimstable
from gobench.present import crosscheck as crosscheck_text
from gobench.present import grid as gridview
from gobench.present import profile as proftables
from gobench.present import text as present
from gobench.present import versions as versions_view
from gobench.present.fmt import ci_text, fmt_num
from gobench.metrics import current_name
from gobench.records import FFI_NAME
from gobench.store import atomic
from gobench.store import runs as store
from gobench.store import schema as schemacheck
from gobench.store import verdicts as stored_verdicts

REPORT_MD, REPORT_HTML, CHART_DIR = "REPORT.md", "REPORT.html", "charts"
# metrics shown in the family tables' columns; every other summary metric is an "other metric"
_MAIN = {key for _, key in present.COLUMNS if key} | {"heap_objects_bytes"}


# ---------------------------------------------------------------- document model


@dataclass
class Doc:
    """Doc is a report as blocks: ("h", level, text), ("p", text), ("table", header, rows, classes),
    ("chart", title, png, svg), ("pre", text), ("ul", items)."""

    blocks: list[tuple] = field(default_factory=list)

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> None:
        self.blocks.append(("table", header, rows, classes))

    def chart(self, title: str, paths: list[Path]) -> None:
        png = next((p for p in paths if p.suffix == ".png"), None)
        svg = next((p for p in paths if p.suffix == ".svg"), None)
        if png:
            self.blocks.append(("chart", title, png, svg))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))

    def ul(self, items: list[str]) -> None:
        if items:
            self.blocks.append(("ul", items))


def _md_cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_md(doc: Doc, base: Path) -> str:
    """render_md writes the document as Markdown; charts are linked relative to base."""
    out: list[str] = []
    for b in doc.blocks:
        kind = b[0]
        if kind == "h":
            out.append("#" * b[1] + " " + b[2] + "\n")
        elif kind == "p":
            out.append(b[1] + "\n")
        elif kind == "table":
            out.append(present.render([[_md_cell(c) for c in r] for r in b[2]], [_md_cell(h) for h in b[1]],
                                      markdown=True))
        elif kind == "chart":
            out.append(f"![{b[1]}]({b[2].relative_to(base).as_posix()})\n")
        elif kind == "pre":
            out.append("```\n" + b[1].rstrip("\n") + "\n```\n")
        elif kind == "ul":
            out.append("\n".join(f"- {x}" for x in b[1]) + "\n")
    return "\n".join(out)


CSS = """
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;max-width:1180px;
margin:2em auto;padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #ddd;padding-bottom:.2em}h2{font-size:1.3em;margin-top:1.8em;
border-bottom:1px solid #eee}h3{font-size:1.1em;margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 7px;
vertical-align:top;text-align:left}th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap}
tr.holds td.verdict{background:#e3f4e1}tr.magnitude td.verdict{background:#fff3d6}
tr.refuted td.verdict{background:#fbdede}tr.not_measurable td.verdict{background:#eee;color:#555}
tr.bad td{background:#fbdede}tr.changed td{background:#fff8e0}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;
font-size:12px}figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{color:#666;font-size:12px}
"""


def _inline(text: str) -> str:
    """_inline escapes text for HTML and turns `code` spans into <code>."""
    parts = str(text).split("`")
    bold = lambda t: re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(t))  # noqa: E731
    return "".join(bold(p) if i % 2 == 0 else f"<code>{html.escape(p)}</code>" for i, p in enumerate(parts))


def _svg_inline(svg: str, prefix: str) -> str:
    """_svg_inline strips the XML prologue and makes the SVG's ids unique within the page."""
    svg = re.sub(r"^.*?(?=<svg)", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return re.sub(r'(id="|href="#|url\(#)([^")]+)', lambda m: m[1] + prefix + m[2], svg)


def render_html(doc: Doc, title: str) -> str:
    """render_html writes the document as one self-contained HTML page (charts inline as SVG)."""
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
           f"<style>{CSS}</style></head><body>"]
    for i, b in enumerate(doc.blocks):
        kind = b[0]
        if kind == "h":
            out.append(f"<h{b[1]}>{_inline(b[2])}</h{b[1]}>")
        elif kind == "p":
            out.append(f"<p>{_inline(b[1])}</p>")
        elif kind == "table":
            header, rows, classes = b[1], b[2], b[3] or [""] * len(b[2])
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in header)
                       + "</tr></thead><tbody>")
            for r, cls in zip(rows, classes):
                cells = []
                for j, c in enumerate(r):
                    tdcls = "verdict" if header[j] == "verdict" else ("num" if _numeric(c) else "")
                    cells.append(f"<td class=\"{tdcls}\">{_inline(c)}</td>" if tdcls else f"<td>{_inline(c)}</td>")
                out.append(f"<tr class=\"{cls}\">" + "".join(cells) + "</tr>")
            out.append("</tbody></table>")
        elif kind == "chart":
            svg = b[3].read_text() if b[3] and b[3].exists() else None
            body = _svg_inline(svg, f"c{i}-") if svg else _png_img(b[2], b[1])
            out.append(f"<figure>{body}<figcaption>{_inline(b[1])}</figcaption></figure>")
        elif kind == "pre":
            out.append(f"<pre>{html.escape(b[1])}</pre>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in b[1]) + "</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)


def _png_img(png: Path, alt: str) -> str:
    import base64

    data = base64.b64encode(png.read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" style="max-width:100%">'


def _numeric(c: str) -> bool:
    return bool(re.fullmatch(r"[-+~]?[\d.,]+(e[-+]?\d+)?\s*(±[\d.]+%|%|x|[a-zµ/]+)?", str(c).strip()))


# ---------------------------------------------------------------- sections


def environment(run: dict) -> list[list[str]]:
    """environment lists the facts a reader needs to reproduce or compare the run."""
    m = run.get("machine") or {}
    git = m.get("git") or {}
    rows = [
        ["run", f"{run.get('run_id')} ({run.get('kind', 'micro')}), created {run.get('created', '?')}, "
                f"wall {fmt_num(run.get('wall_s'))} s"],
        ["machine", f"{m.get('cpu_model', '?')} x {m.get('cpu_count', '?')} cores, "
                    f"{fmt_num((m.get('mem_total_bytes') or 0) / 2**30)} GiB, host {m.get('hostname', '?')}"],
        ["os", f"{m.get('os', '?')} {m.get('kernel', '')} {m.get('arch', '')}, CPU governor "
               f"{m.get('cpu_governor') or 'unknown'}"],
        ["python", f"{m.get('python', '?')}; " + ", ".join(f"{k} {v}" for k, v in (m.get('packages') or {}).items()
                                                            if v)],
        ["go toolchain", f"{(run.get('toolchain') or {}).get('version', '?')} "
                         f"(from {(run.get('toolchain') or {}).get('source', '?')})"],
    ]
    for name, lib in sorted((run.get("libraries") or {}).items()):
        info = (lib or {}).get("info") or {}
        gogc = info.get("gc_percent")
        limit = info.get("memory_limit")
        rows.append([f"build {name}",
                     f"{info.get('go_version', '?')}, GOEXPERIMENT={info.get('goexperiment') or 'none'}, "
                     f"GOGC={'off' if gogc == -1 else gogc}"
                     + (f" (env {info['env_gogc']})" if info.get("env_gogc") else "")
                     + f", GOMAXPROCS={info.get('gomaxprocs', '?')} of NumCPU {info.get('num_cpu', '?')}, "
                     f"GOMEMLIMIT={'none' if not limit or limit >= 2**63 - 1 else limit}"])
    commit = git.get("commit")
    rows.append(["source", (commit[:12] if commit else "not a git checkout")
                 + (" (uncommitted changes)" if git.get("dirty") else " (clean)" if commit else "")
                 + (f" on {git['branch']}" if git.get("branch") else "")])
    env = m.get("env") or {}
    rows.append(["environment", ", ".join(f"{k}={v}" for k, v in env.items()) or "no GOGC/GOMAXPROCS/GODEBUG/"
                                                                                "GOMEMLIMIT set"])
    rows.append(["settings", run_settings(run)])
    agreement = crosscheck_text.agreement_text(run.get("agreement"))
    if agreement:
        rows.append(["agreement with go test", agreement])
    return rows


def problems(run: dict) -> list[tuple[str, str]]:
    """problems lists (what, error) for every scenario or load run whose status is not ok."""
    out = []
    for b in run.get("benchmarks") or []:
        if b.get("status", "ok") != "ok":
            build = b.get("build", "default")
            out.append((f"{b['name']}" + ("" if build == "default" else f" [{build}]") + f": {b.get('status')}",
                        (b.get("error") or "(no message)").strip()))
    for e in loadview.entries(run):
        if e.get("status", "ok") != "ok":
            out.append((f"load {loadview.label(e)}: {e.get('status')}", (e.get("error") or "(no message)").strip()))
    return out


def ffi_text(run: dict) -> str:
    ffi = next((b for b in run.get("benchmarks") or [] if b["name"] == FFI_NAME), None)
    s = (ffi or {}).get("summary") or {}
    if not s.get("ns_per_op"):
        why = f" ({ffi.get('status')}: {(ffi.get('error') or '').splitlines()[:1]})" if ffi else ""
        return f"The FFI crossing was not measured in this run{why}."
    c = (s.get("c_loop_ns_per_call") or {}).get("median")
    return (f"One Python -> Go call of a no-op export (cffi API mode) costs {ci_text(s['ns_per_op'])} ns "
            f"(median, 95% CI); the same export called from a C loop costs {fmt_num(c)} ns, so about "
            f"{fmt_num(s['ns_per_op']['median'] - (c or 0))} ns of each call is Python and cffi. Every measured round "
            "crosses once, around a loop of N operations timed inside Go: the FFI share column is that one "
            "crossing's share of the round.")


def family_other_metrics(bs: list[dict]) -> tuple[list[str], list[list[str]]]:
    """family_other_metrics is a table of the metrics not in the main columns (extras, GC CPU, STW, CPU)."""
    names: list[str] = []
    bs = [{**b, "summary": {current_name(k): v for k, v in (b.get("summary") or {}).items()}} for b in bs]
    for b in bs:
        for k, v in (b.get("summary") or {}).items():
            if k not in _MAIN and k not in names and isinstance(v, dict) and v.get("median"):
                names.append(k)  # a metric that is zero everywhere (no GC ran) says nothing
    if not names:
        return [], []
    rows = []
    for b in bs:
        s = b.get("summary") or {}
        build = b.get("build", "default")
        rows.append([b["name"] + ("" if build == "default" else f" [{build}]")]
                    + [ci_text(s.get(k)) if s.get(k) else "-" for k in names])
    return ["scenario"] + names, rows


def load_rows(run: dict) -> list[list[str]]:
    rows = []
    for e in loadview.entries(run):
        point = e.get("point") if isinstance(e.get("point"), dict) else {}
        key = e.get("sweep") if e.get("sweep") in point else next(iter(point), None)
        sweep = f"{key}={point[key]}" if key else "-"  # the swept value only; details are in run.json
        label = loadview.label(e)
        if not label.startswith(str(e.get("kind"))):
            label += f" ({e.get('kind')})"
        if e.get("status", "ok") != "ok" or not isinstance(e.get("result"), dict):
            rows.append([label, e.get("build", "default"), sweep,
                         f"{str(e.get('status')).upper()}: {(e.get('error') or '').strip()[:60]}"] + [""] * 8)
            continue
        r, lat, g = loadview.rate(e), loadview.latency(e), loadview.gc(e)
        us = lambda v: fmt_num(v / 1e3) if v is not None else "-"  # noqa: E731
        rate = ("closed loop" if r["closed_loop"] else f"{fmt_num(r['target'])}") + f" / {fmt_num(r['achieved'])}" \
            + ("" if r["kept_up"] in (None, True) else " (fell behind)")
        stw = f"{us(g['stw_p99_ns'])} / {us(g['stw_max_ns'])}" if g["stw_count"] else "no pause"
        rows.append([label, e.get("build", "default"), sweep, rate,
                     us(lat[50.0]), us(lat[99.0]), us(lat[99.9]), us(lat["max"]), fmt_num(g["cycles_per_min"]), stw,
                     "-" if g["gc_cpu_fraction"] is None else f"{g['gc_cpu_fraction'] * 100:.2f}%",  # share of procs
                     "-" if g["peak_heap_bytes"] is None else fmt_num(g["peak_heap_bytes"] / 1e6)])
    return rows


LOAD_HEADER = ["load run", "build", "sweep", "req/s target / achieved", "p50 µs", "p99 µs", "p99.9 µs",
               "max µs", "GC/min", "STW p99 / max µs", "GC CPU share of procs", "peak heap MB"]


def implied_snapshot_mb_s(doc: dict) -> dict[str, float]:
    """implied_snapshot_mb_s returns the bandwidths C6's claimed times imply, as labelled chart lines."""
    c = next((c for c in doc["claims"] if c["decide"].get("type") == "snapshot_bandwidth"), None)
    if not c:
        return {}
    d = c["decide"]
    mb, gb = float(d.get("bytes_per_mb", 1e6)), d["claimed_bytes"] / 1e9
    return {f"{c['id']} claimed mmap ({gb:g} GB in {d['claimed_optimized_ms']:g} ms)":
            d["claimed_bytes"] / (d["claimed_optimized_ms"] / 1e3) / mb,
            f"{c['id']} claimed write() ({gb:g} GB in {d['claimed_baseline_ms']:g} ms)":
            d["claimed_bytes"] / (d["claimed_baseline_ms"] / 1e3) / mb}


def run_settings(r: dict) -> str:
    """run_settings labels a run with the settings it ran with: rounds for micro runs, rate, duration, mode and
    sweep for load runs."""
    st = r.get("settings") or {}
    if r.get("kind") == "load" or "rate" in st:
        kinds = ", ".join(st.get("kinds") or []) or "default kinds"
        return (f"{st.get('mode', 'open')} loop"
                + (f" at {fmt_num(st.get('rate'))} req/s" if st.get("mode", "open") == "open" else "")
                + f", {fmt_num(st.get('duration_s'))} s after {fmt_num(st.get('warmup_s'))} s warm-up"
                + (f", sweep {st['sweep']}" if st.get("sweep") else "") + f"; {kinds}"
                + (f"; {(st.get('service') or {})['extra_alloc_bytes']} B extra allocation per request"
                   if (st.get("service") or {}).get("extra_alloc_bytes") else ""))
    recs = sorted({str((b.get("params") or {}).get("records")) for b in r.get("benchmarks") or []
                   if (b.get("params") or {}).get("records")})
    return (f"{st.get('rounds', '?')} rounds of about {fmt_num(st.get('round_ms'))} ms per scenario"
            + (f", CPU profile over {fmt_num(st['profile_cpu_min_s'])} s of CPU" if st.get("profile_cpu_min_s") else "")
            + (f", filter {r['filter']!r}" if r.get("filter") else "")
            + (f", Snapshot records={', '.join(recs)}" if recs else ""))


def _tally(verdicts: list) -> str:
    counts = {k: sum(v.kind == k for v in verdicts) for k in claims.KINDS}
    return ", ".join(f"{claims.SHORT[k]} {counts[k]}" for k in claims.KINDS)


def summary_section(doc: Doc, recs: list) -> None:
    """summary_section is the executive summary: one line per pattern, what to do and the number that decides it."""
    doc.h(2, "Executive summary")
    doc.p("One line per pattern: adopt / adopt only if / avoid, decided by the micro benchmark comparison named "
          "(median of per-round ratios of interleaved rounds, times better, with its distribution-free 95% CI), and "
          "the conditions that number holds under. The claims of the article follow, then the evidence.")
    rows = []
    for r in recs:
        what = r.action + (f" {r.condition}" if r.action == claims.ADOPT_IF else
                           f" ({r.condition})" if r.condition else "")
        rows.append([f"{r.family}: {r.pattern}", what, claimstable.text(r.decider) or "-",
                     claimstable.text(r.conditions) or "-", ", ".join(r.claims)])
    doc.table(["pattern", "recommendation", "deciding number (95% CI)", "holds under", "claims"], rows)


def claims_section(doc: Doc, verdicts: list, cdoc: dict, g: grid.Grid | None, escape_path: Path | None) -> None:
    """claims_section is the short claims table, the claims per host and Go version when the report has several,
    then a section per claim with its evidence."""
    doc.h(2, "Claims of the seed article")
    doc.p(f"Verdicts: {_tally(verdicts)}. Computed by gobench/analyse/claims.py from the runs of this report and "
          "gobench/analyse/claims.json; the full verdict, what was measured and the notes are in the section of "
          "each claim below.")
    doc.table(claimstable.HEADER, claimstable.table_rows(verdicts), [v.kind for v in verdicts])
    tol = cdoc.get("tolerance", {})
    doc.p(f"{tol.get('magnitude_doc', '')} {tol.get('significance_doc', '')} {tol.get('load_noise_doc', '')}")
    if escape_path and Path(escape_path).exists():
        ep = Path(escape_path)
        when = dt.datetime.fromtimestamp(ep.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
        doc.p(f"Escape-analysis claims (C12, C13) read {ep.name}, written {when} (not part of these runs).")
    grid_section(doc, g)
    for v in verdicts:
        doc.h(3, f"{v.id} ({claimstable.SHORT_TITLE.get(v.kind, v.short)}): {v.technique if not v.same_as else 'as ' + v.same_as}")
        doc.ul([f"**{k}**: {t}" for k, t in claimstable.details(v)]
               + ([f"**deciding number**: {claimstable.text(v.decider)}"] if claimstable.text(v.decider) else []))
        if v.notes:
            doc.ul([claimstable.text(n) for n in v.notes])


def claims_record(run: dict, with_runs: list[dict]) -> dict:
    """claims_record is the record the claims table and the executive summary decide on: the run (its reference Go
    version, for a run across versions) and the joined runs from its host. Runs from other hosts are never pooled
    into it; they are set beside it in the grid (grid_section)."""
    same_host, _ = grid.split_hosts(run, with_runs)
    return claims.merge_runs(reference_version_view(run), same_host)


def grid_section(doc: Doc, g: grid.Grid | None) -> None:
    """grid_section is the claims x (host, Go version) grid and what changed across it (nothing with one context)."""
    if g is None:
        return
    many = len(g.hosts) > 1
    doc.h(3, "Claims per host and Go version" if many else "Claims per Go version")
    if many:
        doc.p(gridview.HOSTS_EXPLANATION)
        doc.table(*gridview.host_rows(g))
    doc.p(gridview.EXPLANATION)
    changes = grid.changes(g)
    doc.table(*gridview.grid_rows(g, changes))
    lines = gridview.change_lines(g, changes)
    doc.p(f"What changed, among the claims decided on both sides (a verdict, or a deciding ratio that moved by more "
          f"than {grid.MATERIAL_FACTOR:g}x with its 95% intervals apart), from the oldest to the newest Go version"
          + (" of each host, and between hosts at the same Go version" if many else "")
          + (":" if lines else ": nothing."))
    doc.ul(lines)


def runs_rows(run: dict, with_runs: list[dict]) -> list[list[str]]:
    """runs_rows lists the runs a report uses, each with its settings."""
    return [[f"`{r.get('run_id')}`", claims.run_tag(r), r.get("kind", "micro"), run_settings(r),
             fmt_num(r.get("wall_s")) + " s"] for r in [run, *with_runs]]


def build(run: dict, run_dir: Path, escape_path: Path | None = None, warnings: list[str] | None = None,
          with_runs: list[dict] | None = None) -> Doc:
    """build assembles the report document of a run (drawing its charts into run_dir/charts).

    with_runs are other stored runs (the load runs and sweeps of `invoke review`, the Snapshot family at the
    article's size) whose results join this run's: in the executive summary, the claims and the load section.
    """
    with_runs = with_runs or []
    cdoc = claims.load_claims()
    view = reference_version_view(run)  # claims and charts: one Go version (the reference) of a run across them
    same_host, _ = grid.split_hosts(run, with_runs)
    merged = claims_record(run, with_runs)
    verdicts = claims.evaluate(merged, escape_path, cdoc)
    if with_runs:  # a review's report: what changed since the previous review, and this one kept for the next
        changes.attach(verdicts, stored_verdicts.previous(run_dir))
        stored_verdicts.write(run_dir, str(run.get("run_id")), claimstable.kept(verdicts))
    recs = claims.recommendations(merged, cdoc)
    outdir = run_dir / CHART_DIR
    figs = charts.render_all({**view, "load": []}, outdir, implied_snapshot_mb_s(cdoc))
    c6 = next((c for c in cdoc["claims"] if c["decide"].get("type") == "snapshot_bandwidth"), None)
    big = claims.at_article_size(merged, c6["decide"]) if c6 else None
    big_fig = (charts.snapshot_chart({**big, "benchmarks": [b for b in big["benchmarks"]
                                                            if b["name"].startswith("Snapshot/")]},
                                     outdir / "article-size", implied_snapshot_mb_s(cdoc)) if big else [])
    loads = loadview.entries(merged)
    load_figs = charts.render_all({**merged, "benchmarks": []}, outdir, None) if loads else {}
    doc = Doc()
    doc.h(1, f"gobench report: {run.get('run_id')}")
    probs = problems(run) + [p for o in with_runs for p in problems(o)]
    ok = sum(b.get("status", "ok") == "ok" for b in run.get("benchmarks") or [])
    doc.p(f"{ok} of {len(run.get('benchmarks') or [])} micro scenarios ran"
          + (f", {len(loadview.entries(merged, ok_only=True))} of {len(loads)} load runs" if loads else
             ", no load runs")
          + (f" (from {len(with_runs)} joined run{'s' * (len(with_runs) != 1)})" if with_runs else "")
          + f". Claims: {_tally(verdicts)}." + (f" **{len(probs)} problem(s)**, listed below." if probs else ""))

    summary_section(doc, recs)
    claims_section(doc, verdicts, cdoc, grid.build(run, with_runs, escape_path, cdoc), escape_path)

    doc.h(2, "Environment")
    doc.table(["", "value"], environment(run))
    doc.p("Runs in this report:")
    doc.table(["run", "tag", "kind", "settings", "wall"], runs_rows(run, with_runs))

    if probs or warnings:
        doc.h(2, "Problems")
        if probs:
            doc.p("These scenarios or load runs did not complete; their rows below are empty or partial.")
            for what, err in probs:
                doc.p(f"**{what}**")
                lines = err.splitlines()
                doc.pre("\n".join(lines[:25]) + (f"\n... ({len(lines) - 25} more lines in run.json)"
                                                 if len(lines) > 25 else ""))
        if warnings:
            doc.p("run.json deviates from gobench/store/schemas/run.schema.json here (the report reads it anyway):")
            doc.ul(warnings)

    doc.h(2, "FFI crossing cost")
    doc.p(ffi_text(view))

    doc.h(2, "Micro benchmarks")
    doc.p("Each scenario ran in rounds interleaved with the other variants of its family; a value is the median "
          "over rounds, ± the half-width of its 95% confidence interval (distribution-free, order statistics). "
          "allocs/op and B/op are counted by the Go runtime and are exact. gc_cpu_per_wall_s is GC CPU time (all "
          "Ps: background and idle mark workers, assists, pauses x GOMAXPROCS) per wall second of the round: it can "
          "exceed 1. A GC cycle still running when a round's counters are read is finished by the next round's "
          "runtime.GC(), outside every timed region, and belongs to no round: GC counts and GC CPU per round are "
          "lower bounds by at most one cycle.")
    when = {p["family"]: p for p in cdoc.get("patterns") or []}
    for fam in charts.families(run):
        bs = [b for b in run["benchmarks"] if (b.get("family") or b["name"].split("/")[0]) == fam
              and b["name"] != FFI_NAME]
        doc.h(3, fam)
        rows = present.table_rows({"benchmarks": bs})
        doc.table([c for c, _ in present.COLUMNS], rows,
                  ["bad" if b.get("status", "ok") != "ok" else "" for b in bs])
        hdr, other = family_other_metrics(bs)
        if other:
            doc.p("Other metrics (median ± 95% CI half-width):")
            doc.table(hdr, other)
        if f"family-{fam}" in figs:
            doc.chart(f"{fam}: ns/op, allocs/op, B/op and GC cycles per 1k ops per variant (95% CI)",
                      figs[f"family-{fam}"])
        if fam == "Snapshot" and "snapshot-bandwidth" in figs:
            doc.chart("Snapshot bandwidth (default size) against memcpy and the bandwidth the claimed times imply",
                      figs["snapshot-bandwidth"])
        if fam == "Snapshot" and big:
            bs_big = [b for b in big["benchmarks"] if b["name"].startswith("Snapshot/")]
            doc.p("At the article's size (1 GB, a separate run; see Runs):")
            doc.table([c for c, _ in present.COLUMNS], present.table_rows({"benchmarks": bs_big}))
            hdr, other = family_other_metrics(bs_big)
            if other:
                doc.table(hdr, other)
            doc.chart("Snapshot bandwidth at 1 GB against memcpy and the bandwidth the claimed times imply", big_fig)
        if fam in when and when[fam].get("when_not_to_use"):
            doc.p(f"**When it does not pay.** {when[fam]['when_not_to_use']}")
        profile_section(doc, fam, [run, *same_host], run_dir / CHART_DIR)
    if "snapshot-bandwidth" in figs and "Snapshot" not in charts.families(run):
        doc.chart("Bandwidth against memcpy", figs["snapshot-bandwidth"])
    go_versions_section(doc, run)

    doc.h(2, "Load")
    if not loads:
        doc.p("No load runs in this report. `invoke load` measures request latency, GC cycles per minute and "
              "stop-the-world pauses under a request rate; claims C2-C5 and C7-C9 need it (`invoke review` runs them "
              "all and joins them here).")
    else:
        doc.p("Open-loop request traffic at a target rate (or closed loop), latency measured from each request's "
              "scheduled start. GC numbers are runtime/metrics deltas over the measured interval; STW values are "
              "bucket upper edges of the runtime's pause histogram (up to about 25% above the true pause). GC CPU is "
              "the share of GOMAXPROCS x wall time the GC used (gc_cpu_share_of_procs, at most 1). Each load run's "
              "settings are in the Runs table above; a row's label ends with the tag of the run it comes from.")
        doc.table(LOAD_HEADER, load_rows(merged),
                  ["bad" if e.get("status", "ok") != "ok" else "" for e in loads])
        captions = {"latency": "Latency spectrum", "stw": "GC stop-the-world pause distribution",
                    "gogc-tradeoff": "GOGC sweep: heap, p99 and GC CPU", "gomaxprocs-sweep": "GOMAXPROCS sweep",
                    "controller-gogc": "GOGC chosen by the adaptive controller"}
        for name, paths in load_figs.items():
            if name.startswith(("family-", "snapshot-")):
                continue
            base = next((v for k, v in captions.items() if name.startswith(k)), name)
            group = name.split("-", 1)[1] if name.startswith(("latency-", "stw-")) else ""
            doc.chart(base + ("" if group in ("", "plain") else f" ({group} sweep)"), paths)

    doc.h(2, "Reproduce")
    ids = [o.get("run_id") for o in with_runs]
    doc.p("Every number above comes from the run records listed under Runs: `results/runs/<run id>/run.json` "
          f"(schema {store.SCHEMA}) and `bench.txt` (Go benchmark format, for benchstat) in each run's folder. "
          "This report's folder holds REPORT.md, REPORT.html (self-contained) and charts/.")
    doc.pre(f"invoke report --run {run.get('run_id')}" + "".join(f" --with {i}" for i in ids)
            + "    # rebuild this report from the stored runs\n"
            + ("invoke review --quick" if (run.get("settings") or {}).get("rounds", 10) < 10 else "invoke review")
            + "    # measure everything again and write a new report"
            + (f"\ninvoke bench --filter {run['filter']!r}" if run.get("filter") else ""))
    return doc


def profile_section(doc: Doc, family: str, runs: list[dict], chart_dir: Path) -> None:
    """profile_section adds a family's `invoke profile` results, from the first of runs that profiled it:
    allocation sites per variant, top CPU functions, an icicle chart of CPU stacks, GC cycles from
    gctrace, and what each profiler cost. Nothing when no run profiled the family."""
    for r in runs:
        bs = [b for b in r.get("benchmarks") or [] if b.get("profile") and
              (b.get("family") or b["name"].split("/")[0]) == family]
        if bs:
            break
    else:
        return
    st = r.get("settings") or {}
    doc.h(4, f"{family}: where the time and the allocations go")
    doc.p(f"From `invoke profile` run `{r.get('run_id')}`: each variant in dedicated worker processes, one per "
          f"kind ({', '.join(proftables.KIND_NAMES[k] for k in st.get('profile_kinds') or [])}), at the N a plain "
          f"worker calibrated as bench does, {st.get('rounds')} rounds of about {st.get('round_ms')} ms each, "
          f"interleaved with the plain worker's. Files (open with `go tool pprof`, `go tool trace`): "
          + "; ".join(f"{_bench_variant(b)}: " + ", ".join(f"`{p}`" for p in (b['profile'].get('files') or {}).values())
                      for b in bs) + ".")
    sites = proftables.site_rows(bs)
    if sites:
        doc.p("Allocation sites of one round's worth of operations (the allocation profile's difference across the "
              "measured rounds, every allocation sampled), per operation. The runtime's tiny allocator packs "
              "pointer-free objects under 16 B into 16-byte blocks and the profile records only the object that "
              "starts a block; the objects that joined a started block are the runtime counter minus the profile.")
        doc.table(proftables.SITES_HEADER, sites)
    cpu = proftables.cpu_rows(bs)
    if cpu:
        doc.p("Top CPU functions (share of the CPU profile's samples; flat: in the function itself). The profile "
              "covers the whole process: runtime.mcall -> schedule -> findRunnable is the idle P looking for work "
              "on the other CPU while the round runs on one goroutine, runtime.gcBgMarkWorker is the GC.")
        doc.table(proftables.CPU_HEADER, cpu)
        paths = charts.profile_icicle({_bench_variant(b): b["profile"].get("cpu_stacks") or [] for b in bs},
                                      f"{family}: CPU profile", chart_dir, f"profile-icicle-{family}")
        if paths:
            doc.chart(f"{family}: CPU profile as an icicle chart (callers above callees; width = share of samples)",
                      paths)
    gc = proftables.gc_rows(bs)
    if gc:
        doc.p("GC cycles in the measured rounds, from GODEBUG=gctrace=1 (forced: the round protocol's runtime.GC() "
              "before each round). Mark wall time is the concurrent mark phase; STW is sweep termination plus mark "
              "termination.")
        doc.table(proftables.GC_HEADER, gc)
    ov = proftables.overhead_rows(bs)
    if ov:
        doc.p("What profiling cost: ns/op with each profiler over ns/op of the plain worker, median over the blocks "
              "in which both ran back to back (min-max). Bench, baseline and check never profile.")
        doc.table(proftables.overhead_header(bs), ov)


def _bench_variant(b: dict) -> str:
    return str(b.get("variant") or b["name"].split("/", 1)[-1])


# ---------------------------------------------------------------- Go versions (invoke bench --go)


def reference_version_view(run: dict) -> dict:
    """reference_version_view is a run across Go toolchains reduced to its reference version's results (the
    claims and the charts are per version; the versions table shows them all); any other run unchanged."""
    if not versions.versions(run):
        return run
    return versions.version_view(run, run.get("go_ref") or versions.reference(run))


def go_versions_section(doc: Doc, run: dict) -> None:
    """go_versions_section adds the versions table of a run across Go toolchains (nothing for other runs)."""
    if not versions.versions(run):
        return
    ref, header, rows = versions_view.rows(run, run.get("go_ref"))
    doc.h(2, "Across Go versions")
    doc.p(f"Versions: {', '.join(versions.versions(run))}; reference {ref}. {versions_view.EXPLANATION} "
          f"Function alignment, the same in every version's build: "
          f"{'64 bytes' if run.get('func_align') == 64 else 'Go default (Go before 1.25 has no -funcalign)'}. The claims "
          f"table and the charts use {ref} only; every claim per version is in the grid under the claims table. "
          f"Compare the versions with benchstat: "
          f"`benchstat -col go bench.txt`.")
    doc.table(header, rows)
    ffi = [b for b in run["benchmarks"] if b["name"] == FFI_NAME and (b.get("summary") or {}).get("ns_per_op")]
    if ffi:
        doc.p("FFI crossing per version (outside the timed region; it does not change ns/op): " + "; ".join(
            f"{b.get('go')} {fmt_num(b['summary']['ns_per_op']['median'])} ns from Python, "
            f"{fmt_num((b['summary'].get('c_loop_ns_per_call') or {}).get('median'))} ns from a C loop"
            for b in ffi) + ".")


def check(run: dict, path: Path) -> list[str]:
    """check validates a run against the schema: raises StoreError for a damaged core, returns load warnings.

    The load section comes from a separate generator whose reply may gain or
    rename fields; a deviation there is reported in the document, not fatal.
    """
    errs = schemacheck.errors(run, limit=50)
    fatal = [e for e in errs if not e.startswith("$.load")]
    if fatal:
        raise store.StoreError(f"{path}: does not match the run schema: " + "; ".join(fatal[:5]))
    return [e for e in errs if e.startswith("$.load")]


def write_report(run_dir: Path, root: Path | None = None, with_runs: list[str] | None = None) -> Path:
    """write_report rebuilds the charts and REPORT.md/REPORT.html of a stored run folder; returns REPORT.md.

    root is the results root holding escape.json (default: the folder two
    levels above run_dir, i.e. results/). with_runs names other runs (ids or
    folders) whose results join the claims table, e.g. the `invoke load` run
    beside an `invoke bench` run. Raises store.StoreError when a run cannot
    be read.
    """
    run_dir = Path(run_dir)
    root = Path(root) if root else run_dir.parent.parent
    run = store.load_run(run_dir, root)
    warnings = check(run, run_dir / "run.json")
    others = [store.load_run(r, root) for r in with_runs or []]
    doc = build(run, run_dir, root / "escape.json", warnings, others)
    md = render_md(doc, run_dir)
    atomic.write_text(run_dir / REPORT_MD, md)
    atomic.write_text(run_dir / REPORT_HTML, render_html(doc, f"gobench report {run.get('run_id')}"))
    return run_dir / REPORT_MD
