"""Charts of stored runs, as PNG and SVG, with matplotlib's Agg renderer.

This is the presentation step: every function reads a run record (or a list
of them) and writes files; none runs a benchmark. A chart whose data is not
in the run is skipped and the function returns an empty list, so a run with
only some families, or no load section, still gets the charts it can have.

Each chart is written as NAME.png (for Markdown and quick viewing) and
NAME.svg (text kept as text, for the HTML report), atomically: a temporary
file in the same folder, then a rename.

Note: pyplot is not used. Its global figure registry and backend selection
are process-wide state; Figure plus the Agg canvas needs neither, and works
in a test process that also imported pyplot with another backend.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator

from gobench.analyse import claims
from gobench.analyse import loadview
from gobench.analyse import repeats
from gobench.analyse import stats
from gobench.metrics import HEADLINE, METRICS
from gobench.present.fmt import chart_num
from gobench.records import FFI_NAME
from gobench.store import atomic

DPI = 110
STYLE = {
    "svg.fonttype": "none",  # keep text as <text> in SVG: smaller, searchable, crisp
    "svg.hashsalt": "gobench",  # stable element ids: the same data gives the same SVG bytes
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.axisbelow": True,
    "legend.fontsize": 8,
    "legend.frameon": False,
}
COLORS = matplotlib.colormaps["tab10"].colors

# (metric, panel title) of the per-family charts: the headline metrics of gobench.metrics
FAMILY_PANELS = [(m, METRICS[m].unit) for m in HEADLINE]
SPECTRUM_PCTS = (50, 90, 99, 99.9, 99.99)
# The size of a Snapshot benchmark run without a records parameter: snapshotDefaultRecords (65536) records of
# SnapshotRecordBytes (48) in gosrc/patterns/snapshot.go; the run record does not carry parameter defaults.
SNAPSHOT_DEFAULT_BYTES = 65536 * 48


# ---------------------------------------------------------------- helpers


def _figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, outdir: Path, name: str) -> list[Path]:
    """_save writes fig as outdir/name.png and .svg atomically and returns both paths."""
    paths = []
    for ext in ("png", "svg"):
        final = outdir / f"{name}.{ext}"

        def draw(tmp: Path, ext: str = ext) -> None:
            with matplotlib.rc_context(STYLE):
                # no creation date in the files: the same data gives the same bytes
                fig.savefig(tmp, format=ext, dpi=DPI, metadata={"Date": None} if ext == "svg" else None)

        atomic.write_via(final, draw)
        paths.append(final)
    return paths


def slug(s: str) -> str:
    """slug makes a file-name-safe chart name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-") or "chart"


def _median_ci(s: dict | None) -> tuple[float | None, float | None, float | None]:
    if not isinstance(s, dict) or s.get("median") is None:
        return None, None, None
    return s["median"], s.get("ci_lo"), s.get("ci_hi")


def _bench_label(b: dict) -> str:
    build = b.get("build", "default")
    return str(b.get("variant") or b["name"].split("/", 1)[-1]) + ("" if build == "default" else f"\n[{build}]")


def _log_axis(axis) -> None:
    """_log_axis puts plain labels on a log-scaled axis (no 2x10^1): 1-2-5 ticks over up to three decades,
    powers of ten over more. Call it after plotting, when the axis knows its range."""
    lo, hi = axis.get_view_interval()
    wide = lo > 0 and hi / lo > 1000
    subs = (1.0,) if wide else (1.0, 2.0, 5.0)
    if lo > 0 and hi > lo:  # end the axis on a tick: data above the last tick would have no label to read it by
        top = min(m * 10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
                  for m in subs if m * 10.0 ** k >= hi * (1 - 1e-9))
        if axis is axis.axes.yaxis:
            axis.axes.set_ylim(top=top)
        else:
            axis.axes.set_xlim(right=top)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: chart_num(v)))


