"""Entry points behind the invoke tasks, one module per task family.

A command parses nothing (tasks.py does), wires the stages together
(build -> collect -> store -> analyse -> present) and returns an exit code;
errors become messages, never tracebacks.
"""
