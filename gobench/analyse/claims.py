"""Verdicts on the seed article's claims, from a stored run.

This is the analysis step for claims: it reads gobench/claims.json (the
claims as data), a run record and, for the escape-analysis claims,
results/escape.json, and returns one Verdict per claim. It never runs a
benchmark; a claim whose data is not in the run is "not measurable here"
with the reason and the command that would measure it.

A verdict is one of:

- ``holds``: the direction holds and the measured ratio is within the
  tolerance factor (claims.json "tolerance", 1.5) of the claimed ratio, or
  an exact/bound claim is met;
- ``direction holds, magnitude differs (measured X vs claimed Y)``;
- ``refuted``: the measured difference goes the other way, or there is no
  significant difference where a large one was claimed, or a bound is
  broken;
- ``not measurable here (why)``.

The "decide" types in claims.json:

- ``micro_ratio``: medians of a metric of two micro scenarios; the
  direction must be significant (Mann-Whitney p < 0.05 over per-round
  values, or non-overlapping CIs when rounds are absent). A claimed value
  of 0 ("16 B -> 0 B") holds when the optimised median is at most
  ``zero_tolerance`` and the baseline is within the factor of its claim.
- ``micro_exact``: a deterministic metric (sizeof_bytes); both values must
  equal the claim to hold.
- ``load_ratio``: one metric of two load runs of different request kinds
  (same build, same target rate); a single sample, so a difference under
  the ``load_noise`` factor counts as none. Throughput claims need a run
  that saturated (closed loop, or a target one side could not keep up with).
- ``snapshot_bandwidth``: MB/s of the mmap and write() snapshot scenarios,
  plus the bandwidth the claimed absolute times imply, set against the
  memcpy bandwidth measured on the same machine (a physical bound).
- ``controller``, ``gomaxprocs_sweep``, ``pause_bounds``: the load sweeps
  (claims C7, C8, C9); see their functions.
- ``escape``: the records of results/escape.json for the claim.

Note: the magnitude is judged on ratios, not on the absolute numbers of the
article: those were taken on other hardware. The absolute numbers are
printed beside the ratio so that a reader can see both.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gobench.analyse import loadview
from gobench.analyse import stats
from gobench.analyse import summary

CLAIMS_FILE = Path(__file__).resolve().parent / "claims.json"

HOLDS, MAGNITUDE, REFUTED, NOT_MEASURABLE = "holds", "magnitude", "refuted", "not_measurable"
NO_LOAD = "no load run in this run; run `invoke load`"
MIN_ROUNDS_FOR_P = 4  # with 3+3 rounds the smallest two-sided Mann-Whitney p is 0.1
MIN_GC_CYCLES = 5  # a GC-cycles-per-minute comparison needs at least this many cycles in the baseline run
MIN_PAUSES = 10  # a mean STW pause needs at least this many pauses per sweep point


@dataclass
class Verdict:
    """Verdict is the outcome for one claim: what was measured and what that says about the claim."""

    id: str
    section: str
    technique: str
    claimed: str
    measured: str
    kind: str  # holds | magnitude | refuted | not_measurable
    verdict: str  # the full verdict text
    notes: list[str] = field(default_factory=list)
    same_as: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Part:
    """Part is the outcome for one metric of a claim (a claim may have several, e.g. C11)."""

    kind: str
    measured: str
    claimed: str = ""
    why: str = ""


def load_claims(path: Path | str = CLAIMS_FILE) -> dict:
    """load_claims reads claims.json and checks every claim has the fields the report needs."""
    doc = json.loads(Path(path).read_text())
    for c in doc["claims"]:
        for k in ("id", "section", "technique", "claimed", "decide"):
            if k not in c:
                raise ValueError(f"{path}: claim {c.get('id', '?')} lacks {k!r}")
    return doc


def load_escape(path: Path | str) -> tuple[dict | None, str | None]:
    """load_escape reads escape.json (gobench/escape.py); returns ({"go_version", "records"}, None), or
    (None, why it cannot be used). A bare list of records is accepted too."""
    p = Path(path)
    if not p.exists():
        return None, f"no {p.name} in the results folder; run `invoke escape`"
    try:
        doc = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        return None, f"{p.name} is not readable JSON ({e})"
    meta = doc if isinstance(doc, dict) else {}
    recs = next((doc[k] for k in ("results", "checks", "records") if isinstance(doc.get(k), list)), None) \
        if isinstance(doc, dict) else doc
    if not isinstance(recs, list):
        return None, f"{p.name} holds no list of escape checks"
    return {"go_version": meta.get("go_version"), "flags": meta.get("flags"),
            "records": [r for r in recs if isinstance(r, dict)]}, None


# ---------------------------------------------------------------- formatting


def num(v: float | None, unit: str = "") -> str:
    """num formats a measured or claimed number for a verdict, with thousands separators for big ones."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "?"
    if math.isinf(v):
        return "inf"
    a = abs(v)
    if a == 0:
        s = "0"
    elif a >= 1000:
        s = f"{v:,.0f}"
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}".rstrip("0").rstrip(".")
    elif a >= 0.01:
        s = f"{v:.3g}"
    else:
        s = f"{v:.2g}"
    return f"{s} {unit}".strip() if unit else s


def ratio_text(r: float | None) -> str:
    """ratio_text is "2.05x", "eliminated" for a ratio against zero, "?" when unknown."""
    if r is None:
        return "?"
    if math.isinf(r):
        return "eliminated"
    return f"{r:.3g}x"


def _pair(b: float | None, o: float | None, unit: str) -> str:
    return f"{num(b)} -> {num(o, unit)}"


# ---------------------------------------------------------------- micro helpers


