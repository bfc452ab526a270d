"""Text tables of a run for the terminal and for Markdown; numbers in the cells are formatted by present.fmt."""

from __future__ import annotations

from gobench.metrics import HEADLINE, METRICS
from gobench.present.fmt import ci_text, fmt_num
from gobench.records import FFI_NAME

# CI_METRIC is the column shown with its 95% CI; the other headline metrics show the median.
CI_METRIC = "ns_per_op"
# (header, metric) of the run table: the scenario, the headline metrics of gobench.metrics, the FFI share
COLUMNS = ([("scenario", None)]
           + [(METRICS[m].unit + (" (95% CI)" if m == CI_METRIC else ""), m) for m in HEADLINE]
           + [("FFI share", "ffi_share")])


def table_rows(run: dict) -> list[list[str]]:
    """table_rows are the run table's rows, one per benchmark (a failed one shows its error)."""
    rows = []
    for b in run["benchmarks"]:
        s = b.get("summary") or {}
        name = (b["name"] + ("" if b.get("build", "default") == "default" else f" [{b['build']}]")
                + (f" {b['go']}" if b.get("go") else ""))
        if b.get("status") != "ok" and not s.get("ns_per_op"):
            rows.append([name, f"{b.get('status', '?').upper()}: {(b.get('error') or '').splitlines()[0][:60]}"]
                        + [""] * (len(COLUMNS) - 2))
            continue
        row = [name]
        for _, key in COLUMNS[1:]:
            m = s.get(key)
            if key == CI_METRIC:
                row.append(ci_text(m))
            elif key == "ffi_share":
                row.append("-" if not m or m.get("median") is None else f"{m['median'] * 100:.4f}%")
            elif b["name"] == FFI_NAME:
                row.append("-")
            else:
                row.append(fmt_num(m.get("median") if m else None))
        if b.get("status") != "ok":
            row[0] += f" ({b['status']})"
        rows.append(row)
    return rows


def render(rows: list[list[str]], header: list[str], markdown: bool = False) -> str:
    """render lays out rows as an aligned text table or a Markdown table."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]) + "\n"


def micro_table(run: dict, markdown: bool = False) -> str:
    """micro_table is the end-of-run table: scenario, ns/op with CI, allocs/op, B/op, GCs per 1k ops, FFI share."""
    return render(table_rows(run), [c for c, _ in COLUMNS], markdown)


def notes(run: dict) -> str:
    """notes are the lines under the table: FFI cost, errors with their detail."""
    out = []
    for ffi in (b for b in run["benchmarks"] if b["name"] == FFI_NAME):  # one per Go version in a run across them
        if not ffi.get("summary", {}).get("ns_per_op"):
            continue
        s = ffi["summary"]
        c = s.get("c_loop_ns_per_call", {}).get("median")
        out.append(f"FFI crossing (cffi API mode, no-op export{', ' + ffi['go'] if ffi.get('go') else ''}): "
                   f"{fmt_num(s['ns_per_op']['median'])} ns per call "
                   f"from Python, {fmt_num(c)} ns from a C loop; each round crosses once, "
                   f"its share of a round is the FFI share column.")
    snap = snapshot_table(run)
    if snap:
        out.append("\nSnapshot persistence (MB/s against memcpy, the physical bound; MS_ASYNC is never counted "
                   "as durable):\n" + snap.rstrip())
    for b in run["benchmarks"]:
        if b.get("status") not in ("ok", None):
            out.append(f"{b['name']}: {b['status']}: {b.get('error') or ''}".rstrip())
    return "\n".join(out) + ("\n" if out else "")


def _median(b: dict, metric: str):
    m = (b.get("summary") or {}).get(metric) or {}
    return m.get("median")


def snapshot_table(run: dict) -> str:
    """snapshot_table lists MB/s, the ratio to memcpy, page faults and durability of Snapshot* scenarios."""
    rows = []
    by = {b["name"]: b for b in run["benchmarks"]}
    memcpy = _median(by.get("Snapshot/memcpy", {}), "mb_per_s")
    for b in run["benchmarks"]:
        mbps = _median(b, "mb_per_s")
        if not b["name"].startswith("Snapshot") or mbps is None:
            continue
        ratio = "-" if not memcpy or not b["name"].startswith("Snapshot/") else f"{mbps / memcpy:.3f}"
        durable = _median(b, "durable")
        rows.append([b["name"], fmt_num(mbps), ratio, fmt_num(_median(b, "minflt_per_op")),
                     fmt_num(_median(b, "majflt_per_op")), "-" if durable is None else ("yes" if durable else "no")])
    if not rows:
        return ""
    return render(rows, ["scenario", "MB/s", "/ memcpy", "minor faults/op", "major faults/op", "durable"])
