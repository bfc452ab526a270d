"""The CI performance-regression gate's decision: is head slower, or does it allocate more, than base?

Pipeline: commands/gate.py collects the two sides (collect.gate_sessions)
and reads the baseline (store.baseline); this module compares two run
records and returns a Decision; present/gatereport.py writes the Markdown
summary and the chart. Nothing here measures or touches a file. The exit
codes the commands return:

    0  pass: no regression
    1  regression (or a scenario that ran on the base side failed on the head side)
    2  could not check: no, corrupt, truncated or old-schema baseline; build
       failure; a ref that does not exist; settings that do not match the baseline;
       a gated timing metric with too few rounds or blocks to be tested

The gate checks the headline metrics of gobench.metrics, and how a metric
is judged depends on what kind of number it is there.

* Exact metrics (``allocs_per_op``, ``bytes_per_op``) count what the
  program decides, so they are judged on the median over rounds with a small
  tolerance ("deterministic" comparisons): allocs/op may not grow by more
  than 0.01, B/op by more than 1% (and at least 0.5 B). Why these and not
  zero: a round's counts include the runtime's own allocations while it
  runs (a sync.Pool refilled after a GC, background workers, goroutine
  stacks), divided over N ops; between two runs of the same code on the VM
  they differed by at most 1e-4 allocs/op and 0.01 B/op over all 22
  scenarios. The smallest change a code edit usually makes is one
  allocation in every op (+1 alloc/op, +8 B/op at least) or, for amortised
  growth, one in every few dozen: 0.01 catches an extra allocation every
  100 ops and never the runtime's noise. It misses rarer ones (one more
  arena chunk every 512 ops is +0.002). Struct sizes and escape
  expectations, when a run carries them, must not change for the worse at
  all ("exact" comparisons).
* Timing and GC-count metrics (``ns_per_op``, ``gc_per_1k_ops``) are noisy,
  so a change is a regression only when (a) a test is significant after
  Holm's correction for the number of such comparisons in the check
  (family-wise error ``alpha``, default 0.05), and (b) the ratio head/base
  exceeds 1 + min_effect. Significance alone fires on a 2% shift with
  enough rounds; effect size alone fires on noise. Both are needed.
  The minimum effect is 10% for ns/op and 25% for GC counts by default; for
  ns/op it is max(3%, NOISE_K x the scenario's measured noise) when
  ``invoke gate-calibrate`` has stored that noise (results/baseline/noise.json),
  and results/baseline/gate.json or the scenario's registration in Go still
  override it. A comparison that is significant in the slower direction but
  under its minimum effect is a *near miss*: shown first, never failing.
* ns/op measured in lockstep (``--against``): see _paired_test. The test is
  a one-sided Wilcoxon signed-rank test on the log-ratios of rounds run next
  to each other, plus the rule that every block (a fresh worker pair) agrees
  on the direction; the ratio is exp(median log-ratio) with the distribution-
  free 95% CI of that median. A timing regression found this way is measured
  again in fresh worker pairs (commands.gate, ``confirm``) and fails the
  check only when the second pass flags it too.
* Sides measured at different times (against a baseline) and GC counts use
  a two-sided Mann-Whitney U test over the pooled rounds, with the ratio of
  medians, and (c) a time-separated difference counts only if the machine
  was steady during each side and the sides differ by more than their
  session-to-session noise (see _separated). On a shared machine that makes
  the baseline's timing comparison mostly informative: ``--against`` is the
  timing gate there.
* A gated timing metric that cannot be tested (fewer than 3 rounds a side,
  fewer than MIN_BLOCKS lockstep blocks, or too few rounds for any p-value
  to pass Holm) makes the check exit 2, "could not check", with the reason.
* When the baseline was recorded on another machine (cpu_model, cpu_count
  or hostname differ), timing and GC numbers are compared and shown but do
  not fail the check unless ``strict_timing`` is set: a CI runner is a
  different, shared machine every time. Exact metrics are gated anyway.

When not to use it: the gate's timing tier detects changes down to its
minimum effect (3% at best, more for noisy scenarios); a 1-2% regression
needs longer, dedicated runs (benchstat on bench.txt with 20+ rounds on a
quiet machine). It compares Go code only: both
sides are driven by the working tree's Python harness.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from dataclasses import asdict, dataclass, field
from statistics import median

from gobench.analyse import summary
from gobench.analyse.compare import holm
from gobench.analyse.stats import (mann_whitney_min_p, mann_whitney_p, median_ci_ranks, signed_rank_min_p,
                                   signed_rank_p)
from gobench.errors import GateError
from gobench.metrics import EXACT, HEADLINE, METRICS
from gobench.records import FFI_NAME

# The metrics the gate checks are the table's headline metrics: the exact ones with a tolerance
# ("deterministic"), the others with the U test and a minimum effect ("statistical").
DETERMINISTIC = tuple(m for m in HEADLINE if m in EXACT)
STATISTICAL = tuple(m for m in HEADLINE if m not in EXACT)
# Their effect size is the median of paired round ratios when rounds are paired (lockstep); a coarse
# metric (GC counts: a few per round) has per-pair ratios too coarse for that: ratio of medians.
PAIRED_EFFECT = tuple(m for m in STATISTICAL if not METRICS[m].coarse)
MACHINE_KEYS = ("cpu_model", "cpu_count", "hostname")
CONFIG_KEYS = ("alpha", "min_effect", "metric_min_effect", "allocs_abs_tol", "bytes_rel_tol", "bytes_abs_tol",
               "abs_floor", "scenarios", "effect_floor", "noise_k")
# MIN_BLOCKS: lockstep blocks (fresh worker pairs) needed before "every block agrees" means anything.
MIN_BLOCKS = 2
# NOISE_K multiplies a scenario's calibrated noise (the standard deviation, over A/A lockstep blocks, of a
# block's median log-ratio) into its ns/op minimum effect. Why 2.5: a check's ratio pools DEFAULT_BLOCKS = 4
# blocks, so under A/A its log has a standard deviation of about noise / 2, and 2.5 x noise is 5 of those:
# one-sided 3e-7 per scenario if the noise estimate is right, and still about 1e-3 (22 scenarios: < 1 in 40
# for the suite) if 8 calibration blocks underestimated it by 40%, before confirmation squares it.
NOISE_K = 2.5

# Per-scenario overrides (fnmatch patterns on "Family/Variant"); results/baseline/gate.json
# entries are applied after these. A value is {"min_effect": float | {metric: float}, "ignore": bool,
# "bytes_rel_tol": float, "bytes_per_round": bytes}.


@dataclass
class Config:
    """Config holds the gate's thresholds; see the module doc for why they are what they are."""

    alpha: float = 0.05  # family-wise error rate over the statistical comparisons of one check
    min_effect: float = 0.10  # a timing change smaller than this is never a regression
    # per-metric defaults: a 15 ms round sees 3-4 GC cycles, so one cycle more or less is
    # ±25-30% in that round, and pacing shifts with timing: 10% fired in A/A trials, 25% did not
    metric_min_effect: dict[str, float] = field(default_factory=lambda: {"gc_per_1k_ops": 0.25})
    allocs_abs_tol: float = 0.01  # allocs/op
    bytes_rel_tol: float = 0.01  # B/op, relative ...
    bytes_abs_tol: float = 0.5  # ... and at least this many bytes
    # a statistical metric whose medians both sit below this is not compared (too few events)
    abs_floor: dict[str, float] = field(default_factory=lambda: {"ns_per_op": 0.5, "gc_per_1k_ops": 0.001})
    scenarios: dict[str, dict] = field(default_factory=dict)
    effect_floor: float = 0.03  # a calibrated ns/op minimum effect is never below this
    noise_k: float = NOISE_K
    # {scenario: noise}: calibrated ns/op noise (store.baseline.read_noise), set by commands.gate
    noise: dict[str, float] = field(default_factory=dict)

    def validate(self) -> "Config":
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha!r}")
        for pat, sc in self.scenarios.items():
            if not isinstance(sc, dict) or set(sc) - {"min_effect", "ignore", "bytes_rel_tol", "bytes_per_round"}:
                raise ValueError(f"gate config: scenarios[{pat!r}] must be an object with keys min_effect, ignore, "
                                 f"bytes_rel_tol, bytes_per_round")
        if isinstance(self.noise_k, bool) or not (isinstance(self.noise_k, (int, float)) and 0 < self.noise_k < 100):
            raise ValueError(f"noise_k must be a positive number, got {self.noise_k!r}")
        effects = [self.min_effect, self.effect_floor] + list(self.metric_min_effect.values())
        for sc in self.scenarios.values():
            e = sc.get("min_effect")
            effects += list(e.values()) if isinstance(e, dict) else ([] if e is None else [e])
        for v in effects:
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and 0 <= v < 10):
                raise ValueError(f"min_effect must be a number in [0, 10) (0.10 is 10%), got {v!r}")
        return self

    def with_declared(self, *runs: dict) -> "Config":
        """with_declared returns a copy that also applies what scenarios declare in their registration
        (the run records carry it): their gate overrides, and ``ignore`` for test-only (hidden) ones.
        They come before this config's own scenario entries, so gate.json still wins."""
        declared: dict[str, dict] = {}
        for run in runs:
            for b in run.get("benchmarks") or []:
                d = dict(b.get("gate") or {})
                if b.get("hidden"):
                    d["ignore"] = True
                if d:
                    declared.setdefault(b["name"], d)
        return dataclasses.replace(self, scenarios={**declared, **self.scenarios})

    def bytes_per_round_for(self, name: str) -> float:
        """bytes_per_round_for returns the B/op tolerance a scenario gives in bytes per round (memory taken in
        chunks: one chunk more or less per round is no change of the code); 0 for most; later patterns win."""
        tol = 0.0
        for pat, sc in self.scenarios.items():
            if fnmatch.fnmatchcase(name, pat) and sc.get("bytes_per_round") is not None:
                tol = float(sc["bytes_per_round"])
        return tol

    def bytes_rel_tol_for(self, name: str) -> float:
        """bytes_rel_tol_for returns the relative B/op tolerance of a scenario; later patterns win."""
        tol = self.bytes_rel_tol
        for pat, sc in self.scenarios.items():
            if fnmatch.fnmatchcase(name, pat) and sc.get("bytes_rel_tol") is not None:
                tol = float(sc["bytes_rel_tol"])
        return tol

    def for_scenario(self, name: str, metric: str) -> tuple[float, bool]:
        """for_scenario returns (min_effect, ignored) for a scenario's metric; later patterns win.

        Order: the default, then the calibrated noise (ns/op only), then the
        registration's overrides, then gate.json's.
        """
        eff, ignore = self.metric_min_effect.get(metric, self.min_effect), False
        if metric == "ns_per_op" and self.noise.get(name) is not None:
            eff = max(self.effect_floor, self.noise_k * float(self.noise[name]))
        for pat, sc in self.scenarios.items():
            if not fnmatch.fnmatchcase(name, pat):
                continue
            ignore = bool(sc.get("ignore", ignore))
            e = sc.get("min_effect")
            if isinstance(e, dict):
                eff = e.get(metric, eff)
            elif e is not None:
                eff = e
        return float(eff), ignore


