"""The CI performance-regression gate: compare a fresh run with a baseline, or with another commit.

The gate sits in the analyse layer: gobench/abrun.py collects the two sides,
this module decides, gobench/gatereport.py writes the Markdown summary and
the chart. Entry points (``baseline_main``, ``check_main``, ``selftest_main``)
take arguments and writers and return an exit code:

    0  pass: no regression
    1  regression (or a scenario that ran on the base side failed on the head side)
    2  could not check: no, corrupt, truncated or old-schema baseline; build
       failure; a ref that does not exist; settings that do not match the baseline

How a metric is judged depends on what kind of number it is.

* Deterministic metrics (``allocs_per_op``, ``bytes_per_op``) count what the
  program decides, so they are gated tightly, on the median over rounds:
  allocs/op may not grow by more than 0.01, B/op by more than 1% (and at
  least 0.5 B). Why these and not zero: a round's counts include the
  runtime's own allocations while it runs (a sync.Pool refilled after a GC,
  background workers, goroutine stacks), divided over N ops; between two
  runs of the same code on the VM they differed by at most 1e-4 allocs/op
  and 0.01 B/op over all 22 scenarios. The smallest change a code edit
  usually makes is one allocation in every op (+1 alloc/op, +8 B/op at least)
  or, for amortised growth, one in every few dozen: 0.01 catches an extra
  allocation every 100 ops and never the runtime's noise. It misses rarer
  ones (one more arena chunk every 512 ops is +0.002). Struct sizes and escape
  expectations, when a run carries them, must not change for the worse at all.
* Timing and GC-count metrics (``ns_per_op``, ``gc_per_1k_ops``) are noisy,
  so a change is a regression only when (a) a two-sided Mann-Whitney U test
  over the pooled rounds is significant after Holm's correction for the
  number of such comparisons in the check (family-wise error ``alpha``,
  default 0.05), and (b) the median ratio head/base exceeds 1 + min_effect
  (10% for ns/op, 25% for GC counts; overridable per scenario and metric in
  results/baseline/gate.json or DEFAULT_SCENARIOS below). Significance alone
  fires on a 2% shift with enough rounds; effect size alone fires on noise.
  Both are needed. For ns/op measured in lockstep (``--against``) the ratio
  is the median of the ratios of rounds run next to each other, which cancels
  the load they shared; otherwise it is the ratio of the medians, and (c)
  sides measured at different times (against a baseline) count only if
  the machine was steady during each side and the sides differ by more
  than their session-to-session noise (see _separated). On a shared
  machine that makes the baseline's timing comparison mostly informative:
  ``--against`` is the timing gate there.
* When the baseline was recorded on another machine (cpu_model, cpu_count
  or hostname differ), timing and GC numbers are compared and shown but do
  not fail the check unless ``strict_timing`` is set: a CI runner is a
  different, shared machine every time. Deterministic metrics are gated anyway.

When not to use it: the gate detects changes of about 10% or more in
timing; a 3% regression needs longer, dedicated runs (benchstat on
bench.txt with 20+ rounds on a quiet machine). It compares Go code only: both
sides are driven by the working tree's Python harness.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median
from typing import IO

from gobench.collect import gate_sessions as abrun
from gobench.store import atomic
from gobench.collect import machine
from gobench.store import runs as store
from gobench.analyse import summary
from gobench.errors import GateError
from gobench.collect.protocol import Settings
from gobench.records import FFI_NAME
from gobench.analyse.stats import mann_whitney_p

BASELINE_SCHEMA = "gobench.baseline/1"
BASELINE_DIR = store.RESULTS / "baseline"
BASELINE_PATH = BASELINE_DIR / "baseline.json"
CONFIG_PATH = BASELINE_DIR / "gate.json"
OUT_DIR = store.RESULTS / "gate"

DETERMINISTIC = summary.DETERMINISTIC  # ("allocs_per_op", "bytes_per_op")
STATISTICAL = ("ns_per_op", "gc_per_1k_ops")
# Effect size of these is the median of paired round ratios when rounds are paired (lockstep);
# GC counts are a few per round, so their per-pair ratios are too coarse: ratio of medians.
PAIRED_EFFECT = ("ns_per_op",)
MACHINE_KEYS = ("cpu_model", "cpu_count", "hostname")

# Gate settings: many short rounds rather than `invoke bench`'s few long ones. The rounds
# are the sample of the U test, and the shorter a lockstep round, the more of the machine's
# noise the two rounds of a pair share. Measured with `invoke gate-selftest --trials 10` on
# the busy 2-core VM: bench's 10 x 100 ms caught inject-slow 9/10 times in 829 s; 10 x 15 ms
# caught it 10/10 in 160 s (no false alarm in either).
QUICK = Settings(round_ms=15.0, rounds=10, ffi_calls=50_000, max_calibration_s=10.0)
FULL = Settings(round_ms=20.0, rounds=30, ffi_calls=200_000, max_calibration_s=30.0)
DEFAULT_BLOCKS = 4  # --against: 4 lockstep blocks (fresh worker pairs), AB BA AB BA
DEFAULT_SESSIONS = 3  # baseline: worker sessions pooled per side (the check repeats the same number)
DEFAULT_BUILDS = ("default", "arenas")

# Per-scenario overrides (fnmatch patterns on "Family/Variant"); results/baseline/gate.json
# entries are applied after these. A value is {"min_effect": float | {metric: float}, "ignore": bool}.
DEFAULT_SCENARIOS: dict[str, dict] = {
    # Fault/* are test-only crash scenarios, never timed.
    "Fault/*": {"ignore": True},
    # arena.New takes memory in 8 MiB chunks, so B/op is a chunk count
    # amortised over the round's N (calibrated anew each session): with about
    # a dozen chunks per round it moved by 2.5% between two sessions of the
    # same code (2011 vs 2061 B/op). allocs/op stays exact.
    "TradeContext/arena": {"bytes_rel_tol": 0.10},
}


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
    scenarios: dict[str, dict] = field(default_factory=lambda: dict(DEFAULT_SCENARIOS))

    def validate(self) -> "Config":
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha!r}")
        for pat, sc in self.scenarios.items():
            if not isinstance(sc, dict) or set(sc) - {"min_effect", "ignore", "bytes_rel_tol"}:
                raise ValueError(f"gate config: scenarios[{pat!r}] must be an object with keys min_effect, ignore, "
                                 f"bytes_rel_tol")
        effects = [self.min_effect] + list(self.metric_min_effect.values())
        for sc in self.scenarios.values():
            e = sc.get("min_effect")
            effects += list(e.values()) if isinstance(e, dict) else ([] if e is None else [e])
        for v in effects:
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and 0 <= v < 10):
                raise ValueError(f"min_effect must be a number in [0, 10) (0.10 is 10%), got {v!r}")
        return self

    def bytes_rel_tol_for(self, name: str) -> float:
        """bytes_rel_tol_for returns the relative B/op tolerance of a scenario; later patterns win."""
        tol = self.bytes_rel_tol
        for pat, sc in self.scenarios.items():
            if fnmatch.fnmatchcase(name, pat) and sc.get("bytes_rel_tol") is not None:
                tol = float(sc["bytes_rel_tol"])
        return tol

    def for_scenario(self, name: str, metric: str) -> tuple[float, bool]:
        """for_scenario returns (min_effect, ignored) for a scenario's metric; later patterns win."""
        eff, ignore = self.metric_min_effect.get(metric, self.min_effect), False
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


