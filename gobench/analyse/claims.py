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
- ``cannot be true as stated``: the claim's own numbers are impossible here,
  whatever was measured beside them: its arithmetic is wrong (C10), or it
  needs more per-request saving than the micro benchmarks measure for the
  technique (C3's throughput from 12,400 to 28,900 req/s needs 46 µs less
  work per request), or more bandwidth than memcpy (C6);
- ``not measurable here (why)``.

Every verdict also carries its deciding number with its confidence
interval (``Verdict.decider``) and says whether the measurement beats the
claim (a larger improvement than claimed) or falls short of it.

Statistics (the unit is what is independent):

- micro ratios are medians of the per-round ratios of interleaved rounds
  (round i of the baseline and round i of the optimised variant ran in the
  same rotation, under the same machine noise), with the distribution-free
  95% interval of that median (order statistics, 6 rounds or more);
- load numbers are per repeat (a fresh process each, analyse.repeats): a
  latency verdict needs at least 3 repeats that kept up with their target
  and whose percentiles are not lower bounds, and compares the intervals of
  the per-repeat medians; a single run decides no latency claim. Other load
  metrics (GC cycles per minute, throughput) from a single run use the
  ``load_noise`` rule and say so.

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
from statistics import median
from pathlib import Path

from gobench.analyse import loadview
from gobench.analyse import repeats
from gobench.analyse import stats
from gobench.analyse import summary

CLAIMS_FILE = Path(__file__).resolve().parent / "claims.json"

HOLDS, MAGNITUDE, REFUTED, NOT_MEASURABLE = "holds", "magnitude", "refuted", "not_measurable"
CANNOT_BE_TRUE = "cannot_be_true"
# KINDS is every verdict kind, from the strongest statement against the claim to the weakest
KINDS = (CANNOT_BE_TRUE, REFUTED, MAGNITUDE, HOLDS, NOT_MEASURABLE)
SHORT = {HOLDS: "holds", MAGNITUDE: "magnitude differs", REFUTED: "refuted", CANNOT_BE_TRUE: "cannot be true as stated",
         NOT_MEASURABLE: "not measurable here"}
NO_LOAD = "no load run in this run; run `invoke load`"
MIN_ROUNDS_FOR_P = 4  # with 3+3 rounds the smallest two-sided Mann-Whitney p is 0.1
MIN_GC_CYCLES = 5  # a GC-cycles-per-minute comparison needs this many cycles in the baseline, its repeats together
MIN_PAUSES = 10  # a mean STW pause needs at least this many pauses per sweep point, its repeats together
MIN_PAUSES_PER_REPEAT = 2  # a repeat's standard deviation of pauses needs two
MIN_PAUSES_FOR_P99 = 100  # below this, a p99 of pauses is one of the few longest and decides nothing


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


@dataclass(frozen=True)
class Ratio:
    """Ratio is a verdict's deciding ratio as numbers, so that verdicts can be set side by side (per Go version,
    per host: analyse.grid): a metric's ratio in "times better" (baseline over optimised when lower is better),
    with its 95% interval (NaN when there is none: fewer than 6 rounds, or one load run a side)."""

    metric: str
    median: float
    lo: float = math.nan
    hi: float = math.nan


@dataclass
class Verdict:
    """Verdict is the outcome for one claim: what was measured and what that says about the claim."""

    id: str
    section: str
    technique: str
    claimed: str  # the claim's text, as claims.json has it
    measured: Text
    kind: str  # holds | magnitude | refuted | cannot_be_true | not_measurable
    verdict: Text  # the full verdict, e.g. "refuted (the difference goes the other way: ...)"
    notes: list[Text] = field(default_factory=list)
    same_as: str | None = None
    decider: Text = ""  # the deciding number with its CI, e.g. "1.34x (95% CI 1.2x-1.5x, per-round ratios)"
    ratios: list[Ratio] = field(default_factory=list)  # the deciding numbers that are ratios, as numbers
    change: Text = ""  # what changed since the previous review (analyse.changes), "" when there was none

    @property
    def short(self) -> str:
        """short is the verdict's kind in a few words, for a table cell."""
        return SHORT[self.kind]


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
    decider: Text = ""
    ratio: Ratio | None = None
    beats: bool | None = None  # magnitude: True when the measured improvement is larger than the claimed one

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


# SCENARIO_KEYS are the keys of a claim's "decide" (and of its plausibility check) that name a micro scenario
SCENARIO_KEYS = ("baseline", "optimized", "bound", "durable_baseline", "durable_optimized", "scenario")


def cited_scenarios(doc: dict | None = None) -> list[str]:
    """cited_scenarios is every micro scenario ("Family/Variant") a claim is decided on, sorted: the decide
    section's scenario keys, its plausibility check's, and the pairs of article-versus-best comparisons."""
    names: set[str] = set()

    def take(d: dict) -> None:
        names.update(str(d[k]) for k in SCENARIO_KEYS if isinstance(d.get(k), str) and "/" in d[k])
        for v in d.values():
            if isinstance(v, dict):
                take(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, dict):
                        take(x)

    for c in (doc or load_claims())["claims"]:
        take(c.get("decide") or {})
    return sorted(names)


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


def ratio_ci(a: list[float], b: list[float], better: str = "lower") -> tuple[float, float, float] | None:
    """ratio_ci is (median, lo, hi) of the per-round ratios of two interleaved samples, "times better"
    (a/b when lower is better, b/a when higher is better), with the 95% order-statistic interval of the median
    (lo and hi NaN with fewer than 6 pairs); None without pairs. Round i of each sample ran in the same
    rotation of the scheduler, so a ratio of a pair cancels the noise the two share."""
    pairs = [(x, y) for x, y in zip(a, b) if x and y]
    if not pairs:
        return None
    s = stats.summarize([x / y if better == "lower" else y / x for x, y in pairs])
    return s.median, s.ci_lo, s.ci_hi


def few_rounds_ci(a: list[float], b: list[float], better: str = "lower") -> tuple[float, float, float] | None:
    """few_rounds_ci is the per-round ratio of two interleaved samples with a 95% CI however few the rounds:
    the median with its order-statistic interval from 6 pairs on (ratio_ci), else the geometric mean with the
    t-interval of the log ratios (stats.log_t_ci; 2 pairs or more). For steps whose rounds are too long to run
    6 of (C6's 1 GB snapshot)."""
    ci = ratio_ci(a, b, better)
    if ci is None or not math.isnan(ci[1]):
        return ci
    t = stats.log_t_ci([x / y if better == "lower" else y / x for x, y in zip(a, b) if x and y])
    return t if t is not None else ci


def few_rounds_ratio(a: list[float], b: list[float], better: str = "lower") -> Text:
    """few_rounds_ratio is few_rounds_ci in words, saying which interval it is."""
    ci = ratio_ci(a, b, better)
    if ci is None or not math.isnan(ci[1]):
        return _ratio_phrase(ci)
    t = few_rounds_ci(a, b, better)
    if t is None or math.isnan(t[1]):
        return _ratio_phrase(ci)
    n = sum(1 for x, y in zip(a, b) if x and y)
    return say("{m:ratio} (95% CI {lo:ratio}-{hi:ratio}: t-interval of the log ratios of {n} interleaved round "
               "pairs, geometric mean)", m=t[0], lo=t[1], hi=t[2], n=n)


def _ratio_phrase(ci: tuple[float, float, float] | None) -> Text:
    """_ratio_phrase is "1.34x (95% CI 1.2x-1.5x)": the median of per-round ratios of interleaved rounds (ratio_ci)."""
    if ci is None:
        return ""
    m, lo, hi = ci
    if math.isnan(lo):
        return say("{m:ratio} (no 95% CI: fewer than 6 rounds)", m=m)
    return say("{m:ratio} (95% CI {lo:ratio}-{hi:ratio})", m=m, lo=lo, hi=hi)


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
    if co == 0 and lower:
        # an elimination claim ("217 -> 0 GC/min"): the ratio is infinite, so it holds only when the optimised
        # value is zero and the baseline is within the factor of the claimed baseline (450 -> 0 is not 217 -> 0)
        zero = mo <= float(spec.get("zero_tolerance", 0))
        return (HOLDS if zero and baseline_within(spec, mb, tol) else MAGNITUDE), r, rc
    return (HOLDS if rc / f <= r <= rc * f else MAGNITUDE), r, rc


