"""The C header is the contract: cgo's generated prototypes must match gobench.h."""

from __future__ import annotations

from gobench.build import header


def test_generated_header_matches_contract(built_default):
    generated = (built_default.dir / "libgobench.h").read_text()
    ours = header.prototypes(header.HEADER.read_text())
    theirs = header.prototypes(generated)
    assert ours, "no prototypes parsed from gobench.h"
    assert ours == theirs, f"gobench.h and the cgo exports disagree:\n ours={ours}\n cgo={theirs}"


def test_prototype_parser_ignores_names_and_const():
    a = header.prototypes("extern int gb_x(const char* a, int64_t *b);")
    b = header.prototypes("int gb_x(char *name, int64_t* out);")
    assert a == b == {"gb_x": ("int", ("char*", "int64_t*"))}
    assert header.prototypes("int gb_y(char* a);") != b


def test_cdef_parses_with_cffi():
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(header.cdef())
    assert ffi.sizeof("gb_result") == 14 * 8 + 8 + 16 * 8
