"""Build variants: one Go library each, each loaded in its own process.

A variant is a set of build inputs (GOEXPERIMENT, build tags, -ldflags -X
knobs). Scenarios that need an experiment (``TradeContext/arena`` needs
``arenas``) only exist in that variant's library. Test-only variants inject a
known regression for the gate's self-test and are never used by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    """Variant is a named way of building the library."""

    name: str
    doc: str
    goexperiment: str = ""
    tags: tuple[str, ...] = ()
    ldflags_x: dict[str, str] = field(default_factory=dict)  # -X importpath.name=value
    test_only: bool = False

    def build_flags(self) -> list[str]:
        """build_flags returns the `go build` flags this variant adds."""
        flags: list[str] = []
        if self.tags:
            flags += ["-tags", ",".join(self.tags)]
        if self.ldflags_x:
            flags += ["-ldflags", " ".join(f"-X {k}={v}" for k, v in sorted(self.ldflags_x.items()))]
        return flags


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in [
        Variant("default", "The Go toolchain's defaults (Green Tea GC since Go 1.26)."),
        Variant("arenas", "GOEXPERIMENT=arenas: enables the experimental arena package.", goexperiment="arenas"),
        Variant("nogreenteagc", "GOEXPERIMENT=nogreenteagc: the pre-1.26 garbage collector.",
                goexperiment="nogreenteagc"),
        # test-only: known regressions for the performance gate's self-test (gosrc/patterns/inject.go)
        Variant("inject-slow", "Test-only: OrderItemNew creates every 5th item twice (about +20% time).",
                tags=("gobench_inject_slow",), test_only=True),
        Variant("inject-alloc", "Test-only: OrderItemNew makes one extra small allocation per item (+1 alloc/op).",
                tags=("gobench_inject_alloc",), test_only=True),
    ]
}


def get(name: str) -> Variant:
    """get returns the named variant or raises ValueError listing the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown build variant {name!r}; known: {', '.join(sorted(VARIANTS))}") from None