def config_from(doc: dict, source: str = "gate config") -> Config:
    """config_from applies a gate.json document (store.baseline.read_config) over the defaults.

    Raises GateError naming ``source`` for an unknown key or a value out of range.
    """
    unknown = sorted(set(doc) - set(CONFIG_KEYS) - {"comment"})
    if unknown:
        raise GateError(f"{source}: unknown keys {unknown}; allowed: {sorted(CONFIG_KEYS)}")
    cfg = Config()
    for k, v in doc.items():
        if k in ("scenarios", "abs_floor", "metric_min_effect"):
            if not isinstance(v, dict):
                raise GateError(f"{source}: {k} must be an object, got {v!r}")
            setattr(cfg, k, {**getattr(cfg, k), **v})
        elif k != "comment":
            setattr(cfg, k, v)
    try:
        return cfg.validate()
    except ValueError as e:
        raise GateError(f"{source}: {e}") from None


# ---------------------------------------------------------------- decision


@dataclass
class Comparison:
    """Comparison is the verdict on one metric of one scenario."""

    scenario: str
    metric: str
    # deterministic: an exact metric, with a tolerance; statistical: a timing metric; status: the scenario
    # as a whole (new, missing, failed); exact: a struct size or an escape expectation, no tolerance
    kind: str
    # regression | improvement | unchanged | new | missing | not-compared | not-tested (gated, but could not be
    # tested: exit 2) | unconfirmed (flagged in the first pass, not in the second)
    verdict: str
    gated: bool = True  # False: shown only (timing against another machine's baseline)
    base: float | None = None  # median (or the exact value)
    head: float | None = None
    ratio: float | None = None  # head / base
    p: float | None = None  # the test's p-value for "head is slower" (see ``test``)
    p_holm: float | None = None
    test: str = ""  # signed-rank (one-sided, paired log-ratios) | Mann-Whitney (two-sided, pooled rounds)
    p_down: float | None = None  # signed-rank: one-sided p for "head is faster" (reported, never failing)
    p_down_holm: float | None = None
    ci_lo: float | None = None  # 95% CI of the paired ratio (signed-rank only)
    ci_hi: float | None = None
    block_ratios: list[float] | None = None  # median paired ratio of each lockstep block
    near_miss: bool = False  # significant towards slower, but under the minimum effect
    confirmation: dict | None = None  # the second pass of a flagged comparison (see confirm)
    min_effect: float | None = None
    n_base: int = 0
    n_head: int = 0
    paired: bool = False  # ratio is the median of paired round ratios (lockstep), not a ratio of medians
    sessions_base: list[float] | None = None  # per-session medians, when the sides ran at different times
    sessions_head: list[float] | None = None
    note: str = ""

    @property
    def fails(self) -> bool:
        return self.gated and self.verdict == "regression"