def baseline_within(spec: dict, mb: float, tol: dict) -> bool:
    """baseline_within says whether a measured baseline is within the magnitude factor of the claimed one."""
    f = tol.get("magnitude_factor", 1.5)
    cb = float(spec["claimed_baseline"])
    return cb / f <= mb <= cb * f if cb else mb == 0


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
    part = Part(kind, say("{m}, {r:ratio}", m=measured, r=r), how, say("{c}, {rc:ratio}", c=claimed, rc=rc))
    if kind == MAGNITUDE:
        if float(co) == 0 and lower and mo > float(spec.get("zero_tolerance", 0)):
            part.beats = False  # not eliminated
        if float(co) == 0 and lower and not baseline_within(spec, mb, tol):
            part.why = say("the baseline is {x:ratio} the claimed {cb:num {unit}}, outside the factor {f}: the "
                           "article's baseline is not what was measured here", x=mb / float(cb) if cb else None,
                           cb=cb, unit=unit, f=tol.get("magnitude_factor", 1.5))
        else:
            part.beats = r > rc
    return part


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
        diffs = [say("{how}: measured {m} vs claimed {c}", m=p.values, c=p.claimed, how=_beats_text(p))
                 for p in parts if p.kind == MAGNITUDE]
        verdict = say("direction holds, magnitude differs ({diffs})", diffs=join("; ", diffs))
    else:
        kind, verdict = HOLDS, "holds"
    v = _verdict(c, measured, kind, verdict, notes)
    v.decider = join("; ", [p.decider for p in parts if p.decider])
    v.ratios = [p.ratio for p in parts if p.ratio]
    return v


def _beats_text(p: Part) -> Text:
    """_beats_text says how a part's magnitude differs: beats the claim, falls short of it, or another baseline."""
    if p.beats is None:
        return p.why or "differs"
    head = "beats the claim" if p.beats else "falls short of the claim"
    return say("{head}, and {why}", head=head, why=p.why) if p.why else head


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


def _micro_parts(run: dict, tol: dict, d: dict, baseline: str, optimized: str, exact: bool = False
                 ) -> tuple[list[Part], Text] | str:
    """_micro_parts compares two micro scenarios on the claim's metrics: (parts, what was compared), or why not."""
    bb, bo = find_benchmark(run, baseline), find_benchmark(run, optimized)
    why = list(dict.fromkeys(w for w in (_missing(run, baseline, bb), _missing(run, optimized, bo)) if w))
    if why:
        return "; ".join(why)
    parts = []
    for spec in d["metrics"]:
        mb, ab, sb = _values(run, bb, spec["metric"])
        mo, ao, so = _values(run, bo, spec["metric"])
        sig, how = _significance(ab, ao, sb, so)
        part = _compare_part(spec, mb, mo, sig, how, tol, exact=exact)
        part.values = say("{metric}: {v}", metric=spec["metric"], v=part.values)
        if not exact and mb and mo:
            ci = ratio_ci(ab, ao, spec.get("better", "lower"))
            part.decider = say("{metric} {r}", metric=spec["metric"], r=_ratio_phrase(ci))
            part.ratio = Ratio(spec["metric"], *ci) if ci else None
            rc = _magnitude(spec, 1.0, 1.0, tol)[2]
            if part.kind == REFUTED and sig is False and ci and not math.isnan(ci[1]) and ci[1] <= 1 <= ci[2] \
                    and ci[1] <= rc <= ci[2]:
                # the noise hides the difference: the interval holds both "no change" and the claimed ratio
                part.kind = NOT_MEASURABLE
                part.why = say("too noisy to decide: the 95% CI of the ratio, {lo:ratio}-{hi:ratio}, holds both 1x "
                               "and the claimed {rc:ratio}; measure on a quieter machine or with more rounds",
                               lo=ci[1], hi=ci[2], rc=rc)
        elif not exact and mb and not mo:
            part.decider = say("{metric} {mb:num {unit}} -> 0", metric=spec["metric"], mb=mb, unit=spec.get("unit", ""))
        parts.append(part)
    extra: list[Text] = [f"{bb['name']} vs {bo['name']}"]
    for spec in d.get("context") or []:  # shown beside, not deciding
        vb, vo = _values(run, bb, spec["metric"])[0], _values(run, bo, spec["metric"])[0]
        if vb is not None or vo is not None:
            extra.append(say("{metric}: {pair}", metric=spec["metric"], pair=_pair(vb, vo, spec.get("unit", ""))))
    return parts, join("; ", extra)


def eval_micro(c: dict, run: dict, tol: dict, exact: bool = False, **_) -> Verdict:
    """eval_micro decides micro_ratio and micro_exact claims from two micro scenarios.

    With ``as_in_article`` (C11), the article's own optimised version as written is measured too: it decides
    the verdict (the claim is about that code), and our best version is shown beside it as what the technique
    can reach. ``article_struct`` (C10) checks the article's own layout arithmetic first.
    """
    d = c["decide"]
    if d.get("article_struct"):
        return eval_struct(c, run, tol)
    best = _micro_parts(run, tol, d, d["baseline"], d["optimized"], exact)
    art = d.get("as_in_article")
    if not art:
        if isinstance(best, str):
            return _not_measurable(c, best)
        return _combine(c, best[0], extra=best[1])
    article = _micro_parts(run, tol, d, d["baseline"], art["optimized"], exact)
    if isinstance(article, str):
        if isinstance(best, str):
            return _not_measurable(c, best)
        v = _combine(c, best[0], extra=best[1])
        v.notes.insert(0, say("The article's own version as written ({name}) is not in this run ({why}); this "
                              "verdict is on our best version only.", name=art["optimized"], why=article))
        return v
    v = _combine(c, article[0], extra=say("as in the article: {x}", x=article[1]))
    if not isinstance(best, str):
        bv = _combine(c, best[0], extra=best[1])
        v.measured = say("{a}; best version: {b}", a=v.measured, b=bv.measured)
        v.notes.insert(0, say("As in the article ({art}) decides the verdict: {why} Our best version ({best}) "
                              "reaches: {bverdict}.", art=art["optimized"], why=art.get("why", ""),
                              best=d["optimized"], bverdict=bv.verdict))
        v.decider = say("as in the article: {a}; best version: {b}", a=v.decider or "-", b=bv.decider or "-")
    return v


