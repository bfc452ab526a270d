"""Stage 5, present: number formatting, text tables, charts and reports for people.

present reads what analyse computed and what store holds; it never runs a
benchmark (no collect, no build). How a number looks is decided in one
module, fmt.py; text.py lays out tables, compare.py and claims.py the
comparison and claims tables, charts.py, report.py and gatereport.py the
files people open.
"""
