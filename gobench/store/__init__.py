"""Stage 3, store: run records on disk, written atomically, and the formats other tools read.

run.json (schema gobench.run/1), bench.txt for benchstat, pytest-benchmark
JSON, the gate's baseline. store imports only gobench.records, gobench.paths
and gobench.errors.
"""
