"""What changed since the previous review, per claim (analysis step).

A review's report keeps each claim's verdict kind and deciding number
(store/verdicts.py); the next review compares its own with them. The
deciding number is the first number of the verdict's deciding phrase
(Verdict.decider: "mmap/write() 0.336x (95% CI ...)" gives 0.336 as a
ratio). Two numbers are compared only when they sit in phrases of the
same shape (the same templates down to the number), so a decider that is
now measured another way is said to be, not set against the old one.
"""

from __future__ import annotations

import string

from gobench.analyse.claims import SHORT, Phrase, Text, Verdict, say

_PARSER = string.Formatter()
SAME = 0.02  # deciding numbers within 2% of each other are "about the same": rounding, not a change


def deciding_number(t: Text) -> tuple[float, str, list[str]] | None:
    """deciding_number is (value, format spec, shape) of the first number in a phrase, in reading order, or None.
    The shape is the templates from the outer phrase down to the one holding the number."""
    if not isinstance(t, Phrase):
        return None
    for _, field, spec, _ in _PARSER.parse(t.template):
        if field is None:
            continue
        v = t.values.get(field)
        if isinstance(v, Phrase):
            inner = deciding_number(v)
            if inner:
                return inner[0], inner[1], [t.template] + inner[2]
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and (spec or "").split(" ")[0] in ("num", "ratio"):
            return float(v), spec, [t.template]
    return None


def entry(v: Verdict) -> dict:
    """entry is what a review keeps of a verdict for the next one: its kind and deciding number."""
    n = deciding_number(v.decider)
    return {"kind": v.kind, "number": n[0] if n else None, "spec": n[1] if n else None,
            "shape": n[2] if n else None}


def change(before: dict | None, v: Verdict, previous_run: str) -> Text:
    """change says how a claim's verdict and deciding number moved since the previous review (previous_run)."""
    if before is None:
        return say("not in the previous review (run {run})", run=previous_run)
    now = entry(v)
    kind = (say("verdict unchanged ({k})", k=SHORT.get(v.kind, v.kind)) if before.get("kind") == v.kind else
            say("verdict changed from {b} to {n}", b=SHORT.get(before.get("kind"), str(before.get("kind"))),
                n=SHORT.get(v.kind, v.kind)))
    b, n = before.get("number"), now["number"]
    if b is None and n is None:
        number: Text = "no deciding number then or now"
    elif b is None or n is None:
        number = "a deciding number now" if b is None else "no deciding number now (there was one)"
    elif before.get("shape") != now["shape"] or before.get("spec") != now["spec"]:
        number = "the deciding number is now a different measure"
    else:
        spec = now["spec"]
        rel = (n - b) / abs(b) if b else (0.0 if n == b else None)
        moved = ("about the same" if rel is not None and abs(rel) <= SAME else
                 say("{pct:num}% {way}", pct=abs(rel) * 100, way="higher" if rel > 0 else "lower") if rel is not None
                 else "from zero")
        number = Phrase("deciding number {b:" + spec + "} -> {n:" + spec + "} ({moved})",
                        {"b": b, "n": n, "moved": moved})
    return say("{kind}; {number} (previous review: run {run})", kind=kind, number=number, run=previous_run)


def attach(verdicts: list[Verdict], previous: dict | None) -> None:
    """attach sets each verdict's ``change`` from the previous review's stored verdicts (nothing when there is
    no previous review)."""
    if not previous:
        return
    kept = previous.get("claims") or {}
    for v in verdicts:
        v.change = change(kept.get(v.id), v, str(previous.get("run_id")))
