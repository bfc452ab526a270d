"""Presenting a performance-gate Decision: Markdown (for people and $GITHUB_STEP_SUMMARY),
a short terminal table, and a chart of head/base ratios.

Present layer only: it reads an analyse.gate.Decision and never measures or decides.
"""

from __future__ import annotations

import math
from pathlib import Path

from gobench.metrics import unit_of
from gobench.present.fmt import fmt_num

def _change(c) -> str:
    if c.kind == "status":
        return "-"
    if c.kind == "deterministic":
        if c.base is None or c.head is None:
            return "-"
        return f"{c.head - c.base:+.3g} {unit_of(c.metric)}"
    if c.kind == "exact":
        return f"{c.head - c.base:+g}" if c.metric == "struct_size" else ("lost" if c.base and not c.head else "-")
    if c.ratio is None or math.isinf(c.ratio):
        return "-" if c.ratio is None else "from 0"
    ci = f" [{(c.ci_lo - 1) * 100:+.1f}, {(c.ci_hi - 1) * 100:+.1f}]" if c.ci_lo is not None else ""
    return f"{(c.ratio - 1) * 100:+.1f}%{ci}"


def _p(c) -> str:
    if c.p is None or (isinstance(c.p, float) and math.isnan(c.p)):
        return "-"
    ph = "-" if c.p_holm is None or math.isnan(c.p_holm) else f"{c.p_holm:.2g}"
    return f"{c.p:.2g} / {ph}"


def _rule(c) -> str:
    if c.kind == "deterministic":
        return "exact-ish: " + c.note
    if c.kind == "statistical":
        test = "signed-rank, paired rounds" if c.test == "signed-rank" else "U test"
        rule = f"{test} (Holm) and >{c.min_effect:.1%}"
        if c.block_ratios:
            rule += "; blocks " + " ".join(f"{(r - 1) * 100:+.1f}%" for r in c.block_ratios)
        if c.confirmation:
            k = c.confirmation
            rule += (f"; second pass: {k['verdict']}" + (f" {(k['ratio'] - 1) * 100:+.1f}%" if k.get("ratio") else "")
                     + (f" p Holm {k['p_holm']:.2g}" if k.get("p_holm") is not None else ""))
        return rule + (f"; {c.note}" if c.note else "")
    return c.note


def _table(rows) -> list[str]:
    lines = ["| scenario | metric | base | head | change | p / p Holm | rule |",
             "|---|---|---:|---:|---:|---:|---|"]
    for c in rows:
        unit = unit_of(c.metric) if c.kind in ("deterministic", "statistical") else ""
        lines.append(f"| {c.scenario} | {unit or c.metric} | {fmt_num(c.base)} | {fmt_num(c.head)} | {_change(c)} "
                     f"| {_p(c)} | {_rule(c)} |")
    return lines


def markdown(d) -> str:
    """markdown renders the Decision as a GitHub-flavoured Markdown report."""
    regs = d.regressions
    shown = [c for c in d.comparisons if not c.gated and c.verdict in ("regression", "improvement")]
    imps = [c for c in d.comparisons if c.gated and c.verdict == "improvement"]
    same = [c for c in d.comparisons if c.verdict in ("unchanged", "unconfirmed") and not c.near_miss]
    other = [c for c in d.comparisons if c.verdict in ("new", "missing", "not-compared")]
    head = verdict(d)
    out = [f"## gobench performance gate: {head}" + (f" ({len(regs)} regression{'s' * (len(regs) != 1)})" if regs else ""),
           ""]
    if d.untested:
        out += [f"**Could not check** {len(d.untested)} gated comparison(s):", ""]
        out += [f"- {c.scenario} {unit_of(c.metric)}: {c.note}" for c in d.untested] + [""]
    if d.near_misses:
        out += [f"**Near misses** ({len(d.near_misses)}): significantly slower, but under the scenario's minimum "
                "effect (not failing):", ""] + _table(d.near_misses) + [""]
    out += [f"- base: **{d.base_label}**; head: **{d.head_label}**; mode: {d.mode}"]
    info = d.info
    st = info.get("settings") or {}
    if st:
        how = f"{st.get('rounds')} rounds x {st.get('round_ms'):g} ms"
        if info.get("blocks"):
            how += f" a side per block, {info['blocks']} lockstep blocks, rounds alternating ABBA ({info.get('order', '')})"
        elif info.get("sessions"):
            how += f" per session, {info['sessions']} sessions per side"
        out.append(f"- settings: {how}; wall time {info.get('wall_s', '?')} s")
    cfg = d.config or {}
    out.append(f"- rules: allocs/op +{cfg.get('allocs_abs_tol')} max; B/op +{(cfg.get('bytes_rel_tol') or 0) * 100:g}% "
               f"(at least {cfg.get('bytes_abs_tol')} B) max; ns/op and GCs/1k ops: significant at "
               f"{cfg.get('alpha')} after Holm (paired rounds: one-sided signed-rank test, every block the same way; "
               f"otherwise Mann-Whitney U) AND change beyond the minimum effect "
               f"({(cfg.get('min_effect') or 0) * 100:g}%"
               + "".join(f", {k} {v * 100:g}%" for k, v in (cfg.get("metric_min_effect") or {}).items())
               + (f", or max({(cfg.get('effect_floor') or 0) * 100:g}%, {cfg.get('noise_k')} x calibrated noise)"
                  if cfg.get("noise") else "") + ", unless configured per scenario)")
    conf = info.get("confirmation")
    if conf:
        out.append(f"- confirmation: {len(conf['rechecked'])} flagged in the first pass, measured again in fresh "
                   f"worker pairs; {len(conf['confirmed'])} confirmed")
    out.append(f"- timing gated: {'yes' if d.timing_gated else 'no (shown only)'}")
    for w in d.warnings:
        out += ["", f"> **warning:** {w}"]
    unconf = [c for c in d.comparisons if c.verdict == "unconfirmed"]
    sections = [("Regressions", regs), ("Flagged once, not confirmed", unconf),
                ("Timing changes shown, not gated", shown), ("Improvements", imps)]
    for title, rows in sections:
        if rows:
            out += ["", f"### {title} ({len(rows)})", ""] + _table(rows)
    out += list(info.get("explanation") or [])  # profiles of the regressed scenarios (commands/gate_profile.py)
    if not regs:
        out += ["", "No regressions."]
    if same:
        out += ["", f"<details><summary>Unchanged ({len(same)})</summary>", ""] + _table(same) + ["", "</details>"]
    if other:
        out += ["", f"### Not compared ({len(other)})", ""]
        out += [f"- {c.scenario}: {c.verdict}: {c.note}" for c in other]
    out += ["", "change: paired rounds: exp(median log-ratio) [95% CI]; otherwise ratio of medians. p: one-sided "
            "(head slower) Wilcoxon signed-rank on paired log-ratios, or two-sided Mann-Whitney U over pooled rounds; "
            "p Holm: adjusted for all timing/GC comparisons of this check. "
            "Exit status: 0 pass, 1 regression, 2 could not check."]
    return "\n".join(out) + "\n"


