"""Stage 2, collect: drive the Go library (stage 1, measure, lives in gosrc/) and gather raw rounds.

Worker processes load one library each and answer a line protocol; the
parent schedules rounds across them and assembles run records for the store.
collect imports build and store, never analyse or present.
"""