def _struct_size(fields: list[dict]) -> tuple[int, int]:
    """_struct_size is (size, alignment) of a struct from its fields' offsets and sizes, with C's and Go's rule: the
    size is the end of the last field rounded up to the largest field alignment (a field's size, up to 8)."""
    end = max(f["offset"] + f["size"] for f in fields)
    align = max(min(f["size"], 8) for f in fields)
    return -(-end // align) * align, align


def eval_struct(c: dict, run: dict, tol: dict) -> Verdict:
    """eval_struct decides C10: the article's own struct, from its field table (arithmetic) and as measured in Go
    (StructLayout/article), against the claimed 48 -> 40 B; our reordered pair is context."""
    d = c["decide"]
    a = d["article_struct"]
    size, _ = _struct_size(a["fields"])
    layout = ", ".join(f"{f['name']} {f['size']} B at {f['offset']}" for f in a["fields"])
    arith = say("the article's struct as written ({layout}) ends at byte {size} and is {size} B, not the {claimed} B "
                "it states", layout=layout, size=size, claimed=a["claimed_bytes"])
    measured: list[Text] = []
    ba = find_benchmark(run, a["scenario"])
    if ba is not None and not _missing(run, a["scenario"], ba):
        so = _values(run, ba, "sizeof_bytes")[0]
        sc = _values(run, ba, "size_class_bytes")[0]
        measured.append(say("as in the article ({name}): sizeof {so:num B}, heap size class {sc:num B}",
                            name=ba["name"], so=so, sc=sc))
    best = _micro_parts(run, tol, d, d["baseline"], d["optimized"], exact=True)
    if not isinstance(best, str):
        measured.append(say("our reordering ({x}): {v}", x=best[1], v=join("; ", [p.values for p in best[0]])))
    classes = say("on the Go heap a {o} B and a {b} B object both take the 48 B size class, so allocating them one "
                  "at a time saves nothing; 8 B per element are saved only in arrays, slices and embedding structs",
                  o=d["metrics"][0]["claimed_optimized"], b=d["metrics"][0]["claimed_baseline"])
    notes: list[Text] = [classes, "Our StructLayout/padded and /packed were written to be 48 and 40 B (to test the "
                                  "claim's numbers), so that pair holding says nothing about the article's struct."]
    if size != a["claimed_bytes"]:
        v = _verdict(c, join("; ", measured) if measured else arith, CANNOT_BE_TRUE,
                     say("cannot be true as stated ({arith}: its \"{claimed} instead of {base}\" is an arithmetic "
                         "error)", arith=arith, claimed=a["claimed_bytes"], base=d["metrics"][0]["claimed_baseline"]),
                     notes)
        v.decider = say("the article's struct is {size} B (claimed {claimed} B)", size=size, claimed=a["claimed_bytes"])
        return v
    if isinstance(best, str):
        return _not_measurable(c, best, notes=notes)
    return _combine(c, best[0], notes, extra=best[1])


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
                   saturated: bool = False, claim_id: str | None = None):
    """pick_load_pair chooses a baseline and an optimised plain load run: same build, same target rate,
    runs calibrated to this claim first (`invoke load --calibrate-to`), default build first, and the target
    nearest the claimed rate. With saturated (throughput claims) a closed-loop pair, or one where a side fell
    behind its target, comes first; without, a pair where both kept up with their target comes first. Runs
    calibrated to another claim carry that claim's extra allocation and are never picked."""
    best, best_key = None, None
    def usable(e: dict) -> bool:
        return e.get("calibrated_to") in (None, claim_id)

    for b in filter(usable, _plain_entries(run, base_kind)):
        for o in filter(usable, _plain_entries(run, opt_kind)):
            if b.get("build", "default") != o.get("build", "default") or \
                    b.get("calibrated_to") != o.get("calibrated_to"):
                continue
            rb, ro = loadview.rate(b), loadview.rate(o)
            tb, to = rb["target"] or 0, ro["target"] or 0
            sat = rb["closed_loop"] and ro["closed_loop"] or rb["kept_up"] is False or ro["kept_up"] is False
            key = (claim_id is not None and b.get("calibrated_to") != claim_id,
                   saturated and not sat, not saturated and sat, rb["closed_loop"] != ro["closed_loop"],
                   b.get("build", "default") != "default", tb != to,
                   abs(tb - claimed_rate) if claimed_rate else 0)
            if best_key is None or key < best_key:
                best, best_key = (b, o), key
    return best


def _kinds_seen(run: dict) -> str:
    ks = sorted({str(e.get("kind")) for e in loadview.entries(run) if e.get("sweep") in (None, "")})
    return ", ".join(ks) or "none"


def _load_series(es: list[dict], spec: dict) -> list[float]:
    """_load_series is one metric of a claim over the repeats of a load point, in the claim's unit."""
    scale = float(spec.get("ns_per_unit", 1))
    vals = [_load_value(e, spec["path"]) for e in es]
    return [v / scale for v in vals if v is not None]


def _load_part(spec: dict, gb: list[dict], go: list[dict], tol: dict) -> Part:
    """_load_part compares one metric over the repeats of two load points.

    Latency: only repeats that kept up and whose percentiles are not lower bounds count, at least
    repeats.MIN_REPEATS a side, and the direction holds only when the intervals of the two medians do not
    overlap. Other metrics: the same with 3 repeats or more; with fewer, the medians and the load_noise rule.
    """
    latency = spec["path"].startswith("latency.")
    name = spec["path"]
    total = max(len(gb), len(go))
    if latency:
        gb, go = [e for e in gb if repeats.latency_usable(e)], [e for e in go if repeats.latency_usable(e)]
    vb, vo = _load_series(gb, spec), _load_series(go, spec)
    cb, co = repeats.median_ci(vb), repeats.median_ci(vo)
    unit = spec.get("unit", "")
    claimed = _pair(spec["claimed_baseline"], spec["claimed_optimized"], unit)
    if latency and (cb is None or co is None):
        n = min(len(vb), len(vo))
        why = (say("{name}: only {n} usable repeats of {total} (the others fell behind their target, or their "
                   "percentiles are lower bounds); a latency verdict needs {least}", name=name, n=n, total=total,
                   least=repeats.MIN_REPEATS) if n < total else
               say("{name}: single run, no CI: a latency claim is not decided by one run (three identical runs can "
                   "differ 1.8x in p99); run each point {least} times or more", name=name, least=repeats.MIN_REPEATS)
               if total <= 1 else
               say("{name}: only {n} repeats; a latency verdict needs {least}", name=name, n=n,
                   least=repeats.MIN_REPEATS))
        mb = median(vb) if vb else None
        mo = median(vo) if vo else None
        return Part(NOT_MEASURABLE, say("{name}: {v}", name=name, v=_pair(mb, mo, unit)), claimed=claimed, why=why)
    if cb is None or co is None:
        mb, mo = (median(vb) if vb else None), (median(vo) if vo else None)
        part = _compare_part(spec, mb, mo, None, "", tol, load=True)
        part.values = say("{name}: {v}", name=name, v=part.values)
        part.how = say("one load run a side (no CI); differences under {pct}% count as none",
                       pct=round((tol.get("load_noise", 1.10) - 1) * 100))
        if mb and mo:
            r = mb / mo if spec.get("better", "lower") == "lower" else mo / mb
            part.decider = say("{name} {r:ratio} (one run a side, no CI)", name=name, r=r)
            part.ratio = Ratio(name, r)
        elif mb is not None and mo is not None:
            part.decider = say("{name} {mb:num} -> {mo:num {unit}} (one run a side, no CI)", name=name, mb=mb, mo=mo,
                               unit=unit)
        return part
    (mb, lb, hb, pb), (mo, lo, ho, po) = cb, co
    apart = hb < lo or ho < lb
    lower = spec.get("better", "lower") == "lower"
    how = say("{nb}+{no} repeats; intervals of the medians [{lb:num}, {hb:num}] and [{lo:num}, {ho:num}] {unit} "
              "({cov:num}% coverage each) {rel}", nb=len(vb), no=len(vo), lb=lb, hb=hb, lo=lo, ho=ho, unit=unit,
              cov=min(pb, po) * 100, rel="apart" if apart else "overlap")
    part = _compare_part(spec, mb, mo, apart, how, tol)
    part.values = say("{name}: {v}", name=name, v=part.values)
    if mb and mo and lo and lb:
        r, rlo, rhi = (mb / mo, lb / ho, hb / lo) if lower else (mo / mb, lo / hb, ho / lb)
        part.decider = say("{name} {r:ratio} ({rlo:ratio}-{rhi:ratio} from the {cov:num}% intervals of the "
                           "per-repeat medians, {nb}+{no} repeats)", name=name, r=r, rlo=rlo, rhi=rhi,
                           cov=min(pb, po) * 100, nb=len(vb), no=len(vo))
        part.ratio = Ratio(name, r, rlo, rhi)
    return part


