"""gobench: measures Go memory-optimisation patterns and checks an article's claims.

Data flows one way through the package, one sub-package per stage:

    measure (Go, gosrc/)  ->  collect  ->  store  ->  analyse  ->  present

build/ makes the c-shared library that collect drives through a cffi
API-mode extension, each library in its own worker process because a Go
runtime cannot be unloaded or duplicated. commands/ wires the stages, one
module per invoke task. The modules directly under gobench/ are the bottom
layer every stage shares: errors, records, paths and metrics (the one table
of metrics derived from a round).
"""

__version__ = "0.1.0"

from gobench.errors import BuildError, GoBenchError, ToolchainError  # noqa: E402,F401