def _bars(ax, labels: list[str], values: list, los: list, his: list, colors: list, ylabel: str,
          notes: list[str] | None = None) -> None:
    """_bars draws one bar per variant with its 95% CI as an error bar (where lo and hi are given) and its value
    on top."""
    x = list(range(len(labels)))
    heights = [v if v is not None else 0 for v in values]
    ax.bar(x, heights, color=colors, width=0.65)
    for i, (v, lo, hi) in enumerate(zip(values, los, his)):
        if v is None:
            ax.text(i, 0, notes[i] if notes else "no data", ha="center", va="bottom", fontsize=8,
                    color="firebrick", rotation=90)
            continue
        if lo is not None and hi is not None:
            ax.errorbar(i, v, yerr=[[max(0.0, v - lo)], [max(0.0, hi - v)]], fmt="none", ecolor="0.15",
                        capsize=4, lw=1)
        top = hi if hi is not None else v
        ax.annotate(chart_num(v), (i, top), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8)
    ax.set_xticks(x, labels)
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.margins(y=0.18)
    ax.grid(axis="x", visible=False)
    if len(labels) > 3 or max((len(l) for l in labels), default=0) > 10:
        for t in ax.get_xticklabels():
            t.set_rotation(25)
            t.set_ha("right")


# ---------------------------------------------------------------- micro charts


def families(run: dict) -> list[str]:
    """families lists the micro families of a run in order of appearance, FFI excluded."""
    out: list[str] = []
    for b in run.get("benchmarks") or []:
        fam = b.get("family") or b["name"].split("/")[0]
        if b["name"] != FFI_NAME and fam not in out:
            out.append(fam)
    return out


def _time_scale(values: list) -> tuple[float, str]:
    """_time_scale picks ns, µs or ms for a panel of ns values, so ticks stay short."""
    top = max((v for v in values if v is not None), default=0)
    if top >= 1e6:
        return 1e6, "ms"
    if top >= 1e4:
        return 1e3, "µs"
    return 1.0, "ns"


def family_chart(run: dict, family: str, outdir: Path) -> list[Path]:
    """family_chart draws a family's variants side by side: ns/op, allocs/op, B/op, GCs per 1k ops, with 95% CIs.

    Up to three variants the four panels stand in a row; with more, in a 2x2
    grid so that the bars keep a readable width.
    """
    bs = [b for b in run.get("benchmarks") or [] if (b.get("family") or b["name"].split("/")[0]) == family
          and b["name"] != FFI_NAME]
    if not bs or not any((b.get("summary") or {}).get("ns_per_op") for b in bs):
        return []
    labels = [_bench_label(b) for b in bs]
    notes = ["no data" if b.get("status", "ok") == "ok" else str(b.get("status")) for b in bs]
    colors = [COLORS[i % len(COLORS)] for i in range(len(bs))]
    grid = len(bs) > 3
    with matplotlib.rc_context(STYLE):
        if grid:
            fig = _figure(max(8.0, 1.0 * len(bs) * 2 + 1.5), 6.4)
            axes = fig.subplots(2, 2).ravel()
        else:
            fig = _figure(10.0, 3.4)
            axes = fig.subplots(1, len(FAMILY_PANELS))
        for ax, (metric, title) in zip(axes, FAMILY_PANELS):
            trip = [_median_ci((b.get("summary") or {}).get(metric)) for b in bs]
            if METRICS[metric].exact:  # a count the program decides: the same in every round, no interval to draw
                trip = [(m, None, None) for m, _, _ in trip]
            scale = 1.0
            if metric == "ns_per_op":
                scale, unit = _time_scale([t[0] for t in trip])
                title = f"{unit}/op"
            trip = [tuple(None if x is None else x / scale for x in t) for t in trip]
            _bars(ax, labels, [t[0] for t in trip], [t[1] for t in trip], [t[2] for t in trip], colors, "", notes)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: chart_num(v)))
            if not any(t[0] for t in trip):  # every median zero (or missing)
                top = max((t[2] or 0 for t in trip), default=0)
                if top > 0:  # an interval above zero still says something: keep it in view
                    ax.set_ylim(0, top * 1.25)
                else:  # say so instead of an empty +-0.06 axis
                    ax.set_ylim(0, 1)
                    ax.set_yticks([0])
                    ax.text(0.5, 0.5, "0 for every variant", transform=ax.transAxes, ha="center", color="0.4")
            ax.set_title(title)
        rounds = sorted({(b.get("summary") or {}).get("ns_per_op", {}).get("n", 0) for b in bs} - {0})
        exact = ", ".join(title for metric, title in FAMILY_PANELS if METRICS[metric].exact)
        fig.suptitle(f"{family}: median per variant, error bars = 95% CI of the median "
                     f"({'/'.join(map(str, rounds)) or '?'} rounds; none on exact counts: {exact})", fontsize=10)
    return _save(fig, outdir, f"family-{slug(family)}")