def find_benchmark(run: dict, pattern: str) -> dict | None:
    """find_benchmark returns the benchmark whose name matches pattern in full: ok and default build first."""
    rx = re.compile(pattern)
    found = [b for b in run.get("benchmarks") or [] if isinstance(b, dict) and rx.fullmatch(str(b.get("name", "")))]
    found.sort(key=lambda b: (b.get("status", "ok") != "ok", b.get("build", "default") != "default"))
    return found[0] if found else None


def _values(run: dict, b: dict, metric: str) -> tuple[float | None, list[float], dict]:
    """_values returns (median, per-round values, summary dict) of one metric of a benchmark."""
    rounds = summary.per_round(b.get("rounds") or [], run.get("ffi_ns_per_call")).get(metric, [])
    s = (b.get("summary") or {}).get(metric) or {}
    med = s.get("median")
    if med is None and rounds:
        med = stats.summarize(rounds).median
    return med, rounds, s


def _significance(a: list[float], b: list[float], sa: dict, sb: dict) -> tuple[bool | None, str]:
    """_significance says whether two samples differ (None: cannot tell) and how that was decided."""
    if len(a) >= MIN_ROUNDS_FOR_P and len(b) >= MIN_ROUNDS_FOR_P:
        p = stats.mann_whitney_p(a, b)
        return p < 0.05, f"p={p:.2g}"
    if all(s.get(k) is not None for s in (sa, sb) for k in ("ci_lo", "ci_hi")):
        apart = sa["ci_hi"] < sb["ci_lo"] or sb["ci_hi"] < sa["ci_lo"]
        return apart, "95% CIs " + ("apart" if apart else "overlap")
    return None, f"{max(len(a), sa.get('n') or 0)}+{max(len(b), sb.get('n') or 0)} rounds"


def _missing(run: dict, pattern: str, b: dict | None) -> str | None:
    """_missing explains why a benchmark cannot be used, or returns None when it can."""
    if b is None:
        if not run.get("benchmarks"):
            return "this run has no micro benchmarks (a load run?); run `invoke bench`"
        names = sorted({str(x.get("name")) for x in run.get("benchmarks") or [] if isinstance(x, dict)})
        fam = pattern.split("/")[0]
        same = [n for n in names if n.startswith(fam + "/")]
        hint = (f" (found {', '.join(same)})" if same else
                f" (the run was filtered by {run['filter']!r})" if run.get("filter") else "")
        return f"no scenario {pattern!r} in this run{hint}"
    if b.get("status", "ok") != "ok":
        first = (b.get("error") or "").strip().splitlines()[:1]
        return f"{b['name']} {b.get('status')}" + (f": {first[0]}" if first else "")
    return None


def _magnitude(spec: dict, mb: float, mo: float, tol: dict) -> tuple[str, float | None, float | None]:
    """_magnitude compares measured with claimed values whose direction already holds.

    Returns (kind, measured ratio, claimed ratio); ratios are "times better".
    """
    f = tol.get("magnitude_factor", 1.5)
    cb, co = float(spec["claimed_baseline"]), float(spec["claimed_optimized"])
    lower = spec.get("better", "lower") == "lower"

    def ratio(b, o):
        if lower:
            return b / o if o else math.inf
        return o / b if b else math.inf

    r, rc = ratio(mb, mo), ratio(cb, co)
    if co == 0 and lower:  # an elimination claim ("16 B -> 0 B"): the ratio is infinite, only zero matches it
        return (HOLDS if mo <= float(spec.get("zero_tolerance", 0)) else MAGNITUDE), r, rc
    return (HOLDS if rc / f <= r <= rc * f else MAGNITUDE), r, rc


def _compare_part(spec: dict, mb, mo, significant: bool | None, how: str, tol: dict, exact: bool = False,
                  load: bool = False) -> Part:
    """_compare_part turns a measured pair into a Part: direction first, then magnitude."""
    unit = spec.get("unit", "")
    cb, co = spec["claimed_baseline"], spec["claimed_optimized"]
    claimed = _pair(cb, co, unit)
    lower = spec.get("better", "lower") == "lower"
    if mb is None or mo is None:
        return Part(NOT_MEASURABLE, "?", claimed, f"{spec.get('metric') or spec.get('path')} not recorded")
    measured = _pair(mb, mo, unit)
    if exact:
        if mb == cb and mo == co:
            return Part(HOLDS, measured, claimed)
        better = mo < mb if lower else mo > mb
        return Part(MAGNITUDE if better else REFUTED, measured, claimed,
                    "" if better else f"the optimised value is not {'smaller' if lower else 'larger'}")
    improved = mo < mb if lower else mo > mb
    if load:
        noise = tol.get("load_noise", 1.10)
        zero_ok = float(co) == 0 and lower and mo <= float(spec.get("zero_tolerance", 0)) < mb
        hi, lo = max(mb, mo), min(mb, mo)
        significant = zero_ok or (hi > lo * noise if lo > 0 else hi > 0)
        how = f"one load run each; differences under {round((noise - 1) * 100)}% count as none"
    if significant is None:
        return Part(NOT_MEASURABLE, f"{measured} ({how})", claimed,
                    f"too few rounds for a 95% test ({how}); need at least {MIN_ROUNDS_FOR_P} a side")
    if not significant:
        return Part(REFUTED, f"{measured} ({how})", claimed, f"no significant difference: {measured}")
    if not improved:
        return Part(REFUTED, f"{measured} ({how})", claimed, f"the difference goes the other way: {measured}")
    kind, r, rc = _magnitude(spec, mb, mo, tol)
    return Part(kind, f"{measured}, {ratio_text(r)} ({how})", f"{claimed}, {ratio_text(rc)}")