def plausibility(run: dict, spec: dict, claimed_base: float, claimed_opt: float, tol: dict
                 ) -> tuple[bool | None, Text]:
    """plausibility sets a throughput claim against the per-request saving the micro benchmarks measure.

    On ``cores`` cores, going from claimed_base to claimed_opt requests per second means cores * (1/base - 1/opt)
    seconds less work per request. The micro benchmarks measure the technique's saving per request: the median
    of the per-round differences of ``metric`` between the interleaved baseline and optimised rounds, with its
    95% interval. Returns (implausible, the arithmetic): implausible is True when the needed saving exceeds the
    interval's upper end times the magnitude factor, None when the micro scenarios are not in the run.
    """
    bb, bo = find_benchmark(run, spec["baseline"]), find_benchmark(run, spec["optimized"])
    need_ns = spec.get("cores", 1) * (1 / claimed_base - 1 / claimed_opt) * 1e9
    arith = say("{cores} core{s}: 1/{b:num} - 1/{o:num} s = {need:num us} less work per request",
                cores=spec.get("cores", 1), s="s" * (spec.get("cores", 1) != 1), b=claimed_base, o=claimed_opt,
                need=need_ns / 1e3)
    if _missing(run, spec["baseline"], bb) or _missing(run, spec["optimized"], bo):
        return None, say("{arith}; the micro benchmarks {b} and {o} are not in this run to set it against",
                         arith=arith, b=spec["baseline"], o=spec["optimized"])
    _, ab, _ = _values(run, bb, spec["metric"])
    _, ao, _ = _values(run, bo, spec["metric"])
    diffs = stats.summarize([x - y for x, y in zip(ab, ao)])
    if not diffs.n:
        return None, say("{arith}; no rounds of {b} and {o}", arith=arith, b=spec["baseline"], o=spec["optimized"])
    hi = diffs.max if math.isnan(diffs.ci_hi) else diffs.ci_hi
    ci = (say("95% CI {lo:num}-{hi:num} ns", lo=diffs.ci_lo, hi=diffs.ci_hi) if not math.isnan(diffs.ci_lo)
          else say("range {lo:num}-{hi:num} ns, too few rounds for a 95% CI", lo=diffs.min, hi=diffs.max))
    f = tol.get("magnitude_factor", 1.5)
    implausible = need_ns > max(hi, 0) * f
    saved = say("the micro benchmarks measure {saved:num ns} saved per request ({metric} of {b} minus {o}, median "
                "of {n} interleaved round pairs, {ci})", saved=diffs.median, metric=spec["metric"], b=spec["baseline"],
                o=spec["optimized"], n=diffs.n, ci=ci)
    x = need_ns / diffs.median if diffs.median > 0 else math.inf
    return implausible, say("{arith}; {saved}: the claim needs {x:ratio} that", arith=arith, saved=saved, x=x)


