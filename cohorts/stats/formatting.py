"""Figures and p-values printed the way each paper prints them (DEFINITIONS.md, Formatting).

Every rounding is half-up on the number's shortest decimal form (Python `repr`), so 12.25 prints
12.3 and 0.2745 prints .275, as SPSS and SAS do, and not as binary floating point would.

- Adult paper (SPSS): p to 3 decimals, then again to 2 (0.2745 -> .275 -> 0.28); trailing zeros
  dropped, 1.000 prints `1` and 0.000 `0`; percentages to 1 decimal without `.0`; medians and ranges
  to at most 2 decimals, with an en dash between minimum and maximum.
- Pediatric paper (SAS): p to 4 decimals, then to 3 (0.01446 -> .0145 -> 0.015), trailing zeros
  kept (`0.220`), `<0.001` for what rounds to 0.000; integer percentages; means to the decimals of
  the row (the paper varies them from row to row); a hyphen between minimum and maximum.

A table row may override any field of its paper's `FigureStyle`.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from cohorts.stats.values import BELOW_DETECTION_PREFIX

PStyle = Literal["spss", "sas"]


@dataclass(frozen=True)
class FigureStyle:
    """How one paper (or one of its rows) prints its figures."""

    p_style: PStyle
    percent_decimals: int
    strip_zeros: bool
    range_separator: str
    value_decimals: int = 2
    mean_decimals: int = 1
    mean_significant: int | None = None
    sem_decimals: int = 1
    range_decimals: int = 0
    ratio_decimals: int = 2
    show_percent: bool = True


ADULT_STYLE = FigureStyle(p_style="spss", percent_decimals=1, strip_zeros=True, range_separator="\u2013",
                          value_decimals=2, range_decimals=2)
PEDIATRIC_STYLE = FigureStyle(p_style="sas", percent_decimals=0, strip_zeros=False, range_separator="-",
                              value_decimals=1, mean_decimals=1, sem_decimals=1, range_decimals=1)


def round_half_up(value: float, decimals: int) -> Decimal:
    """Half-up rounding of the shortest decimal form of `value` (so 2.675 -> 2.68)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _text(number: Decimal, strip_zeros: bool) -> str:
    text = format(number, "f")
    if strip_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_fixed(value: float, decimals: int, *, strip_zeros: bool) -> str:
    """`value` to `decimals` places, half-up; trailing zeros dropped when `strip_zeros`."""
    return _text(round_half_up(value, decimals), strip_zeros)


def format_significant(value: float, digits: int) -> str:
    """`value` to `digits` significant figures, half-up (13.41 -> "13", 4.6875 -> "4.7")."""
    if value == 0:
        return "0"
    places = digits - 1 - Decimal(repr(float(value))).adjusted()
    return _text(round_half_up(value, places), strip_zeros=False)


def format_p(p: float | None, style: FigureStyle) -> str | None:
    """The p-value as the paper prints it; None when there is no p."""
    if p is None:
        return None
    if style.p_style == "spss":
        return _text(round_half_up(float(round_half_up(p, 3)), 2), strip_zeros=True)
    rounded = round_half_up(float(round_half_up(p, 4)), 3)
    return "<0.001" if rounded == 0 else _text(rounded, strip_zeros=False)


def format_percent(percent: float | None, style: FigureStyle) -> str | None:
    if percent is None:
        return None
    return format_fixed(percent, style.percent_decimals, strip_zeros=style.strip_zeros)


def format_value(value: float | str | None, decimals: int, strip_zeros: bool) -> str | None:
    """A figure of RESULTS.md: a number, or a below-detection string such as `"<5"` / `"<6.5"`."""
    if value is None:
        return None
    if isinstance(value, str):
        if value.startswith(BELOW_DETECTION_PREFIX):
            number = float(value[len(BELOW_DETECTION_PREFIX):])
            return BELOW_DETECTION_PREFIX + format_fixed(number, decimals, strip_zeros=strip_zeros)
        value = float(value)
    return format_fixed(value, decimals, strip_zeros=strip_zeros)


def format_count(figures: dict, style: FigureStyle) -> str:
    """`n (percent)`, or `n` alone when the row shows no percentage or has no denominator."""
    percent = format_percent(figures.get("percent"), style)
    if not style.show_percent or percent is None:
        return str(figures["n"])
    return f"{figures['n']} ({percent})"


def format_range(figures: dict, style: FigureStyle, decimals: int | None = None) -> str | None:
    places = style.range_decimals if decimals is None else decimals
    low = format_value(figures.get("min"), places, style.strip_zeros)
    high = format_value(figures.get("max"), places, style.strip_zeros)
    if low is None or high is None:
        return None
    return f"{low}{style.range_separator}{high}"


def format_mean(mean: float, style: FigureStyle) -> str:
    if style.mean_significant is not None:
        return format_significant(mean, style.mean_significant)
    return format_fixed(mean, style.mean_decimals, strip_zeros=style.strip_zeros)


def format_figures(kind: str, figures: dict, style: FigureStyle) -> str | None:
    """One cohort's figures of a RESULTS.md row as the paper prints them; None when there are none."""
    if kind == "count":
        return format_count(figures, style)
    if kind == "total":
        return format_fixed(figures["n"], 0, strip_zeros=True)
    if figures.get("n", 0) == 0:
        return None
    if kind == "median_range":
        median = format_value(figures["median"], style.value_decimals, style.strip_zeros)
        return f"{median} ({format_range(figures, style, style.value_decimals)})"
    if kind == "mean_sem":
        if figures.get("sem") is None:
            return format_mean(figures["mean"], style)
        sem = format_fixed(figures["sem"], style.sem_decimals, strip_zeros=style.strip_zeros)
        return f"{format_mean(figures['mean'], style)} ({sem})"
    if kind == "mean_range":
        return f"{format_mean(figures['mean'], style)} ({format_range(figures, style)})"
    raise ValueError(f"unknown row kind {kind!r}")


def format_odds_ratio(odds_ratio: float | None, interval: tuple[float, float] | list | None,
                      style: FigureStyle) -> str | None:
    """`OR (low-high)` as Table 4 of the pediatric paper prints it (5.36 (1.3-27.49))."""
    if odds_ratio is None:
        return None
    text = format_fixed(odds_ratio, style.ratio_decimals, strip_zeros=True)
    if interval is None:
        return text
    low, high = (format_fixed(v, style.ratio_decimals, strip_zeros=True) for v in interval)
    return f"{text} ({low}-{high})"
