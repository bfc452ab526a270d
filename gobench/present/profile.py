"""Tables of `invoke profile` results for the report: allocation sites, top CPU functions, GC cycles from
gctrace, and what profiling cost.

Presentation step: every function reads scenario entries of a stored run
(each with its ``profile``, gobench/analyse/profile.py made it) and returns
rows of text; the report (gobench/present/report.py, profile_section) lays
them out with the family's icicle chart (gobench/present/charts.py).
"""

from __future__ import annotations

from gobench.present.fmt import fmt_num

KIND_NAMES = {"cpu": "CPU profile", "alloc": "allocation profile (MemProfileRate=1)", "trace": "execution trace",
              "gctrace": "GODEBUG=gctrace=1"}
SITES_HEADER = ["variant", "function", "file:line", "called from", "objects/op", "B/op"]
CPU_HEADER = ["variant", "function", "flat", "cum"]
GC_HEADER = ["variant", "GC cycles (forced)", "mark wall ms mean / max", "mark CPU ms mean", "STW ms max",
             "heap goal MB"]
MIN_OBJECTS = 0.005  # objects/op below this are the harness's or the runtime's own, not the scenario's


def _variant(b: dict) -> str:
    return str(b.get("variant") or b["name"].split("/", 1)[-1]) + (
        "" if b.get("build", "default") == "default" else f" [{b['build']}]")


def site_rows(bs: list[dict], top: int = 6) -> list[list[str]]:
    """site_rows lists each variant's top allocation sites, then its total beside the runtime's counter,
    and the tiny objects the heap profile cannot see (when there are any)."""
    rows = []
    for b in bs:
        prof = b.get("profile") or {}
        tot = prof.get("alloc_totals")
        if not tot:
            continue
        v = _variant(b)
        sites = [s for s in prof.get("alloc_sites") or [] if s["objects_per_op"] >= MIN_OBJECTS][:top]
        for s in sites:
            rows.append([v, s["function"] + (f" (via {s['via']})" if s.get("via") else ""), s["site"],
                         s.get("caller") or "", fmt_num(s["objects_per_op"]), fmt_num(s["bytes_per_op"])])
        uns = tot.get("unsampled_objects_per_op") or 0.0
        if uns >= MIN_OBJECTS:
            rows.append([v, "counted by the runtime, at no site: tiny objects packed into a started 16-byte block, "
                            "or the runtime's own allocations",
                         ", ".join(tot.get("tiny_block_sites") or []) or "-", "", fmt_num(uns), "-"])
        rows.append([v, "**total** (runtime counter: " + fmt_num(tot.get("runtime_allocs_per_op")) + " allocs/op, "
                     + fmt_num(tot.get("runtime_bytes_per_op")) + " B/op)", "", "",
                     fmt_num(tot["profile_objects_per_op"] + max(uns, 0.0)), fmt_num(tot["profile_bytes_per_op"])])
    return rows


def cpu_rows(bs: list[dict], top: int = 5) -> list[list[str]]:
    """cpu_rows lists each variant's functions with the most CPU samples (flat), with their cumulative share."""
    return [[_variant(b), r["function"], f"{r['flat_share'] * 100:.1f}%", f"{r['cum_share'] * 100:.1f}%"]
            for b in bs for r in ((b.get("profile") or {}).get("cpu_top") or [])[:top]]


def gc_rows(bs: list[dict]) -> list[list[str]]:
    """gc_rows summarises each variant's GC cycles from its gctrace lines."""
    rows = []
    for b in bs:
        g = ((b.get("profile") or {}).get("gctrace") or {}).get("summary")
        if not g:
            continue
        a = g["all"]
        if not a["cycles"]:
            rows.append([_variant(b), "0", "-", "-", "-", "-"])
            continue
        rows.append([_variant(b), f"{a['cycles']} ({g['forced']})",
                     f"{fmt_num(a['mark_wall_ms_mean'])} / {fmt_num(a['mark_wall_ms_max'])}",
                     fmt_num(a["mark_cpu_ms_mean"]), fmt_num(a["stw_ms_max"]),
                     f"{a['heap_goal_mb_min']}" + (f"-{a['heap_goal_mb_max']}"
                                                    if a["heap_goal_mb_max"] != a["heap_goal_mb_min"] else "")])
    return rows


def overhead_header(bs: list[dict]) -> list[str]:
    kinds = [k for k in KIND_NAMES if any(k in ((b.get("profile") or {}).get("overhead") or {}) for b in bs)]
    return ["variant"] + kinds


def overhead_rows(bs: list[dict]) -> list[list[str]]:
    """overhead_rows is each variant's ns/op with each profiler over ns/op without it (median over blocks,
    min-max in brackets)."""
    kinds = overhead_header(bs)[1:]
    rows = []
    for b in bs:
        ov = (b.get("profile") or {}).get("overhead") or {}
        if not ov:
            continue
        cells = []
        for k in kinds:
            o = ov.get(k) or {}
            cells.append(f"x{o['ratio']:.2f} ({o['min']:.2f}-{o['max']:.2f})" if o.get("ratio") else "-")
        rows.append([_variant(b)] + cells)
    return rows
