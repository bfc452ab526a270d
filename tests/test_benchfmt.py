"""The Go benchmark format: what we write, benchstat (and our parser) reads."""

from __future__ import annotations

import io

from gobench.store import benchfmt

GO_TEST_OUTPUT = """goos: linux
goarch: amd64
pkg: gobench/patterns
cpu: Intel(R) Xeon(R) Processor
BenchmarkOrderItem/new-2       	 7515022	        30.41 ns/op	      48 B/op	       1 allocs/op
BenchmarkOrderItem/pool-2      	14343434	        23.20 ns/op	         0.0000001 news/op	       0 B/op	       0 allocs/op
PASS
ok  	gobench/patterns	1.321s
"""


def test_parse_go_test_output():
    rs = benchfmt.parse(GO_TEST_OUTPUT.splitlines())
    assert [r.base_name for r in rs] == ["OrderItem/new", "OrderItem/pool"]
    assert rs[0].procs == 2 and rs[0].iters == 7515022
    assert rs[0].values == {"ns/op": 30.41, "B/op": 48, "allocs/op": 1}
    assert rs[1].values["news/op"] == 1e-7
    assert rs[0].config["cpu"] == "Intel(R) Xeon(R) Processor"


def test_write_then_parse_round_trip():
    out = io.StringIO()
    benchfmt.write(out, {"goos": "linux", "gomaxprocs": "2"},
                   [(benchfmt.bench_name("OrderItem/new", 2), 1000, [(45.25, "ns/op"), (48, "B/op"), (1, "allocs/op")]),
                    (benchfmt.bench_name("FFI/noop", 1), 50, [(0.5, "x/op")])],
                   units={"allocs/op": "assume=exact"})
    text = out.getvalue()
    assert "BenchmarkOrderItem/new-2  1000  45.25 ns/op  48 B/op  1 allocs/op" in text
    assert "BenchmarkFFI/noop  50" in text  # -P omitted when 1
    assert "Unit allocs/op assume=exact" in text
    rs = benchfmt.parse(text.splitlines())
    assert rs[0].values == {"ns/op": 45.25, "B/op": 48, "allocs/op": 1} and rs[0].config["gomaxprocs"] == "2"


def test_bench_name_with_params():
    assert benchfmt.bench_name("Snapshot/write", 2, {"records": 64}) == "BenchmarkSnapshot/write/records=64-2"
