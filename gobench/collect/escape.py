"""Escape analysis check: the compiler's verdicts against expectations kept as data.

Where it sits: a compile-time measurement. It builds ``./patterns`` with
``-gcflags=-m=2`` (no library, no benchmark), parses the compiler's
``file:line:col: message`` lines, attributes each to the Go function whose
declaration spans that line, and compares, for each expectation in
``gosrc/patterns/escape_expectations.json``, where the named variable ends
up ("heap" or "stack") with what was expected. It writes
``results/escape.json`` and prints a table.

An expectation states the truth as verified on the toolchain in use
(``expect``) and, where the seed article made a claim, what the article says
(``article``), so that a claim the compiler refutes stays visible without
making the check fail. ``main`` exits 0 when every expectation holds, 1 when
one is violated (the compiler changed, or the code did) and 2 when the check
cannot run: the build fails, go is missing or the expectations file is
malformed.

Note: the verdict comes from the compiler's messages only. A variable that
stays on the stack gets no message at all, so "no heap message" means
"stack"; the check guards against typos by requiring the variable to appear
in the function's source. Allocations the messages do not show (growslice,
interface conversions above 1 KiB) are counted by the Go tests instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from gobench.store import atomic
from gobench.build import toolchain
from gobench.errors import BuildError

from gobench.paths import GOSRC, ROOT
PACKAGE = "./patterns"
EXPECTATIONS = GOSRC / "patterns" / "escape_expectations.json"
RESULTS = ROOT / "results" / "escape.json"

HEAP, STACK = "heap", "stack"

# Message kinds and the place they imply for their subject. None: no
# verdict of its own (informational).
KIND_PLACE = {
    "moved": HEAP,  # moved to heap: x
    "escapes": HEAP,  # x escapes to heap
    "leak": HEAP,  # leaking param: x
    "noescape": STACK,  # x does not escape
    "leak_result": STACK,  # leaking param: x to result ~r0 level=0 (the caller decides)
    "leak_content": STACK,  # leaking param content: x (what x points to leaks, not x)
    "capture_value": STACK,  # F capturing by value: x (...)
    "capture_ref": None,  # F capturing by ref: x (...): heap only if also "moved to heap"
}

_LINE = re.compile(r"^(?P<file>[^:\s][^:]*\.go):(?P<line>\d+):(?P<col>\d+): (?P<msg>\S.*)$")
_PATTERNS = [
    ("moved", re.compile(r"^moved to heap: (?P<s>\S+)$")),
    ("leak_result", re.compile(r"^leaking param: (?P<s>\S+) to result \S+ level=\d+$")),
    ("leak_content", re.compile(r"^leaking param content: (?P<s>\S+)$")),
    ("leak", re.compile(r"^leaking param: (?P<s>\S+)$")),
    ("escapes", re.compile(r"^(?P<s>.+?) escapes to heap$")),
    ("noescape", re.compile(r"^(?P<s>.+?) does not escape$")),
    ("capture_value", re.compile(r"^\S+ capturing by value: (?P<s>\S+) \(.*\)$")),
    ("capture_ref", re.compile(r"^\S+ capturing by ref: (?P<s>\S+) \(.*\)$")),
]


@dataclass(frozen=True)
class Message:
    """Message is one escape-analysis verdict of the compiler, attributed to a function."""

    file: str  # relative to gosrc, e.g. "patterns/goroutine.go"
    line: int
    col: int
    kind: str  # a key of KIND_PLACE
    subject: str  # the variable or expression, e.g. "req", "func literal", "append"
    text: str  # the message as the compiler wrote it
    func: str = ""  # enclosing declaration, e.g. "GoroutineClosure", "(*PaymentMethod).AppendRouteKey"


@dataclass(frozen=True)
class Expectation:
    """Expectation says where a variable of a function should live, and why."""

    id: str
    claim: str
    file: str
    func: str
    variable: str
    expect: str  # "heap" or "stack": what the compiler does (verified)
    why: str
    article: str | None = None  # what the seed article says -m reports, if it says anything
    scenario: str | None = None
    allocs_per_op: float | None = None  # heap allocations per op at run time, asserted by the Go tests


@dataclass
class Result:
    """Result is one expectation checked against the compiler's messages."""

    expectation: Expectation
    observed: str  # "heap", "stack" or "missing" (function or variable not found)
    evidence: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.observed == self.expectation.expect

    @property
    def agrees_with_article(self) -> bool | None:
        """agrees_with_article compares the article's statement about -m output with the compiler's."""
        a = self.expectation.article
        return None if a is None else a == self.observed

    @property
    def allocates_on_stack_verdict(self) -> bool:
        """allocates_on_stack_verdict: -m says stack, yet the code allocates at run time."""
        return self.observed == STACK and bool(self.expectation.allocs_per_op)

    def as_dict(self) -> dict:
        return {**asdict(self.expectation), "observed": self.observed, "holds": self.holds,
                "agrees_with_article": self.agrees_with_article,
                "allocates_on_stack_verdict": self.allocates_on_stack_verdict, "evidence": self.evidence}