def load_config(path: Path = CONFIG_PATH) -> Config:
    """load_config reads results/baseline/gate.json over the defaults (a missing file means defaults)."""
    cfg = Config()
    if not path.exists():
        return cfg
    try:
        doc = json.loads(path.read_text())
    except ValueError as e:
        raise GateError(f"{path}: not valid JSON: {e}") from None
    allowed = {"alpha", "min_effect", "metric_min_effect", "allocs_abs_tol", "bytes_rel_tol", "bytes_abs_tol",
               "abs_floor", "scenarios"}
    if not isinstance(doc, dict) or set(doc) - allowed - {"comment"}:
        raise GateError(f"{path}: unknown keys {sorted(set(doc) - allowed - {'comment'})}; allowed: {sorted(allowed)}")
    for k, v in doc.items():
        if k == "scenarios":
            cfg.scenarios = {**cfg.scenarios, **v}
        elif k in ("abs_floor", "metric_min_effect"):
            setattr(cfg, k, {**getattr(cfg, k), **v})
        elif k != "comment":
            setattr(cfg, k, v)
    try:
        return cfg.validate()
    except ValueError as e:
        raise GateError(f"{path}: {e}") from None


# ---------------------------------------------------------------- decision


@dataclass
class Comparison:
    """Comparison is the verdict on one metric of one scenario."""

    scenario: str
    metric: str
    kind: str  # deterministic | statistical | status | exact
    verdict: str  # regression | improvement | unchanged | new | missing | not-compared
    gated: bool = True  # False: shown only (timing against another machine's baseline)
    base: float | None = None  # median (or the exact value)
    head: float | None = None
    ratio: float | None = None  # head / base
    p: float | None = None  # Mann-Whitney U, two-sided
    p_holm: float | None = None
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

    mode: str  # baseline | against | selftest
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
    def exit_code(self) -> int:
        return 1 if self.regressions else 0

    def find(self, scenario: str, metric: str) -> Comparison | None:
        return next((c for c in self.comparisons if c.scenario == scenario and c.metric == metric), None)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["exit_code"] = self.exit_code
        return d


