"""A small JSON Schema checker for the subset gobench's own schemas use.

present.report runs it on a run record before drawing anything (so `invoke
report` and the report written after every run both do), and a foreign or
damaged run.json gets a one-line reason instead of a KeyError deep inside a
chart. store.load_run does not run it: it checks the schema id and the
top-level fields only.

Note: the `jsonschema` package was considered and not made a dependency: it
is not needed for anything else and this subset (type, const, enum, required,
properties, additionalProperties, items, prefixItems, minimum,
exclusiveMinimum, pattern, anyOf, local $ref) is about sixty lines. The
tests check, when jsonschema happens to be installed, that both agree and
that the schema is valid draft 2020-12. Do not use this for schemas using
other keywords: unknown keywords are ignored, not enforced.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
    or isinstance(v, float) and v.is_integer(),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@lru_cache(maxsize=None)
def load_schema(name: str = "run.schema.json") -> dict:
    """load_schema reads one of the schemas shipped in gobench/store/schemas/."""
    return json.loads((SCHEMA_DIR / name).read_text())


def errors(doc, schema: dict | None = None, limit: int = 20) -> list[str]:
    """errors lists up to `limit` violations of schema (default: the run schema) as "path: reason"."""
    schema = schema or load_schema()
    out: list[str] = []
    _check(doc, schema, schema, "$", out, limit)
    return out[:limit]


def _resolve(ref: str, root: dict) -> dict:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, got {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _type_fits(v, s: dict) -> bool:
    types = s.get("type")
    if types is None:
        return True
    return any(_TYPES[t](v) for t in (types if isinstance(types, list) else [types]))


def _check(v, s: dict, root: dict, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if "$ref" in s:
        _check(v, _resolve(s["$ref"], root), root, path, out, limit)
    if "anyOf" in s:
        subs = [{**sub, "$defs": root.get("$defs", {})} for sub in s["anyOf"]]
        if any(not errors(v, sub, 1) for sub in subs):
            return
        # say why the form whose type fits was rejected, rather than only "none matched"
        fitting = [sub for sub in subs if _type_fits(v, _resolve(sub["$ref"], sub) if "$ref" in sub else sub)]
        if len(fitting) == 1:
            _check(v, fitting[0], fitting[0], path, out, limit)
        else:
            out.append(f"{path}: matches none of the allowed forms")
        return
    if "const" in s and v != s["const"]:
        out.append(f"{path}: must be {s['const']!r}, got {v!r}")
        return
    if "enum" in s and v not in s["enum"]:
        out.append(f"{path}: must be one of {s['enum']!r}, got {v!r}")
        return
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(_TYPES[t](v) for t in types):
            out.append(f"{path}: expected {' or '.join(types)}, got {type(v).__name__}")
            return
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            out.append(f"{path}: {v} is below the minimum {s['minimum']}")
        if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
            out.append(f"{path}: {v} must be above {s['exclusiveMinimum']}")
    if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
        out.append(f"{path}: {v!r} does not match {s['pattern']!r}")
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                out.append(f"{path}: missing field {k!r}")
        props = s.get("properties", {})
        extra = s.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                _check(x, props[k], root, f"{path}.{k}", out, limit)
            elif extra is False:
                out.append(f"{path}: unexpected field {k!r}")
            elif isinstance(extra, dict):
                _check(x, extra, root, f"{path}.{k}", out, limit)
    if isinstance(v, list):
        prefix = s.get("prefixItems", [])
        for i, x in enumerate(v):
            sub = prefix[i] if i < len(prefix) else s.get("items")
            if isinstance(sub, dict):
                _check(x, sub, root, f"{path}[{i}]", out, limit)
