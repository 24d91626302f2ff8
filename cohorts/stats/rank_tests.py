"""Rank tests offered besides the papers' defaults (DEFINITIONS.md, Statistics, "Also offered"):
Kruskal-Wallis for several groups and the Wilcoxon signed-rank test for paired values.

scipy computes both; what is ours is saying exactly which variant produced the p (exact,
exact permutation over ties, or asymptotic), so that every printed p can name its test.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from cohorts.stats.results import TestResult

# Up to this many non-zero differences with ties, the exact permutation distribution (2^n sign
# assignments, enumerated by scipy) replaces the normal approximation.
MAX_PERMUTATION_PAIRS = 16
# Without ties the exact null distribution is used up to this many pairs (scipy's own limit for
# "auto"); beyond it the normal approximation is accurate.
MAX_EXACT_PAIRS = 50


def _values(values: Sequence[float], what: str) -> np.ndarray:
    try:
        array = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers: {exc}") from exc
    return array[~np.isnan(array)]


def kruskal_wallis(groups: Mapping[str, Sequence[float]] | Sequence[Sequence[float]]) -> TestResult:
    """Kruskal-Wallis H test of two or more groups (missing values dropped).

    Asymptotic chi-square on k - 1 degrees of freedom with scipy's tie correction. No p when
    every value ties (H is undefined).
    """
    named = groups if isinstance(groups, Mapping) else {str(i): g for i, g in enumerate(groups)}
    samples = {name: _values(values, f"group {name}") for name, values in named.items()}
    if len(samples) < 2:
        raise ValueError("Kruskal-Wallis needs at least two groups")
    empty = [name for name, values in samples.items() if values.size == 0]
    if empty:
        raise ValueError(f"group(s) without values: {', '.join(empty)}")
    variant = f"asymptotic chi-square, df={len(samples) - 1}, tie-corrected"
    pooled = np.concatenate(list(samples.values()))
    if np.all(pooled == pooled[0]):
        return TestResult(None, "kruskal_wallis", variant=variant, note="all values are equal")
    res = stats.kruskal(*samples.values())
    return TestResult(float(res.pvalue), "kruskal_wallis", statistic=float(res.statistic),
                      variant=variant)


def _differences(x: Sequence[float], y: Sequence[float] | None) -> np.ndarray:
    if y is None:
        return _values(x, "differences")
    if len(x) != len(y):
        raise ValueError("paired samples need the same number of values")
    first, second = (np.asarray([np.nan if v is None else v for v in s], dtype=float)
                     for s in (x, y))
    keep = ~(np.isnan(first) | np.isnan(second))  # a pair is used only when both values exist
    return first[keep] - second[keep]


def _resolve_method(d: np.ndarray, method: str, correction: bool):
    """scipy method and the variant label; "auto" picks the exact distribution when it applies."""
    if method not in ("auto", "exact", "asymptotic"):
        raise ValueError('method must be "auto", "exact" or "asymptotic"')
    ties = len(np.unique(np.abs(d))) < len(d)
    asymptotic = "asymptotic normal, tie-corrected" + (", continuity 0.5" if correction else "")
    if method == "exact" or (method == "auto" and not ties and len(d) <= MAX_EXACT_PAIRS):
        return "exact", "exact" + (" (conservative with tied ranks)" if ties else "")
    if method == "auto" and len(d) <= MAX_PERMUTATION_PAIRS:
        return stats.PermutationMethod(n_resamples=math.inf), "exact permutation (tied ranks)"
    return "asymptotic", asymptotic


def wilcoxon_signed_rank(x: Sequence[float], y: Sequence[float] | None = None, *,
                         method: str = "auto", correction: bool = False,
                         alternative: str = "two-sided") -> TestResult:
    """Wilcoxon signed-rank test of x - y (or of x alone as differences), zero differences
    dropped (Wilcoxon's convention). ``variant`` says exact or asymptotic; ``statistic`` is
    scipy's (the smaller rank sum for a two-sided test)."""
    d = _differences(x, y)
    if d.size == 0:
        raise ValueError("no pair with both values")
    zeros = int((d == 0).sum())
    d = d[d != 0]
    note = f"{zeros} zero difference(s) dropped" if zeros else ""
    if d.size == 0:
        return TestResult(None, "wilcoxon_signed_rank", note="every difference is zero")
    scipy_method, variant = _resolve_method(d, method, correction)
    res = stats.wilcoxon(d, zero_method="wilcox", correction=correction,
                         alternative=alternative, method=scipy_method)
    return TestResult(float(res.pvalue), "wilcoxon_signed_rank", statistic=float(res.statistic),
                      variant=variant, note=note)