def holm(pvalues: list[float]) -> list[float]:
    """holm returns Holm-Bonferroni adjusted p-values (NaN stays NaN and does not count as a test)."""
    idx = sorted((i for i, p in enumerate(pvalues) if not math.isnan(p)), key=lambda i: pvalues[i])
    m = len(idx)
    out = [math.nan] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


def min_p(n1: int, n2: int) -> float:
    """min_p is the smallest two-sided Mann-Whitney p-value samples of these sizes can reach (no ties)."""
    if n1 < 1 or n2 < 1:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


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
    cfg = (config or Config()).validate()
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
        for metric in DETERMINISTIC:
            comps.append(_deterministic(name, metric, bv.get(metric, []), hv.get(metric, []), cfg))
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
    # Holm over every statistical test of this check, then the effect-size rule
    adj = holm([c.p for c in stat])
    for c, pa in zip(stat, adj):
        c.p_holm = pa
        _judge(c, cfg)
    if stat:
        m = len(stat)
        need = cfg.alpha / m
        reachable = min(min_p(c.n_base, c.n_head) for c in stat)
        if reachable >= need:
            warnings.append(f"with {min(c.n_base for c in stat)} vs {min(c.n_head for c in stat)} rounds the smallest "
                            f"possible p-value is {reachable:.2g}, but Holm over {m} comparisons needs p < {need:.2g}: "
                            f"no timing regression can be detected; use more rounds or blocks, or a narrower --filter")
    comps += _exact(base, head)
    return Decision(mode, base_label, head_label, True, timing_gated, comps, warnings,
                    config=asdict(cfg))


def _deterministic(name: str, metric: str, a: list[float], b: list[float], cfg: Config) -> Comparison:
    ma, mb = _median_or_none(a), _median_or_none(b)
    c = Comparison(name, metric, "deterministic", "unchanged", base=ma, head=mb, n_base=len(a), n_head=len(b))
    if ma is None or mb is None:
        c.verdict, c.gated, c.note = "not-compared", False, "no rounds"
        return c
    tol = cfg.allocs_abs_tol if metric == "allocs_per_op" else max(cfg.bytes_abs_tol,
                                                                   cfg.bytes_rel_tol_for(name) * abs(ma))
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
    return out if len(out) >= 3 else None


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
    fn = summary.METRICS[metric][0]
    if pairs and all(fn(x) > 0 for x, _ in pairs):
        # lockstep rounds: the median of paired ratios cancels the load both rounds of a pair shared
        c.ratio = median(fn(y) / fn(x) for x, y in pairs)
        c.paired = True
    else:
        c.ratio = mb / ma if ma else math.inf
    if len(a) < 3 or len(b) < 3:
        c.note = "fewer than 3 rounds on a side: not tested"
        return c
    c.p = mann_whitney_p(a, b)
    return c


