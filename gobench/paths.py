"""Where gobench's own files are: the checkout root, the Go sources and the results folder.

This module sits below every pipeline stage and imports nothing from gobench.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOSRC = ROOT / "gosrc"
RESULTS = ROOT / "results"
