"""Plain facts about run records that every stage shares.

A run record (schema ``gobench.run/1``) is a JSON document: collect fills it,
store writes it, analyse and present read it. This module holds the names
those stages must agree on; it sits below every stage and imports nothing
from gobench.
"""

from __future__ import annotations

# FFI_NAME is the pseudo-benchmark that times one FFI crossing; every other
# benchmark's FFI share is computed from it.
FFI_NAME = "FFI/noop"

# The two tools of a crosscheck repeat, as its samples name them (collect
# takes the samples, analyse pairs them up).
HARNESS, GOTEST = "harness", "go test"