def _session_medians(rounds: list[dict], metric: str) -> list[float]:
    fn = summary.METRICS[metric][0]
    per: dict = {}
    for r in rounds:
        if r.get("n"):
            per.setdefault(r.get("session", 0), []).append(fn(r))
    return [median(v) for v in per.values()]


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
    if len(sb) < 2 or len(sh) < 2:
        return ("one session on a side: a difference across time cannot be told from load; "
                "record the baseline with --sessions 2 or more")
    spread = [max(x) / min(x) - 1 if min(x) > 0 else math.inf for x in (sb, sh)]
    if max(spread) > (up - 1) / 2:
        return (f"the machine was not steady (sessions vary by {spread[0]:.0%} in the baseline, {spread[1]:.0%} "
                f"now; trusted up to {(up - 1) / 2:.0%}): use --against REF for a timing gate on a busy machine")
    if c.ratio > 1 and min(sh) > max(sb) * up:
        return ""
    if c.ratio < 1 and max(sh) * up < min(sb):
        return ""
    return (f"sessions overlap (base {', '.join(f'{x:.3g}' for x in sb)}; head "
            f"{', '.join(f'{x:.3g}' for x in sh)}): within session-to-session noise")


def _judge(c: Comparison, cfg: Config) -> None:
    sig = c.p_holm is not None and c.p_holm < cfg.alpha
    up, down = 1 + c.min_effect, 1 / (1 + c.min_effect)
    why = _separated(c, up) if c.sessions_base is not None and sig and (c.ratio > up or c.ratio < down) else ""
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


# ---------------------------------------------------------------- baseline file


def baseline_doc(run: dict, builds: list[str], sessions: int) -> dict:
    """baseline_doc wraps a run record with what is needed to repeat it."""
    return {
        "schema": BASELINE_SCHEMA,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": run["settings"],
        "filter": run.get("filter"),
        "builds": list(builds),
        "sessions": sessions,
        "machine": run["machine"],
        "run": run,
    }


def load_baseline(path: Path = BASELINE_PATH) -> dict:
    """load_baseline reads and checks a baseline file, raising GateError that says what to do."""
    redo = "record a new one with `invoke baseline` and commit results/baseline/baseline.json"
    doc = store.read_doc(path, BASELINE_SCHEMA, "baseline", ("settings", "builds", "machine", "run"), GateError, redo,
                         if_missing=f"no baseline at {path}; {redo}, or compare with a commit: "
                                    "`invoke check --against REF`")
    run = doc["run"]
    if not isinstance(run, dict) or run.get("schema") != store.SCHEMA or not isinstance(run.get("benchmarks"), list):
        raise GateError(f"{path}: the run inside is not a {store.SCHEMA} record; {redo}")
    if not any(b.get("rounds") for b in run["benchmarks"]):
        raise GateError(f"{path}: the baseline run has no measured rounds; {redo}")
    try:
        Settings(**doc["settings"]).validate()
    except (TypeError, ValueError) as e:
        raise GateError(f"{path}: bad settings ({e}); {redo}") from None
    return doc


# ---------------------------------------------------------------- entry points


def _settings(quick: bool, rounds: int | None, round_ms: float | None) -> Settings:
    st = QUICK if quick else FULL
    return Settings(round_ms=round_ms if round_ms is not None else st.round_ms,
                    rounds=rounds if rounds is not None else st.rounds,
                    ffi_calls=st.ffi_calls, max_calibration_s=st.max_calibration_s).validate()


