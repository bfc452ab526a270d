"""Profiles, analysed: pprof's text form, allocation sites, top CPU functions, stacks for a flame chart,
GODEBUG=gctrace=1 lines, and what profiling cost.

This is the analyse stage for `invoke profile`: it reads text that the
collect stage produced (``go tool pprof -raw`` output, gobench/collect/pprof.py;
a worker's stderr) and never runs a tool itself. The profile files are
pprof's protobuf; ``go tool pprof -raw`` prints every sample with its
location ids and every location with its (inlined) frames, which is all
this module needs, so no protobuf parser is involved.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

# Frames of the export layer (cmd/libgobench, package main, and cgo's wrappers): a sample with one of them
# is the worker's own work (a JSON request, the profiler writing its file, the harness starting a round),
# not the scenario's. Everything else is: the round's goroutine (bench.RunRound.func1) and the goroutines
# the scenario starts, whose stacks begin at their own function.
EXPORT_PREFIXES = ("main.", "_cgoexp_")
# The runtime's tiny allocator packs pointer-free objects under 16 B into 16-byte blocks; the heap
# profile records a block when it is started and nothing for the objects that join it later
# (runtime/malloc.go mallocgcTiny returns before profiling), while the runtime's allocation counter
# counts every object.
TINY_BLOCK_BYTES = 16
OWN_PREFIX = "gobench/"  # gobench's own Go packages (patterns, registry, bench)


@dataclass(frozen=True)
class Frame:
    """Frame is one function in a stack: its name, file and line (inlined frames are frames too)."""

    function: str
    file: str
    line: int

    @property
    def site(self) -> str:
        """site is "file.go:line" with the file's base name."""
        return f"{self.file.rsplit('/', 1)[-1]}:{self.line}"


@dataclass
class Profile:
    """Profile is a parsed ``go tool pprof -raw`` listing: sample types, samples, locations."""

    sample_types: list[str]  # e.g. ["alloc_objects/count", "alloc_space/bytes", ...]
    samples: list[tuple[list[int], list[int]]]  # (values, location ids leaf first)
    locations: dict[int, list[Frame]] = field(default_factory=dict)  # frames innermost first

    def index(self, name: str) -> int:
        """index is the position of a sample type by its name ("alloc_objects", "cpu", ...)."""
        for i, t in enumerate(self.sample_types):
            if t.split("/")[0] == name:
                return i
        raise ValueError(f"profile has no sample type {name!r}; it has {', '.join(self.sample_types)}")

    def stack(self, locs: list[int]) -> list[Frame]:
        """stack is a sample's frames, leaf first, inlined frames expanded."""
        return [f for loc in locs for f in self.locations.get(loc, [])]


_LOC = re.compile(r"^\s*(\d+): 0x[0-9a-f]+ M=\d+(?: (.*))?$")
_FRAME = re.compile(r"^(\S+) (.+):(\d+):\d+ s=\d+$")
_SAMPLE = re.compile(r"^\s*((?:-?\d+\s+)*-?\d+): ((?:\d+\s*)*)$")


def _frame(text: str) -> Frame | None:
    m = _FRAME.match(text.strip())
    return Frame(m.group(1), m.group(2), int(m.group(3))) if m else None


def parse_raw(text: str) -> Profile:
    """parse_raw reads ``go tool pprof -raw`` output. Raises ValueError when it is not that."""
    lines = text.splitlines()
    try:
        start = lines.index("Samples:")
    except ValueError:
        raise ValueError("not `go tool pprof -raw` output: no 'Samples:' line") from None
    types = [t.removesuffix("[dflt]") for t in lines[start + 1].split()]
    prof = Profile(types, [])
    i = start + 2
    while i < len(lines) and lines[i] != "Locations":
        m = _SAMPLE.match(lines[i])
        if m:
            prof.samples.append(([int(v) for v in m.group(1).split()], [int(x) for x in m.group(2).split()]))
        i += 1
    current: int | None = None
    for ln in lines[i + 1:]:
        if ln.startswith("Mappings"):
            break
        m = _LOC.match(ln)
        if m:
            current = int(m.group(1))
            prof.locations[current] = []
            f = _frame(m.group(2) or "")
        else:
            f = _frame(ln)
        if f and current is not None:
            prof.locations[current].append(f)
    return prof