# --- parsing ----------------------------------------------------------------------------------

def parse(output: str) -> list[Message]:
    """parse returns the verdict lines of ``-gcflags=-m=2`` output, without function attribution.

    Explanation lines (indented "flow:" lines and the headers ending in ":"
    that introduce them), inlining notes and anything unrecognised are skipped.
    """
    out = []
    for raw in output.splitlines():
        m = _LINE.match(raw.rstrip())
        if not m:
            continue
        msg = m["msg"]
        if msg.endswith(":"):
            continue
        for kind, pat in _PATTERNS:
            p = pat.match(msg)
            if p:
                out.append(Message(os.path.normpath(m["file"]), int(m["line"]), int(m["col"]), kind, p["s"], msg))
                break
    return out


_FUNC = re.compile(r"^func\s*(?:\((?P<recv>[^)]*)\)\s*)?(?P<name>[A-Za-z_]\w*)")
_STRIP = re.compile(r'//.*$|"(?:\\.|[^"\\])*"|`[^`]*`|\'(?:\\.|[^\'\\])+\'')


def _receiver_type(recv: str) -> str:
    parts = recv.split()
    t = parts[-1] if parts else ""
    t = re.sub(r"\[.*\]$", "", t)  # generic receiver: drop the type parameters
    return f"({t})" if t.startswith("*") else t


def functions(source: str) -> list[tuple[str, int, int]]:
    """functions returns (name, first line, last line) of each top-level func declaration.

    Methods are named as the compiler names them: "(*T).M" or "T.M". Braces
    are counted outside comments, strings and runes; a func literal belongs
    to the declaration that contains it.
    """
    out: list[tuple[str, int, int]] = []
    cur: tuple[str, int] | None = None
    depth, opened, in_block = 0, False, False
    for no, line in enumerate(source.splitlines(), 1):
        if cur is None:
            m = _FUNC.match(line)
            if not m:
                continue
            name = m["name"]
            if m["recv"] is not None:
                name = f"{_receiver_type(m['recv'])}.{name}"
            cur, depth, opened = (name, no), 0, False
        code = line
        if in_block:
            end = code.find("*/")
            if end < 0:
                continue
            code, in_block = code[end + 2:], False
        code = _STRIP.sub("", code)
        while "/*" in code:
            start = code.index("/*")
            end = code.find("*/", start + 2)
            if end < 0:
                code, in_block = code[:start], True
                break
            code = code[:start] + code[end + 2:]
        for ch in code:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
        if opened and depth == 0:
            out.append((cur[0], cur[1], no))
            cur = None
    return out


def attribute(messages: list[Message], gosrc: Path) -> list[Message]:
    """attribute returns the messages with .func set from the Go sources under gosrc."""
    cache: dict[str, list[tuple[str, int, int]]] = {}
    out = []
    for m in messages:
        if m.file not in cache:
            try:
                cache[m.file] = functions((gosrc / m.file).read_text())
            except OSError:
                cache[m.file] = []
        func = next((name for name, lo, hi in cache[m.file] if lo <= m.line <= hi), "")
        out.append(Message(m.file, m.line, m.col, m.kind, m.subject, m.text, func))
    return out


# --- checking ---------------------------------------------------------------------------------

def load_expectations(path: Path = EXPECTATIONS) -> list[Expectation]:
    """load_expectations reads the expectation list, checking every entry's fields."""
    data = json.loads(Path(path).read_text())
    out = []
    for i, d in enumerate(data):
        try:
            e = Expectation(**d)
        except TypeError as err:
            raise ValueError(f"{path}: entry {i} ({d.get('id', '?')}): {err}") from None
        for name in ("expect", "article"):
            v = getattr(e, name)
            if v not in (HEAP, STACK) and not (name == "article" and v is None):
                raise ValueError(f"{path}: {e.id}: {name} must be \"heap\" or \"stack\", got {v!r}")
        out.append(e)
    ids = [e.id for e in out]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate ids")
    return out


def _appears(variable: str, body: str) -> bool:
    if re.fullmatch(r"\w+", variable):
        return re.search(rf"\b{re.escape(variable)}\b", body) is not None
    if variable == "func literal":
        return re.search(r"\bfunc\s*\(", body) is not None
    head = re.match(r"[\w.]+", variable)  # "new(T)", "make([]int, 0, 4)", "append", "&T{...}"
    return head is None or head.group(0) in body


