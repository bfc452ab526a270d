"""gobench: measures Go memory-optimisation patterns and checks an article's claims.

Data flows one way through the package:

    measure (Go, gosrc/)  ->  collect (collect/)  ->  store (store/)
    ->  analyse (analyse/)  ->  present (present/)

The Go code is built as a c-shared library (build/) and driven through a
cffi API-mode extension; each library runs in its own worker process
(collect/worker.py, started by collect/spawn.py) because a Go runtime cannot
be unloaded or duplicated. commands/ wires the stages, one module per task.
"""

__version__ = "0.1.0"

from gobench.errors import BuildError, GoBenchError, ToolchainError  # noqa: E402,F401