def _user_frame(stack: list[Frame]) -> Frame | None:
    """_user_frame is the innermost frame outside the runtime: where the program asked for the memory
    (runtime.convT64, runtime.growslice, ... only carry it out)."""
    return next((f for f in stack if not f.function.startswith("runtime.")), None)


def in_round(stack: list[Frame]) -> bool:
    """in_round says whether a sample belongs to the scenario's rounds rather than to the worker's own calls."""
    return not any(f.function.startswith(EXPORT_PREFIXES) for f in stack)


def alloc_sites(prof: Profile, ops: int, top: int | None = None) -> list[dict]:
    """alloc_sites groups the round's allocation samples by the line that allocated (the innermost frame
    outside the runtime), most objects first: function, site (file:line), the runtime function that carried
    it out (if any), the innermost line of gobench's own code above a library's site ("caller": the
    scenario line that called fmt.Sprintf), objects/op, bytes/op and bytes per sampled object."""
    io_, ib = prof.index("alloc_objects"), prof.index("alloc_space")
    by: dict[tuple[str, str, str], list[int]] = {}
    for values, locs in prof.samples:
        st = prof.stack(locs)
        user = _user_frame(st)
        if user is None or not in_round(st) or values[io_] <= 0:  # None: the runtime's own goroutines
            continue
        via = st[0].function if st and st[0] is not user and st[0].function.startswith("runtime.") else ""
        own = next((f for f in st if f.function.startswith(OWN_PREFIX)), None)
        caller = own.site if own and own is not user else ""
        acc = by.setdefault((user.function, user.site, via, caller), [0, 0, user.file, user.line])
        acc[0] += values[io_]
        acc[1] += values[ib]
    rows = [{"function": fn, "site": site, "via": via, "caller": caller, "objects_per_op": o / ops,
             "bytes_per_op": b / ops, "bytes_per_object": b / o, "file": path, "line": line}
            for (fn, site, via, caller), (o, b, path, line) in by.items()]
    rows.sort(key=lambda r: (-r["objects_per_op"], -r["bytes_per_op"], r["site"]))
    return rows[:top] if top else rows


def alloc_totals(sites: list[dict], allocs_per_op: float | None, bytes_per_op: float | None) -> dict:
    """alloc_totals sets the profile's sum beside the runtime's exact counters of the same rounds.

    ``unsampled_objects_per_op`` is what the runtime counted and the profile did not place at a site of the
    scenario: objects the tiny allocator put into a 16-byte block it had already started (see
    TINY_BLOCK_BYTES), and allocations of the runtime itself (a stack with no frame outside package runtime,
    e.g. a goroutine or thread for a blocking syscall). It is reported as such, never spread over the sites.
    """
    objs = sum(s["objects_per_op"] for s in sites)
    byts = sum(s["bytes_per_op"] for s in sites)
    out = {"profile_objects_per_op": objs, "profile_bytes_per_op": byts,
           "runtime_allocs_per_op": allocs_per_op, "runtime_bytes_per_op": bytes_per_op}
    if allocs_per_op is not None:
        out["unsampled_objects_per_op"] = allocs_per_op - objs
        out["tiny_block_sites"] = [s["site"] for s in sites if round(s["bytes_per_object"]) == TINY_BLOCK_BYTES]
    return out


