"""Stored verdicts of a review (store stage): each claim's verdict and deciding number as a review's report
gave them, kept in the report's run folder (verdicts.json) so that the next review can say what changed.

Only a review's report (one that joins other runs: `invoke review`, or `invoke report --with`) writes one.
The previous review of a run is the newest other run folder, older than it by run id (ids begin with the
time), that holds one.
"""

from __future__ import annotations

from pathlib import Path

from gobench.errors import StoreError
from gobench.store import atomic
from gobench.store.runs import read_doc

VERDICTS = "verdicts.json"
SCHEMA = "gobench.verdicts/1"


def write(run_dir: Path, run_id: str, claims: dict[str, dict]) -> Path:
    """write stores a review's verdicts (claim id -> what analyse.changes.entry keeps) in run_dir, atomically."""
    path = Path(run_dir) / VERDICTS
    atomic.write_json(path, {"schema": SCHEMA, "run_id": run_id, "claims": claims})
    return path


def previous(run_dir: Path) -> dict | None:
    """previous is the verdicts of the review before run_dir's (see the module doc), None when there is none.
    A damaged file is skipped (the one before it is used): it must not stop a report."""
    run_dir = Path(run_dir)
    older = sorted((p for p in run_dir.parent.iterdir() if p.is_dir() and not p.name.startswith(".")
                    and p.name < run_dir.name and (p / VERDICTS).is_file()), reverse=True)
    for p in older:
        try:
            return read_doc(p / VERDICTS, SCHEMA, "verdicts file", ("run_id", "claims"))
        except StoreError:
            continue
    return None
