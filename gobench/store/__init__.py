"""Stage 3, store: run records on disk, written atomically, and the formats other tools read.

run.json (schema gobench.run/1), bench.txt for benchstat, pytest-benchmark
JSON, the gate's baseline and thresholds (baseline.py). store imports only
the bottom layer: gobench.records, gobench.paths, gobench.errors and
gobench.metrics (bench.txt's units).
"""