@dataclass
class Decision:
    """Decision is the outcome of one check: every comparison, and why the gate passed or failed."""

    mode: str  # baseline | against | against-go | selftest
    base_label: str
    head_label: str
    same_machine: bool
    timing_gated: bool
    comparisons: list[Comparison]
    warnings: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    @property
    def regressions(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.fails]

    @property
    def untested(self) -> list[Comparison]:
        """untested lists the gated comparisons that could not be tested (they make the check exit 2)."""
        return [c for c in self.comparisons if c.gated and c.verdict == "not-tested"]

    @property
    def near_misses(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.near_miss]

    @property
    def exit_code(self) -> int:
        return 1 if self.regressions else (2 if self.untested else 0)

    def find(self, scenario: str, metric: str) -> Comparison | None:
        return next((c for c in self.comparisons if c.scenario == scenario and c.metric == metric), None)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["exit_code"] = self.exit_code
        return d


def min_p(c: Comparison) -> float:
    """min_p is the smallest p-value the test a comparison used can reach with its sample sizes
    (stats computes it with that very test, exact or approximate as scipy chooses)."""
    if c.test == "signed-rank":
        return signed_rank_min_p(min(c.n_base, c.n_head))
    return mann_whitney_min_p(c.n_base, c.n_head)


def same_machine(a: dict, b: dict) -> tuple[bool, list[str]]:
    """same_machine compares cpu_model, cpu_count and hostname; returns (same, differences)."""
    diffs = [f"{k}: {a.get(k)!r} vs {b.get(k)!r}" for k in MACHINE_KEYS if a.get(k) != b.get(k)]
    return not diffs, diffs