def snapshot_chart(run: dict, outdir: Path, claimed_mb_s: dict[str, float] | None = None,
                   metric: str = "mb_per_s", bound: str = r"(Snapshot|Memcpy|Memory)/(memcpy|copy)",
                   family: str = "Snapshot") -> list[Path]:
    """snapshot_chart draws the MB/s of the family's scenarios (and memcpy, as a line), at the size they ran with.

    Other families reporting MB/s are a different workload and left out
    (SnapshotTick rewrites only the records a tick changed). claimed_mb_s maps
    a label to a bandwidth the claims imply (drawn dashed), so that the gap
    between what was claimed and what memory can do is seen. Error bars are
    95% CIs, drawn only where the summary has one (from
    stats.MIN_SAMPLES_FOR_CI rounds on). The y axis is logarithmic: the
    claimed and the measured differ by orders of magnitude.
    """
    rx = re.compile(bound)
    bs = [b for b in run.get("benchmarks") or [] if (b.get("summary") or {}).get(metric, {}).get("median")
          and ((b.get("family") or b["name"].split("/")[0]) == family or rx.fullmatch(b["name"]))]
    if not bs:
        return []
    labels = [b["name"] + ("" if b.get("build", "default") == "default" else f" [{b['build']}]") for b in bs]
    trip = [_median_ci(b["summary"][metric]) for b in bs]
    colors = ["0.55" if rx.fullmatch(b["name"]) else COLORS[i % len(COLORS)] for i, b in enumerate(bs)]
    with_ci = all(lo is not None and hi is not None for _, lo, hi in trip)
    rounds = "/".join(map(str, sorted({b["summary"][metric].get("n") or 0 for b in bs})))
    sizes = sorted({claims.snapshot_bytes(b) or SNAPSHOT_DEFAULT_BYTES for b in bs})
    with matplotlib.rc_context(STYLE):
        fig = _figure(max(6.5, 1.3 * len(bs) + 3), 5.0)
        ax = fig.subplots()
        _bars(ax, labels, [t[0] for t in trip], [t[1] for t in trip], [t[2] for t in trip], colors,
              "MB/s (10^6 bytes per second, log scale)")
        ax.set_yscale("log")
        _log_axis(ax.yaxis)
        memcpy = next((t[0] for b, t in zip(bs, trip) if rx.fullmatch(b["name"])), None)
        if memcpy:
            ax.axhline(memcpy, color="0.3", lw=1.2, label=f"memcpy measured here: {chart_num(memcpy)} MB/s")
        for i, (lab, v) in enumerate((claimed_mb_s or {}).items()):
            ax.axhline(v, color=COLORS[(i + 3) % len(COLORS)], lw=1.2, ls="--", label=f"{lab}: {chart_num(v)} MB/s")
        ax.set_ylim(top=max([t[0] for t in trip] + list((claimed_mb_s or {}).values())) * 2)
        if memcpy or claimed_mb_s:
            fig.legend(loc="outside lower center", ncols=1)
        ax.set_title(f"{family} write bandwidth, {' / '.join(_bytes_text(x) for x in sizes)} snapshot: median of "
                     f"{rounds} rounds" + (", error bars = 95% CI" if with_ci else
                                                    f" (no interval: it needs {stats.MIN_SAMPLES_FOR_CI} rounds)"))
    return _save(fig, outdir, "snapshot-bandwidth")