def write_outputs(decision: Decision, runs: dict[str, dict], out_dir: Path = OUT_DIR,
                  out: IO[str] = sys.stdout) -> Path:
    """write_outputs writes summary.md, decision.json, each side's run and bench.txt, and the chart."""
    from gobench.present import gatereport

    out_dir.mkdir(parents=True, exist_ok=True)
    md = gatereport.markdown(decision)
    atomic.write_text(out_dir / "summary.md", md)
    atomic.write_json(out_dir / "decision.json", decision.as_dict())
    for role, run in runs.items():
        atomic.write_json(out_dir / f"{role}.run.json", run)
        atomic.write_text(out_dir / f"{role}.bench.txt", store.bench_text(run))
    try:
        gatereport.chart(decision, out_dir / "ratios.png")
    except Exception as e:  # a chart is a nicety: its failure is a warning, never the verdict
        out.write(f"gobench: warning: chart not written: {e}\n")
    _step_summary(md)
    return out_dir


def _step_summary(md: str) -> None:
    """_step_summary appends to the GitHub Actions job summary when running there."""
    gh = os.environ.get("GITHUB_STEP_SUMMARY")
    if gh:
        with open(gh, "a") as f:
            f.write(md + "\n")


def _report(decision: Decision, runs: dict, out: IO[str], out_dir: Path) -> int:
    from gobench.present import gatereport

    d = write_outputs(decision, runs, out_dir, out)
    out.write("\n" + gatereport.terminal(decision) + "\n")
    out.write(f"summary: {d / 'summary.md'}  (benchstat {d / 'base.bench.txt'} {d / 'head.bench.txt'})\n")
    return decision.exit_code