def _rounds_by_name(run: dict) -> dict[str, dict]:
    return {b["name"]: b for b in run.get("benchmarks", []) if b.get("name") != FFI_NAME}


def _exact_facts(run: dict) -> dict[str, tuple[str, object]]:
    """_exact_facts flattens the exact checks a run may carry: {key: (kind, value)}.

    ``struct_sizes``: {type name: bytes} (a size may not grow).
    ``escape``: {"expectations": [{"name"|"id": ..., "ok"|"met": bool}, ...]} or
    {name: bool} (an expectation that held may not stop holding).
    Runs without them give nothing to compare.
    """
    out: dict[str, tuple[str, object]] = {}
    for k, v in (run.get("struct_sizes") or {}).items():
        if isinstance(v, (int, float)):
            out[f"sizeof {k}"] = ("struct_size", v)
    esc = run.get("escape")
    items = []
    if isinstance(esc, dict) and isinstance(esc.get("expectations"), list):
        items = [(e.get("name") or e.get("id"), e.get("ok", e.get("met"))) for e in esc["expectations"]
                 if isinstance(e, dict)]
    elif isinstance(esc, dict):
        items = [(k, v) for k, v in esc.items() if isinstance(v, bool)]
    for name, ok in items:
        if name is not None and isinstance(ok, bool):
            out[f"escape {name}"] = ("escape", ok)
    return out


def _median_or_none(xs: list[float]) -> float | None:
    return median(xs) if xs else None


