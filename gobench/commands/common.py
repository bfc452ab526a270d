"""Helpers shared by commands: parameter parsing and the after-run step (escape check, report)."""

from __future__ import annotations

import io
from typing import IO

from gobench.commands import escape
from gobench.errors import StoreError
from gobench.present import report

INTERRUPTED = 130  # every task's exit code after Ctrl-C (128 + SIGINT, as a shell reports it)


def parse_params(items: list[str] | None) -> dict[str, dict]:
    """parse_params turns ["Snapshot/write:records=1024", ...] into {"Snapshot/write": {"records": 1024}}."""
    out: dict[str, dict] = {}
    for item in items or []:
        try:
            name, kv = item.split(":", 1)
            k, v = kv.split("=", 1)
            out.setdefault(name, {})[k] = int(v)
        except ValueError:
            raise ValueError(f"--param {item!r}: expected Family/Variant:name=integer, e.g. Snapshot/write:records=4096") \
                from None
    return out


def after_run(folder, out: IO[str], err: IO[str], with_runs: list[str] | None = None,
              escape_check: bool = False) -> None:
    """after_run refreshes the escape-analysis check and writes the run's report.

    Both are derived from stored data; a failure here is a warning, since the
    run itself is already stored and can be reported later with `invoke report`.
    """
    root = folder.parent.parent
    if escape_check:
        buf = io.StringIO()
        if escape.main(["--out", str(root / "escape.json")], buf) == 2:
            print(f"gobench: warning: escape analysis could not run:\n{buf.getvalue()}", file=err)
    try:
        md = report.write_report(folder, root, with_runs)
        out.write(f"report: {md} (and {md.with_suffix('.html').name}); charts in {folder / 'charts'}\n")
    # the run is stored already: a record the report cannot read (StoreError), a full disk (OSError) or data
    # matplotlib cannot draw (ValueError, RuntimeError) must not turn a measurement into a failure; a bug raises
    except (StoreError, OSError, ValueError, RuntimeError) as e:
        print(f"gobench: warning: the report could not be written ({type(e).__name__}: {e}); "
              f"retry with `invoke report --run {folder.name}`", file=err)
