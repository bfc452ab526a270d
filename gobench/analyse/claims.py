"""Verdicts on the seed article's claims, from a stored run.

This is the analysis step for claims: it reads gobench/analyse/claims.json
(the claims as data), a run record and, for the escape-analysis claims,
results/escape.json, and returns one Verdict per claim. It never runs a
benchmark; a claim whose data is not in the run is "not measurable here"
with the reason and the command that would measure it. Anything else that
goes wrong while deciding is a bug and raises.

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

A Verdict's measured text, verdict text and notes are Phrases: sentences
whose numbers stay numbers until present.claims renders them (present.fmt
decides how a number looks), so that this module decides and never
formats.

Note: the magnitude is judged on ratios, not on the absolute numbers of the
article: those were taken on other hardware. The absolute numbers are
printed beside the ratio so that a reader can see both.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Phrase:
    """Phrase is verdict wording whose numbers stay numbers: a str.format template and its values.

    The format spec of a field says what kind of number it holds, and
    present.claims decides how that looks: ``{x:num}`` a measured or claimed
    number, ``{x:num ms}`` one with its unit (``{x:num {unit}}`` takes the
    unit from a value), ``{x:ratio}`` a ratio ("2.05x"; "eliminated" against
    zero), ``{x:p}`` a p-value. A field without a spec is a name, a count or
    another Phrase. A plain str stands for a Phrase without numbers.
    """

    template: str
    values: dict = field(default_factory=dict)


Text = Phrase | str


def say(template: str, **values) -> Phrase:
    """say makes a Phrase: ``say("{n:num} GC/min", n=cycles)``."""
    return Phrase(template, values)


def join(sep: str, items: list[Text]) -> Text:
    """join is ``sep.join(items)`` for Phrases and strs."""
    sep = sep.replace("{", "{{").replace("}", "}}")
    return Phrase(sep.join(f"{{i{k}}}" for k in range(len(items))), {f"i{k}": x for k, x in enumerate(items)})


def _pair(b: float | None, o: float | None, unit: str) -> Phrase:
    """_pair is "baseline -> optimised unit"."""
    return say("{b:num} -> {o:num {unit}}", b=b, o=o, unit=unit)


@dataclass
class Verdict:
    """Verdict is the outcome for one claim: what was measured and what that says about the claim."""

    id: str
    section: str
    technique: str
    claimed: str  # the claim's text, as claims.json has it
    measured: Text
    kind: str  # holds | magnitude | refuted | not_measurable
    verdict: Text  # the full verdict, e.g. "refuted (the difference goes the other way: ...)"
    notes: list[Text] = field(default_factory=list)
    same_as: str | None = None


@dataclass
class Part:
    """Part is the outcome for one metric of a claim (a claim may have several, e.g. C11).

    ``values`` are the measured numbers ("b -> o unit[, ratio]"), ``how``
    says how the direction was decided ("p=0.003"), ``why`` explains a
    refuted or not measurable part.
    """

    kind: str
    values: Text
    how: Text = ""
    claimed: Text = ""
    why: Text = ""

    @property
    def measured(self) -> Text:
        return say("{v} ({how})", v=self.values, how=self.how) if self.how else self.values


def load_claims(path: Path | str = CLAIMS_FILE) -> dict:
    """load_claims reads claims.json and checks every claim has the fields the report needs and a known type."""
    doc = json.loads(Path(path).read_text())
    for c in doc["claims"]:
        for k in ("id", "section", "technique", "claimed", "decide"):
            if k not in c:
                raise ValueError(f"{path}: claim {c.get('id', '?')} lacks {k!r}")
        if c["decide"].get("type") not in EVALUATORS:
            raise ValueError(f"{path}: claim {c['id']} has decide type {c['decide'].get('type')!r}; known: "
                             f"{', '.join(EVALUATORS)}")
    return doc


def load_escape(path: Path | str) -> tuple[dict | None, str | None]:
    """load_escape reads escape.json (commands/escape.py writes it); returns ({"go_version", "flags", "records"},
    None), or (None, why it cannot be used). A bare list of records is accepted too."""
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


def _significance(a: list[float], b: list[float], sa: dict, sb: dict) -> tuple[bool | None, Text]:
    """_significance says whether two samples differ (None: cannot tell) and how that was decided."""
    if len(a) >= MIN_ROUNDS_FOR_P and len(b) >= MIN_ROUNDS_FOR_P:
        p = stats.mann_whitney_p(a, b)
        return p < 0.05, say("p={p:p}", p=p)
    if all(s.get(k) is not None for s in (sa, sb) for k in ("ci_lo", "ci_hi")):
        apart = sa["ci_hi"] < sb["ci_lo"] or sb["ci_hi"] < sa["ci_lo"]
        return apart, "95% CIs " + ("apart" if apart else "overlap")
    return None, say("{a}+{b} rounds", a=max(len(a), sa.get("n") or 0), b=max(len(b), sb.get("n") or 0))


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


def _compare_part(spec: dict, mb, mo, significant: bool | None, how: Text, tol: dict, exact: bool = False,
                  load: bool = False) -> Part:
    """_compare_part turns a measured pair into a Part: direction first, then magnitude."""
    unit = spec.get("unit", "")
    cb, co = spec["claimed_baseline"], spec["claimed_optimized"]
    claimed = _pair(cb, co, unit)
    lower = spec.get("better", "lower") == "lower"
    if mb is None or mo is None:
        return Part(NOT_MEASURABLE, "?", claimed=claimed, why=f"{spec.get('metric') or spec.get('path')} not recorded")
    measured = _pair(mb, mo, unit)
    if exact:
        if mb == cb and mo == co:
            return Part(HOLDS, measured, claimed=claimed)
        better = mo < mb if lower else mo > mb
        return Part(MAGNITUDE if better else REFUTED, measured, claimed=claimed,
                    why="" if better else f"the optimised value is not {'smaller' if lower else 'larger'}")
    improved = mo < mb if lower else mo > mb
    if load:
        noise = tol.get("load_noise", 1.10)
        zero_ok = float(co) == 0 and lower and mo <= float(spec.get("zero_tolerance", 0)) < mb
        hi, lo = max(mb, mo), min(mb, mo)
        significant = zero_ok or (hi > lo * noise if lo > 0 else hi > 0)
        how = say("one load run each; differences under {pct}% count as none", pct=round((noise - 1) * 100))
    if significant is None:
        return Part(NOT_MEASURABLE, measured, how, claimed,
                    say("too few rounds for a 95% test ({how}); need at least {n} a side", how=how,
                        n=MIN_ROUNDS_FOR_P))
    if not significant:
        return Part(REFUTED, measured, how, claimed, say("no significant difference: {m}", m=measured))
    if not improved:
        return Part(REFUTED, measured, how, claimed, say("the difference goes the other way: {m}", m=measured))
    kind, r, rc = _magnitude(spec, mb, mo, tol)
    return Part(kind, say("{m}, {r:ratio}", m=measured, r=r), how, say("{c}, {rc:ratio}", c=claimed, rc=rc))


def _combine(c: dict, parts: list[Part], notes: list[Text] | None = None, extra: Text = "") -> Verdict:
    """_combine merges the Parts of a claim: refuted > not measurable > magnitude differs > holds."""
    kinds = [p.kind for p in parts]
    measured = join("; ", [p.measured for p in parts] + ([extra] if extra else []))
    if REFUTED in kinds:
        kind = REFUTED
        whys = [p.why for p in parts if p.kind == REFUTED and p.why]
        verdict = say("refuted ({whys})", whys=join("; ", whys)) if whys else "refuted"
    elif NOT_MEASURABLE in kinds:
        kind = NOT_MEASURABLE
        verdict = say("not measurable here ({whys})",
                      whys=join("; ", [p.why for p in parts if p.kind == NOT_MEASURABLE]))
    elif MAGNITUDE in kinds:
        kind = MAGNITUDE
        diffs = [say("measured {m} vs claimed {c}", m=p.values, c=p.claimed) for p in parts if p.kind == MAGNITUDE]
        verdict = say("direction holds, magnitude differs ({diffs})", diffs=join("; ", diffs))
    else:
        kind, verdict = HOLDS, "holds"
    return _verdict(c, measured, kind, verdict, notes)


def _verdict(c: dict, measured: Text, kind: str, verdict: Text, notes: list[Text] | None = None) -> Verdict:
    d = c["decide"]
    allnotes = list(notes or []) + list(d.get("notes") or [])
    if d.get("not_covered"):
        allnotes.append("Not covered: " + d["not_covered"] + ".")
    return Verdict(c["id"], c["section"], c["technique"], c["claimed"], measured, kind, verdict, allnotes,
                   c.get("same_as"))


def _not_measurable(c: dict, why: Text, measured: Text = "-", notes: list[Text] | None = None) -> Verdict:
    return _verdict(c, measured, NOT_MEASURABLE, say("not measurable here ({why})", why=why), notes)


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
        part.values = say("{metric}: {v}", metric=spec["metric"], v=part.values)
        parts.append(part)
    extra: list[Text] = [f"{bb['name']} vs {bo['name']}"]
    for spec in d.get("context") or []:  # shown beside, not deciding
        vb, vo = _values(run, bb, spec["metric"])[0], _values(run, bo, spec["metric"])[0]
        if vb is not None or vo is not None:
            extra.append(say("{metric}: {pair}", metric=spec["metric"], pair=_pair(vb, vo, spec.get("unit", ""))))
    return _combine(c, parts, extra=join("; ", extra))


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
    notes: list[Text] = []
    where = say("{b} vs {o}, {at}", b=loadview.label(b), o=loadview.label(o),
                at="closed loop" if rb["closed_loop"] else say("target {t:num} req/s", t=rb["target"]))
    claimed_rate = d.get("claimed_rate_per_s")
    if claimed_rate and rb["target"] and abs(rb["target"] - claimed_rate) > 0.1 * claimed_rate:
        notes.append(say("Measured at {t:num} req/s, not the claimed {claimed:num} req/s; GC cycles per minute grow "
                         "with the request rate.", t=rb["target"], claimed=claimed_rate))
    if d.get("needs_saturation") and not rb["closed_loop"] and rb["kept_up"] and ro["kept_up"]:
        return _not_measurable(c, say("both kinds kept up with the target {t:num} req/s, so the run shows no "
                                      "throughput limit; run `invoke load --mode closed`", t=rb["target"]),
                               say("achieved {b:num} and {o:num} req/s; {where}", b=rb["achieved"], o=ro["achieved"],
                                   where=where), notes)
    for spec in d["metrics"]:
        cycles = loadview.gc(b)["cycles"]
        if spec["path"].startswith("gc.cycles") and cycles is not None and cycles < MIN_GC_CYCLES:
            return _not_measurable(c, say("{run} ran only {n:num} GC cycle{s} in the measured interval, too few for "
                                          "a rate (at least {least}); run longer (--duration) or at a higher --rate",
                                          run=loadview.label(b), n=cycles, s="s" * (cycles != 1),
                                          least=MIN_GC_CYCLES), where, notes)
    if d.get("needs_saturation") and not ro["closed_loop"] and ro["kept_up"]:
        notes.append("The optimised kind kept up with the target rate: its throughput is a lower bound.")
    parts = []
    for spec in d["metrics"]:
        scale = float(spec.get("ns_per_unit", 1))
        vb, vo = _load_value(b, spec["path"]), _load_value(o, spec["path"])
        vb = vb / scale if vb is not None else None
        vo = vo / scale if vo is not None else None
        part = _compare_part(spec, vb, vo, None, "", tol, load=True)
        part.values = say("{path}: {v}", path=spec["path"], v=part.values)
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
    arith: Text = say("{gb:num} GB in {opt_ms:num} ms needs {opt:num} GB/s (and {base_ms:num} ms needs {base:num} "
                      "GB/s)", gb=d["claimed_bytes"] / 1e9, opt_ms=d["claimed_optimized_ms"], opt=implied_opt / 1e3,
                      base_ms=d["claimed_baseline_ms"], base=implied_base / 1e3)
    if bound_mb:
        implausible = implied_opt > bound_mb
        arith = say("{arith}; memcpy measured here: {memcpy:num} GB/s, so the claimed mmap time needs {x:num}x the "
                    "memory copy bandwidth{verdict}", arith=arith, memcpy=bound_mb / 1e3, x=implied_opt / bound_mb,
                    verdict=": physically implausible" if implausible else "")
    else:
        implausible = None
        arith = say("{arith}; no memcpy measurement in this run to set it against", arith=arith)
    bb, bo = find_benchmark(run, d["baseline"]), find_benchmark(run, d["optimized"])
    why = list(dict.fromkeys(w for w in (_missing(run, d["baseline"], bb), _missing(run, d["optimized"], bo)) if w))
    if why:
        if implausible:
            return _verdict(c, arith, REFUTED, say("refuted (the claimed times are physically implausible: {arith}; "
                                                   "the mmap-vs-write direction was not measured: {why})",
                                                   arith=arith, why="; ".join(why)))
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
    notes: list[Text] = []
    if size and size < d["claimed_bytes"] / 10:
        notes.append(say("The snapshot measured here is {size:num} MB, not {claimed:num} GB: it may sit in CPU caches, "
                         "so the MB/s here (memcpy's included) are upper bounds for a 1 GB snapshot, which makes the "
                         "implausibility argument conservative. Larger: `invoke bench --filter '^Snapshot/' --param "
                         "Snapshot/mmap:records=N` (per variant).", size=size / 1e6, claimed=d["claimed_bytes"] / 1e9))
    measured: Text = say("{b} {mb:num MB/s} ({b_ms:num ms} per GB) vs {o} {mo:num MB/s} ({o_ms:num ms} per GB), "
                         "{r:ratio} ({how}); {arith}", b=bb["name"], mb=mb, b_ms=ms(mb), o=bo["name"], mo=mo,
                         o_ms=ms(mo), r=mo / mb if mb and mo is not None else None, how=how, arith=arith)
    db, do = (find_benchmark(run, d[k]) if d.get(k) else None for k in ("durable_baseline", "durable_optimized"))
    if db is not None and do is not None and not _missing(run, d["durable_baseline"], db) \
            and not _missing(run, d["durable_optimized"], do):
        vb, vo = _values(run, db, metric)[0], _values(run, do, metric)[0]
        measured = say("{measured}; durable pair: {b} {vb:num MB/s} vs {o} {vo:num MB/s}{r}", measured=measured,
                       b=db["name"], vb=vb, o=do["name"], vo=vo,
                       r=say(", {r:ratio}", r=vo / vb) if vb and vo is not None else "")
    if part.kind == HOLDS and implausible:
        part.kind = MAGNITUDE
    if part.kind == MAGNITUDE:
        verdict = say("direction holds, magnitude differs (measured {b:num} ms -> {o:num} ms per GB vs claimed "
                      "{cb:num} ms -> {co:num} ms{implausible})", b=ms(mb), o=ms(mo), cb=d["claimed_baseline_ms"],
                      co=d["claimed_optimized_ms"],
                      implausible=say("; {opt:num} GB/s is physically implausible next to memcpy's {memcpy:num} GB/s",
                                      opt=implied_opt / 1e3, memcpy=bound_mb / 1e3) if implausible else "")
        return _verdict(c, measured, MAGNITUDE, verdict, notes)
    if part.kind == REFUTED:
        return _verdict(c, measured, REFUTED, say("refuted ({why}{also})", why=part.why,
                                                  also="; the claimed times are also physically implausible"
                                                  if implausible else ""), notes)
    if part.kind == NOT_MEASURABLE:
        return _verdict(c, measured, NOT_MEASURABLE, say("not measurable here ({why})", why=part.why), notes)
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
    gogcs = sorted({int(g) for _, g in loadview.controller_timeline(a)})
    measured = say("adaptive ({a}): {ga:num} GC/min, p99 {pa:num us}{took}; fixed GOGC={gogc} ({f}): {gf:num} GC/min, "
                   "p99 {pf:num us}", a=loadview.label(a), ga=ga, pa=pa / 1e3,
                   took=say(", GOGC took {gogcs}", gogcs=", ".join(map(str, gogcs))) if gogcs else "",
                   gogc=gogc_f if gogc_f is not None else "?", f=loadview.label(f), gf=gf, pf=pf / 1e3)
    notes: list[Text] = []
    thr = d.get("latency_factor_threshold_ms", 50) * 1e6
    if max(pa, pf) <= thr:
        notes.append(say("The second half (lower p99 when latency is high) was not exercised: the latency factor only "
                         "acts above p99 = {thr:num} ms, and p99 here was at most {p99:num ms}.", thr=thr / 1e6,
                         p99=max(pa, pf) / 1e6))
    fewer = gf > ga * noise
    raised = pa > pf * noise
    if fewer and not raised:
        return _verdict(c, measured, HOLDS, "holds" + (" (first half; second half not exercised)" if notes else ""),
                        notes)
    why: list[Text] = []
    if not fewer:
        why.append("no fewer GC cycles per minute than fixed GOGC" if gf >= ga / noise else
                   "more GC cycles per minute than fixed GOGC")
    if raised:
        why.append(say("p99 raised by {pct:num}%", pct=(pa / pf - 1) * 100))
    return _verdict(c, measured, REFUTED, say("refuted ({why})", why=join("; ", why)), notes)


def eval_gomaxprocs(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_gomaxprocs decides C8 from a GOMAXPROCS sweep: is the mean STW pause lowest at the core count?

    The claim's 4/8/16 on 8 cores is read as half/equal/double the core
    count, so that a machine with other core counts can test its shape.
    Magnitude: the ratios mean(half)/mean(cores) and mean(double)/mean(cores)
    against the claimed 12.7/4.1 and 5.8/4.1.
    """
    d = c["decide"]
    cores = (run.get("machine") or {}).get("cpu_count")

    def hw(read_as: str) -> Phrase:
        return say("this machine has {cores} cores: the sweep can only cover what the hardware allows, so the claim's "
                   "GOMAXPROCS 4/8/16 on {claimed} cores is read as {read_as}", cores=cores,
                   claimed=d["claimed_cores"], read_as=read_as)

    no_sweep = "no GOMAXPROCS sweep in this run; run `invoke load --sweep gomaxprocs`"
    if not loadview.entries(run):
        return _not_measurable(c, say("{why}; {hw}", why=NO_LOAD, hw=hw("half/equal/double the core count"))
                               if cores else NO_LOAD)
    if not any(e.get("sweep") == "gomaxprocs" for e in loadview.entries(run)):
        return _not_measurable(c, say("{why}; {hw}", why=no_sweep, hw=hw("half/equal/double the core count"))
                               if cores else no_sweep)
    pts: dict[int, tuple] = {}
    for e in loadview.entries(run, ok_only=True):
        if e.get("sweep") != "gomaxprocs":
            continue
        p = loadview.point_value(e, "gomaxprocs")
        if isinstance(p, (int, float)) and int(p) not in pts:
            pts[int(p)] = (*loadview.stw_mean_sd(e), int(loadview.gc(e)["stw_count"] or 0))
    if not cores or not pts:
        return _not_measurable(c, no_sweep)
    want = {"half": max(1, cores // 2), "cores": cores, "double": cores * 2}
    hwnote = hw("/".join(str(want[k]) for k in ("half", "cores", "double")))
    measured = join("; ", [say("GOMAXPROCS={p}: mean STW {m:num ms}, sd {s:num ms} ({n} pauses)", p=p,
                               m=m / 1e6 if m is not None else None, s=s / 1e6 if s is not None else None, n=n)
                           for p, (m, s, n) in sorted(pts.items())])
    notes: list[Text] = [say("GOMAXPROCS above the core count ({cores}) oversubscribes the machine: the extra Ps wait "
                             "for a core, which stretches stop-the-world pauses.", cores=cores)] \
        if any(p > cores for p in pts) else []
    few = sorted(p for p, (_, _, n) in pts.items() if n < MIN_PAUSES and p in want.values())
    if few:
        return _not_measurable(c, say("fewer than {least} STW pauses at GOMAXPROCS={few}, too few for a mean and "
                                      "standard deviation; run longer (--duration); {hw}", least=MIN_PAUSES,
                                      few=", ".join(map(str, few)), hw=hwnote), measured, notes)
    at = pts.get(cores, (None, None, 0))[0]
    others = {k: pts[want[k]][0] for k in ("half", "double") if want[k] in pts and want[k] != cores
              and pts[want[k]][0] is not None}
    if at is None or not others:
        return _not_measurable(c, say("the sweep lacks GOMAXPROCS={cores} or a point on either side with GC pauses; "
                                      "{hw}", cores=cores, hw=hwnote), measured, notes)
    noise = tol.get("load_noise", 1.10)
    worse = [k for k, v in others.items() if at > v * noise]
    if worse:
        return _verdict(c, measured, REFUTED, say("refuted (mean STW at GOMAXPROCS={cores} is higher than at {worse}; "
                                                  "{hw})", cores=cores, worse=", ".join(str(want[k]) for k in worse),
                                                  hw=hwnote), notes)
    not_better = [k for k, v in others.items() if not v > at * noise]
    if not_better:
        return _verdict(c, measured, REFUTED, say("refuted (no difference beyond load noise between GOMAXPROCS={cores} "
                                                  "and {same}; {hw})", cores=cores,
                                                  same=", ".join(str(want[k]) for k in not_better), hw=hwnote), notes)
    f = tol.get("magnitude_factor", 1.5)
    cp = d["claimed_points"]
    diffs: list[Text] = []
    for k, v in others.items():
        r, rc = v / at, cp[k]["mean_ms"] / cp["cores"]["mean_ms"]
        if not rc / f <= r <= rc * f:
            diffs.append(say("measured mean STW({p})/mean STW({cores}) = {r:ratio} vs claimed {rc:ratio}", p=want[k],
                             cores=cores, r=r, rc=rc))
    if diffs:
        return _verdict(c, measured, MAGNITUDE, say("direction holds, magnitude differs ({diffs}; {hw})",
                                                    diffs=join("; ", diffs), hw=hwnote), notes)
    return _verdict(c, measured, HOLDS, say("holds ({hw})", hw=hwnote), notes)


def eval_pauses(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_pauses decides C9: the worst STW pause and STW p99 of the load runs against the claimed bounds,
    per Go version and GOEXPERIMENT."""
    d = c["decide"]
    if not loadview.entries(run):
        micro = [r.get("stw_max_ns") for b in run.get("benchmarks") or [] for r in b.get("rounds") or []
                 if isinstance(r, dict) and isinstance(r.get("stw_max_ns"), (int, float))]
        note = ([say("For reference only, the micro benchmark rounds (not a load test) saw a longest STW pause of "
                     "{longest:num ms}.", longest=max(micro) / 1e6)] if micro and max(micro) > 0 else [])
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
    parts: list[Text] = []
    kinds, straddle = [], []
    for (gv, gx, build), es in sorted(groups.items()):
        pooled = _pool_stw(es)
        n = sum(cnt for _, _, cnt in pooled)
        head = say("{go}, GOEXPERIMENT={exp} (build {build}, {runs} load run{s}, {n:num} pauses)", go=gv,
                   exp=gx or "none", build=build, runs=len(es), s="s" * (len(es) != 1), n=n)
        if not n:
            parts.append(say("{head}: no STW pause recorded", head=head))
            kinds.append(NOT_MEASURABLE)
            continue
        mlo, mhi = pooled[-1][0], pooled[-1][1]
        plo, phi = _bucket_at(pooled, 99.0)
        parts.append(say("{head}: longest pause in [{mlo:num}, {mhi:num}) ms, STW p99 in [{plo:num}, {phi:num}) ms",
                         head=head, mlo=mlo / 1e6, mhi=mhi / 1e6, plo=plo / 1e6, phi=phi / 1e6))
        if mlo > bmax or plo >= bp99:
            kinds.append(REFUTED)
        elif mhi <= bmax and phi <= bp99:
            kinds.append(HOLDS)
        else:
            kinds.append(NOT_MEASURABLE)
            straddle.append(f"{gv}/{gx or 'none'}: a bucket straddles a bound")
    measured = join("; ", parts)
    notes: list[Text] = [
        "STW pauses are read from the runtime's pause histogram (/sched/pauses/total/gc:seconds, 4 buckets per "
        "power of two), pooled over the load runs that use the default GOGC and GOMAXPROCS; a pause is known "
        "only to lie within its bucket, so each value is given as [lower, upper) edges."]
    if skipped:
        notes.append(say("{n} load run{s} left out: closed loop, fallen behind its target, or with a non-default GOGC, "
                         "GOMAXPROCS or the adaptive controller.", n=skipped, s="s" * (skipped != 1)))
    pauses = int(sum(cnt for es in groups.values() for _, _, cnt in _pool_stw(es)))
    if 0 < pauses < 100:
        notes.append(say("Only {n} pauses: the p99 is close to the maximum; longer runs (--duration) give a p99 that "
                         "means something.", n=pauses))
    bounds = say("max <= {max_ms} ms, p99 < {p99_ms} ms", max_ms=d["max_pause_ms"], p99_ms=d["p99_stw_ms"])
    if REFUTED in kinds:
        return _verdict(c, measured, REFUTED, say("refuted (a bound is exceeded: {bounds})", bounds=bounds), notes)
    if straddle:
        return _not_measurable(c, say("the histogram cannot tell: {where} ({bounds})", where="; ".join(straddle),
                                      bounds=bounds), measured, notes)
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
    notes: list[Text] = [f"{r.get('id')}: {r['why']}" for r in disagree if r.get("why")]
    hidden = [r for r in judged if r.get("allocates_on_stack_verdict")]
    if hidden:
        notes.append(say("-m reports the stack, yet the code allocates at run time (counted by the Go tests) in: "
                         "{cases}. The article's wording (escapes, per -m) is wrong there; its conclusion (it "
                         "allocates) is not.",
                         cases=join(", ", [say("{id} ({allocs:num} allocs/op)", id=r.get("id"),
                                               allocs=r.get("allocs_per_op")) for r in hidden])))
    unchecked = [r for r in recs if r.get("holds") is False or r.get("ok") is False]
    if has_article and unchecked:
        notes.append("The compiler no longer does what gosrc/patterns/escape_expectations.json verified for: "
                     + ", ".join(str(r.get("id")) for r in unchecked)
                     + "; rerun `invoke escape` and review.")
    if disagree:
        return _verdict(c, measured, REFUTED,
                        say("refuted for {n} of {m} cases ({cases}){agree}", n=len(disagree), m=len(judged),
                            cases="; ".join(f"{_escape_case(r)}: -m says {r.get('observed')}, the article {said(r)}"
                                            for r in disagree),
                            agree=f"; holds for {', '.join(str(r.get('id')) for r in agree)}" if agree else ""),
                        notes)
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
    measurable). Data a claim needs and the run lacks gives "not measurable
    here" with the reason; an evaluator that fails is a bug and raises.
    """
    doc = claims_doc or load_claims()
    tol = doc.get("tolerance", {})
    escape, why = load_escape(escape_path) if escape_path else (None, "no escape.json given")
    out = []
    for c in doc["claims"]:
        v = EVALUATORS[c["decide"]["type"]](c, run, tol, escape=escape, escape_why=why)
        if c["decide"]["type"] != "escape":
            v.notes += escape_context(c["id"], escape)
        out.append(v)
    return out


def merge_runs(run: dict, others: list[dict]) -> dict:
    """merge_runs returns run with the micro benchmarks and load entries of other runs added, for a claims
    table over several runs (`invoke bench` and `invoke load` store separate runs). A benchmark already in run
    (same name and build) is kept from run; load entries are all added, labelled with their run id.

    Note: this lives in analyse, not store. It reads and writes no file: it builds, in memory, the one
    record the claims are judged on (and names load entries as loadview does), while store keeps each
    run exactly as it was measured.
    """
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
