"""Build variants: one Go library each, each loaded in its own process.

A variant is a set of build inputs (GOEXPERIMENT, build tags, -ldflags -X
knobs). Scenarios that need an experiment (``TradeContext/arena`` needs
``arenas``) only exist in that variant's library. Test-only variants inject a
known regression for the gate's self-test and are never used by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# FUNC_ALIGN is the function alignment every gobench build links with
# (`-ldflags=-funcalign=64`; the Go default on amd64 is 32). The same machine
# code runs at different speeds depending on where it lands relative to
# 64-byte boundaries (the CPU fetches and caches decoded instructions in such
# windows): moving the patterns package by 32-128 bytes changed go test's
# TradeContext/slab by up to 19% and OrderItem/new by up to 5% on the project
# VM. With every function starting on a 64-byte boundary, each function's
# internal layout no longer depends on the size of the code linked before it,
# so the harness library and the go test binary it is cross-checked against
# run identically placed code, and an edit elsewhere does not move a hot loop
# (a false regression for the gate).
FUNC_ALIGN = 64
# REPRODUCIBLE_FLAGS make two builds of the same source identical wherever they are built: no absolute source
# paths in the binary (-trimpath) and no VCS stamp (-buildvcs=false), so the two sides of `check --against`
# (one built from a git worktree in a temporary folder) differ only by their code.
REPRODUCIBLE_FLAGS = ("-trimpath", "-buildvcs=false")
INJECT_PKG = "gobench/patterns"  # where the test-only injection knobs live (set with -X)


@dataclass(frozen=True)
class Variant:
    """Variant is a named way of building the library."""

    name: str
    doc: str
    goexperiment: str = ""
    tags: tuple[str, ...] = ()
    ldflags_x: dict[str, str] = field(default_factory=dict)  # -X importpath.name=value
    test_only: bool = False

    def build_flags(self, funcalign: bool = True) -> list[str]:
        """build_flags returns the `go build` flags this variant adds; ``funcalign=False`` leaves function
        alignment at Go's default (the linker has -funcalign only since Go 1.25)."""
        flags: list[str] = list(REPRODUCIBLE_FLAGS)
        if self.tags:
            flags += ["-tags", ",".join(self.tags)]
        ld = [f"-funcalign={FUNC_ALIGN}"] * funcalign + [f"-X {k}={v}" for k, v in sorted(self.ldflags_x.items())]
        return flags + ["-ldflags", " ".join(ld)]


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in [
        Variant("default", "The Go toolchain's defaults (Green Tea GC since Go 1.26)."),
        Variant("arenas", "GOEXPERIMENT=arenas: enables the experimental arena package.", goexperiment="arenas"),
        Variant("nogreenteagc", "GOEXPERIMENT=nogreenteagc: the pre-1.26 garbage collector.",
                goexperiment="nogreenteagc"),
        # test-only: known regressions for the performance gate's self-test (gosrc/patterns/inject.go)
        *[Variant(f"inject-slow-{pct}", f"Test-only: OrderItemNew does {pct}% more work (nominal), allocating nothing.",
                  tags=("gobench_inject_slow",), ldflags_x={INJECT_PKG + ".injectSlowPercent": str(pct)},
                  test_only=True) for pct in (5, 10, 20, 40)],
        Variant("inject-alloc", "Test-only: OrderItemNew makes one extra small allocation per item (+1 alloc/op).",
                tags=("gobench_inject_alloc",), test_only=True),
        Variant("inject-alloc-tenth", "Test-only: OrderItemNew makes one extra small allocation in every 10th item "
                "(+0.1 alloc/op).", tags=("gobench_inject_alloc",), ldflags_x={INJECT_PKG + ".injectAllocEvery": "10"},
                test_only=True),
    ]
}


def get(name: str) -> Variant:
    """get returns the named variant or raises ValueError listing the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown build variant {name!r}; known: {', '.join(sorted(VARIANTS))}") from None