def baseline_main(quick: bool = False, filter_: str | None = None, rounds: int | None = None,
                  round_ms: float | None = None, sessions: int = DEFAULT_SESSIONS, builds: list[str] | None = None,
                  path: Path = BASELINE_PATH, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """baseline_main records a baseline (pooled over ``sessions`` worker sessions) at ``path``."""
    builds = list(builds or DEFAULT_BUILDS)
    try:
        st = _settings(quick, rounds, round_ms)
        side = abrun.build_side(builds, out=out)
        run = abrun.run_sessions(side, filter_, st, sessions, {"ref": "working tree"}, out)
    except (ValueError, GateError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; no baseline written.", file=err)
        return 130
    if not run["benchmarks"]:
        print(f"gobench: --filter {filter_!r} matches no scenario; see `invoke scenarios`", file=err)
        return 2
    bad = [b["name"] for b in run["benchmarks"] if b.get("status") != "ok"]
    if bad:
        print(f"gobench: not recording a baseline: {', '.join(bad)} failed; fix them or narrow --filter", file=err)
        return 2
    atomic.write_json(path, baseline_doc(run, builds, sessions))
    out.write(f"baseline: {len(run['benchmarks'])} scenarios, {sessions} sessions of {st.rounds} rounds x "
              f"{st.round_ms:g} ms on {run['machine']['hostname']} ({run['machine']['cpu_model']}, "
              f"{run['machine']['cpu_count']} CPUs) -> {path}\n"
              f"commit it with the change it measures: git add {_rel(path)}\n")
    return 0


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(abrun.buildmod.ROOT))
    except ValueError:
        return str(path)


def check_main(against: str | None = None, strict_timing: bool = False, filter_: str | None = None,
               quick: bool = False, rounds: int | None = None, round_ms: float | None = None,
               blocks: int = DEFAULT_BLOCKS, builds: list[str] | None = None,
               baseline_path: Path = BASELINE_PATH, config_path: Path = CONFIG_PATH, out_dir: Path = OUT_DIR,
               out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """check_main runs the gate: against the baseline file, or (``against``) against a git ref, ABBA."""
    t0 = time.monotonic()
    try:
        cfg = load_config(config_path)
        if against:
            decision, runs = _check_against(against, filter_, _settings(quick, rounds, round_ms), blocks,
                                            list(builds or DEFAULT_BUILDS), cfg, out)
        else:
            decision, runs = _check_baseline(baseline_path, strict_timing, filter_, quick, rounds, round_ms,
                                             cfg, out)
    except (ValueError, GateError) as e:
        print(f"gobench: could not check: {e}", file=err)
        _step_summary(f"## gobench performance gate: could not check\n\n```\n{e}\n```\n")
        return 2
    except KeyboardInterrupt:
        print("\ngobench: interrupted; no verdict.", file=err)
        return 130
    decision.info["wall_s"] = round(time.monotonic() - t0, 1)
    return _report(decision, runs, out, out_dir)


def _check_baseline(path: Path, strict_timing: bool, filter_: str | None, quick: bool, rounds: int | None,
                    round_ms: float | None, cfg: Config, out: IO[str]) -> tuple[Decision, dict]:
    doc = load_baseline(path)
    st = Settings(**doc["settings"]).validate()
    if quick or rounds is not None or round_ms is not None:
        asked = _settings(quick, rounds, round_ms)
        if (asked.rounds, asked.round_ms) != (st.rounds, st.round_ms):
            raise GateError(f"the baseline was recorded with {st.rounds} rounds x {st.round_ms:g} ms and a check "
                            f"must use the same; drop --quick/--rounds/--round-ms, or re-record with "
                            f"`invoke baseline` using them")
    base_filter = doc.get("filter")
    if filter_ and base_filter and filter_ != base_filter:
        out.write(f"note: baseline filter {base_filter!r}; checking {filter_!r} (scenarios outside it are missing)\n")
    side = abrun.build_side(list(doc["builds"]), out=out)
    head = abrun.run_sessions(side, filter_ or base_filter, st, int(doc.get("sessions") or 1), {"ref": "working tree"},
                              out)
    decision, base_run = judge_baseline(doc, head, cfg, strict_timing, narrowed=bool(filter_))
    decision.info.update(settings=st.as_dict(), sessions=doc.get("sessions"), builds=doc["builds"])
    return decision, {"base": base_run, "head": head}


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


def _check_against(ref: str, filter_: str | None, st: Settings, blocks: int, builds: list[str], cfg: Config,
                   out: IO[str]) -> tuple[Decision, dict]:
    abrun.abba_order(blocks)  # validates blocks before any build
    with abrun.worktree(ref) as (wt, commit):
        src = wt / "gosrc"
        if not src.is_dir():
            raise GateError(f"{ref} ({commit[:8]}) has no gosrc/ folder: it predates gobench's Go module")
        out.write(f"base: {ref} ({commit[:8]}) built from {wt}\n")
        base = abrun.build_side(builds, src_root=src, out=out)
        head = abrun.build_side(builds, out=out)
        git = machine.git_info()
        head_src = {"ref": "working tree", "commit": git.get("commit"), "dirty": git.get("dirty")}
        base_run, head_run = abrun.run_abba(base, head, filter_, st, blocks, {"ref": ref, "commit": commit},
                                            head_src, out)
    decision = compare(base_run, head_run, cfg, timing_gated=True, mode="against",
                       base_label=f"{ref} ({commit[:8]})",
                       head_label="working tree" + (" (uncommitted changes)" if head_src["dirty"] else ""))
    decision.info.update(settings=st.as_dict(), blocks=blocks, order=base_run["gate"]["order"], builds=builds)
    return decision, {"base": base_run, "head": head_run}


# ---------------------------------------------------------------- self-test


TRIALS = {
    # name: (head variant standing in for "default", what must be caught)
    "A/A": ("default", None),
    "slow": ("inject-slow", ("OrderItem/new", "ns_per_op")),
    "alloc": ("inject-alloc", ("OrderItem/new", "allocs_per_op")),
}
SELFTEST_FILTER = "^OrderItem/"


def run_trial(kind: str, st: Settings, blocks: int, cfg: Config | None = None, filter_: str = SELFTEST_FILTER,
              out: IO[str] = sys.stdout) -> Decision:
    """run_trial runs one self-test trial: default against itself or against a test-only regression, ABBA."""
    head_variant, _ = TRIALS[kind]
    base = abrun.build_side(["default"], out=out)
    head = abrun.build_side(["default"], variant_for={"default": head_variant}, out=out)
    b, h = abrun.run_abba(base, head, filter_, st, blocks, {"ref": "default build"},
                          {"ref": f"{head_variant} build"}, out)
    d = compare(b, h, cfg, timing_gated=True, mode="selftest", base_label="default", head_label=head_variant)
    d.info.update(trial=kind, settings=st.as_dict(), blocks=blocks)
    return d


def selftest_main(trials: int = 10, quick: bool = False, blocks: int = DEFAULT_BLOCKS,
                  out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> int:
    """selftest_main repeats A/A, slow and alloc trials; prints false alarms and detections.

    Returns 0 when there was no false alarm and every injected regression was
    caught, 1 otherwise, 2 when it could not run.
    """
    if not isinstance(trials, int) or trials < 1:
        print(f"gobench: --trials must be a positive integer, got {trials!r}", file=err)
        return 2
    st = QUICK if quick else FULL
    counts = {k: {"trials": 0, "fail": 0, "caught": 0, "detail": []} for k in TRIALS}
    t0 = time.monotonic()
    quiet = open(os.devnull, "w")
    try:
        cfg = load_config()
        for i in range(trials):
            for kind, (_, target) in TRIALS.items():
                d = run_trial(kind, st, blocks, cfg, out=quiet)
                c = counts[kind]
                c["trials"] += 1
                c["fail"] += d.exit_code != 0
                hit = d.find(*target) if target else None
                caught = bool(hit and hit.fails)
                c["caught"] += caught
                regs = ", ".join(f"{r.scenario} {r.metric} x{r.ratio:.3f}" if r.ratio else f"{r.scenario} {r.metric}"
                                 for r in d.regressions) or "none"
                c["detail"].append(regs)
                for x in d.comparisons:  # how close did noise come? (A/A: every timing comparison)
                    if kind == "A/A" and x.metric == "ns_per_op" and x.ratio and x.p_holm is not None:
                        c.setdefault("worst", []).append((abs(math.log(x.ratio)), x.ratio, x.p_holm, x.scenario))
                tgt = f" target {hit.metric} x{hit.ratio:.3f} p_holm={hit.p_holm if hit.p_holm is not None else '-'}" \
                    if hit and hit.ratio else ""
                out.write(f"trial {i + 1}/{trials} {kind:5s}: exit {d.exit_code}; regressions: {regs}{tgt} "
                          f"({time.monotonic() - t0:.0f} s)\n")
                out.flush()
    except (ValueError, GateError) as e:
        print(f"gobench: {e}", file=err)
        return 2
    finally:
        quiet.close()
    aa, slow, alloc = counts["A/A"], counts["slow"], counts["alloc"]
    worst = max(aa.get("worst") or [(0, 1.0, 1.0, "-")])
    low_p = min((w[2] for w in aa.get("worst") or []), default=1.0)
    out.write(f"\nself-test ({'quick' if quick else 'full'} settings: {st.rounds} x {st.round_ms:g} ms rounds, "
              f"{blocks} lockstep blocks, "
              f"{time.monotonic() - t0:.0f} s):\n"
              f"  A/A false alarms:          {aa['fail']}/{aa['trials']} (largest A/A ns/op change "
              f"x{worst[1]:.3f} on {worst[3]}; smallest A/A p Holm {low_p:.2g})\n"
              f"  inject-slow detected:      {slow['caught']}/{slow['trials']} (as a timing regression on "
              f"OrderItem/new ns/op; gate failed {slow['fail']}/{slow['trials']})\n"
              f"  inject-alloc detected:     {alloc['caught']}/{alloc['trials']} (allocs/op on OrderItem/new)\n")
    ok = aa["fail"] == 0 and slow["caught"] == slow["trials"] and alloc["caught"] == alloc["trials"]
    return 0 if ok else 1
