"""The escape-analysis check: its parser on fixed compiler output, and the real build's verdicts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gobench.collect import escape
from gobench.commands import escape as escape_cmd

TESTDATA = Path(__file__).parent / "testdata" / "escape"

# A Go file and what `go build -gcflags=-m=2` says about it (go1.27.3, trimmed
# by hand but with every kind of line kept: explanation headers, flow lines,
# inlining notes, a message outside any function, paths with "./").
SAMPLE_GO = '''package p

import "strings"

type T struct{ s string }

// "func NotAFunc() {" in a comment must not confuse the brace counter.
func Closure(n int) {
	req := T{s: "}"} // a brace in a string
	go func() { _ = req }()
}

func (t *T) Method(dst []byte) []byte {
	/* a block comment with { */
	return append(dst, t.s...)
}

func (t T) Value() int { return len(t.s) }

func Generic[K comparable](k K) *K {
	x := k
	return &x
}

var global = strings.Repeat("x", 3)
'''

SAMPLE_OUT = """# example.com/p
p/p.go:8:6: can inline Closure
p/p.go:10:5: inlining call to strings.Repeat
p/p.go:9:2: req escapes to heap in Closure:
p/p.go:9:2:   flow: {storage for func literal} = &req:
p/p.go:9:2:     from req (captured by a closure) at p/p.go:10:18
p/p.go:9:2: Closure capturing by value: req (addr=false assign=false width=16)
p/p.go:10:5: func literal escapes to heap
p/p.go:13:7: t does not escape
p/p.go:13:20: leaking param: dst to result ~r0 level=0
p/p.go:15:15: append escapes to heap
p/p.go:18:7: leaking param content: t
./p/p.go:20:28: leaking param: k
p/p.go:21:2: moved to heap: x
p/p.go:25:28: ... argument does not escape
p/p.go:14:3: (*T).Method ignoring self-assignment in t.s = t.s
"""

WANT = [  # (line, kind, subject, func)
    (9, "capture_value", "req", "Closure"),
    (10, "escapes", "func literal", "Closure"),
    (13, "noescape", "t", "(*T).Method"),
    (13, "leak_result", "dst", "(*T).Method"),
    (15, "escapes", "append", "(*T).Method"),
    (18, "leak_content", "t", "T.Value"),
    (20, "leak", "k", "Generic"),
    (21, "moved", "x", "Generic"),
    (25, "noescape", "... argument", ""),
]


@pytest.fixture
def sample_src(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "p.go").write_text(SAMPLE_GO)
    return tmp_path


def test_parse_and_attribute_sample(sample_src):
    msgs = escape.attribute(escape.parse(SAMPLE_OUT), sample_src)
    got = [(m.line, m.kind, m.subject, m.func) for m in msgs]
    assert got == WANT
    assert {m.file for m in msgs} == {"p/p.go"}


def test_functions_spans():
    spans = {name: (lo, hi) for name, lo, hi in escape.functions(SAMPLE_GO)}
    assert spans == {"Closure": (8, 11), "(*T).Method": (13, 16), "T.Value": (18, 18), "Generic": (20, 23)}


def _exp(**kw):
    base = dict(id="x", claim="C0", file="p/p.go", func="Closure", variable="req", expect="stack", why="test")
    return escape.Expectation(**{**base, **kw})


@pytest.mark.parametrize("kw, observed", [
    (dict(variable="req"), "stack"),  # captured by value: no heap message
    (dict(variable="func literal", expect="heap"), "heap"),
    (dict(func="Generic", variable="x", expect="heap"), "heap"),
    (dict(func="Generic", variable="k", expect="heap"), "heap"),  # leaking param
    (dict(func="(*T).Method", variable="dst"), "stack"),  # leaks to result only
    (dict(func="T.Value", variable="t"), "stack"),  # leaking param content
    (dict(func="Generic", variable="nosuchvar"), "missing"),
    (dict(func="NoSuchFunc"), "missing"),
])
def test_judge(sample_src, kw, observed):
    msgs = escape.attribute(escape.parse(SAMPLE_OUT), sample_src)
    r = escape.judge(msgs, _exp(**kw), sample_src)
    assert r.observed == observed, r.evidence
    assert r.holds == (observed == _exp(**kw).expect)


def test_table_golden():
    """The table a person reads, from fixed results; on mismatch the output is written next to the golden."""
    results = [
        escape.Result(_exp(id="C12-closure-read", claim="C12", article="heap"), "stack", ["no message"]),
        escape.Result(_exp(id="C13-append-local", claim="C13", func="Append", variable="append", article="heap",
                           allocs_per_op=1), "stack", []),
        escape.Result(_exp(id="C13-return-addr", claim="C13", func="Ret", variable="it", expect="heap",
                           article="heap", allocs_per_op=1), "heap", ["p.go:3:2: moved to heap: it"]),
        escape.Result(_exp(id="broken", expect="heap"), "stack", ["(no message: stays on the stack)"]),
    ]
    got = escape.table(results)
    golden = TESTDATA / "table.golden"
    if got != golden.read_text():
        golden.with_suffix(".got").write_text(got)
        pytest.fail(f"table differs from {golden}; wrote {golden.with_suffix('.got')}")


def test_expectations_file_is_well_formed():
    exps = escape.load_expectations()
    ids = {e.id for e in exps}
    for must in ("C12-closure-read", "C12-param", "C11-interface-box", "C11-concrete", "C13-return-addr",
                 "C13-large-interface", "C13-append-returned"):
        assert must in ids
    assert all(e.why and e.claim.startswith("C") for e in exps)


def test_bad_expectations_file(tmp_path):
    bad = tmp_path / "e.json"
    bad.write_text(json.dumps([{"id": "a", "claim": "C1", "file": "f.go", "func": "F", "variable": "x",
                                "expect": "heap?", "why": "."}]))
    with pytest.raises(ValueError, match='expect must be "heap" or "stack"'):
        escape.load_expectations(bad)


# --- the real compiler -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_results():
    return {r.expectation.id: r for r in escape.check()}


def test_every_expectation_holds(real_results):
    bad = {k: (r.observed, r.evidence) for k, r in real_results.items() if not r.holds}
    assert not bad


@pytest.mark.parametrize("eid, place", [
    ("C12-closure-write", "heap"),  # captured by reference: moved to heap
    ("C12-closure-read", "stack"),  # captured by value: the article's example does not move
    ("C12-param", "stack"),
    ("C11-interface-box", "heap"),
    ("C11-concrete", "stack"),
    ("C13-return-addr", "heap"),
    ("C13-large-interface", "heap"),
    ("C13-append-returned", "heap"),
])
def test_key_verdicts(real_results, eid, place):
    r = real_results[eid]
    assert r.observed == place, r.evidence
    assert r.evidence  # every verdict says where it came from


def test_main_writes_json_atomically(tmp_path):
    out = tmp_path / "sub" / "escape.json"
    buf = io.StringIO()
    assert escape_cmd.main(["--out", str(out)], buf) == 0
    doc = json.loads(out.read_text())
    assert doc["all_hold"] is True and doc["go_version"].startswith("go1.27")
    assert {r["id"] for r in doc["results"]} == {e.id for e in escape.load_expectations()}
    assert [p.name for p in out.parent.iterdir()] == ["escape.json"]  # no temporary left behind
    assert "expectations hold" in buf.getvalue()


def test_main_exit_1_on_violation(tmp_path):
    data = json.loads(escape.EXPECTATIONS.read_text())
    for d in data:
        if d["id"] == "C12-closure-read":
            d["expect"] = "heap"  # what the article claims; the compiler disagrees
    exp = tmp_path / "e.json"
    exp.write_text(json.dumps(data))
    buf = io.StringIO()
    assert escape_cmd.main(["--out", str(tmp_path / "r.json"), "--expectations", str(exp)], buf) == 1
    assert "VIOLATED C12-closure-read: expected heap, observed stack" in buf.getvalue()
    assert json.loads((tmp_path / "r.json").read_text())["all_hold"] is False


def test_main_exit_2_when_build_fails(tmp_path):
    (tmp_path / "go.mod").write_text("module broken\n\ngo 1.27\n")
    (tmp_path / "patterns").mkdir()
    (tmp_path / "patterns" / "p.go").write_text("package patterns\n\nfunc F() { return 1 }\n")
    buf = io.StringIO()
    rc = escape_cmd.main(["--out", str(tmp_path / "r.json"), "--gosrc", str(tmp_path)], buf)
    assert rc == 2
    assert "build failed" in buf.getvalue() and "too many return values" in buf.getvalue()
    assert not (tmp_path / "r.json").exists()
