"""The Go benchmark data format (golang/proposal design/14313-benchmark-format.md).

``write`` produces what benchstat reads: ``key: value`` configuration lines,
then one result line per round, ``BenchmarkName-P  N  value unit ...``.
``parse`` reads the same format, including `go test -bench` output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, Iterable

_CONFIG = re.compile(r"^([a-z][^\s:]*):\s*(.*)$")
_RESULT = re.compile(r"^(Benchmark\S+)\s+(\d+)\s+(.*)$")


@dataclass
class Result:
    """Result is one result line: full name, iterations and value/unit pairs."""

    name: str  # as written, e.g. "BenchmarkOrderItem/new-2"
    iters: int
    values: dict[str, float]
    config: dict[str, str] = field(default_factory=dict)

    @property
    def base_name(self) -> str:
        """base_name is the name without "Benchmark" and the -P suffix: "OrderItem/new"."""
        n = self.name[len("Benchmark"):]
        return re.sub(r"-\d+$", "", n)

    @property
    def procs(self) -> int:
        m = re.search(r"-(\d+)$", self.name)
        return int(m.group(1)) if m else 1


def bench_name(name: str, procs: int, params: dict | None = None) -> str:
    """bench_name renders "OrderItem/new" as "BenchmarkOrderItem/new-2" (-P omitted when 1)."""
    parts = [f"Benchmark{name}"] + [f"{k}={v}" for k, v in sorted((params or {}).items())]
    full = "/".join(parts)
    return full if procs == 1 else f"{full}-{procs}"


def _fmt(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}" if abs(v) >= 1e-3 else f"{v:.6e}"


def unit_name(metric: str) -> str:
    """unit_name turns a metric name into a whitespace-free unit."""
    return re.sub(r"\s+", "_", metric)


def write(out: IO[str], config: dict[str, str], results: Iterable[tuple[str, int, list[tuple[float, str]]]],
          units: dict[str, str] | None = None, comments: Iterable[str] = ()) -> None:
    """write writes comment lines, config lines, optional Unit metadata lines and result lines.

    A comment line starts with "# ": benchstat ignores every line that is
    neither a result, a Unit line nor ``key: value`` with a lower-case key
    (golang.org/x/perf benchfmt.Reader.Scan), so comments carry what
    identifies one run (its id, its commit) without becoming configuration
    that would keep benchstat from comparing two runs.
    """
    for c in comments:
        out.write(f"# {c}\n")
    for k, v in config.items():
        out.write(f"{k}: {v}\n")
    for unit, meta in (units or {}).items():
        out.write(f"Unit {unit} {meta}\n")
    for name, iters, pairs in results:
        cols = "  ".join(f"{_fmt(v)} {u}" for v, u in pairs)
        out.write(f"{name}  {iters}  {cols}\n")


def parse(lines: Iterable[str]) -> list[Result]:
    """parse reads benchmark-format text; config lines apply to the results after them."""
    config: dict[str, str] = {}
    out: list[Result] = []
    for line in lines:
        line = line.rstrip("\n")
        m = _RESULT.match(line)
        if m:
            fields = m.group(3).split()
            values = {}
            for i in range(0, len(fields) - 1, 2):
                try:
                    values[fields[i + 1]] = float(fields[i])
                except ValueError:
                    break
            out.append(Result(m.group(1), int(m.group(2)), values, dict(config)))
            continue
        m = _CONFIG.match(line)
        if m and not line.startswith(("ok ", "PASS", "FAIL")):
            config[m.group(1)] = m.group(2).strip()
    return out