def eval_load_ratio(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_load_ratio decides a claim comparing two request kinds under load (C2-C5), over the repeats of each
    point (analyse.repeats), with a plausibility check against the micro benchmarks where the claim has one."""
    d = c["decide"]
    spec0 = d["metrics"][0]
    plaus = d.get("plausibility")
    implausible, arith = None, ""
    if plaus and spec0.get("better") == "higher":  # a throughput claim
        implausible, arith = plausibility(run, plaus, float(spec0["claimed_baseline"]),
                                          float(spec0["claimed_optimized"]), tol)
    tail_note: list[Text] = []
    if plaus and spec0["path"].startswith("latency."):  # a tail latency claim: a note, not the verdict
        need = (float(spec0["claimed_baseline"]) - float(spec0["claimed_optimized"])) * float(spec0.get("ns_per_unit", 1))
        tail_note.append(say("Plausibility: the claimed p99 gain is {need:num us} per request against {saved}. A p99 "
                             "can fall by more than the work saved only through the tail (fewer GC pauses, less "
                             "queueing), never through the work itself.", need=need / 1e3,
                             saved=_saving_only(run, plaus)))
    if implausible:
        v = _verdict(c, arith, CANNOT_BE_TRUE, say("cannot be true as stated ({arith})", arith=arith))
        v.decider = _saving_only(run, plaus)
        more = eval_load_ratio_measured(c, run, tol)
        if more is not None and more.measured != "-":
            v.measured = say("{m}; {arith}", m=more.measured, arith=arith)
            v.notes += more.notes + [say("The load measurement alone: {verdict}.", verdict=more.verdict)]
        return v
    v = eval_load_ratio_measured(c, run, tol)
    if v is None:
        return _not_measurable(c, NO_LOAD, arith or "-", notes=tail_note)
    if arith:
        v.notes.insert(0, say("Plausibility: {arith}.", arith=arith))
    v.notes = tail_note + v.notes
    return v


def _saving_only(run: dict, spec: dict) -> Text:
    """_saving_only is the measured per-request saving of a plausibility spec, in words."""
    bb, bo = find_benchmark(run, spec["baseline"]), find_benchmark(run, spec["optimized"])
    if _missing(run, spec["baseline"], bb) or _missing(run, spec["optimized"], bo):
        return "no micro measurement"
    _, ab, _ = _values(run, bb, spec["metric"])
    _, ao, _ = _values(run, bo, spec["metric"])
    s_ = stats.summarize([x - y for x, y in zip(ab, ao)])
    if math.isnan(s_.ci_lo):
        return say("{m:num ns} per request saved in the micro benchmarks ({metric}, {n} round pairs, no 95% CI)",
                   m=s_.median, metric=spec["metric"], n=s_.n)
    return say("{m:num ns} per request saved in the micro benchmarks ({metric}; 95% CI {lo:num}-{hi:num} ns over "
               "{n} interleaved round pairs)", m=s_.median, metric=spec["metric"], lo=s_.ci_lo, hi=s_.ci_hi, n=s_.n)


def eval_load_ratio_measured(c: dict, run: dict, tol: dict) -> Verdict | None:
    """eval_load_ratio_measured is the load half of eval_load_ratio; None when the run has no load section."""
    d = c["decide"]
    if not loadview.entries(run):
        return None
    pair = pick_load_pair(run, d["baseline_kind"], d["optimized_kind"], d.get("claimed_rate_per_s"),
                          bool(d.get("needs_saturation")), c["id"])
    if not pair:
        sweeps = sorted({str(e.get("sweep")) for e in loadview.entries(run) if e.get("sweep")})
        if _kinds_seen(run) == "none" and sweeps:
            return _not_measurable(c, f"this load run holds only the {', '.join(sweeps)} sweep; the plain runs of "
                                      f"{d['baseline_kind']} and {d['optimized_kind']} come from `invoke load`")
        return _not_measurable(c, f"no pair of ok plain load runs of kinds {d['baseline_kind']!r} and "
                                  f"{d['optimized_kind']!r} with the same build; plain kinds run: {_kinds_seen(run)}")
    b, o = pair
    reps = repeats.repeats(run)
    gb, go = reps.get(loadview.label(b), [b]), reps.get(loadview.label(o), [o])
    rb, ro = loadview.rate(b), loadview.rate(o)
    notes: list[Text] = []
    where = say("{b} vs {o}, {at}, {nb}+{no} repeat{s}", b=loadview.label(b), o=loadview.label(o),
                at="closed loop" if rb["closed_loop"] else say("target {t:num} req/s", t=rb["target"]),
                nb=len(gb), no=len(go), s="s" * (len(gb) + len(go) != 2))
    claimed_rate = d.get("claimed_rate_per_s")
    if claimed_rate and rb["target"] and abs(rb["target"] - claimed_rate) > 0.1 * claimed_rate:
        notes.append(say("Measured at {t:num} req/s, not the claimed {claimed:num} req/s; GC cycles per minute grow "
                         "with the request rate.", t=rb["target"], claimed=claimed_rate))
    behind = [e for e in gb + go if not repeats.kept_up(e)]
    if behind and any(s_["path"].startswith("latency.") for s_ in d["metrics"]):
        notes.append(say("{n} repeat{s} fell behind the target rate and decide{v} no latency: their percentiles "
                         "leave out the requests that never started.", n=len(behind), s="s" * (len(behind) != 1),
                         v="" if len(behind) != 1 else "s"))
    if d.get("needs_saturation") and not rb["closed_loop"] and rb["kept_up"] and ro["kept_up"]:
        return _not_measurable(c, say("both kinds kept up with the target {t:num} req/s, so the run shows no "
                                      "throughput limit; run `invoke load --mode closed`", t=rb["target"]),
                               say("achieved {b:num} and {o:num} req/s; {where}", b=rb["achieved"], o=ro["achieved"],
                                   where=where), notes)
    cycles = pooled_gc_cycles(gb)
    if any(spec["path"].startswith("gc.cycles") for spec in d["metrics"]) and cycles is not None \
            and cycles < MIN_GC_CYCLES:
        return _not_measurable(c, say("{run} ran only {n:num} GC cycle{s} in the measured intervals of its {r} "
                                      "repeat{rs} together, too few for a rate (at least {least}); run longer "
                                      "(--duration) or at a higher --rate", run=loadview.label(b), n=cycles,
                                      s="s" * (cycles != 1), r=len(gb), rs="s" * (len(gb) != 1),
                                      least=MIN_GC_CYCLES), where, notes)
    if d.get("needs_saturation") and not ro["closed_loop"] and ro["kept_up"]:
        notes.append("The optimised kind kept up with the target rate: its throughput is a lower bound.")
    if rb["closed_loop"] and d.get("needs_saturation"):
        notes.append("Closed loop: each worker starts the next request when one finishes, so the rate is the "
                     "harness's maximum for an in-process call, not a service's throughput.")
    parts = [_load_part(spec, gb, go, tol) for spec in d["metrics"]]
    return _combine(c, parts, notes, extra=where)


def pooled_gc_cycles(es: list[dict]) -> float | None:
    """pooled_gc_cycles is the GC cycles of a load point's repeats together (None when no repeat says).

    The sum, not the minimum or median per repeat: each repeat is a fresh process, so the cycles of three
    1 s repeats are as many independent events as those of one 3 s run, and a rate's counting error,
    1/sqrt(cycles), is that of the pool. The verdict still compares the per-repeat rates (the median and its
    interval across repeats, _load_part), so the spread between processes stays in it. Asking every repeat
    alone for MIN_GC_CYCLES would refuse --quick's 1 s points, which make 3 cycles each at the claimed
    184 GC/min, although together they make 9.
    """
    known = [loadview.gc(e)["cycles"] for e in es]
    known = [n for n in known if n is not None]
    return sum(known) if known else None


def snapshot_bytes(b: dict, record_bytes: int = 48) -> float | None:
    """snapshot_bytes is the snapshot size a Snapshot benchmark ran with (its records parameter), None when the run
    does not say (the default size)."""
    recs = (b.get("params") or {}).get("records")
    return float(recs) * record_bytes if isinstance(recs, (int, float)) else None


def at_article_size(run: dict, d: dict) -> dict | None:
    """at_article_size is a view of run whose Snapshot benchmarks are only those at (at least 90% of) the claim's
    size, or None when the run has none: C6's 1 GB is measured by a separate step of `invoke review`."""
    fam = d["baseline"].split("/")[0] + "/"
    big = [b for b in run.get("benchmarks") or [] if str(b.get("name", "")).startswith(fam)
           and (snapshot_bytes(b, d.get("record_bytes", 48)) or 0) >= 0.9 * d["claimed_bytes"]]
    if not any(b.get("name") == d["optimized"] for b in big):
        return None
    rest = [b for b in run.get("benchmarks") or [] if not str(b.get("name", "")).startswith(fam)]
    return {**run, "benchmarks": big + rest}


def eval_snapshot(c: dict, run: dict, tol: dict, **_) -> Verdict:
    """eval_snapshot decides C6 at the article's size when the run has it (else at the default size, with a note),
    with the durable pair (write+fdatasync vs mmap+msync MS_SYNC) in the verdict."""
    d = c["decide"]
    big = at_article_size(run, d)
    v = _eval_snapshot_at(c, big or run, tol)
    if big is not None:
        b = find_benchmark(big, d["optimized"])
        v.notes.insert(0, say("Decided at the article's size: {gb:num} GB ({recs:num} records of 48 B), measured by "
                              "`invoke review`'s Snapshot step; the default-size rows in the family table are a "
                              "snapshot that fits in the CPU caches.", gb=(snapshot_bytes(b) or 0) / 1e9,
                              recs=(b.get("params") or {}).get("records")))
    else:
        v.notes.insert(0, "Not at the article's size: this run has no Snapshot benchmarks of 1 GB; `invoke review` "
                          "measures them (`invoke bench --filter '^Snapshot/' --param Snapshot/mmap:records=20833334` "
                          "and the same for each variant).")
    return v


def _eval_snapshot_at(c: dict, run: dict, tol: dict) -> Verdict:
    """_eval_snapshot_at decides C6 on one set of Snapshot benchmarks: direction from mmap vs write() MB/s,
    plausibility from memcpy MB/s.

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
            return _verdict(c, arith, CANNOT_BE_TRUE, say("cannot be true as stated (the claimed times are physically "
                                                          "implausible: {arith}; the mmap-vs-write direction was not "
                                                          "measured: {why})", arith=arith, why="; ".join(why)))
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
    durable: Text = ""
    if db is not None and do is not None and not _missing(run, d["durable_baseline"], db) \
            and not _missing(run, d["durable_optimized"], do):
        (vb, rb_, _), (vo, ro_, _) = _values(run, db, metric), _values(run, do, metric)
        rci, rtext = ratio_ci(rb_, ro_, "higher"), few_rounds_ratio(rb_, ro_, "higher")
        measured = say("{measured}; durable pair: {b} {vb:num MB/s} vs {o} {vo:num MB/s}{r}", measured=measured,
                       b=db["name"], vb=vb, o=do["name"], vo=vo, r=say(", {r}", r=rtext) if rci else "")
        if rci:
            durable = say("; the durable pair {turn}: {o} runs at {r} of {b}", o=do["name"], b=db["name"],
                          r=rtext, turn="reverses the result" if rci[0] < 1 else "agrees")
    ci = few_rounds_ci(ab, ao, "higher")
    decider = say("mmap/write() {r}{durable}", r=few_rounds_ratio(ab, ao, "higher"), durable=durable)
    if implausible:
        verdict = say("cannot be true as stated ({opt:num} GB/s for {gb:num} GB in {co:num} ms is {x:num}x the "
                      "memcpy bandwidth measured here, {memcpy:num} GB/s; measured {b:num} ms -> {o:num} ms per GB"
                      "{durable})", opt=implied_opt / 1e3, gb=d["claimed_bytes"] / 1e9, co=d["claimed_optimized_ms"],
                      x=implied_opt / bound_mb, memcpy=bound_mb / 1e3, b=ms(mb), o=ms(mo), durable=durable)
        v = _verdict(c, measured, CANNOT_BE_TRUE, verdict, notes)
    elif part.kind == MAGNITUDE:
        verdict = say("direction holds, magnitude differs (measured {b:num} ms -> {o:num} ms per GB vs claimed "
                      "{cb:num} ms -> {co:num} ms{durable})", b=ms(mb), o=ms(mo), cb=d["claimed_baseline_ms"],
                      co=d["claimed_optimized_ms"], durable=durable)
        v = _verdict(c, measured, MAGNITUDE, verdict, notes)
    elif part.kind == REFUTED:
        v = _verdict(c, measured, REFUTED, say("refuted ({why}{durable})", why=part.why, durable=durable), notes)
    elif part.kind == NOT_MEASURABLE:
        v = _verdict(c, measured, NOT_MEASURABLE, say("not measurable here ({why})", why=part.why), notes)
    else:
        v = _verdict(c, measured, HOLDS, say("holds{durable}", durable=durable), notes)
    v.decider = decider
    v.ratios = [Ratio(metric, *ci)] if ci else []
    return v


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
    # Every side is its repeats, not one run: three runs of one point can differ 1.8x in p99. p99 counts only from
    # repeats that kept up (repeats.latency_usable); a side's value is the median over its repeats, and a
    # difference counts when the intervals of the medians are apart (one run a side: beyond the load noise).
    a, f = adaptive[0], fixed[0]
    gas = [loadview.gc(e)["cycles_per_min"] for e in adaptive]
    gfs = [loadview.gc(e)["cycles_per_min"] for e in fixed]
    pas = [loadview.latency(e)[99.0] for e in adaptive if repeats.latency_usable(e)]
    pfs = [loadview.latency(e)[99.0] for e in fixed if repeats.latency_usable(e)]
    if None in gas + gfs + pas + pfs or not (pas and pfs):
        return _not_measurable(c, "GC cycles per minute or p99 missing from the load results (or no repeat kept up)")
    ga, gf, pa, pf = median(gas), median(gfs), median(pas), median(pfs)
    cga, cgf, cpa, cpf = (repeats.median_ci(x) for x in (gas, gfs, pas, pfs))
    gogc_f = loadview.runtime_info(f, run)["gogc"]
    gogcs = sorted({int(g) for e in adaptive for _, g in loadview.controller_timeline(e)})
    measured = say("adaptive ({a}): {ga:num} GC/min, p99 {pa:num us}{took}; fixed GOGC={gogc} ({f}): {gf:num} GC/min, "
                   "p99 {pf:num us} (medians over {na}+{nf} repeats, p99 over the {ua}+{uf} that kept up)",
                   a=loadview.label(a), ga=ga, pa=pa / 1e3,
                   took=say(", GOGC took {gogcs}", gogcs=", ".join(map(str, gogcs))) if gogcs else "",
                   gogc=gogc_f if gogc_f is not None else "?", f=loadview.label(f), gf=gf, pf=pf / 1e3,
                   na=len(gas), nf=len(gfs), ua=len(pas), uf=len(pfs))
    notes: list[Text] = []
    thr = d.get("latency_factor_threshold_ms", 50) * 1e6
    if max(pa, pf) <= thr:
        notes.append(say("The second half (lower p99 when latency is high) was not exercised: the latency factor only "
                         "acts above p99 = {thr:num} ms, and p99 here was at most {p99:num ms}.", thr=thr / 1e6,
                         p99=max(pa, pf) / 1e6))
    notes += article_table_notes(d)
    if not (cpa and cpf):
        notes.insert(0, say("p99 from fewer than {n} usable repeats a side: compared without an interval, beyond the "
                            "load noise.", n=repeats.MIN_REPEATS))
    fewer = cgf[1] > cga[2] if cga and cgf else gf > ga * noise
    raised = cpa[1] > cpf[2] if cpa and cpf else pa > pf * noise
    peaks = rate_profile(a)
    if not peaks:
        # a controller that only ever moved once, at a constant rate, is a fixed GOGC chosen by the formula
        held = ", ".join(map(str, gogcs)) or "?"
        finding = say("the controller's GOGC values had {ga:num} GC/min against {gf:num} at fixed GOGC={gogc}, with p99 "
                      "{pa:num us} vs {pf:num us} (one run each)", ga=ga, gf=gf,
                      gogc=gogc_f if gogc_f is not None else "?", pa=pa / 1e3, pf=pf / 1e3)
        v = _not_measurable(c, say("adaptation was not exercised: the rate was constant, with no peak, and the "
                                   "controller only set GOGC to {held}; the run shows how those settings compare "
                                   "({finding}), not that adapting to traffic helps; a rate profile with peaks "
                                   "(steps or bursts) would test it", held=held, finding=finding), measured, notes)
        v.decider = say("GC/min fixed/adaptive {x:ratio} at constant rate (one run each, no CI)",
                        x=gf / ga if ga else None)
        return v
    notes.insert(0, say("Rate profile: {p}.", p=peaks))
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


def rate_profile(e: dict) -> str:
    """rate_profile describes the request-rate profile of a load entry when it has peaks (steps, bursts), else ""
    (a constant rate, or a reply that does not say)."""
    res = loadview.result(e)
    for src in (e.get("profile"), (e.get("point") or {}).get("profile") if isinstance(e.get("point"), dict) else None,
                res.get("profile"), (res.get("config") or {}).get("profile") if isinstance(res.get("config"), dict)
                else None, (res.get("rate") or {}).get("profile") if isinstance(res.get("rate"), dict) else None):
        if isinstance(src, str) and src and src.lower() != "constant":
            return src
        if isinstance(src, dict):
            kind = str(src.get("kind") or src.get("shape") or "")
            if kind and kind.lower() != "constant":
                return kind + "".join(f", {k}={v}" for k, v in src.items() if k not in ("kind", "shape"))
    return ""


def article_table_notes(d: dict) -> list[Text]:
    """article_table_notes checks the article's GOGC table (C7) against its own formula: a row without a latency
    term has latencyFactor = 1, so GOGC = base * qpsFactor, and qpsFactor = clamp(1 + slope * qps, min, max) is at
    least 1 for any qps >= 0 (its floor would need a negative rate)."""
    f, out = d.get("formula"), []
    if not f:
        return out
    lowest_no_latency = max(f["gogc_min"], f["base"] * max(f["qps_min"], 1.0))
    highest = min(f["gogc_max"], f["base"] * f["qps_max"])
    for row in d.get("article_table") or []:
        lo = lowest_no_latency if row["latency_weight"] == 0 else max(f["gogc_min"], f["base"] * f["latency_min"])
        if not lo <= row["gogc"] <= highest:
            out.append(say("The article's table recommends GOGC {g} for \"{scenario}\" (no latency term), but its "
                           "formula cannot produce it: without a latency term latencyFactor = 1, and qpsFactor = "
                           "clamp(1 + {slope}*qps, {qmin}, {qmax}) is at least 1 for any qps >= 0, so GOGC is between "
                           "{lo:num} and {hi:num}; {g} would need qps = {qps:num}.", g=row["gogc"],
                           scenario=row["scenario"], slope=f["qps_slope"], qmin=f["qps_min"], qmax=f["qps_max"],
                           lo=lo, hi=highest, qps=(row["gogc"] / f["base"] - 1) / f["qps_slope"]))
    return out


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
    reps = repeats.gomaxprocs_repeats(run)  # GOMAXPROCS -> the repeats of that point
    if not cores or not reps:
        return _not_measurable(c, no_sweep)
    pts = {p: [(*loadview.stw_mean_sd(e), int(loadview.gc(e)["stw_count"] or 0)) for e in es]
           for p, es in reps.items()}
    want = {"half": max(1, cores // 2), "cores": cores, "double": cores * 2}
    hwnote = hw("/".join(str(want[k]) for k in ("half", "cores", "double")))
    ms_ = lambda v: v / 1e6 if v is not None else None  # noqa: E731
    measured = join("; ", [say("GOMAXPROCS={p}: mean STW {m}, sd {s} ({n:num} pauses, {r} run{rs})", p=p,
                               m=", ".join(f"{ms_(m):.3g}" if m is not None else "?" for m, _, _ in xs) + " ms",
                               s=", ".join(f"{ms_(sd):.3g}" if sd is not None else "?" for _, sd, _ in xs) + " ms",
                               n=sum(n for _, _, n in xs), r=len(xs), rs="s" * (len(xs) != 1))
                           for p, xs in sorted(pts.items())])
    notes: list[Text] = [say("GOMAXPROCS above the core count ({cores}) oversubscribes the machine: the extra Ps wait "
                             "for a core, which stretches stop-the-world pauses.", cores=cores)] \
        if any(p > cores for p in pts) else []
    rates = sorted({loadview.rate(e)["target"] for es in reps.values() for e in es if loadview.rate(e)["target"]})
    if d.get("claimed_rate_per_s") and rates and rates != [d["claimed_rate_per_s"]]:
        notes.append(say("Measured at {r} req/s, not the article's {c:num} req/s.",
                         r=", ".join(f"{x:,.0f}" for x in rates), c=d["claimed_rate_per_s"]))
    # The pauses a point's mean and standard deviation rest on are pooled over its repeats: their sum must reach
    # MIN_PAUSES (the pool's precision, as for GC cycles in pooled_gc_cycles), and the minimum over repeats
    # MIN_PAUSES_PER_REPEAT, since each repeat gives one mean and one standard deviation to the medians across
    # repeats, and a standard deviation needs two pauses. --quick's 1 s points make about 6 pauses each at the
    # calibrated GC rate: 18 for three repeats.
    few = sorted(p for p, xs in pts.items() if p in want.values()
                 and (sum(n for _, _, n in xs) < MIN_PAUSES or min(n for _, _, n in xs) < MIN_PAUSES_PER_REPEAT))
    if few:
        return _not_measurable(c, say("too few STW pauses at GOMAXPROCS={few} for a mean and standard deviation (at "
                                      "least {least} over the repeats together and {each} in each); run longer "
                                      "(--duration) or at a higher GC rate; {hw}", least=MIN_PAUSES,
                                      each=MIN_PAUSES_PER_REPEAT, few=", ".join(map(str, few)), hw=hwnote),
                               measured, notes)
    if cores not in pts or not any(want[k] in pts for k in ("half", "double") if want[k] != cores):
        return _not_measurable(c, say("the sweep lacks GOMAXPROCS={cores} or a point on either side with GC pauses; "
                                      "{hw}", cores=cores, hw=hwnote), measured, notes)
    single = sorted(p for p in (want["half"], cores, want["double"]) if p in pts and len(pts[p]) < repeats.MIN_REPEATS)
    if single:
        return _not_measurable(c, say("{what} at GOMAXPROCS={pts}: the mean STW and its standard deviation of one "
                                      "run are one sample each, with no CI; the claim is decided from {least} "
                                      "repeats of each point or more; {hw}",
                                      what="single run" if all(len(pts[p]) == 1 for p in single) else "too few repeats",
                                      pts=", ".join(map(str, single)), least=repeats.MIN_REPEATS, hw=hwnote),
                               measured, notes)
    mean_ci = {p: repeats.median_ci([m for m, _, _ in xs]) for p, xs in pts.items()}
    sd_ci = {p: repeats.median_ci([sd for _, sd, _ in xs if sd is not None]) for p, xs in pts.items()}
    others = [k for k in ("half", "double") if want[k] in pts and want[k] != cores]
    at_m, at_s = mean_ci[cores], sd_ci[cores]
    lowest_mean = all(at_m[2] < mean_ci[want[k]][1] for k in others)
    higher_mean = [k for k in others if mean_ci[want[k]][2] < at_m[1]]
    lowest_sd = at_s is not None and all(sd_ci[want[k]] is not None and at_s[2] < sd_ci[want[k]][1] for k in others)
    decider = join("; ", [say("mean STW at GOMAXPROCS={p}: {m:num ms} [{lo:num}, {hi:num}] ms", p=p, m=mean_ci[p][0] / 1e6,
                              lo=mean_ci[p][1] / 1e6, hi=mean_ci[p][2] / 1e6) for p in sorted(mean_ci) if mean_ci[p]])
    halves = say("mean STW {m}; its standard deviation {s}",
                 m="lowest at the core count" if lowest_mean else "not lowest at the core count",
                 s="lowest at the core count" if lowest_sd else "not lowest at the core count")
    if higher_mean:
        v = _verdict(c, measured, REFUTED, say("refuted (mean STW at GOMAXPROCS={cores} is higher than at {worse}, "
                                               "intervals of the per-repeat medians apart; {hw})", cores=cores,
                                               worse=", ".join(str(want[k]) for k in higher_mean), hw=hwnote), notes)
    elif not lowest_mean or not lowest_sd:
        v = _verdict(c, measured, REFUTED, say("refuted ({halves}: the intervals of the per-repeat medians overlap or "
                                               "go the other way; {hw})", halves=halves, hw=hwnote), notes)
    else:
        f = tol.get("magnitude_factor", 1.5)
        cp = d["claimed_points"]
        diffs: list[Text] = []
        for k in others:
            r, rc = mean_ci[want[k]][0] / at_m[0], cp[k]["mean_ms"] / cp["cores"]["mean_ms"]
            if not rc / f <= r <= rc * f:
                diffs.append(say("{how}: measured mean STW({p})/mean STW({cores}) = {r:ratio} vs claimed {rc:ratio}",
                                 how="beats the claim" if r > rc else "falls short of the claim", p=want[k],
                                 cores=cores, r=r, rc=rc))
        v = (_verdict(c, measured, MAGNITUDE, say("direction holds, magnitude differs ({diffs}; {hw})",
                                                  diffs=join("; ", diffs), hw=hwnote), notes) if diffs
             else _verdict(c, measured, HOLDS, say("holds ({hw})", hw=hwnote), notes))
    v.decider = decider
    return v


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
    few: list[Text] = []  # groups whose p99 rests on too few pauses
    held: list[Text] = []
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
        if mlo > bmax or (plo >= bp99 and n >= MIN_PAUSES_FOR_P99):
            kinds.append(REFUTED)
        elif n < MIN_PAUSES_FOR_P99:
            kinds.append(NOT_MEASURABLE)
            few.append(say("{gv}/{gx}: {n:num} pauses, so its p99 is one of its few longest pauses", gv=gv,
                           gx=gx or "none", n=n))
        elif mhi <= bmax and phi <= bp99:
            kinds.append(HOLDS)
            held.append(say("{gv}/{gx} ({n:num} pauses)", gv=gv, gx=gx or "none", n=n))
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
    if 0 < pauses < MIN_PAUSES_FOR_P99:
        notes.append(say("Only {n} pauses: the p99 is close to the maximum; longer runs (--duration) give a p99 that "
                         "means something.", n=pauses))
    bounds = say("max <= {max_ms} ms, p99 < {p99_ms} ms", max_ms=d["max_pause_ms"], p99_ms=d["p99_stw_ms"])
    if REFUTED in kinds:
        v = _verdict(c, measured, REFUTED, say("refuted (a bound is exceeded: {bounds})", bounds=bounds), notes)
        v.decider = measured
        return v
    if straddle:
        return _not_measurable(c, say("the histogram cannot tell: {where} ({bounds})", where="; ".join(straddle),
                                      bounds=bounds), measured, notes)
    not_decided = say("; not decided for {few} (at least {least} are needed)", few=join("; ", few),
                      least=MIN_PAUSES_FOR_P99) if few else ""
    if HOLDS in kinds:
        v = _verdict(c, measured, HOLDS, say("holds for {held}, as thresholds{nd}", held=join("; ", held),
                                             nd=not_decided), notes)
        v.decider = measured
        return v
    if few:
        return _not_measurable(c, say("too few pauses for a p99: {few}", few=join("; ", few)), measured, notes)
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
        allocs, no_saving = _alloc_pairs(run, d)
        if no_saving:  # the allocation counts decide without the compiler's report
            v = _verdict(c, say("allocations per request: {a}", a=allocs), REFUTED,
                         say("refuted (passing the value saves nothing: {a})", a=allocs),
                         [say("No escape analysis read ({why}).", why=escape_why or "run `invoke escape`")])
            v.decider = allocs
            return v
        return _not_measurable(c, escape_why or "no escape analysis results; run `invoke escape`")
    recs = [r for r in escape["records"] if str(r.get("claim", "")).upper() == d["claim"]]
    if not recs:
        return _not_measurable(c, f"escape.json has no check for {d['claim']}")
    variants = set(d.get("variants_built_here") or [])
    ours = [r for r in recs if r.get("id") in variants]
    recs = [r for r in recs if r.get("id") not in variants]
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
    if ours:
        notes.append(say("Variants built here, not the article's examples (they never count for or against the claim): "
                         "{cases}.", cases="; ".join(f"{_escape_case(r)}: -m says {r.get('observed')}"
                                                     + (f", allocates {r['allocs_per_op']:g}/op"
                                                        if isinstance(r.get("allocs_per_op"), (int, float)) else "")
                                                     for r in ours)))
    allocs, no_saving = _alloc_pairs(run, d)
    if allocs:
        measured = say("{m}; allocations per request: {a}", m=measured, a=allocs)
    unchecked = [r for r in recs if r.get("holds") is False or r.get("ok") is False]
    if has_article and unchecked:
        notes.append("The compiler no longer does what gosrc/patterns/escape_expectations.json verified for: "
                     + ", ".join(str(r.get("id")) for r in unchecked)
                     + "; rerun `invoke escape` and review.")
    if no_saving:
        v = _verdict(c, measured, REFUTED, say("refuted (passing the value saves nothing: {a}{also})", a=allocs,
                                               also=say("; and -m disagrees with the article for {cases}",
                                                        cases=", ".join(str(r.get("id")) for r in disagree))
                                               if disagree else ""), notes)
        v.decider = allocs
        return v
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
    v = _verdict(c, measured, HOLDS, "holds", notes)
    v.decider = say("-m agrees with the article in {n} of {n} of its examples", n=len(judged))
    return v


def _alloc_pairs(run: dict, d: dict) -> tuple[Text, bool]:
    """_alloc_pairs measures what passing a value instead of capturing it saves (C12): allocs/op and B/op of each
    pair (as in the article, best version); returns (the numbers, True when no pair allocates less with the value
    passed). allocs/op and B/op are exact counts, so equal medians mean equal allocations."""
    out: list[Text] = []
    savings = []
    for pr in d.get("alloc_pairs") or []:
        bb, bo = find_benchmark(run, pr["baseline"]), find_benchmark(run, pr["optimized"])
        if _missing(run, pr["baseline"], bb) or _missing(run, pr["optimized"], bo):
            continue
        ab, ao = _values(run, bb, "allocs_per_op")[0], _values(run, bo, "allocs_per_op")[0]
        bb_, bo_ = _values(run, bb, "bytes_per_op")[0], _values(run, bo, "bytes_per_op")[0]
        if None in (ab, ao, bb_, bo_):
            continue
        savings.append(ao < ab - 0.01 or bo_ < bb_ - 0.5)
        out.append(say("{label}: closure {ab:num} allocs, {bb:num B} vs param {ao:num} allocs, {bo:num B} ({b} vs {o})",
                       label=pr["label"], ab=ab, bb=bb_, ao=ao, bo=bo_, b=bb["name"], o=bo["name"]))
    return join("; ", out) if out else "", bool(savings) and not any(savings)


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


def run_tag(run: dict) -> str:
    """run_tag is the short name of a run in labels: the last 4 characters of its id (its random part), which the
    report's Runs table maps back to the whole id."""
    return str(run.get("run_id") or "?")[-4:]


def calibrated_to(run: dict) -> str | None:
    """calibrated_to is the claim a load run was calibrated to (`invoke load --calibrate-to`), None for any other
    run. Its extra allocation per request was chosen for that claim alone, so only that claim may use its entries
    (pick_load_pair), whether the run is joined to another or reported on its own."""
    return ((run.get("settings") or {}).get("calibration") or {}).get("claim")


def merge_runs(run: dict, others: list[dict]) -> dict:
    """merge_runs returns run with the micro benchmarks and load entries of other runs added, for a claims
    table over several runs (`invoke bench` and `invoke load` store separate runs). A benchmark already in run
    (same name and build) is kept from run; load entries are all added, labelled with their run id. Every load
    entry, run's own too, carries the claim its run was calibrated to (calibrated_to).

    Note: this lives in analyse, not store. It reads and writes no file: it builds, in memory, the one
    record the claims are judged on (and names load entries as loadview does), while store keeps each
    run exactly as it was measured. A benchmark of another run with other parameters (the Snapshot family at
    the article's 1 GB) is added beside the one of the same name; find_benchmark prefers the first.
    """
    merged = dict(run)
    def key(b: dict) -> tuple:
        return b.get("name"), b.get("build", "default"), json.dumps(b.get("params") or {}, sort_keys=True)

    have = {key(b) for b in run.get("benchmarks") or []}
    benches = list(run.get("benchmarks") or [])
    load = [{**e, "calibrated_to": calibrated_to(run)} for e in run.get("load") or [] if isinstance(e, dict)]
    for o in others:
        for b in o.get("benchmarks") or []:
            if key(b) not in have:  # the same scenario with other parameters (C6 at 1 GB) is kept beside
                have.add(key(b))
                benches.append(b)
        for e in o.get("load") or []:
            if isinstance(e, dict):
                load.append({**e, "label": f"{loadview.label(e)} [{run_tag(o)}]", "calibrated_to": calibrated_to(o)})
        for k, lib in (o.get("libraries") or {}).items():
            merged.setdefault("libraries", {}).setdefault(k, lib)
    merged["benchmarks"] = benches
    if load:
        merged["load"] = load
    if not merged.get("ffi_ns_per_call"):
        merged["ffi_ns_per_call"] = next((o["ffi_ns_per_call"] for o in others if o.get("ffi_ns_per_call")), None)
    return merged


ADOPT, ADOPT_IF, AVOID, UNKNOWN = "adopt", "adopt only if", "avoid", "undecided"


@dataclass
class Recommendation:
    """Recommendation is the executive summary's line for one pattern: what to do, the deciding number with its
    CI, the conditions it holds under, and when the pattern does not pay (claims.json "patterns")."""

    family: str
    pattern: str
    claims: list[str]
    action: str  # adopt | adopt only if | avoid | undecided
    condition: str  # for adopt only if: when; for avoid: why
    decider: Text
    conditions: Text  # where the number holds: heap, GOMAXPROCS, Go version, host
    when_not_to_use: str


def conditions_of(run: dict, b: dict) -> Phrase:
    """conditions_of says what a micro number holds under: live heap after the rounds, GOMAXPROCS, Go version and
    GOEXPERIMENT of its build, host CPU and cores."""
    info = ((run.get("libraries") or {}).get(b.get("build") or "default") or {}).get("info") or {}
    m = run.get("machine") or {}
    heap = ((b.get("summary") or {}).get("heap_objects_bytes") or {}).get("median")
    return say("live heap {heap:num} MB, GOMAXPROCS={procs}, {go} (GOEXPERIMENT={exp}), {cpu} x {cores} cores",
               heap=heap / 1e6 if heap is not None else None, procs=info.get("gomaxprocs", "?"),
               go=info.get("go_version", "?"), exp=info.get("goexperiment") or "none", cpu=m.get("cpu_model", "?"),
               cores=m.get("cpu_count", "?"))


def recommendations(run: dict, doc: dict | None = None) -> list[Recommendation]:
    """recommendations decides adopt / adopt only if / avoid per pattern from its micro comparison.

    The ratio is "times better" (median of per-round ratios of interleaved rounds, 95% order-statistic CI). A
    gain whose CI lies above 1 is "adopt only if" the pattern's condition (every pattern here has one) holds; a
    loss whose CI lies below 1, or no gain in an exact count, is "avoid"; a CI around 1 (or no significant
    difference without a CI) is "undecided": noise is not evidence of no gain. A pattern measured at the
    article's size (Snapshot) is decided there.
    """
    doc = doc or load_claims()
    out = []
    for p in doc.get("patterns") or []:
        d = p["decide"]
        view = run
        if d.get("article_size"):
            c6 = next((c for c in doc["claims"] if c["decide"].get("type") == "snapshot_bandwidth"), None)
            view = (at_article_size(run, c6["decide"]) if c6 else None) or run
        bb, bo = find_benchmark(view, d["baseline"]), find_benchmark(view, d["optimized"])
        rec = Recommendation(p["family"], p["pattern"], p.get("claims", []), UNKNOWN, "", "", "",
                             p.get("when_not_to_use", ""))
        why = _missing(view, d["baseline"], bb) or _missing(view, d["optimized"], bo)
        if why:
            rec.condition = why
            out.append(rec)
            continue
        mb, ab, sb = _values(view, bb, d["metric"])
        mo, ao, so = _values(view, bo, d["metric"])
        # the same interval the claims use: a t-interval when there are too few rounds for the median's (1 GB step)
        ci = few_rounds_ci(ab, ao, d.get("better", "lower"))
        size = say(" at {gb:num} GB", gb=snapshot_bytes(bb) / 1e9) if view is not run and snapshot_bytes(bb) else ""
        rec.conditions = conditions_of(view, bb)
        if mb is not None and mo is not None and abs(mb - mo) <= max(0.01, 1e-3 * abs(mb)):
            rec.action, rec.condition = AVOID, "no gain"
            rec.decider = say("{metric} {mb:num} -> {mo:num}: no change{size}", metric=d["metric"], mb=mb, mo=mo,
                              size=size)
        elif ci is not None and not math.isnan(ci[1]):
            rec.decider = say("{metric} {r}{size}", metric=d["metric"],
                              r=few_rounds_ratio(ab, ao, d.get("better", "lower")), size=size)
            if ci[1] > 1:
                rec.action, rec.condition = ADOPT_IF, p.get("adopt_if", "")
                if not rec.condition:
                    rec.action = ADOPT
            elif ci[2] < 1:
                rec.action, rec.condition = AVOID, "it is slower here"
            else:
                rec.action, rec.condition = UNKNOWN, "the 95% CI includes 1x: too noisy here to tell"
        else:
            sig, how = _significance(ab, ao, sb, so)
            better = (mo < mb) if d.get("better", "lower") == "lower" else (mo > mb)
            rec.decider = say("{metric} {r} ({how}){size}", metric=d["metric"], r=_ratio_phrase(ci), how=how,
                              size=size)
            if sig and better:
                rec.action, rec.condition = (ADOPT_IF, p["adopt_if"]) if p.get("adopt_if") else (ADOPT, "")
            elif sig:
                rec.action, rec.condition = AVOID, "it is slower here"
            else:
                rec.action, rec.condition = UNKNOWN, "no significant difference at this noise"
        out.append(rec)
    return out
