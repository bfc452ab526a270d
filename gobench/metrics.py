"""The metrics gobench derives from a measured round, each listed once.

A round (one FFI crossing around N operations timed inside Go) records
totals: ``elapsed_ns``, ``alloc_objects``, ``alloc_bytes``, ``gc_cycles``
and so on. A Metric says how one per-round value is derived from those
totals, how it is shown (display unit), which way is better, whether it is
exact (a count the program decides) or a timing, and which unit it has in
the Go benchmark format (bench.txt, for benchstat).

Every list of metrics elsewhere is derived from this table: the summaries
(analyse.summary), the gate's exact and statistical metrics (analyse.gate),
the default metrics of ``invoke compare``, the columns of the run table,
the panels of the family charts, and the Unit lines and value columns of
bench.txt. A scenario's own metrics (``extra`` in a round: mb_per_s,
pool_hit_rate, ...) are not in the table; ``unit_of`` falls back to the unit
the scenario declares, then to the name.

This module sits below every pipeline stage and imports nothing from gobench.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass(frozen=True)
class Metric:
    """Metric is one per-round quantity: its derivation from a round and how people and tools read it.

    ``of_round`` takes a round with ``n > 0`` and returns the value; it is
    None for a metric that needs more than the round (ffi_share needs the
    run's FFI cost). ``exact`` marks a count the program decides (allocs/op,
    B/op): the Go runtime counts it, so it repeats between runs of the same
    code up to the runtime's own background allocations; everything else is
    a timing, or depends on timing (GC cycles: when the collector runs), and
    is noisy. ``coarse`` marks a metric with only a few events per round, so
    that a ratio of two single rounds is too coarse to use. ``headline``
    metrics are the columns of the run table, the panels of the family
    charts, the defaults of ``invoke compare`` and the metrics the gate
    checks. ``go_unit`` is the unit in bench.txt (None: not written there);
    the value written is the metric's value times ``go_scale``.
    """

    name: str
    unit: str
    better: str  # "lower" | "higher"
    of_round: Callable[[dict], float] | None
    exact: bool = False
    headline: bool = False
    coarse: bool = False
    go_unit: str | None = None
    go_scale: float = 1.0


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("ns_per_op", "ns/op", "lower", lambda r: r["elapsed_ns"] / r["n"], headline=True, go_unit="ns/op"),
    Metric("allocs_per_op", "allocs/op", "lower", lambda r: r["alloc_objects"] / r["n"], exact=True, headline=True,
           go_unit="allocs/op"),
    Metric("bytes_per_op", "B/op", "lower", lambda r: r["alloc_bytes"] / r["n"], exact=True, headline=True,
           go_unit="B/op"),
    # a 15 ms round sees a few GC cycles: one more or less moves that round's value by a quarter
    Metric("gc_per_1k_ops", "GCs/1k ops", "lower", lambda r: 1000 * r.get("gc_cycles", 0) / r["n"], headline=True,
           coarse=True, go_unit="GCs/op", go_scale=1e-3),
    # GC CPU of all Ps (background and idle mark workers, assists, pauses x GOMAXPROCS, from
    # /cpu/classes/gc/total) per wall second of the round's one timed goroutine: it can exceed 1. Not a share
    # of the CPUs: the load generator's gc_cpu_fraction (GC CPU / (GOMAXPROCS x wall)) is that, and is called
    # gc_cpu_share_of_procs where gobench shows it. A GC cycle still running when a round's counters are read
    # is finished by the next round's runtime.GC(), outside every timed region (gosrc/bench/measure.go): that
    # cycle, and any of its CPU the runtime had not yet accounted, belong to no round, so gc_per_1k_ops and
    # this metric are lower bounds by at most one cycle per round.
    Metric("gc_cpu_per_wall_s", "gc-cpu-s/wall-s", "lower",
           lambda r: r.get("gc_cpu_ns", 0) / r["elapsed_ns"] if r["elapsed_ns"] else 0.0),
    Metric("stw_ns_per_op", "stw-ns/op", "lower", lambda r: r.get("stw_total_ns", 0) / r["n"]),
    Metric("heap_objects_bytes", "heap-B", "lower", lambda r: r.get("heap_objects_bytes", 0)),
    Metric("cpu_ns_per_op", "cpu-ns/op", "lower",
           lambda r: (r.get("cpu_user_ns", 0) + r.get("cpu_sys_ns", 0)) / r["n"]),
    # the cost of one FFI crossing (the run's FFI/noop median) over the round's time: each round crosses once
    Metric("ffi_share", "share of a round", "lower", None),
)}

# RENAMED maps a metric's old name, as stored summaries of schema gobench.run/1 may still carry it, to its name
# now: gc_cpu_fraction meant GC CPU per wall second in micro runs and a share of GOMAXPROCS x wall in load runs.
RENAMED: dict[str, str] = {"gc_cpu_fraction": "gc_cpu_per_wall_s"}


def current_name(name: str) -> str:
    """current_name is a stored metric name as it is called now (see RENAMED)."""
    return RENAMED.get(name, name)


# HEADLINE are the four metrics every view shows first, in table order.
HEADLINE: tuple[str, ...] = tuple(m.name for m in METRICS.values() if m.headline)
# EXACT are the counts the program decides; the rest are timings or paced by time.
EXACT: tuple[str, ...] = tuple(m.name for m in METRICS.values() if m.exact)
# GO_UNITS are the metrics written to bench.txt, in table order.
GO_UNITS: tuple[Metric, ...] = tuple(m for m in METRICS.values() if m.go_unit)


def unit_of(name: str, declared: Iterable[dict] | None = None) -> str:
    """unit_of returns a metric's display unit: the table's; for a scenario's own metric, the unit the
    scenario declares (``declared``: its ``[{"name", "unit"}, ...]``); else the name itself."""
    if name in METRICS:
        return METRICS[name].unit
    for d in declared or ():
        if isinstance(d, dict) and d.get("name") == name and d.get("unit"):
            return str(d["unit"])
    return name
