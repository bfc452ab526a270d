"""`invoke escape`: the compiler's escape analysis against the expectations kept as data."""

from __future__ import annotations

import sys
from typing import IO

import argparse
from pathlib import Path
from typing import Sequence

from gobench.build import toolchain
from gobench.collect.escape import EXPECTATIONS, GOSRC, RESULTS, check, table, write_json
from gobench.errors import BuildError, ToolchainError


def main(argv: Sequence[str] | None = None, stdout: IO[str] | None = None) -> int:
    """main checks the expectations, prints the table and writes the JSON; returns the exit status."""
    stdout = stdout or sys.stdout
    ap = argparse.ArgumentParser(prog="gobench-escape", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS, help="JSON results file (default: %(default)s)")
    ap.add_argument("--expectations", type=Path, default=EXPECTATIONS, help="expectations file")
    ap.add_argument("--gosrc", type=Path, default=GOSRC, help="Go module root to build in")
    args = ap.parse_args(argv)
    try:
        tc = toolchain.find()
        results = check(args.gosrc, args.expectations, tc)
    except (BuildError, ToolchainError) as e:
        print(f"escape: build failed: {e}", file=stdout)
        return 2
    except (OSError, ValueError) as e:
        print(f"escape: cannot check: {e}", file=stdout)
        return 2
    stdout.write(table(results))
    write_json(results, args.out, tc.version)
    return 0 if all(r.holds for r in results) else 1
