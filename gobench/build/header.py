"""Reading gobench.h, the C contract: cffi declarations and prototypes.

The cffi cdef is derived from the header the project owns, never hand-copied,
and ``prototypes`` lets a test compare it with the header cgo generates.
"""

from __future__ import annotations

import re
from pathlib import Path

from gobench.paths import GOSRC

HEADER = GOSRC / "cmd" / "libgobench" / "gobench.h"

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_PROTO = re.compile(r"^\s*(?:extern\s+)?([A-Za-z_][\w\s\*]*?[\s\*])(gb_\w+)\s*\(([^)]*)\)\s*;", re.M)


def strip_comments(text: str) -> str:
    """strip_comments removes C comments."""
    return _COMMENT.sub("", text)


def cdef(path: Path = HEADER) -> str:
    """cdef returns the header without comments and preprocessor lines, as cffi wants it."""
    lines = [ln for ln in strip_comments(path.read_text()).splitlines() if not ln.lstrip().startswith("#")]
    return "\n".join(lines)


def _norm_type(t: str) -> str:
    t = re.sub(r"\bconst\b", "", t)
    t = re.sub(r"\s*\*\s*", "*", t)
    return " ".join(t.split())


def _param_type(p: str) -> str:
    p = p.strip()
    if p in ("", "void"):
        return ""
    m = re.match(r"^(.*?)([A-Za-z_]\w*)$", p)  # drop the parameter name
    return _norm_type(m.group(1) if m and m.group(1).strip() else p)


def prototypes(text: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """prototypes maps each gb_* function in a header to (return type, parameter types)."""
    out = {}
    for ret, name, params in _PROTO.findall(strip_comments(text)):
        types = tuple(t for t in (_param_type(p) for p in params.split(",")) if t)
        out[name] = (_norm_type(ret), types)
    return out