def cpu_top(prof: Profile, top: int = 15) -> list[dict]:
    """cpu_top lists the functions with the most CPU time in the profile (flat: in the function itself;
    cum: with what it called), as shares of all samples, most flat first."""
    ic = prof.index("cpu")
    total = sum(v[ic] for v, _ in prof.samples) or 1
    flat: dict[str, int] = {}
    cum: dict[str, int] = {}
    for values, locs in prof.samples:
        st = prof.stack(locs)
        if not st:
            continue
        flat[st[0].function] = flat.get(st[0].function, 0) + values[ic]
        for fn in {f.function for f in st}:
            cum[fn] = cum.get(fn, 0) + values[ic]
    rows = [{"function": fn, "flat_share": flat.get(fn, 0) / total, "cum_share": c / total,
             "flat_ns": flat.get(fn, 0)} for fn, c in cum.items()]
    rows.sort(key=lambda r: (-r["flat_share"], -r["cum_share"], r["function"]))
    return rows[:top]


def folded_stacks(prof: Profile, sample_type: str = "cpu", min_share: float = 0.002) -> list[list]:
    """folded_stacks are the profile's stacks as [[root, ..., leaf function], value], identical stacks
    summed, stacks under min_share of the total dropped (they would be invisible in a chart): the data of
    a flame chart, small enough for the run record."""
    iv = prof.index(sample_type)
    agg: dict[tuple[str, ...], int] = {}
    for values, locs in prof.samples:
        st = tuple(f.function for f in reversed(prof.stack(locs)))
        if st:
            agg[st] = agg.get(st, 0) + values[iv]
    total = sum(agg.values()) or 1
    return [[list(k), v] for k, v in sorted(agg.items(), key=lambda kv: -kv[1]) if v / total >= min_share]


# gc 12 @0.345s 3%: 0.018+1.2+0.003 ms clock, 0.072+0.35/1.1/0.10+0.013 ms cpu, 4->5->1 MB, 5 MB goal,
#   0 MB stacks, 0 MB globals, 2 P (forced)
_GC = re.compile(
    r"^gc (?P<n>\d+) @(?P<at>[\d.]+)s (?P<pct>\d+)%: "
    r"(?P<c1>[\d.]+)\+(?P<c2>[\d.]+)\+(?P<c3>[\d.]+) ms clock, "
    r"(?P<u1>[\d.]+)\+(?P<assist>[\d.]+)/(?P<bg>[\d.]+)/(?P<idle>[\d.]+)\+(?P<u3>[\d.]+) ms cpu, "
    r"(?P<before>\d+)->(?P<after>\d+)->(?P<live>\d+) MB, (?P<goal>\d+) MB goal"
    r"(?:, (?P<stacks>\d+) MB stacks)?(?:, (?P<globals>\d+) MB globals)?, (?P<procs>\d+) P(?P<forced> \(forced\))?$")


def parse_gctrace(text: str) -> list[dict]:
    """parse_gctrace reads the runtime's GODEBUG=gctrace=1 lines (other lines are skipped), one dict per
    GC cycle: heap before, after and live (MB), goal (MB), the wall time of its two stop-the-world phases
    and of concurrent mark (ms), mark CPU time (assist, background, idle; ms), and whether runtime.GC()
    forced it (the round protocol forces one per round, outside the timed region)."""
    out = []
    for ln in text.splitlines():
        m = _GC.match(ln.strip())
        if not m:
            continue
        g = m.groupdict()
        f = {k: float(v) for k, v in g.items() if k not in ("forced",) and v is not None}
        out.append({
            "cycle": int(f["n"]), "at_s": f["at"], "gc_cpu_percent": int(f["pct"]),
            "stw_sweep_term_ms": f["c1"], "mark_wall_ms": f["c2"], "stw_mark_term_ms": f["c3"],
            "stw_ms": f["c1"] + f["c3"],
            "mark_cpu_assist_ms": f["assist"], "mark_cpu_background_ms": f["bg"], "mark_cpu_idle_ms": f["idle"],
            "mark_cpu_ms": f["assist"] + f["bg"] + f["idle"],
            "heap_before_mb": int(f["before"]), "heap_after_mb": int(f["after"]), "heap_live_mb": int(f["live"]),
            "heap_goal_mb": int(f["goal"]), "procs": int(f["procs"]), "forced": bool(g["forced"]),
        })
    return out


