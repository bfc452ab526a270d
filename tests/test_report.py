"""REPORT.md / REPORT.html (present/report.py) and `invoke report` (commands/report.py): content, golden file,
bad input."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
import synthetic_runs as syn

from gobench.commands import report as report_cmd
from gobench.present import report
from gobench.store import schema as schemacheck
from gobench.store import runs as store

TESTDATA = Path(__file__).parent / "testdata"
GOLDEN = TESTDATA / "report_synthetic.md"


def stored(tmp_path: Path, run: dict | None = None) -> Path:
    return store.write_run(run or syn.make_run(), tmp_path)


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory) -> Path:
    """synthetic_report is the run folder of the full synthetic run with its report (drawn once: ~30 charts)."""
    folder = stored(tmp_path_factory.mktemp("results"))
    report.write_report(folder)
    return folder


def test_report_names_the_crash_and_has_every_section(synthetic_report):
    md = (synthetic_report / report.REPORT_MD).read_text()
    for heading in ("## Environment", "## Problems", "## FFI crossing cost", "## Micro benchmarks", "### OrderItem",
                    "## Load", "## Claims of the seed article", "## Reproduce"):
        assert heading in md
    assert "**TradeContext/arena [arenas]: crashed**" in md and "SIGSEGV" in md
    assert "GOEXPERIMENT=arenas" in md and "0123456789ab (uncommitted changes)" in md
    for i in range(1, 14):
        assert f"| C{i} |" in md
    assert "charts/family-OrderItem.png" in md and "charts/gogc-tradeoff.png" in md


def test_html_is_self_contained(synthetic_report):
    html = (synthetic_report / report.REPORT_HTML).read_text()
    assert html.count("<svg") >= 10
    assert "src=\"charts/" not in html and "<link" not in html and "<script" not in html
    assert 'class="verdict"' in html and "<code>sync.Pool</code>" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # inline SVGs do not clash


def test_golden_markdown(synthetic_report):
    """The Markdown of the synthetic run is compared with testdata/report_synthetic.md.

    On a difference the new text is written next to it as .got: review it and,
    if it is right, copy it over the golden file.
    """
    got = (synthetic_report / report.REPORT_MD).read_text()
    got_path = GOLDEN.with_suffix(".md.got")
    if not GOLDEN.exists() or GOLDEN.read_text() != got:
        got_path.write_text(got)
        pytest.fail(f"report differs from {GOLDEN.name}; wrote {got_path.name} (diff them)")
    got_path.unlink(missing_ok=True)


def test_report_of_real_runs(tmp_path):
    for name in ("run_real_micro_quick.json", "run_real_load_short.json"):
        run = json.loads((TESTDATA / name).read_text())
        md = report.write_report(stored(tmp_path, run)).read_text()
        assert "## Claims of the seed article" in md
    assert "Latency spectrum" in md and "tradecontext-slab" in md


def test_load_deviation_is_a_warning_not_fatal(tmp_path):
    run = syn.make_run(benchmarks=syn.micro_benchmarks()[:2])
    run["load"] = run["load"][:1]
    run["load"][0]["sweep"] = "frobnicate"
    md = report.write_report(stored(tmp_path, run)).read_text()
    assert "deviates from gobench/store/schemas/run.schema.json" in md and "frobnicate" in md


def _write(root: Path, run_id: str, text: str) -> None:
    d = store.runs_dir(root) / run_id
    d.mkdir(parents=True)
    (d / "run.json").write_text(text)


BAD = [
    ("missing run", None, "no run folder 'nope'"),
    ("truncated", '{"schema": "gobench.run/1", "run_id": "x", "bench', "not valid JSON"),
    ("foreign JSON", '[1, 2, 3]', "not a gobench run record"),
    ("older schema", '{"schema": "gobench.run/0", "run_id": "x", "machine": {}, "benchmarks": []}',
     "schema 'gobench.run/0' is not supported"),
    ("damaged benchmarks", '{"schema": "gobench.run/1", "run_id": "20260101T000000Z-x-ab", "machine": {}, '
                           '"benchmarks": "oops"}', "does not match the run schema"),
]


@pytest.mark.parametrize("case,text,message", BAD, ids=[b[0] for b in BAD])
def test_cli_report_bad_input_exits_2_with_the_reason(tmp_path, case, text, message):
    if text is not None:
        _write(tmp_path, "nope", text)
    out, err = io.StringIO(), io.StringIO()
    assert report_cmd.report("nope", root=tmp_path, out=out, err=err) == 2
    assert message in err.getvalue() and "Traceback" not in err.getvalue()


def test_cli_report_without_runs(tmp_path):
    err = io.StringIO()
    assert report_cmd.report(None, root=tmp_path, out=io.StringIO(), err=err) == 2
    assert "no runs yet" in err.getvalue()


def test_cli_report_latest(tmp_path):
    folder = stored(tmp_path, syn.make_run(with_load=False, benchmarks=[b for b in syn.micro_benchmarks()
                                                                         if b["family"] == "Snapshot"]))
    out = io.StringIO()
    assert report_cmd.report(None, root=tmp_path, out=out, err=io.StringIO()) == 0
    assert "C6   cannot be true as stated" in out.getvalue()
    assert (folder / report.REPORT_HTML).exists() and (folder / report.REPORT_MD).exists()
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]


def test_synthetic_and_real_runs_match_the_schema():
    assert schemacheck.errors(syn.make_run()) == []
    for name in ("run_real_micro_quick.json", "run_real_load_short.json"):
        assert schemacheck.errors(json.loads((TESTDATA / name).read_text())) == [], name


def test_report_with_a_load_run_fills_the_claims_table(tmp_path):
    micro = syn.make_run(run_id="20260101T000000Z-01234567-aaaa", with_load=False,
                         benchmarks=[b for b in syn.micro_benchmarks() if b["family"] == "OrderItem"])
    load = syn.make_run(run_id="20260101T000100Z-01234567-bbbb", benchmarks=[])
    load["load"] = [e for e in load["load"] if e["kind"] in ("order-new", "order-pool") and not e["sweep"]]  # C2
    folder = stored(tmp_path, micro)
    stored(tmp_path, load)
    out, err = io.StringIO(), io.StringIO()
    assert report_cmd.report(micro["run_id"], [load["run_id"]], root=tmp_path, out=out, err=err) == 0, err.getvalue()
    assert "C2   holds" in out.getvalue() and "C1   direction holds" in out.getvalue()
    md = (folder / report.REPORT_MD).read_text()
    assert "| `20260101T000100Z-01234567-bbbb` | bbbb | micro |" in md  # listed under Runs with its settings
    assert "No load runs" not in md and "| order-new [bbbb] |" in md  # joined load runs shown, tagged
    assert "--with 20260101T000100Z-01234567-bbbb" in md  # the Reproduce command names the joined run
    err = io.StringIO()
    assert report_cmd.report(micro["run_id"], ["missing"], root=tmp_path, out=io.StringIO(), err=err) == 2
    assert "no run folder 'missing'" in err.getvalue()


def test_report_leads_with_conclusions(synthetic_report):
    md = (synthetic_report / report.REPORT_MD).read_text()
    order = [md.index(h) for h in ("## Executive summary", "## Claims of the seed article", "## Environment",
                                   "## Micro benchmarks", "## Load", "## Reproduce")]
    assert order == sorted(order)
    summary = md[order[0]:order[1]]
    assert "| OrderItem: sync.Pool of order items | adopt only if " in summary
    assert "| StructLayout: struct fields reordered to remove padding | avoid (no gain) |" in summary
    assert "go1.27.3 (GOEXPERIMENT=none), Synthetic CPU x 2 cores" in summary
    table = md[order[1]:md.index("### C1 ")]
    assert max(len(line) for line in table.splitlines() if line.startswith("| C")) < 400  # short cells
    assert "### C3 (cannot be true as stated)" in md and "46 us less work per request" in md
    assert md.count("**When it does not pay.**") >= 5 and "no 40-byte size class" in md


def test_report_shows_every_chart_and_labels_runs(synthetic_report):
    md = (synthetic_report / report.REPORT_MD).read_text()
    for png in sorted((synthetic_report / report.CHART_DIR).rglob("*.png")):
        assert png.relative_to(synthetic_report).as_posix() in md, png.name
    assert "charts/gomaxprocs-sweep.png" in md and "charts/controller-gogc.png" in md
    assert "? rounds" not in md and "about ? ms" not in md


def test_load_runs_are_labelled_with_their_settings():
    load = syn.make_run(benchmarks=[])
    load["kind"] = "load"
    load["settings"] = {"rate": 12000, "duration_s": 3, "warmup_s": 1, "sweep": "gogc", "mode": "open",
                        "kinds": ["order-new"]}
    assert report.run_settings(load) == "open loop at 12000 req/s, 3.00 s after 1.00 s warm-up, sweep gogc; order-new"
