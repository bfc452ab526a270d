"""Numbers for people: every way gobench prints a measured or claimed number.

Three styles, each for one place:

- ``fmt_num`` and ``ci_text`` for table cells: about three significant
  digits, an exponent for very large and very small values, so that a
  column of medians lines up;
- ``num`` and ``ratio_text`` for prose (claim verdicts, notes): thousands
  separators, no exponent for common sizes, "?" for a number that is not
  there;
- ``chart_num`` for chart labels and ticks: like ``num``, but three
  significant digits down to 0.001 (a tick at 0.00125 must not read
  0.0013) and an exponent below.
"""

from __future__ import annotations

import math


def fmt_num(v: float | None, digits: int = 3) -> str:
    """fmt_num prints a number with about `digits` significant digits and no exponent for common sizes."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return f"{v:.3e}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.{max(0, digits - 1 - int(math.log10(a)))}f}"
    if a >= 1e-4:
        return f"{v:.{digits - 1 - int(math.floor(math.log10(a)))}f}"
    return f"{v:.2e}"


def ci_text(s: dict | None) -> str:
    """ci_text renders a summary dict as "median ±x%", the 95% CI as a relative half-width."""
    if not s or s.get("median") is None:
        return "-"
    med = s["median"]
    lo, hi = s.get("ci_lo"), s.get("ci_hi")
    if lo is None or hi is None or not med:
        return f"{fmt_num(med)} (n={s.get('n', 0)}, no CI)"
    rel = max(med - lo, hi - med) / abs(med) * 100
    return f"{fmt_num(med)} ±{rel:.1f}%"


def num(v: float | None, unit: str = "") -> str:
    """num formats a number for prose or a chart label, with thousands separators for big ones."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "?"
    if math.isinf(v):
        return "inf"
    a = abs(v)
    if a == 0:
        s = "0"
    elif a >= 1000:
        s = f"{v:,.0f}"
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}".rstrip("0").rstrip(".")
    elif a >= 0.01:
        s = f"{v:.3g}"
    else:
        s = f"{v:.2g}"
    return f"{s} {unit}".strip() if unit else s


def ratio_text(r: float | None) -> str:
    """ratio_text is "2.05x", "eliminated" for a ratio against zero, "?" when unknown."""
    if r is None:
        return "?"
    if math.isinf(r):
        return "eliminated"
    return f"{r:.3g}x"


def chart_num(v: float) -> str:
    """chart_num prints a chart's value label or tick: 3 significant digits, thousands separators, exponent only
    for tiny values."""
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    if a >= 0.001:
        return f"{v:.3g}"
    return f"{v:.1e}"
