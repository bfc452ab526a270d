"""crosscheck: both tools run the same Go functions; their allocation counts must agree exactly."""

from __future__ import annotations

import io

import pytest

from gobench.collect import crosscheck


def test_crosscheck_pairs_both_tools_on_the_same_functions():
    pairs = crosscheck.crosscheck(["OrderItem"], repeats=2, benchtime_ms=20, builds=("default",), out=io.StringIO())
    assert set(pairs) == {"OrderItem/new", "OrderItem/pool"}
    for p in pairs.values():
        assert len(p.harness_ns) == len(p.gotest_ns) == 2 and len(p.ratios()) == 2
    new = pairs["OrderItem/new"]
    assert new.harness_allocs == pytest.approx([1.0, 1.0], abs=1e-3) and new.gotest_allocs == [1.0, 1.0]
    assert new.harness_bytes == pytest.approx([48.0, 48.0], abs=0.05) and new.gotest_bytes == [48.0, 48.0]
    assert "ratio median" in crosscheck.table(pairs)


@pytest.mark.parametrize("kw,msg", [({"repeats": 0}, "repeats must be"), ({"benchtime_ms": 1}, "benchtime_ms must be")])
def test_crosscheck_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg):
        crosscheck.crosscheck(["OrderItem"], **{"repeats": 1, "benchtime_ms": 20, **kw})


def test_library_and_test_binary_align_functions_alike(tmp_path):
    """Both tools run the same machine code at the same offsets within 64-byte windows (variants.FUNC_ALIGN)."""
    import subprocess

    from gobench.build import library as build
    from gobench.build import toolchain
    from gobench.build import variants

    go = toolchain.find().go
    lib = build.build("default").dir / build.LIB_NAME
    binary = crosscheck.compile_tests("default", tmp_path)
    for path in (lib, binary):
        out = subprocess.run([go, "tool", "nm", str(path)], capture_output=True, text=True, check=True).stdout
        funcs = {ln.split()[-1]: int(ln.split()[0], 16) for ln in out.splitlines()
                 if len(ln.split()) >= 3 and ln.split()[1] in "Tt" and ln.split()[-1].startswith("gobench/patterns.")}
        assert "gobench/patterns.OrderItemNew" in funcs, path
        misaligned = {n: hex(a) for n, a in funcs.items() if a % variants.FUNC_ALIGN}
        assert not misaligned, f"{path.name}: functions not on {variants.FUNC_ALIGN}-byte boundaries: {misaligned}"