def compare(base: dict, head: dict, config: Config | None = None, timing_gated: bool = True,
            mode: str = "baseline", base_label: str = "base", head_label: str = "head") -> Decision:
    """compare judges head against base (two run records) and returns the Decision.

    It is pure: no measurement, no files. ``timing_gated=False`` shows
    timing and GC-count changes without letting them fail the check.
    """
    cfg = (config or Config()).with_declared(head, base).validate()
    bmap, hmap = _rounds_by_name(base), _rounds_by_name(head)
    comps: list[Comparison] = []
    stat: list[Comparison] = []
    warnings: list[str] = []
    for name in list(bmap) + [n for n in hmap if n not in bmap]:
        b, h = bmap.get(name), hmap.get(name)
        _, ignored = cfg.for_scenario(name, "ns_per_op")
        if ignored:
            continue
        if b is None:
            comps.append(Comparison(name, "*", "status", "new", gated=False, note="not in the base run"))
            continue
        if h is None:
            comps.append(Comparison(name, "*", "status", "missing", gated=False,
                                    note="not in the head run (renamed, removed, or filtered out)"))
            continue
        if b.get("status", "ok") != "ok" or not b.get("rounds"):
            comps.append(Comparison(name, "*", "status", "not-compared", gated=False,
                                    note=f"base side {b.get('status')}: {(b.get('error') or '').splitlines()[:1]}"))
            continue
        if h.get("status", "ok") != "ok" or not h.get("rounds"):
            first = (h.get("error") or "").strip().splitlines()
            comps.append(Comparison(name, "*", "status", "regression",
                                    note=f"head side {h.get('status')}: {first[0][:200] if first else 'no rounds'}"))
            continue
        bv, hv = summary.per_round(b["rounds"], None), summary.per_round(h["rounds"], None)
        pairs = _pairs(b["rounds"], h["rounds"])
        min_n = min((r["n"] for r in b["rounds"] + h["rounds"] if r.get("n")), default=None)
        for metric in DETERMINISTIC:
            comps.append(_deterministic(name, metric, bv.get(metric, []), hv.get(metric, []), cfg, min_n))
        for metric in STATISTICAL:
            eff, _ = cfg.for_scenario(name, metric)
            c = _statistical(name, metric, bv.get(metric, []), hv.get(metric, []), eff, cfg, timing_gated,
                             pairs if metric in PAIRED_EFFECT else None)
            if pairs is None:  # sides measured at different times: keep each session's median
                c.sessions_base = _session_medians(b["rounds"], metric)
                c.sessions_head = _session_medians(h["rounds"], metric)
            comps.append(c)
            if c.p is not None and not math.isnan(c.p):
                stat.append(c)
    # Holm over every statistical test of this check (and, separately, over the "faster" tests), then the rules
    for c, pa in zip(stat, holm([c.p for c in stat])):
        c.p_holm = pa
    down = [c for c in stat if c.p_down is not None]
    for c, pa in zip(down, holm([c.p_down for c in down])):
        c.p_down_holm = pa
    for c in stat:
        _judge(c, cfg)
    if stat:
        m = len(stat)
        need = cfg.alpha / m
        for c in stat:
            reachable = min_p(c)
            if reachable >= need and c.verdict == "unchanged":
                c.verdict = "not-tested"
                c.note = (f"{c.test}: with {c.n_base} vs {c.n_head} rounds the smallest possible p-value is "
                          f"{reachable:.2g}, but Holm over {m} comparisons needs p < {need:.2g}")
        blind = [c for c in stat if c.verdict == "not-tested"]
        if blind:
            warnings.append(f"{len(blind)} of {m} timing/GC comparisons cannot reach p < {need:.2g} (Holm over {m}): "
                            f"no regression can be detected there; use more rounds or blocks, or a narrower --filter")
    for c in comps:
        if c.verdict == "not-tested" and not c.gated:
            c.verdict = "unchanged"
    comps += _exact(base, head)
    return Decision(mode, base_label, head_label, True, timing_gated, comps, warnings,
                    config=asdict(cfg))


def _deterministic(name: str, metric: str, a: list[float], b: list[float], cfg: Config,
                   min_round_n: int | None = None) -> Comparison:
    ma, mb = _median_or_none(a), _median_or_none(b)
    c = Comparison(name, metric, "deterministic", "unchanged", base=ma, head=mb, n_base=len(a), n_head=len(b))
    if ma is None or mb is None:
        c.verdict, c.gated, c.note = "not-compared", False, "no rounds"
        return c
    tol = cfg.allocs_abs_tol if metric == "allocs_per_op" else max(
        cfg.bytes_abs_tol, cfg.bytes_rel_tol_for(name) * abs(ma),
        cfg.bytes_per_round_for(name) / min_round_n if min_round_n else 0.0)
    c.ratio = mb / ma if ma else (math.inf if mb > tol else 1.0)
    delta = mb - ma
    if delta > tol:
        c.verdict = "regression"
    elif delta < -tol:
        c.verdict = "improvement"
    c.note = f"{delta:+.4g} (tolerance ±{tol:.3g})"
    return c


def _pairs(a: list[dict], b: list[dict]) -> list[tuple[dict, dict]] | None:
    """_pairs matches rounds run next to each other (lockstep: same session and pair index), or None."""
    key = lambda r: (r.get("session"), r.get("pair"))  # noqa: E731
    if not a or any(r.get("pair") is None for r in a + b):
        return None
    bm = {key(r): r for r in b if r.get("n")}
    out = [(r, bm[key(r)]) for r in a if r.get("n") and key(r) in bm]
    return out or None