def comment(d, chart_link: str) -> str:
    """comment renders the short pull-request comment: verdict, regressions, near misses, improvements and
    one link to the chart (results/gate/comment.md; the step summary keeps the full report)."""
    def line(c) -> str:
        conf = c.confirmation or {}
        again = f"; second pass {(conf['ratio'] - 1) * 100:+.1f}%" if conf.get("ratio") else ""
        return f"- `{c.scenario}` {unit_of(c.metric)}: {fmt_num(c.base)} -> {fmt_num(c.head)} ({_change(c)}{again})"

    imps = [c for c in d.comparisons if c.gated and c.verdict == "improvement"]
    out = [f"### gobench performance gate: {verdict(d)}", "",
           f"{d.head_label} vs {d.base_label}."]
    for title, rows in (("Regressions", d.regressions), ("Could not check", d.untested),
                        ("Near misses (significant, under the minimum effect; not failing)", d.near_misses),
                        ("Improvements", imps)):
        if rows:
            out += ["", f"**{title}** ({len(rows)})", ""] + [line(c) + (f": {c.note}" if title == "Could not check"
                                                                         else "") for c in rows]
    if not (d.regressions or d.untested or d.near_misses or imps):
        out += ["", "No change beyond the noise."]
    out += ["", f"[Chart of every ratio]({chart_link}) · full summary in the job's step summary."]
    return "\n".join(out) + "\n"


def verdict(d) -> str:
    """verdict is FAIL (a regression), COULD NOT CHECK (a gated metric untested) or PASS."""
    return "FAIL" if d.regressions else ("COULD NOT CHECK" if d.untested else "PASS")


def terminal(d) -> str:
    """terminal renders the verdict and the changed rows as plain text."""
    rows = [c for c in d.comparisons if c.verdict in ("regression", "improvement", "unconfirmed", "not-tested")
            or c.near_miss]
    lines = [f"gate: {verdict(d)}: {len(d.regressions)} regression(s), {len(d.near_misses)} near miss(es), "
             f"{sum(c.verdict == 'improvement' and c.gated for c in d.comparisons)} improvement(s), "
             f"{sum(c.verdict == 'unchanged' for c in d.comparisons)} unchanged; base {d.base_label}, head {d.head_label}"]
    for w in d.warnings:
        lines.append(f"warning: {w}")
    for c in rows:
        tag = "REGRESSION" if c.fails else ("regression (not gated)" if c.verdict == "regression" else
                                            "near miss" if c.near_miss else c.verdict)
        lines.append(f"  {tag:22s} {c.scenario:28s} {c.metric:15s} {fmt_num(c.base):>10s} -> {fmt_num(c.head):>10s} "
                     f"{_change(c):>12s}  p {_p(c)}  {c.note}")
    return "\n".join(lines)


def chart(d, path: Path) -> Path | None:
    """chart draws head/base median ratios per scenario and metric (red: regression, green: improvement)."""
    rows = [c for c in d.comparisons if c.kind in ("statistical", "deterministic") and c.ratio is not None
            and not math.isinf(c.ratio) and c.base]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{c.scenario} {unit_of(c.metric)}" for c in rows]
    vals = [(c.ratio - 1) * 100 for c in rows]
    colors = ["#c0392b" if c.fails else "#27ae60" if c.verdict == "improvement" else
              "#e67e22" if c.verdict == "regression" else "#7f8c8d" for c in rows]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.5))
    ax.barh(range(len(rows)), vals, color=colors)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    eff = (d.config or {}).get("min_effect")
    if eff:
        for x in (eff * 100, -eff * 100):
            ax.axvline(x, color="grey", ls="--", lw=0.6)
    ax.set_xlabel("head vs base, median change (%)")
    ax.set_title(f"gobench gate: {d.head_label} vs {d.base_label}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
