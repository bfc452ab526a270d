"""gobench: measures Go memory-optimisation patterns and checks an article's claims.

Data flows one way through the package:

    measure (Go, gosrc/)  ->  collect (worker.py, protocol.py, bridge.py)
    ->  store (store.py)  ->  analyse (stats.py)  ->  present (present.py)

The Go code is built as a c-shared library (build.py) and driven through a
cffi API-mode extension; each library runs in its own worker process
(orchestrate.py) because a Go runtime cannot be unloaded or duplicated.
"""

__version__ = "0.1.0"

from gobench.errors import BuildError, GoBenchError, ToolchainError  # noqa: E402,F401
