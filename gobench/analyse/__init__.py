"""Stage 4, analyse: statistics on stored rounds, comparisons, the gate's decision and the claims' verdicts.

analyse reads records (through store) and returns plain values; it never
runs a benchmark (no collect, no build) and never formats for people.
"""
