"""The claims table for people: analyse.claims decides and keeps its numbers as numbers, this renders them.

A Verdict's measured text, verdict text and notes are Phrases (templates
whose fields name the kind of number they hold); ``text`` fills them in
with present.fmt's ``num`` and ``ratio_text``. The report's claims table
and ``invoke report``'s summary both come from here.
"""

from __future__ import annotations

import string

from gobench.analyse import changes
from gobench.analyse.claims import Phrase, Verdict
from gobench.present.fmt import num, ratio_text

HEADER = ["claim", "claimed", "verdict", "deciding number (CI)"]
# SHORT_TITLE is a verdict kind in a claim section's heading
SHORT_TITLE = {"cannot_be_true": "cannot be true as stated", "not_measurable": "not measurable here"}


class _Filler(string.Formatter):
    """_Filler formats a Phrase's fields by the kind of number their spec names."""

    def format_field(self, value, spec: str) -> str:
        spec = spec.strip()
        if isinstance(value, Phrase):
            return text(value)
        if spec == "num":
            return num(value)
        if spec.startswith("num "):
            return num(value, spec[4:])
        if spec == "ratio":
            return ratio_text(value)
        if spec == "p":
            return f"{value:.2g}"
        if spec:
            raise ValueError(f"a verdict phrase asks for format {spec!r}; known: num, num UNIT, ratio, p")
        return str(value)


_FILLER = _Filler()


def text(t: Phrase | str) -> str:
    """text renders a Phrase (a plain str is already text)."""
    if isinstance(t, str):
        return t
    return _FILLER.vformat(t.template, (), t.values)


def table_rows(verdicts: list[Verdict]) -> list[list[str]]:
    """table_rows are the claims table's short rows: id, claimed, the verdict's kind, the deciding number with its
    CI. The full verdict, the measurements and the notes go to a section per claim (details)."""
    return [[v.id, v.claimed, v.short, text(v.decider) or "-"] for v in verdicts]


def details(v: Verdict) -> list[tuple[str, str]]:
    """details are a claim's (label, text) lines for its own section: technique, claimed, measured, verdict."""
    return [("technique", (f"(as {v.same_as}) " if v.same_as else "") + v.technique), ("claimed", v.claimed),
            ("measured", text(v.measured)), ("verdict", text(v.verdict))] \
        + ([("since the previous review", text(v.change))] if v.change else [])


def kept(verdicts: list[Verdict]) -> dict[str, dict]:
    """kept is what a review stores of its verdicts for the next one (store.verdicts): per claim its kind and
    deciding number (analyse.changes.entry) and the deciding phrase as the report printed it."""
    return {v.id: {**changes.entry(v), "decider": text(v.decider)} for v in verdicts}


def notes(verdicts: list[Verdict]) -> list[str]:
    """notes are every verdict's notes, each prefixed with its claim's id."""
    return [f"{v.id}: {text(n)}" for v in verdicts for n in v.notes]