def _statistical(name: str, metric: str, a: list[float], b: list[float], eff: float, cfg: Config,
                 gated: bool, pairs: list[tuple[dict, dict]] | None = None) -> Comparison:
    ma, mb = _median_or_none(a), _median_or_none(b)
    c = Comparison(name, metric, "statistical", "unchanged", gated=gated, base=ma, head=mb, min_effect=eff,
                   n_base=len(a), n_head=len(b))
    if ma is None or mb is None:
        c.verdict, c.gated, c.note = "not-compared", False, "no rounds"
        return c
    floor = cfg.abs_floor.get(metric, 0.0)
    if max(abs(ma), abs(mb)) < floor:
        c.note = f"both medians below {floor:g}: too few events to compare"
        return c
    fn = METRICS[metric].of_round
    if pairs and all(fn(x) > 0 and fn(y) > 0 for x, y in pairs):
        return _paired_test(c, [(x.get("session"), math.log(fn(y) / fn(x))) for x, y in pairs])
    c.ratio = mb / ma if ma else math.inf
    c.test = "Mann-Whitney"
    if len(a) < 3 or len(b) < 3:
        c.verdict, c.note = "not-tested", "fewer than 3 rounds on a side"
        return c
    c.p = mann_whitney_p(a, b)
    return c


def _paired_test(c: Comparison, log_ratios: list[tuple[object, float]]) -> Comparison:
    """_paired_test tests lockstep rounds: one-sided Wilcoxon signed-rank on all pairs' log-ratios, and per block.

    Why this test. Both rounds of a pair ran next to each other, so the
    log-ratio cancels the load they shared; the pooled, unpaired U test
    counted that load as variance (a true +12% was flagged in 43% of
    simulated checks). What the log-ratios do not cancel is what a block (one
    fresh worker pair) adds as a whole: where each process's heap and code
    land. Simulated with numpy (log-ratio = log(shift) + a normal block
    offset + a normal per-pair term of sd 3% x sqrt 2; 10 rounds x 4 blocks;
    a suite of 44 one-sided tests at alpha / 44, Holm's first step; 400
    trials per cell):

    * signed-rank over the 40 pairs: +12% caught 100%, +5% 100%; suite A/A
      false alarms 4% with no block effect, but 21% when blocks differ by a 1%
      standard deviation: the pairs of a block are not independent;
    * the same, and every block's median ratio on the same side of 1: 10%
      A/A with 1% block effects, +5% still 98%;
    * a t-test on the 4 block means (the honest unit, df = 3): A/A 6%, but
      +12% caught only 87% and +5% 22%; a signed-rank test on 4 block medians
      cannot go below p = 1/16 at all.

    So significance comes from the pairs (power), the direction from every
    block (a single odd block cannot make a regression), and what block
    effects still fake is smaller than the minimum effect, which is
    calibrated from the A/A spread of block medians (NOISE_K), and a flagged
    regression must come back in a second, independent pass (confirm).
    """
    lrs = [x for _, x in log_ratios]
    blocks: dict = {}
    for blk, x in log_ratios:
        blocks.setdefault(blk, []).append(x)
    xs = sorted(lrs)
    c.paired, c.test = True, "signed-rank"
    c.n_base = c.n_head = len(xs)
    c.ratio = math.exp(median(xs))
    ranks = median_ci_ranks(len(xs))
    if ranks:
        c.ci_lo, c.ci_hi = math.exp(xs[ranks[0]]), math.exp(xs[ranks[1]])
    c.block_ratios = [math.exp(median(v)) for v in blocks.values()]
    if len(xs) < 3:
        c.verdict, c.note = "not-tested", f"{len(xs)} paired rounds: too few for a test"
        return c
    if len(blocks) < MIN_BLOCKS:
        c.verdict, c.note = "not-tested", f"{len(blocks)} lockstep block(s): at least {MIN_BLOCKS} are needed"
        return c
    c.p = signed_rank_p(lrs, "greater")
    c.p_down = signed_rank_p(lrs, "less")
    return c


def _session_medians(rounds: list[dict], metric: str) -> list[float]:
    fn = METRICS[metric].of_round
    per: dict = {}
    for r in rounds:
        if r.get("n"):
            per.setdefault(r.get("session", 0), []).append(fn(r))
    return [median(v) for v in per.values()]


def session_spreads(c: Comparison) -> tuple[float, float] | None:
    """session_spreads is how far each side's session medians spread, max / min - 1 (base, head), for a comparison
    of sides measured at different times; None with fewer than 2 sessions on a side (or sides in lockstep)."""
    sb, sh = c.sessions_base or [], c.sessions_head or []
    if len(sb) < 2 or len(sh) < 2:
        return None
    spread = lambda x: max(x) / min(x) - 1 if min(x) > 0 else math.inf  # noqa: E731
    return spread(sb), spread(sh)