def _bytes_text(n: float) -> str:
    """_bytes_text is a size in the decimal units of the MB/s axis: 3.15 MB, 1 GB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{chart_num(n / size)} {unit}"
    return f"{n:.0f} B"


# ---------------------------------------------------------------- load charts


def _pct_to_x(p: float) -> float:
    return -math.log10(1 - p / 100.0)


def _x_to_pct(x: float) -> float:
    return 100.0 * (1 - 10 ** (-x))


def _groups(run: dict) -> dict[str, list[dict]]:
    """_groups splits ok load entries by sweep: "plain" first, then each sweep; one entry per point, the
    repeat with the median p99 (loadview.representatives)."""
    out: dict[str, list[dict]] = {}
    for e in loadview.representatives(run):
        out.setdefault(e.get("sweep") or "plain", []).append(e)
    return dict(sorted(out.items(), key=lambda kv: kv[0] != "plain"))


def _one_repeat(run: dict, es: list[dict]) -> str:
    """_one_repeat says, for a chart that draws the representative entries es, which repeat it draws and of how
    many ("" when no point was repeated)."""
    groups = loadview.repeats(run)
    counts = sorted({sum(x.get("status", "ok") == "ok" for x in groups[loadview.label(e)]) for e in es})
    if counts[-1:] in ([], [1]):
        return ""
    return f"representative repeat (median p99) of {'/'.join(map(str, counts))}"


def latency_spectrum(run: dict, outdir: Path) -> list[Path]:
    """latency_spectrum draws each load run's latency by percentile, p50 to p99.99 with the tail stretched
    (x = -log10(1 - p)), one chart per sweep."""
    paths = []
    grid = [_x_to_pct(x / 40 * _pct_to_x(99.99) + (1 - x / 40) * _pct_to_x(50)) for x in range(41)]
    for group, es in _groups(run).items():
        series = [(loadview.label(e), loadview.spectrum(e, grid)) for e in es]
        series = [(lab, pts) for lab, pts in series if pts]
        if not series:
            continue
        with matplotlib.rc_context(STYLE):
            labels = [lab for lab, _ in series]
            fig = _figure(7.5, 4.4 + 0.2 * math.ceil(len(labels) / _legend_cols(labels)))
            ax = fig.subplots()
            for i, (lab, pts) in enumerate(series):
                ax.plot([_pct_to_x(p) for p, _ in pts], [v / 1e3 for _, v in pts], marker="." if len(pts) < 8 else None,
                        color=COLORS[i % len(COLORS)], label=lab, lw=1.4)
            ax.set_yscale("log")
            _log_axis(ax.yaxis)
            ax.xaxis.set_major_locator(FixedLocator([_pct_to_x(p) for p in SPECTRUM_PCTS]))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"p{_x_to_pct(x):.4g}"))
            ax.set_xlim(_pct_to_x(50) - 0.05, _pct_to_x(99.99) + 0.05)
            ax.set_xlabel("percentile (tail stretched: each tick is 10x rarer)")
            ax.set_ylabel("request latency (µs, log scale)")
            ax.set_title("; ".join(x for x in ("Latency spectrum" + ("" if group == "plain" else f": {group} sweep"),
                                               _one_repeat(run, es)) if x))
            fig.legend(loc="outside lower center", ncols=_legend_cols([lab for lab, _ in series]))
        paths += _save(fig, outdir, f"latency-{slug(group)}")
    return paths


def stw_chart(run: dict, outdir: Path) -> list[Path]:
    """stw_chart draws the distribution of GC stop-the-world pauses of each load run, one chart per sweep."""
    paths = []
    for group, es in _groups(run).items():
        series = [(loadview.label(e), loadview.stw_buckets(e)) for e in es]
        quiet = [lab for lab, bs in series if not bs]
        series = [(lab, bs) for lab, bs in series if bs]
        if not series:
            continue
        with matplotlib.rc_context(STYLE):
            labels = [lab for lab, _ in series] + ([f"no pause: {', '.join(quiet)}"] if quiet else [])
            fig = _figure(7.5, 4.2 + 0.2 * math.ceil(len(labels) / _legend_cols(labels)))
            ax = fig.subplots()
            for i, (lab, bs) in enumerate(series):
                total = sum(c for _, _, c in bs)
                edges, vals = _stairs(bs, total)
                col = COLORS[i % len(COLORS)]
                ax.stairs(vals, edges, fill=True, alpha=0.12, color=col)
                ax.stairs(vals, edges, color=col, lw=1.4, label=f"{lab} ({int(total)} pauses)")
            ax.set_xscale("log")
            _log_axis(ax.xaxis)
            ax.set_xlabel("stop-the-world pause (µs, log scale; runtime buckets, 4 per power of two)")
            ax.set_ylabel("share of pauses (%)")
            ax.set_ylim(bottom=0)
            if quiet:  # a run without GC is a result too: name it rather than drop it
                ax.plot([], [], " ", label=f"no pause: {', '.join(quiet)}")
            ax.set_title("; ".join(x for x in ("GC stop-the-world pauses" + ("" if group == "plain" else
                                                                             f": {group} sweep"),
                                               _one_repeat(run, es)) if x))
            fig.legend(loc="outside lower center", ncols=_legend_cols(ax.get_legend_handles_labels()[1]))
        paths += _save(fig, outdir, f"stw-{slug(group)}")
    return paths


def _legend_cols(labels: list[str], width_chars: int = 100) -> int:
    """_legend_cols is how many legend columns fit under a 7.5-inch chart without running off its sides."""
    longest = max((len(x) for x in labels), default=1) + 8  # marker and spacing
    return max(1, min(3, len(labels), width_chars // longest))


def _stairs(bs: list[tuple[float, float, float]], total: float) -> tuple[list[float], list[float]]:
    """_stairs turns sparse buckets into contiguous edges (µs) and shares (%), with zero over the gaps."""
    edges: list[float] = []
    vals: list[float] = []
    for lo, hi, c in bs:
        lo, hi = max(lo, 1.0) / 1e3, max(hi, lo * 1.19, 1.0) / 1e3
        if edges and lo > edges[-1] * 1.0001:
            vals.append(0.0)
            edges.append(lo)
        elif edges:
            lo = edges[-1]
        if not edges:
            edges = [lo / 1.19, lo]
            vals = [0.0]
        vals.append(100 * c / total)
        edges.append(hi)
    edges.append(edges[-1] * 1.19)
    vals.append(0.0)
    return edges, vals


def gogc_tradeoff(run: dict, outdir: Path) -> list[Path]:
    """gogc_tradeoff draws the GOGC sweep: peak heap, p99 latency and GC CPU share against GOGC, per request kind;
    each point the median across its repeats, the whiskers their range."""
    by_kind: dict[str, list[tuple[float, list[dict]]]] = {}
    off: dict[str, list[dict]] = {}  # GOGC=off runs: drawn apart, right of the largest GOGC
    for group in loadview.repeats(run).values():
        es = [e for e in group if e.get("sweep") == "gogc" and e.get("status", "ok") == "ok"
              and isinstance(e.get("result"), dict)]
        g = loadview.gogc_of(es[0]) if es else None
        if g is not None and g > 0:
            by_kind.setdefault(str(es[0].get("kind")), []).append((float(g), es))
        elif g == -1:
            off[str(es[0].get("kind"))] = es
    if not by_kind:
        return []
    off_x = max(g for pts in by_kind.values() for g, _ in pts) * 2
    panels = [("peak heap (MB)", lambda e: _div(loadview.gc(e)["peak_heap_bytes"], 1e6)),
              ("p99 latency (µs)", lambda e: _div(loadview.latency(e)[99.0], 1e3)),
              ("GC CPU (% of GOMAXPROCS x wall)", lambda e: _div(loadview.gc(e)["gc_cpu_share_of_procs"], 0.01))]
    n = "/".join(map(str, sorted({len(es) for pts in by_kind.values() for _, es in pts}
                                 | {len(es) for es in off.values()})))
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.0, 6.6)
        axes = fig.subplots(len(panels), 1, sharex=True)
        gogcs = sorted({g for pts in by_kind.values() for g, _ in pts})
        for ax, (ylabel, fn) in zip(axes, panels):
            for i, (kind, pts) in enumerate(sorted(by_kind.items())):
                col = COLORS[i % len(COLORS)]
                xs = [(g, repeats.spread([fn(e) for e in es])) for g, es in sorted(pts, key=lambda t: t[0])]
                if kind in off:
                    xs.append((off_x, repeats.spread([fn(e) for e in off[kind]])))
                for line, style in (([(g, s) for g, s in xs if s and g != off_x], {"marker": "o", "label": kind}),
                                    ([(g, s) for g, s in xs if s and g == off_x],
                                     {"marker": "D", "ls": "none",
                                      "label": f"{kind}, GOGC=off" if ax is axes[0] else None})):
                    if line:
                        ax.errorbar([g for g, _ in line], [s[0] for _, s in line], capsize=3, color=col,
                                    yerr=[[s[0] - s[1] for _, s in line], [s[2] - s[0] for _, s in line]], **style)
            ax.set_ylabel(ylabel)
            ys = [y for line in ax.get_lines() for y in line.get_ydata() if y > 0]
            if ys and max(ys) / min(ys) > 20:  # GOGC=off next to GOGC=50: a linear axis flattens the sweep
                ax.set_yscale("log")
                _log_axis(ax.yaxis)
                ax.set_ylabel(ylabel.replace(")", ", log scale)"))
            else:
                ax.set_ylim(bottom=0)
        axes[0].legend(loc="upper left")
        ticks = gogcs + ([off_x] if off else [])
        axes[-1].set_xscale("log", base=2)
        axes[-1].xaxis.set_major_locator(FixedLocator(ticks))
        axes[-1].xaxis.set_minor_locator(NullLocator())
        axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda x, _: "off" if off and x == off_x else f"{x:g}"))
        axes[-1].set_xlabel("GOGC (log scale)" + ("; off = no GC goal, with a memory limit" if off else ""))
        fig.suptitle("GOGC trade-off: memory against latency and GC CPU\n"
                     f"median of {n} repeats per point, whiskers = range of the repeats", fontsize=10)
    return _save(fig, outdir, "gogc-tradeoff")


def _div(v, d):
    return None if v is None else v / d


def gomaxprocs_chart(run: dict, outdir: Path) -> list[Path]:
    """gomaxprocs_chart draws the GOMAXPROCS sweep: the mean STW pause and the p99 latency of each point, as the
    median across its repeats with their range as the whisker (label = pauses over all repeats). The mean STW
    points are the numbers claim C8 is decided on (repeats.gomaxprocs_repeats, the median of per-repeat means).
    Axes turn logarithmic when the points span more than 50x."""
    pts = []  # (GOMAXPROCS, STW spread, p99 spread, kind, pauses)
    for p, es in repeats.gomaxprocs_repeats(run).items():
        for kind in sorted({str(e.get("kind")) for e in es}):
            ks = [e for e in es if str(e.get("kind")) == kind]
            pts.append((p, repeats.spread([loadview.stw_mean_sd(e)[0] for e in ks]),
                        repeats.spread([loadview.latency(e)[99.0] for e in ks]), kind,
                        sum(int(loadview.gc(e)["stw_count"] or 0) for e in ks)))
    if not pts:
        return []
    cores = (run.get("machine") or {}).get("cpu_count")
    sc1, u1 = _time_scale([p[1][2] for p in pts if p[1]])
    sc2, u2 = _time_scale([p[2][2] for p in pts if p[2]])
    n = "/".join(map(str, sorted({s[3] for p in pts for s in (p[1], p[2]) if s}))) or "0"
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.0, 5.0)
        ax1, ax2 = fig.subplots(2, 1, sharex=True)
        for i, kind in enumerate(sorted({p[3] for p in pts})):
            ps = sorted((p for p in pts if p[3] == kind), key=lambda p: p[0])
            col = COLORS[i % len(COLORS)]
            for ax, j, sc in ((ax1, 1, sc1), (ax2, 2, sc2)):
                ok = [(p[0], p[j], p[4]) for p in ps if p[j]]
                if not ok:
                    continue
                ax.errorbar([x for x, _, _ in ok], [s[0] / sc for _, s, _ in ok],
                            yerr=[[(s[0] - s[1]) / sc for _, s, _ in ok], [(s[2] - s[0]) / sc for _, s, _ in ok]],
                            marker="o", capsize=4, color=col, label=kind)
                if ax is ax1:
                    for x, s, pauses in ok:
                        ax.annotate(f"{pauses} pauses", (x, s[0] / sc), xytext=(5, -3), textcoords="offset points",
                                    fontsize=7, color="0.35")
        for ax in (ax1, ax2):
            if cores:
                ax.axvline(cores, color="0.5", ls=":", lw=1)
            ys = [y for line in ax.get_lines() for y in line.get_ydata() if y > 0]
            if ys and max(ys) / min(ys) > 50:
                ax.set_yscale("log")
                _log_axis(ax.yaxis)
            else:
                ax.set_ylim(bottom=0)
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: chart_num(v)))
        if cores:
            ax1.annotate(f"{cores} cores", (cores, 1), xycoords=("data", "axes fraction"), xytext=(3, -10),
                         textcoords="offset points", fontsize=8, color="0.4")
        if all(p[1] is None for p in pts):  # no GC cycle in any point: say so rather than leave the panel blank
            ax1.text(0.5, 0.5, "no stop-the-world pause in any point of the sweep\n(no GC cycle ran in the measured "
                     "intervals: too little allocation for the live heap)", transform=ax1.transAxes, ha="center",
                     va="center", fontsize=9, color="0.35", bbox={"facecolor": "white", "edgecolor": "none"})
            ax1.set_yticks([])
        ax1.set_ylabel(f"mean STW pause ({u1})" + (", log" if ax1.get_yscale() == "log" else ""))
        ax2.set_ylabel(f"p99 latency ({u2})" + (", log" if ax2.get_yscale() == "log" else ""))
        ax2.set_xlabel("GOMAXPROCS" + (f" (above {cores}: oversubscribed)" if cores else ""))
        ax2.set_xticks(sorted({p[0] for p in pts}))
        (ax1 if ax1.get_legend_handles_labels()[0] else ax2).legend(loc="upper left")
        fig.suptitle(f"GOMAXPROCS sweep: median of {n} repeats per point, whiskers = range of the repeats",
                     fontsize=10)
    return _save(fig, outdir, "gomaxprocs-sweep")


def controller_chart(run: dict, outdir: Path) -> list[Path]:
    """controller_chart draws the GOGC in force over time in the runs where the adaptive controller acted, and
    in the other runs of a controller sweep (the fixed-GOGC reference)."""
    es = [e for e in loadview.representatives(run)
          if (loadview.controller_enabled(e) or e.get("sweep") == "controller") and loadview.controller_timeline(e)]
    series = [(loadview.label(e), loadview.controller_timeline(e)) for e in es]
    if not series:
        return []
    gogcs = [g for _, tl in series for _, g in tl]
    with matplotlib.rc_context(STYLE):
        fig = _figure(7.0, 3.2)
        ax = fig.subplots()
        for i, (lab, tl) in enumerate(series):
            ax.step([t for t, _ in tl], [g for _, g in tl], where="post", marker=".", color=COLORS[i % len(COLORS)],
                    label=lab)
        ax.set_xlabel("time into the run (s)")
        ax.set_ylabel("GOGC in force")
        ax.axhline(100, color="0.6", ls=":", lw=1, label="GOGC=100 (Go's default)")
        ax.set_ylim(0, max(gogcs + [100]) * 1.3)
        ax.legend(loc="lower right")
        ax.set_title("\n".join(x for x in (f"Adaptive GOGC controller: GOGC in force {chart_num(min(gogcs))}.."
                                            f"{chart_num(max(gogcs))} here", _one_repeat(run, es)) if x))
    return _save(fig, outdir, "controller-gogc")


# ---------------------------------------------------------------- history


def history_chart(series: dict[str, list[dict]], metric: str, unit: str, out_base: Path) -> list[Path]:
    """history_chart draws one metric's median (95% CI) per benchmark across runs.

    series maps a benchmark name to points {"run_id", "created", "median",
    "ci_lo", "ci_hi"} in run order; the x axis is the run, labelled with its
    date and id suffix.
    """
    series = {k: v for k, v in series.items() if any(p.get("median") is not None for p in v)}
    if not series:
        return []
    runs = sorted({(p.get("created") or "", p["run_id"]) for v in series.values() for p in v})
    xpos = {rid: i for i, (_, rid) in enumerate(runs)}
    with matplotlib.rc_context(STYLE):
        fig = _figure(max(7.0, 0.45 * len(runs) + 4), 4.4)
        ax = fig.subplots()
        for i, (name, pts) in enumerate(sorted(series.items())):
            pts = [p for p in pts if p.get("median") is not None]
            xs = [xpos[p["run_id"]] for p in pts]
            ys = [p["median"] for p in pts]
            err = [[max(0.0, p["median"] - p["ci_lo"]) if p.get("ci_lo") is not None else 0 for p in pts],
                   [max(0.0, p["ci_hi"] - p["median"]) if p.get("ci_hi") is not None else 0 for p in pts]]
            ax.errorbar(xs, ys, yerr=err, marker="o", ms=4, capsize=3, lw=1.2, color=COLORS[i % len(COLORS)],
                        label=name)
        # "2026-11-27T11:06:28+00:00", "20261127T110628Z-f930d6bc-861d" -> "2026-11-27 11:06\nf930d6bc-861d"
        ax.set_xticks(range(len(runs)), [f"{(c or '')[:16].replace('T', ' ')}\n{rid.split('-', 1)[-1]}"
                                         for c, rid in runs], fontsize=7)
        if len(runs) > 6:
            for t in ax.get_xticklabels():
                t.set_rotation(45)
                t.set_ha("right")
        ax.set_ylabel(f"{metric} ({unit})")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("run (UTC start, commit and id suffix)")
        ax.set_title(f"{metric} across runs: median, error bars = 95% CI")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    out_base.parent.mkdir(parents=True, exist_ok=True)
    return _save(fig, out_base.parent, out_base.name)


# ---------------------------------------------------------------- profiles (invoke profile)

ICICLE_DEPTH = 22  # frames drawn below the root; deeper frames are too narrow to read anyway
ICICLE_MIN_WIDTH = 0.004  # of all samples: narrower frames are not drawn


def _icicle_tree(stacks: list) -> dict:
    """_icicle_tree folds [[root, ..., leaf], value] stacks into a tree {"value", "children": {name: tree}}."""
    root: dict = {"value": 0, "children": {}}
    for frames, value in stacks:
        node = root
        node["value"] += value
        for fn in frames:
            node = node["children"].setdefault(fn, {"value": 0, "children": {}})
            node["value"] += value
    return root


def _package(function: str) -> str:
    """_package is the Go package path of a function name: "gobench/patterns.(*T).M" -> "gobench/patterns"."""
    last = function.rsplit("/", 1)
    return (last[0] + "/" if len(last) == 2 else "") + last[-1].split(".", 1)[0]


def _short_function(function: str) -> str:
    return function.rsplit("/", 1)[-1]


def profile_icicle(stacks_by_variant: dict[str, list], title: str, outdir: Path, name: str) -> list[Path]:
    """profile_icicle draws a flame chart upside down (an icicle: callers on top, callees below), one
    panel per variant, from folded CPU stacks ([[root, ..., leaf], cpu ns]); a frame's width is its
    share of the variant's samples, its colour its Go package. Returns [] when no variant has stacks."""
    panels = {v: st for v, st in stacks_by_variant.items() if st}
    if not panels:
        return []
    trees = {v: _icicle_tree(st) for v, st in panels.items()}
    packages: dict[str, tuple] = {}

    def color(fn: str) -> tuple:
        pkg = _package(fn)
        if pkg not in packages:
            packages[pkg] = matplotlib.colormaps["tab20"].colors[len(packages) % 20]
        return packages[pkg]

    depth = min(ICICLE_DEPTH, max(len(f) for st in panels.values() for f, _ in st))
    fig = _figure(11, 0.9 + len(panels) * (0.22 * depth + 0.6))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (variant, tree) in zip(axes, trees.items()):
        total = tree["value"] or 1

        def draw(node: dict, x: float, level: int) -> None:
            for fn, child in sorted(node["children"].items()):  # by name, as flame graphs are: panels align
                w = child["value"] / total
                if w < ICICLE_MIN_WIDTH or level >= depth:
                    continue
                ax.barh(level, w, left=x, height=0.92, color=color(fn), edgecolor="white", linewidth=0.4)
                label = _short_function(fn)
                chars = int(w * 160)  # about 160 characters fit across the axis at this size
                if chars >= 4:
                    ax.text(x + 0.002, level, label if len(label) <= chars else label[:chars - 1] + "…",
                            va="center", ha="left", fontsize=6.5, clip_on=True)
                draw(child, x, level + 1)
                x += w

        draw(tree, 0.0, 0)
        ax.set_xlim(0, 1)
        ax.set_ylim(depth - 0.5, -0.5)  # root on top
        ax.set_yticks([])
        ax.grid(False)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
        ax.set_title(f"{variant}: CPU samples by call stack (width: share of samples)", loc="left")
    fig.suptitle(title)
    return _save(fig, outdir, slug(name))


# ---------------------------------------------------------------- all


def render_all(run: dict, outdir: Path, claimed_mb_s: dict[str, float] | None = None) -> dict[str, list[Path]]:
    """render_all draws every chart the run has data for into outdir; returns chart name -> [png, svg]."""
    out: dict[str, list[Path]] = {}
    for fam in families(run):
        p = family_chart(run, fam, outdir)
        if p:
            out[f"family-{fam}"] = p
    for name, fn in (("snapshot-bandwidth", lambda: snapshot_chart(run, outdir, claimed_mb_s)),
                     ("latency", lambda: latency_spectrum(run, outdir)),
                     ("stw", lambda: stw_chart(run, outdir)),
                     ("gogc-tradeoff", lambda: gogc_tradeoff(run, outdir)),
                     ("gomaxprocs-sweep", lambda: gomaxprocs_chart(run, outdir)),
                     ("controller-gogc", lambda: controller_chart(run, outdir))):
        paths = fn()
        # latency and stw charts come one per sweep: key them by file name
        for png in [p for p in paths if p.suffix == ".png"]:
            out[png.stem] = [png, png.with_suffix(".svg")]
    return out