def _combine(c: dict, parts: list[Part], notes: list[str] | None = None, extra: str = "") -> Verdict:
    """_combine merges the Parts of a claim: refuted > not measurable > magnitude differs > holds."""
    kinds = [p.kind for p in parts]
    measured = "; ".join(p.measured for p in parts) + (f"; {extra}" if extra else "")
    if REFUTED in kinds:
        kind = REFUTED
        whys = [p.why for p in parts if p.kind == REFUTED and p.why]
        verdict = "refuted" + (f" ({'; '.join(whys)})" if whys else "")
    elif NOT_MEASURABLE in kinds:
        kind = NOT_MEASURABLE
        verdict = "not measurable here (" + "; ".join(p.why for p in parts if p.kind == NOT_MEASURABLE) + ")"
    elif MAGNITUDE in kinds:
        kind = MAGNITUDE
        diffs = "; ".join(f"measured {p.measured.split(' (')[0]} vs claimed {p.claimed}" for p in parts
                          if p.kind == MAGNITUDE)
        verdict = f"direction holds, magnitude differs ({diffs})"
    else:
        kind, verdict = HOLDS, "holds"
    return _verdict(c, measured, kind, verdict, notes)


def _verdict(c: dict, measured: str, kind: str, verdict: str, notes: list[str] | None = None) -> Verdict:
    d = c["decide"]
    allnotes = list(notes or []) + list(d.get("notes") or [])
    if d.get("not_covered"):
        allnotes.append("Not covered: " + d["not_covered"] + ".")
    return Verdict(c["id"], c["section"], c["technique"], c["claimed"], measured, kind, verdict, allnotes,
                   c.get("same_as"))


def _not_measurable(c: dict, why: str, measured: str = "-", notes: list[str] | None = None) -> Verdict:
    return _verdict(c, measured, NOT_MEASURABLE, f"not measurable here ({why})", notes)


# ---------------------------------------------------------------- evaluators


def eval_micro(c: dict, run: dict, tol: dict, exact: bool = False, **_) -> Verdict:
    """eval_micro decides micro_ratio and micro_exact claims from two micro scenarios."""
    d = c["decide"]
    bb, bo = find_benchmark(run, d["baseline"]), find_benchmark(run, d["optimized"])
    why = list(dict.fromkeys(w for w in (_missing(run, d["baseline"], bb), _missing(run, d["optimized"], bo)) if w))
    if why:
        return _not_measurable(c, "; ".join(why))
    parts = []
    for spec in d["metrics"]:
        mb, ab, sb = _values(run, bb, spec["metric"])
        mo, ao, so = _values(run, bo, spec["metric"])
        sig, how = _significance(ab, ao, sb, so)
        part = _compare_part(spec, mb, mo, sig, how, tol, exact=exact)
        part.measured = f"{spec['metric']}: {part.measured}"
        parts.append(part)
    extra = [f"{bb['name']} vs {bo['name']}"]
    for spec in d.get("context") or []:  # shown beside, not deciding
        vb, vo = _values(run, bb, spec["metric"])[0], _values(run, bo, spec["metric"])[0]
        if vb is not None or vo is not None:
            extra.append(f"{spec['metric']}: {_pair(vb, vo, spec.get('unit', ''))}")
    return _combine(c, parts, extra="; ".join(extra))


def _load_value(e: dict, path: str) -> float | None:
    group, key = path.split(".", 1)
    if group == "gc":
        return loadview.gc(e).get(key)
    if group == "rate":
        return loadview.rate(e).get(key)
    if group == "latency":
        lat = loadview.latency(e)
        pct = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9, "p9999": 99.99}.get(key)
        return lat.get(pct if pct is not None else key)
    raise ValueError(f"unknown load metric path {path!r}")


def _plain_entries(run: dict, pattern: str) -> list[dict]:
    rx = re.compile(pattern)
    return [e for e in loadview.entries(run, ok_only=True)
            if e.get("sweep") in (None, "") and rx.fullmatch(str(e.get("kind", "")))]


def pick_load_pair(run: dict, base_kind: str, opt_kind: str, claimed_rate: float | None = None,
                   saturated: bool = False):
    """pick_load_pair chooses a baseline and an optimised plain load run: same build, same target rate,
    default build first, and the target nearest the claimed rate. With saturated (throughput claims) a
    closed-loop pair, or one where a side fell behind its target, comes first."""
    best, best_key = None, None
    for b in _plain_entries(run, base_kind):
        for o in _plain_entries(run, opt_kind):
            if b.get("build", "default") != o.get("build", "default"):
                continue
            rb, ro = loadview.rate(b), loadview.rate(o)
            tb, to = rb["target"] or 0, ro["target"] or 0
            sat = rb["closed_loop"] and ro["closed_loop"] or rb["kept_up"] is False or ro["kept_up"] is False
            key = (saturated and not sat, rb["closed_loop"] != ro["closed_loop"],
                   b.get("build", "default") != "default", tb != to,
                   abs(tb - claimed_rate) if claimed_rate else 0)
            if best_key is None or key < best_key:
                best, best_key = (b, o), key
    return best


def _kinds_seen(run: dict) -> str:
    ks = sorted({str(e.get("kind")) for e in loadview.entries(run) if e.get("sweep") in (None, "")})
    return ", ".join(ks) or "none"