def steady(c: Comparison) -> bool | None:
    """steady says whether the machine was steady enough, while each side of a time-separated comparison was
    measured, for baseline mode to trust a difference (_separated): every side's sessions within half the
    minimum effect of each other. None when that cannot be told (see session_spreads)."""
    spread = session_spreads(c)
    return None if spread is None or c.min_effect is None else max(spread) <= c.min_effect / 2


def _separated(c: Comparison, up: float) -> str:
    """_separated explains why a time-separated difference is not trusted ("" when it is).

    Sides measured minutes apart share no noise: on the busy VM whole sessions
    of the same library differed by 40%, an A/A check one minute after its
    baseline showed +45% on unchanged code, and rounds of one session are not
    independent, so the U test over rounds is overconfident. A difference
    counts only when the machine was steady while each side was measured
    (each side's session medians within half the minimum effect of each
    other) and it is larger than the session-to-session noise (every session
    of one side beyond every session of the other by the minimum effect).
    A quiet, dedicated machine passes both; a shared VM rarely does, and
    then only ``--against`` (lockstep) can gate timing.
    """
    sb, sh = c.sessions_base or [], c.sessions_head or []
    spread = session_spreads(c)
    if spread is None:
        return ("one session on a side: a difference across time cannot be told from load; "
                "record the baseline with --sessions 2 or more")
    if not steady(c):
        return (f"the machine was not steady (sessions vary by {spread[0]:.0%} in the baseline, {spread[1]:.0%} "
                f"now; trusted up to {c.min_effect / 2:.0%}): use --against REF for a timing gate on a busy machine")
    if c.ratio > 1 and min(sh) > max(sb) * up:
        return ""
    if c.ratio < 1 and max(sh) * up < min(sb):
        return ""
    return (f"sessions overlap (base {', '.join(f'{x:.3g}' for x in sb)}; head "
            f"{', '.join(f'{x:.3g}' for x in sh)}): within session-to-session noise")


def _judge(c: Comparison, cfg: Config) -> None:
    up, down = 1 + c.min_effect, 1 / (1 + c.min_effect)
    if c.test == "signed-rank":
        _judge_paired(c, cfg, up, down)
        return
    sig = c.p_holm is not None and c.p_holm < cfg.alpha
    why = _separated(c, up) if c.sessions_base is not None and sig and (c.ratio > up or c.ratio < down) else ""
    if sig and 1 < c.ratio <= up:
        c.near_miss = True
    if why:
        c.note = "significant and beyond the minimum effect, but " + why
    elif sig and c.ratio > up:
        c.verdict = "regression"
    elif sig and c.ratio < down:
        c.verdict = "improvement"
    elif sig:
        c.note = f"significant but within ±{c.min_effect:.0%} (minimum effect)"
    elif c.ratio > up or c.ratio < down:
        c.note = f"beyond ±{c.min_effect:.0%} but not significant after Holm"


def _judge_paired(c: Comparison, cfg: Config, up: float, down: float) -> None:
    """_judge_paired applies the rules of _paired_test: significant, every block agreeing, beyond the effect."""
    slower = c.p_holm is not None and c.p_holm < cfg.alpha
    faster = c.p_down_holm is not None and c.p_down_holm < cfg.alpha
    blocks = c.block_ratios or []
    if slower and not all(r > 1 for r in blocks):
        c.note = "significant, but not every block is slower: " + ", ".join(f"x{r:.3f}" for r in blocks)
    elif slower and c.ratio > up:
        c.verdict = "regression"
    elif slower and c.ratio > 1:
        c.near_miss = True
        c.note = f"near miss: significant but within +{c.min_effect:.1%} (minimum effect)"
    elif faster and all(r < 1 for r in blocks) and c.ratio < down:
        c.verdict = "improvement"
    elif faster:
        c.note = f"faster, significant, but within -{1 - down:.1%} or not in every block"
    elif c.ratio > up or c.ratio < down:
        c.note = f"beyond ±{c.min_effect:.1%} but not significant after Holm"


