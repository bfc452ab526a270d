"""Stage 5, present: number formatting, text tables, charts and reports for people.

present reads what analyse computed and what store holds; it never runs a
benchmark (no collect, no build).
"""
