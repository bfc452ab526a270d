"""Stage 2, collect: drive the Go library (stage 1, measure, lives in gosrc/) and gather raw rounds.

Worker processes load one library each and answer a line protocol; the
parent schedules rounds across them and assembles run records (raw rounds
only) for the store. collect imports build and store, never analyse or present.

    plan.py        which scenarios a library has (read through a worker), which to run, in which jobs
    scheduler.py   a family's rounds across workers: rotate (bench, baseline) or ABBA (gate pairs, crosscheck)
    spawn.py       the parent's side of a worker: start, request, timeout, crash report, stop
    protocol.py    the line protocol's commands (open, calibrate, round, ffi, load, close) and Settings
    worker.py      the worker program (python -m gobench.collect.worker LIBRARY_DIR)
    bridge.py      the in-process cffi bridge to one Go library, used by the worker
    micro.py, gate_sessions.py, load.py, crosscheck.py, escape.py: what each command collects
    machine.py     facts about the machine and toolchain stored with every run
"""