def eval_load_ratio(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_load_ratio decides a claim comparing two request kinds under load (C2-C5)."""
    d = c["decide"]
    if not loadview.entries(run):
        return _not_measurable(c, NO_LOAD)
    pair = pick_load_pair(run, d["baseline_kind"], d["optimized_kind"], d.get("claimed_rate_per_s"),
                          bool(d.get("needs_saturation")))
    if not pair:
        sweeps = sorted({str(e.get("sweep")) for e in loadview.entries(run) if e.get("sweep")})
        if _kinds_seen(run) == "none" and sweeps:
            return _not_measurable(c, f"this load run holds only the {', '.join(sweeps)} sweep; the plain runs of "
                                      f"{d['baseline_kind']} and {d['optimized_kind']} come from `invoke load`")
        return _not_measurable(c, f"no pair of ok plain load runs of kinds {d['baseline_kind']!r} and "
                                  f"{d['optimized_kind']!r} with the same build; plain kinds run: {_kinds_seen(run)}")
    b, o = pair
    rb, ro = loadview.rate(b), loadview.rate(o)
    notes = []
    where = (f"{loadview.label(b)} vs {loadview.label(o)}, "
             + ("closed loop" if rb["closed_loop"] else f"target {num(rb['target'])} req/s"))
    claimed_rate = d.get("claimed_rate_per_s")
    if claimed_rate and rb["target"] and abs(rb["target"] - claimed_rate) > 0.1 * claimed_rate:
        notes.append(f"Measured at {num(rb['target'])} req/s, not the claimed {num(d['claimed_rate_per_s'])} req/s; "
                     "GC cycles per minute grow with the request rate.")
    if d.get("needs_saturation") and not rb["closed_loop"] and rb["kept_up"] and ro["kept_up"]:
        return _not_measurable(c, f"both kinds kept up with the target {num(rb['target'])} req/s, so the run shows no "
                                  "throughput limit; run `invoke load --mode closed`",
                               f"achieved {num(rb['achieved'])} and {num(ro['achieved'])} req/s; {where}", notes)
    for spec in d["metrics"]:
        cycles = loadview.gc(b)["cycles"]
        if spec["path"].startswith("gc.cycles") and cycles is not None and cycles < MIN_GC_CYCLES:
            return _not_measurable(c, f"{loadview.label(b)} ran only {num(cycles)} GC cycle{'s' * (cycles != 1)} "
                                      f"in the measured interval, too few for a rate (at least {MIN_GC_CYCLES}); run "
                                      "longer (--duration) or at a higher --rate", where, notes)
    if d.get("needs_saturation") and not ro["closed_loop"] and ro["kept_up"]:
        notes.append("The optimised kind kept up with the target rate: its throughput is a lower bound.")
    parts = []
    for spec in d["metrics"]:
        scale = float(spec.get("ns_per_unit", 1))
        vb, vo = _load_value(b, spec["path"]), _load_value(o, spec["path"])
        vb = vb / scale if vb is not None else None
        vo = vo / scale if vo is not None else None
        part = _compare_part(spec, vb, vo, None, "", tol, load=True)
        part.measured = f"{spec['path']}: {part.measured}"
        parts.append(part)
    return _combine(c, parts, notes, extra=where)


def eval_snapshot(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_snapshot decides C6: direction from mmap vs write() MB/s, plausibility from memcpy MB/s.

    The claimed absolute times imply a bandwidth (bytes / time). If that is
    above the memcpy bandwidth measured on the same machine, the claimed
    numbers cannot be reached by any write path, which copies at least once.
    """
    d = c["decide"]
    metric, mb_bytes = d["metric"], float(d.get("bytes_per_mb", 1e6))
    implied_opt = d["claimed_bytes"] / (d["claimed_optimized_ms"] / 1e3) / mb_bytes  # MB/s
    implied_base = d["claimed_bytes"] / (d["claimed_baseline_ms"] / 1e3) / mb_bytes
    bound = find_benchmark(run, d["bound"])
    bound_mb = _values(run, bound, metric)[0] if bound is not None and not _missing(run, d["bound"], bound) else None
    gb = d["claimed_bytes"] / 1e9
    arith = (f"{num(gb)} GB in {num(d['claimed_optimized_ms'])} ms needs {num(implied_opt / 1e3)} GB/s "
             f"(and {num(d['claimed_baseline_ms'])} ms needs {num(implied_base / 1e3)} GB/s)")
    if bound_mb:
        implausible = implied_opt > bound_mb
        arith += (f"; memcpy measured here: {num(bound_mb / 1e3)} GB/s, so the claimed mmap time needs "
                  f"{num(implied_opt / bound_mb)}x the memory copy bandwidth"
                  + (": physically implausible" if implausible else ""))
    else:
        implausible = None
        arith += "; no memcpy measurement in this run to set it against"
    bb, bo = find_benchmark(run, d["baseline"]), find_benchmark(run, d["optimized"])
    why = list(dict.fromkeys(w for w in (_missing(run, d["baseline"], bb), _missing(run, d["optimized"], bo)) if w))
    if why:
        if implausible:
            return _verdict(c, arith, REFUTED, f"refuted (the claimed times are physically implausible: {arith}; "
                                              f"the mmap-vs-write direction was not measured: {'; '.join(why)})")
        return _not_measurable(c, "; ".join(why), arith)
    spec = {"metric": metric, "unit": "MB/s", "better": "higher",
            "claimed_baseline": round(implied_base), "claimed_optimized": round(implied_opt)}
    mb, ab, sb = _values(run, bb, metric)
    mo, ao, so = _values(run, bo, metric)
    sig, how = _significance(ab, ao, sb, so)
    part = _compare_part(spec, mb, mo, sig, how, tol)
    ms = lambda mbps: (d["claimed_bytes"] / mb_bytes / mbps * 1e3) if mbps else None  # noqa: E731
    ns_op = _values(run, bo, "ns_per_op")[0]
    size = mo * mb_bytes * ns_op / 1e9 if mo and ns_op else None  # bytes one op persists
    notes = []
    if size and size < d["claimed_bytes"] / 10:
        notes.append(f"The snapshot measured here is {num(size / 1e6)} MB, not {num(d['claimed_bytes'] / 1e9)} GB: it "
                     "may sit in CPU caches, so the MB/s here (memcpy's included) are upper bounds for a 1 GB "
                     "snapshot, which makes the implausibility argument conservative. Larger: "
                     "`invoke bench --filter '^Snapshot/' --param Snapshot/mmap:records=N` (per variant).")
    measured = (f"{bb['name']} {num(mb, 'MB/s')} ({num(ms(mb), 'ms')} per GB) vs {bo['name']} {num(mo, 'MB/s')} "
                f"({num(ms(mo), 'ms')} per GB), {ratio_text(mo / mb if mb else None)} ({how}); {arith}")
    db, do = (find_benchmark(run, d[k]) if d.get(k) else None for k in ("durable_baseline", "durable_optimized"))
    if db is not None and do is not None and not _missing(run, d["durable_baseline"], db) \
            and not _missing(run, d["durable_optimized"], do):
        vb, vo = _values(run, db, metric)[0], _values(run, do, metric)[0]
        measured += (f"; durable pair: {db['name']} {num(vb, 'MB/s')} vs {do['name']} {num(vo, 'MB/s')}"
                     + (f", {ratio_text(vo / vb)}" if vb and vo is not None else ""))
    if part.kind == HOLDS and implausible:
        part.kind = MAGNITUDE
    if part.kind == MAGNITUDE:
        verdict = (f"direction holds, magnitude differs (measured {num(ms(mb))} ms -> {num(ms(mo))} ms per GB vs "
                   f"claimed {num(d['claimed_baseline_ms'])} ms -> {num(d['claimed_optimized_ms'])} ms"
                   + (f"; {num(implied_opt / 1e3)} GB/s is physically implausible next to memcpy's "
                      f"{num(bound_mb / 1e3)} GB/s" if implausible else "") + ")")
        return _verdict(c, measured, MAGNITUDE, verdict, notes)
    if part.kind == REFUTED:
        return _verdict(c, measured, REFUTED, f"refuted ({part.why}"
                        + ("; the claimed times are also physically implausible" if implausible else "") + ")", notes)
    if part.kind == NOT_MEASURABLE:
        return _verdict(c, measured, NOT_MEASURABLE, f"not measurable here ({part.why})", notes)
    return _verdict(c, measured, HOLDS, "holds", notes)


def _is_adaptive(e: dict) -> bool:
    v = (e.get("point") or {}).get("controller") if isinstance(e.get("point"), dict) else None
    if isinstance(v, str):
        return v.lower() in ("adaptive", "on", "true", "yes", "controller")
    if isinstance(v, (bool, int)):
        return bool(v)
    return loadview.controller_enabled(e)


def eval_controller(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_controller decides C7: the adaptive controller against fixed GOGC at the same load.

    Fewer GC cycles per minute (by more than the load noise) and a p99 not
    raised by more than the noise hold the first half of the claim. The
    second half (lower p99 when latency is high) is only exercised when a
    run's p99 exceeds the formula's 50 ms threshold; otherwise it is noted
    as not exercised.
    """
    d = c["decide"]
    if not loadview.entries(run):
        return _not_measurable(c, NO_LOAD)
    sweep = [e for e in loadview.entries(run, ok_only=True) if e.get("sweep") == "controller"]
    adaptive = [e for e in sweep if _is_adaptive(e)]
    fixed = [e for e in sweep if not _is_adaptive(e)]
    if adaptive and not fixed:  # compare with plain runs of the same kind and build
        a = adaptive[0]
        fixed = [e for e in loadview.entries(run, ok_only=True) if e.get("sweep") in (None, "")
                 and e.get("kind") == a.get("kind") and e.get("build") == a.get("build")]
    if not adaptive or not fixed:
        return _not_measurable(c, "no controller sweep (adaptive and fixed GOGC runs) in this run; "
                                  "run `invoke load --sweep controller`")
    noise = tol.get("load_noise", 1.10)
    a, f = adaptive[0], fixed[0]
    ga, gf = loadview.gc(a)["cycles_per_min"], loadview.gc(f)["cycles_per_min"]
    pa, pf = loadview.latency(a)[99.0], loadview.latency(f)[99.0]
    if None in (ga, gf, pa, pf):
        return _not_measurable(c, "GC cycles per minute or p99 missing from the load results")
    gogc_f = loadview.runtime_info(f, run)["gogc"]
    tl = loadview.controller_timeline(a)
    gogcs = sorted({int(g) for _, g in tl})
    measured = (f"adaptive ({loadview.label(a)}): {num(ga)} GC/min, p99 {num(pa / 1e3, 'us')}"
                + (f", GOGC took {', '.join(map(str, gogcs))}" if gogcs else "")
                + f"; fixed GOGC={gogc_f if gogc_f is not None else '?'} ({loadview.label(f)}): {num(gf)} GC/min, "
                  f"p99 {num(pf / 1e3, 'us')}")
    notes = []
    thr = d.get("latency_factor_threshold_ms", 50) * 1e6
    if max(pa, pf) <= thr:
        notes.append(f"The second half (lower p99 when latency is high) was not exercised: the latency factor only "
                     f"acts above p99 = {num(thr / 1e6)} ms, and p99 here was at most {num(max(pa, pf) / 1e6, 'ms')}.")
    fewer = gf > ga * noise
    raised = pa > pf * noise
    if fewer and not raised:
        return _verdict(c, measured, HOLDS, "holds" + (" (first half; second half not exercised)" if notes else ""),
                        notes)
    why = []
    if not fewer:
        why.append("no fewer GC cycles per minute than fixed GOGC" if gf >= ga / noise else
                   "more GC cycles per minute than fixed GOGC")
    if raised:
        why.append(f"p99 raised by {num((pa / pf - 1) * 100)}%")
    return _verdict(c, measured, REFUTED, f"refuted ({'; '.join(why)})", notes)


def eval_gomaxprocs(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_gomaxprocs decides C8 from a GOMAXPROCS sweep: is the mean STW pause lowest at the core count?

    The claim's 4/8/16 on 8 cores is read as half/equal/double the core
    count, so that a machine with other core counts can test its shape.
    Magnitude: the ratios mean(half)/mean(cores) and mean(double)/mean(cores)
    against the claimed 12.7/4.1 and 5.8/4.1.
    """
    d = c["decide"]
    cores = (run.get("machine") or {}).get("cpu_count")
    hw = (f"this machine has {cores} cores: the sweep can only cover what the hardware allows, "
          f"so the claim's GOMAXPROCS 4/8/16 on {d['claimed_cores']} cores is read as {{}}")
    if not loadview.entries(run):
        return _not_measurable(c, NO_LOAD + (f"; {hw.format('half/equal/double the core count')}" if cores else ""))
    if not any(e.get("sweep") == "gomaxprocs" for e in loadview.entries(run)):
        return _not_measurable(c, "no GOMAXPROCS sweep in this run; run `invoke load --sweep gomaxprocs`"
                               + (f"; {hw.format('half/equal/double the core count')}" if cores else ""))
    pts: dict[int, tuple] = {}
    for e in loadview.entries(run, ok_only=True):
        if e.get("sweep") != "gomaxprocs":
            continue
        p = loadview.point_value(e, "gomaxprocs")
        if isinstance(p, (int, float)) and int(p) not in pts:
            pts[int(p)] = (*loadview.stw_mean_sd(e), int(loadview.gc(e)["stw_count"] or 0))
    if not cores or not pts:
        return _not_measurable(c, "no GOMAXPROCS sweep in this run; run `invoke load --sweep gomaxprocs`")
    want = {"half": max(1, cores // 2), "cores": cores, "double": cores * 2}
    hwnote = hw.format("/".join(str(want[k]) for k in ("half", "cores", "double")))
    measured = "; ".join(f"GOMAXPROCS={p}: mean STW {num(m / 1e6 if m is not None else None, 'ms')}, "
                         f"sd {num(s / 1e6 if s is not None else None, 'ms')} ({n} pauses)"
                         for p, (m, s, n) in sorted(pts.items()))
    notes = [f"GOMAXPROCS above the core count ({cores}) oversubscribes the machine: the extra Ps wait for a core, "
             "which stretches stop-the-world pauses."] if any(p > cores for p in pts) else []
    few = sorted(p for p, (_, _, n) in pts.items() if n < MIN_PAUSES and p in want.values())
    if few:
        return _not_measurable(c, f"fewer than {MIN_PAUSES} STW pauses at GOMAXPROCS={', '.join(map(str, few))}, too "
                                  f"few for a mean and standard deviation; run longer (--duration); {hwnote}",
                               measured, notes)
    at = pts.get(cores, (None, None, 0))[0]
    others = {k: pts[want[k]][0] for k in ("half", "double") if want[k] in pts and want[k] != cores
              and pts[want[k]][0] is not None}
    if at is None or not others:
        return _not_measurable(c, f"the sweep lacks GOMAXPROCS={cores} or a point on either side with GC pauses; "
                                  f"{hwnote}", measured, notes)
    noise = tol.get("load_noise", 1.10)
    worse = [k for k, v in others.items() if at > v * noise]
    if worse:
        return _verdict(c, measured, REFUTED, f"refuted (mean STW at GOMAXPROCS={cores} is higher than at "
                        + ", ".join(f"{want[k]}" for k in worse) + f"; {hwnote})", notes)
    not_better = [k for k, v in others.items() if not v > at * noise]
    if not_better:
        return _verdict(c, measured, REFUTED, "refuted (no difference beyond load noise between GOMAXPROCS="
                        f"{cores} and " + ", ".join(str(want[k]) for k in not_better) + f"; {hwnote})", notes)
    f = tol.get("magnitude_factor", 1.5)
    cp = d["claimed_points"]
    diffs = []
    for k, v in others.items():
        r, rc = v / at, cp[k]["mean_ms"] / cp["cores"]["mean_ms"]
        if not rc / f <= r <= rc * f:
            diffs.append(f"measured mean STW({want[k]})/mean STW({cores}) = {ratio_text(r)} vs claimed "
                         f"{ratio_text(rc)}")
    if diffs:
        return _verdict(c, measured, MAGNITUDE, f"direction holds, magnitude differs ({'; '.join(diffs)}; {hwnote})",
                        notes)
    return _verdict(c, measured, HOLDS, f"holds ({hwnote})", notes)


def eval_pauses(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_pauses decides C9: the worst STW pause and STW p99 of the load runs against the claimed bounds,
    per Go version and GOEXPERIMENT."""
    d = c["decide"]
    if not loadview.entries(run):
        micro = [r.get("stw_max_ns") for b in run.get("benchmarks") or [] for r in b.get("rounds") or []
                 if isinstance(r, dict) and isinstance(r.get("stw_max_ns"), (int, float))]
        note = ([f"For reference only, the micro benchmark rounds (not a load test) saw a longest STW pause of "
                 f"{num(max(micro) / 1e6, 'ms')}."] if micro and max(micro) > 0 else [])
        rt = "; ".join(f"build {k}: {(v.get('info') or {}).get('go_version', '?')}, GOEXPERIMENT="
                       f"{(v.get('info') or {}).get('goexperiment') or 'none'}"
                       for k, v in sorted((run.get("libraries") or {}).items()) if isinstance(v, dict))
        return _not_measurable(c, NO_LOAD, rt or "-", notes=note)
    cores = (run.get("machine") or {}).get("cpu_count")
    groups: dict[tuple, list] = {}
    skipped = 0
    for e in loadview.entries(run, ok_only=True):
        if not _default_runtime(e, cores):
            skipped += 1
            continue
        ri = loadview.runtime_info(e, run)
        groups.setdefault((ri["go_version"] or "go?", ri["goexperiment"], e.get("build") or "default"), []).append(e)
    if not groups:
        return _not_measurable(c, "no open-loop load run at the default GOGC and GOMAXPROCS that kept up with its "
                                  "target; run `invoke load`")
    bmax, bp99 = d["max_pause_ms"] * 1e6, d["p99_stw_ms"] * 1e6
    parts, kinds, straddle = [], [], []
    ms = lambda v: num(v / 1e6)  # noqa: E731
    for (gv, gx, build), es in sorted(groups.items()):
        pooled = _pool_stw(es)
        n = sum(cnt for _, _, cnt in pooled)
        head = (f"{gv}, GOEXPERIMENT={gx or 'none'} (build {build}, {len(es)} load run{'s' * (len(es) != 1)}, "
                f"{num(n)} pauses)")
        if not n:
            parts.append(f"{head}: no STW pause recorded")
            kinds.append(NOT_MEASURABLE)
            continue
        mlo, mhi = pooled[-1][0], pooled[-1][1]
        plo, phi = _bucket_at(pooled, 99.0)
        parts.append(f"{head}: longest pause in [{ms(mlo)}, {ms(mhi)}) ms, STW p99 in [{ms(plo)}, {ms(phi)}) ms")
        if mlo > bmax or plo >= bp99:
            kinds.append(REFUTED)
        elif mhi <= bmax and phi <= bp99:
            kinds.append(HOLDS)
        else:
            kinds.append(NOT_MEASURABLE)
            straddle.append(f"{gv}/{gx or 'none'}: a bucket straddles a bound")
    measured = "; ".join(parts)
    notes = ["STW pauses are read from the runtime's pause histogram (/sched/pauses/total/gc:seconds, 4 buckets per "
             "power of two), pooled over the load runs that use the default GOGC and GOMAXPROCS; a pause is known "
             "only to lie within its bucket, so each value is given as [lower, upper) edges."]
    if skipped:
        notes.append(f"{skipped} load run{'s' * (skipped != 1)} left out: closed loop, fallen behind its target, or "
                     "with a non-default GOGC, GOMAXPROCS or the adaptive controller.")
    pauses = int(sum(cnt for es in groups.values() for _, _, cnt in _pool_stw(es)))
    if 0 < pauses < 100:
        notes.append(f"Only {pauses} pauses: the p99 is close to the maximum; longer runs (--duration) give a p99 "
                     "that means something.")
    bounds = f"max <= {d['max_pause_ms']} ms, p99 < {d['p99_stw_ms']} ms"
    if REFUTED in kinds:
        return _verdict(c, measured, REFUTED, f"refuted (a bound is exceeded: {bounds})", notes)
    if straddle:
        return _not_measurable(c, f"the histogram cannot tell: {'; '.join(straddle)} ({bounds})", measured, notes)
    if HOLDS in kinds:
        return _verdict(c, measured, HOLDS, "holds", notes)
    return _not_measurable(c, "no GC cycle ran during the load runs", measured, notes)


def _default_runtime(e: dict, cores: int | None) -> bool:
    """_default_runtime says whether a load run used the runtime's default GOGC and GOMAXPROCS at a rate it
    sustained (C9 is about the collector as shipped under a load the server carries, not about an
    oversubscribed or GOGC=off setting, nor a closed-loop run that keeps every core busy and so delays the
    stop-the-world handshake)."""
    r = loadview.rate(e)
    if r["closed_loop"] or r["kept_up"] is False:
        return False
    sweep = e.get("sweep")
    if sweep == "gomaxprocs":
        return cores is not None and loadview.point_value(e, "gomaxprocs") == cores
    if sweep == "gogc":
        return loadview.gogc_of(e) == 100
    if sweep == "controller":
        return not _is_adaptive(e)
    return True


def _pool_stw(es: list[dict]) -> list[tuple[float, float, float]]:
    """_pool_stw adds up the STW buckets of several load runs; a run without buckets contributes its maximum."""
    acc: dict[tuple[float, float], float] = {}
    for e in es:
        bs = loadview.stw_buckets(e)
        if not bs:
            g = loadview.gc(e)
            if g["stw_max_ns"] and g["stw_count"]:
                bs = [(g["stw_max_ns"], g["stw_max_ns"], 1.0)]
        for lo, hi, cnt in bs:
            acc[(lo, hi)] = acc.get((lo, hi), 0.0) + cnt
    return sorted((lo, hi, cnt) for (lo, hi), cnt in acc.items())


def _bucket_at(bs: list[tuple[float, float, float]], pct: float) -> tuple[float, float]:
    """_bucket_at returns the (lo, hi) edges of the bucket holding the pct-th percentile."""
    total = sum(cnt for _, _, cnt in bs)
    rank, seen = math.ceil(total * pct / 100), 0.0
    for lo, hi, cnt in bs:
        seen += cnt
        if seen >= rank:
            return lo, hi
    return bs[-1][0], bs[-1][1]


def _escape_case(r: dict) -> str:
    return f"{r.get('id') or r.get('func', '?')} ({r.get('func', '?')}: {r.get('variable', '?')})"


def eval_escape(c: dict, run: dict, tol: dict, escape: dict | None = None, escape_why: str | None = None,
                **_) -> Verdict:
    """eval_escape decides C12/C13 from the compiler's escape analysis (results/escape.json).

    A record states where the compiler put a variable ("observed": heap or
    stack), what the project verified it does ("expect") and, where the
    article said something, what the article says ("article"). The claim is
    decided by the records with an "article" field: it holds when the
    compiler agrees with the article in every one. Records without one are
    context. A file of the simpler form {expect, observed, ok} (no article
    field anywhere) is read with "expect" as the claim's statement.
    """
    d = c["decide"]
    if escape is None:
        return _not_measurable(c, escape_why or "no escape analysis results; run `invoke escape`")
    recs = [r for r in escape["records"] if str(r.get("claim", "")).upper() == d["claim"]]
    if not recs:
        return _not_measurable(c, f"escape.json has no check for {d['claim']}")
    has_article = any(r.get("article") is not None for r in recs)
    judged = [r for r in recs if r.get("article") is not None] if has_article else recs
    said = (lambda r: r.get("article")) if has_article else (lambda r: r.get("expect"))  # noqa: E731
    missing = [r for r in judged if r.get("observed") not in ("heap", "stack")]
    agree = [r for r in judged if r not in missing and r.get("observed") == said(r)]
    disagree = [r for r in judged if r not in missing and r.get("observed") != said(r)]
    head = f"{escape.get('go_version') or 'go?'} {escape.get('flags') or '-gcflags=-m'}: "
    measured = head + "; ".join(f"{_escape_case(r)}: compiler says {r.get('observed')}, article says {said(r)}"
                                for r in judged)
    notes = [f"{r.get('id')}: {r['why']}" for r in disagree if r.get("why")]
    hidden = [r for r in judged if r.get("allocates_on_stack_verdict")]
    if hidden:
        notes.append("-m reports the stack, yet the code allocates at run time (counted by the Go tests) in: "
                     + ", ".join(f"{r.get('id')} ({num(r.get('allocs_per_op'))} allocs/op)" for r in hidden)
                     + ". The article's wording (escapes, per -m) is wrong there; its conclusion (it allocates) "
                       "is not.")
    unchecked = [r for r in recs if r.get("holds") is False or r.get("ok") is False]
    if has_article and unchecked:
        notes.append("The compiler no longer does what gosrc/patterns/escape_expectations.json verified for: "
                     + ", ".join(str(r.get("id")) for r in unchecked)
                     + "; rerun `invoke escape` and review.")
    if disagree:
        return _verdict(c, measured, REFUTED,
                        f"refuted for {len(disagree)} of {len(judged)} cases ("
                        + "; ".join(f"{_escape_case(r)}: -m says {r.get('observed')}, the article {said(r)}"
                                    for r in disagree) + ")"
                        + (f"; holds for {', '.join(str(r.get('id')) for r in agree)}" if agree else ""), notes)
    if missing:
        return _not_measurable(c, "the compiler gave no verdict for " + ", ".join(_escape_case(r) for r in missing),
                               measured, notes)
    return _verdict(c, measured, HOLDS, "holds", notes)


def escape_context(cid: str, escape: dict | None) -> list[str]:
    """escape_context lists escape-analysis records about a claim decided by other measurements (e.g. C11)."""
    if not escape:
        return []
    recs = [r for r in escape["records"] if str(r.get("claim", "")).upper() == cid]
    if not recs:
        return []
    return ["Escape analysis (escape.json): " + "; ".join(
        f"{_escape_case(r)} on the {r.get('observed')}" + (f" (article: {r['article']})" if r.get("article") else "")
        for r in recs) + "."]


EVALUATORS = {
    "micro_ratio": eval_micro,
    "micro_exact": lambda c, run, tol, **kw: eval_micro(c, run, tol, exact=True),
    "load_ratio": eval_load_ratio,
    "snapshot_bandwidth": eval_snapshot,
    "controller": eval_controller,
    "gomaxprocs_sweep": eval_gomaxprocs,
    "pause_bounds": eval_pauses,
    "escape": eval_escape,
}


def evaluate(run: dict, escape_path: Path | str | None = None, claims_doc: dict | None = None) -> list[Verdict]:
    """evaluate returns a Verdict for every claim, in claims.json order.

    escape_path is results/escape.json (None: the escape claims are not
    measurable). An evaluator that fails on unexpected data yields "not
    measurable" naming the error, so one odd field never loses the report.
    """
    doc = claims_doc or load_claims()
    tol = doc.get("tolerance", {})
    escape, why = load_escape(escape_path) if escape_path else (None, "no escape.json given")
    out = []
    for c in doc["claims"]:
        fn = EVALUATORS.get(c["decide"].get("type"))
        if fn is None:
            out.append(_not_measurable(c, f"unknown decide type {c['decide'].get('type')!r} in claims.json"))
            continue
        try:
            v = fn(c, run, tol, escape=escape, escape_why=why)
        except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError) as e:
            v = _not_measurable(c, f"could not evaluate: {type(e).__name__}: {e}")
        if c["decide"].get("type") != "escape":
            v.notes += escape_context(c["id"], escape)
        out.append(v)
    return out


def merge_runs(run: dict, others: list[dict]) -> dict:
    """merge_runs returns run with the micro benchmarks and load entries of other runs added, for a claims
    table over several runs (`invoke bench` and `invoke load` store separate runs). A benchmark already in run
    (same name and build) is kept from run; load entries are all added, labelled with their run id."""
    merged = dict(run)
    have = {(b.get("name"), b.get("build", "default")) for b in run.get("benchmarks") or []}
    benches, load = list(run.get("benchmarks") or []), list(run.get("load") or [])
    for o in others:
        for b in o.get("benchmarks") or []:
            if (b.get("name"), b.get("build", "default")) not in have:
                have.add((b.get("name"), b.get("build", "default")))
                benches.append(b)
        for e in o.get("load") or []:
            if isinstance(e, dict):
                load.append({**e, "label": f"{loadview.label(e)} [{o.get('run_id')}]"})
        for k, lib in (o.get("libraries") or {}).items():
            merged.setdefault("libraries", {}).setdefault(k, lib)
    merged["benchmarks"] = benches
    if load:
        merged["load"] = load
    if not merged.get("ffi_ns_per_call"):
        merged["ffi_ns_per_call"] = next((o["ffi_ns_per_call"] for o in others if o.get("ffi_ns_per_call")), None)
    return merged


def table_rows(verdicts: list[Verdict]) -> list[list[str]]:
    """table_rows are the claims table's rows: id, technique, claimed, measured, verdict."""
    return [[v.id, (f"(as {v.same_as}) " if v.same_as else "") + v.technique, v.claimed, v.measured, v.verdict]
            for v in verdicts]


HEADER = ["claim", "technique", "claimed", "measured", "verdict"]
