"""Stage 4, analyse: statistics on stored rounds, comparisons, the gate's decision and the claims' verdicts.

analyse reads records (through store) and returns values: summaries, rows,
decisions and verdicts with the numbers behind them. It never runs a
benchmark (no collect, no build) and leaves tables, charts and the look of
numbers to present. Verdicts say why in Phrases whose numbers stay numbers;
the gate's notes are the exception, sentences kept as text because
decision.json stores them as written.
"""