def judge(messages: list[Message], exp: Expectation, gosrc: Path) -> Result:
    """judge decides where exp's variable lives from attributed messages."""
    try:
        source = (gosrc / exp.file).read_text()
    except OSError:
        return Result(exp, "missing", [f"{exp.file} not found under {gosrc}"])
    spans = [(lo, hi) for name, lo, hi in functions(source) if name == exp.func]
    if not spans:
        return Result(exp, "missing", [f"no func {exp.func} in {exp.file}"])
    lo, hi = spans[0]
    body = "\n".join(source.splitlines()[lo - 1:hi])
    if not _appears(exp.variable, body):
        return Result(exp, "missing", [f"{exp.variable!r} does not appear in {exp.func}"])
    mine = [m for m in messages if m.file == os.path.normpath(exp.file) and m.func == exp.func
            and m.subject == exp.variable]
    evidence = [f"{m.file}:{m.line}:{m.col}: {m.text}" for m in mine]
    if any(KIND_PLACE[m.kind] == HEAP for m in mine):
        return Result(exp, HEAP, evidence)
    return Result(exp, STACK, evidence or ["(no message: stays on the stack)"])


def build_output(gosrc: Path = GOSRC, tc: toolchain.Toolchain | None = None, timeout: float = 600) -> str:
    """build_output runs ``go build -gcflags=-m=2 ./patterns`` and returns its diagnostics.

    Raises BuildError (with the compiler's output) when the build fails.
    """
    tc = tc or toolchain.find()
    cmd = [tc.go, "build", "-gcflags=-m=2", PACKAGE]
    try:
        p = subprocess.run(cmd, cwd=gosrc, env=tc.env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BuildError(f"{' '.join(cmd)} timed out after {timeout:.0f} s") from e
    if p.returncode != 0:
        errors = "\n".join(l for l in (p.stdout + p.stderr).splitlines() if not _is_diagnostic(l))
        raise BuildError(f"{' '.join(cmd)} failed (exit {p.returncode}) in {gosrc}:\n{errors.strip()}")
    return p.stdout + p.stderr


_ANY_LINE = re.compile(r"^[^:\s][^:]*\.go:\d+:\d+: (?P<msg>.*)$")
_NOTES = ("inlining call", "can inline", "cannot inline", "ignoring self-assignment")


def _is_diagnostic(line: str) -> bool:
    """_is_diagnostic tells -m output (kept out of a build error's message) from real errors."""
    m = _ANY_LINE.match(line)
    if not m:
        return False
    msg = m["msg"]
    return (msg[:1].isspace() or msg.endswith(":") or any(p.match(msg) for _, p in _PATTERNS)
            or any(n in msg for n in _NOTES))


def check(gosrc: Path = GOSRC, expectations: Path = EXPECTATIONS,
          tc: toolchain.Toolchain | None = None) -> list[Result]:
    """check builds the patterns package and judges every expectation.

    Raises BuildError when the build fails, ToolchainError when go is missing
    and ValueError when the expectations file is malformed.
    """
    exps = load_expectations(expectations)
    msgs = attribute(parse(build_output(gosrc, tc)), gosrc)
    return [judge(msgs, e, gosrc) for e in exps]


# --- presenting -------------------------------------------------------------------------------

def table(results: Sequence[Result]) -> str:
    """table renders results for a person: one line per expectation, then a summary.

    "article" is what the seed article says -m reports, marked "(differs)"
    when the compiler says otherwise; "allocs/op" is what the Go tests count
    at run time, which -m does not always show.
    """
    head = ("id", "claim", "func", "variable", "expect", "observed", "article", "allocs/op", "holds")
    rows = []
    for r in results:
        e = r.expectation
        art = "-" if e.article is None else e.article + ("" if r.agrees_with_article else " (differs)")
        allocs = "-" if e.allocs_per_op is None else f"{e.allocs_per_op:g}"
        rows.append((e.id, e.claim, e.func, e.variable, e.expect, r.observed, art, allocs,
                     "yes" if r.holds else "NO"))
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [head, *rows]]
    bad = [r for r in results if not r.holds]
    differs = [r.expectation.id for r in results if r.agrees_with_article is False]
    hidden = [r.expectation.id for r in results if r.allocates_on_stack_verdict]
    lines.append("")
    lines.append(f"{len(results) - len(bad)}/{len(results)} expectations hold.")
    if differs:
        lines.append(f"The compiler's verdict differs from the article's in {len(differs)}: {', '.join(differs)}.")
    if hidden:
        lines.append(f"-m says stack but the code allocates in {len(hidden)}: {', '.join(hidden)}.")
    for r in bad:
        lines.append(f"VIOLATED {r.expectation.id}: expected {r.expectation.expect}, observed {r.observed}: "
                     + "; ".join(r.evidence))
    return "\n".join(lines) + "\n"


def write_json(results: Sequence[Result], path: Path, go_version: str = "") -> None:
    """write_json writes the results atomically (a temporary file in the same folder, then os.replace)."""
    atomic.write_json(path, {"go_version": go_version, "package": PACKAGE, "flags": "-gcflags=-m=2",
                             "all_hold": all(r.holds for r in results), "results": [r.as_dict() for r in results]})