def confirm(first: Decision, second: Decision) -> list[Comparison]:
    """confirm keeps a first-pass timing regression only if the second pass (fresh worker pairs) flags it too.

    The others become ``unconfirmed`` (shown, never failing). Both passes are
    recorded on the comparison (``confirmation``) and in ``first.info``.
    Returns the comparisons that were re-measured.
    """
    flagged = [c for c in first.regressions if c.kind == "statistical"]
    for c in flagged:
        s = second.find(c.scenario, c.metric)
        c.confirmation = None if s is None else {
            "verdict": s.verdict, "ratio": s.ratio, "ci_lo": s.ci_lo, "ci_hi": s.ci_hi, "p": s.p,
            "p_holm": s.p_holm, "block_ratios": s.block_ratios, "note": s.note}
        if s is None or not s.fails:
            c.verdict = "unconfirmed"
            c.note = ("flagged in the first pass, not confirmed by the second"
                      + (f" (x{s.ratio:.3f}, p Holm {s.p_holm if s.p_holm is not None else '-'}: {s.verdict})"
                         if s is not None and s.ratio is not None else ""))
    first.info["confirmation"] = {"rechecked": [f"{c.scenario} {c.metric}" for c in flagged],
                                  "confirmed": [f"{c.scenario} {c.metric}" for c in flagged if c.fails],
                                  "second_pass_warnings": second.warnings}
    return flagged


def block_noise(base: dict, head: dict, metric: str = "ns_per_op") -> dict[str, float]:
    """block_noise measures, from an A/A lockstep comparison (the same library on both sides), each scenario's
    noise: the spread over blocks of a block's median paired log-ratio (NOISE_K uses it), as a robust standard
    deviation (1.4826 x the median absolute deviation).

    Why robust: on the shared VM one block in eight can land in a burst of load and move its median by 50%;
    the plain standard deviation then tripled a scenario's minimum effect for every later check, although a
    single odd block cannot fail a check anyway (every block must agree, and a second pass must confirm).
    Scenarios with fewer than 3 blocks of paired rounds are left out.
    """
    fn = METRICS[metric].of_round
    hmap = _rounds_by_name(head)
    out = {}
    for name, b in _rounds_by_name(base).items():
        h = hmap.get(name)
        pairs = _pairs(b.get("rounds") or [], (h or {}).get("rounds") or []) if h else None
        blocks: dict = {}
        for x, y in pairs or []:
            if fn(x) > 0 and fn(y) > 0:
                blocks.setdefault(x.get("session"), []).append(math.log(fn(y) / fn(x)))
        meds = [median(v) for v in blocks.values()]
        if len(meds) >= 3:
            centre = median(meds)
            out[name] = 1.4826 * median(abs(m - centre) for m in meds)
    return out


def _exact(base: dict, head: dict) -> list[Comparison]:
    fb, fh = _exact_facts(base), _exact_facts(head)
    out = []
    for key in sorted(set(fb) & set(fh)):
        kind, vb = fb[key]
        _, vh = fh[key]
        c = Comparison(key, kind, "exact", "unchanged", base=float(vb), head=float(vh))
        if kind == "struct_size":
            c.verdict = "regression" if vh > vb else ("improvement" if vh < vb else "unchanged")
        else:
            c.verdict = "regression" if vb and not vh else ("improvement" if vh and not vb else "unchanged")
        out.append(c)
    return out


def judge_baseline(doc: dict, head: dict, cfg: Config | None = None, strict_timing: bool = False,
                   narrowed: bool = False) -> tuple[Decision, dict]:
    """judge_baseline compares a fresh run with a baseline document; returns (Decision, the base run used).

    Timing is gated only when the baseline is from this machine (or ``strict_timing``).
    ``narrowed``: the check ran a narrower filter, so base scenarios it did not select are dropped.
    """
    same, diffs = same_machine(doc["machine"], head["machine"])
    base_run = doc["run"]
    if narrowed:
        names = {b["name"] for b in head["benchmarks"]}
        base_run = {**base_run, "benchmarks": [b for b in base_run["benchmarks"] if b["name"] in names]}
    commit = ((base_run.get("machine") or {}).get("git") or {}).get("commit") or "?"
    decision = compare(base_run, head, cfg, timing_gated=same or strict_timing, mode="baseline",
                       base_label=f"baseline {doc.get('created', '?')} ({commit[:8]})", head_label="working tree")
    decision.same_machine = same
    if not same:
        decision.warnings.insert(0, "baseline recorded on another machine (" + "; ".join(diffs) + "): timing and GC "
                                 "changes are shown but " + ("gated (--strict-timing)" if strict_timing else
                                                             "do not fail the check"))
    bgo, hgo = (base_run.get("toolchain") or {}).get("version"), (head.get("toolchain") or {}).get("version")
    if bgo != hgo:
        decision.warnings.append(f"Go toolchain differs: baseline {bgo}, now {hgo}")
    return decision, base_run