def gctrace_summary(cycles: list[dict]) -> dict:
    """gctrace_summary is a scenario's GC cycles in a few numbers: how many (and how many the round
    protocol forced), mean and max mark wall time, mean mark CPU time, max stop-the-world time, and
    the heap goal's range; the cycles the program triggered itself are summarised apart."""
    def part(cs: list[dict]) -> dict:
        if not cs:
            return {"cycles": 0}
        mark = [c["mark_wall_ms"] for c in cs]
        goal = [c["heap_goal_mb"] for c in cs]
        return {"cycles": len(cs), "mark_wall_ms_mean": statistics.fmean(mark), "mark_wall_ms_max": max(mark),
                "mark_cpu_ms_mean": statistics.fmean(c["mark_cpu_ms"] for c in cs),
                "stw_ms_max": max(c["stw_ms"] for c in cs), "heap_goal_mb_min": min(goal),
                "heap_goal_mb_max": max(goal)}
    return {"all": part(cycles), "triggered": part([c for c in cycles if not c["forced"]]),
            "forced": sum(c["forced"] for c in cycles)}


def overhead(plain_ns: list[float], kind_ns: list[float]) -> dict:
    """overhead is what a profiler cost: the median over round blocks of (ns/op with it / ns/op without),
    where round r of both processes ran back to back, with the min and max block ratio."""
    ratios = [k / p for p, k in zip(plain_ns, kind_ns) if p > 0 and k > 0]
    if not ratios:
        return {"ratio": None, "blocks": 0}
    return {"ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios), "blocks": len(ratios)}


def diff_sites(base: list[dict], head: list[dict], top: int = 5, min_objects: float = 0.005) -> list[dict]:
    """diff_sites lists the allocation sites whose objects/op or bytes/op changed from base to head,
    largest object change first (a site only one side has counts as zero on the other)."""
    key = lambda s: (s["function"], s["site"], s.get("via", ""), s.get("caller", ""))  # noqa: E731
    b = {key(s): s for s in base}
    h = {key(s): s for s in head}
    rows = []
    for k in set(b) | set(h):
        do = h.get(k, {}).get("objects_per_op", 0.0) - b.get(k, {}).get("objects_per_op", 0.0)
        db = h.get(k, {}).get("bytes_per_op", 0.0) - b.get(k, {}).get("bytes_per_op", 0.0)
        if abs(do) >= min_objects or abs(db) >= min_objects * 8:
            one = h.get(k) or b[k]
            rows.append({"function": k[0], "site": k[1], "via": k[2], "caller": k[3], "objects_per_op": do,
                         "bytes_per_op": db, "file": one.get("file", ""), "line": one.get("line", 0)})
    rows.sort(key=lambda r: (-abs(r["objects_per_op"]), -abs(r["bytes_per_op"]), r["site"]))
    return rows[:top]


def diff_cpu(base: list[dict], head: list[dict], top: int = 5, min_share: float = 0.02) -> list[dict]:
    """diff_cpu lists the functions whose flat CPU share changed most from base to head."""
    b = {r["function"]: r["flat_share"] for r in base}
    h = {r["function"]: r["flat_share"] for r in head}
    rows = [{"function": fn, "base": b.get(fn, 0.0), "head": h.get(fn, 0.0), "change": h.get(fn, 0.0) - b.get(fn, 0.0)}
            for fn in set(b) | set(h)]
    rows = [r for r in rows if abs(r["change"]) >= min_share]
    rows.sort(key=lambda r: (-abs(r["change"]), r["function"]))
    return rows[:top]
