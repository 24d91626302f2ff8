"""Contingency-table tests offered besides the papers' defaults (DEFINITIONS.md, Statistics, "Also
offered"): the Freeman-Halton exact test for R x C tables, the likelihood-ratio chi-square (G-test)
and the exact conditional odds ratio of a 2 x 2 table.

scipy 1.18's ``fisher_exact`` handles R x C tables only by Monte Carlo or permutation resampling
(its default for R x C is Monte Carlo), so the exact Freeman-Halton p is enumerated here with the
network algorithm of Mehta & Patel (1983): columns are the stages, the remaining row totals the
nodes, and whole subtrees are added or dropped when their most and least probable completions fall
on one side of the observed table's probability.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import special, stats

from .results import TestResult

# Tables no more probable than the observed one, with the relative tolerance R's fisher.test uses
# so that tables of equal probability are not lost to rounding.
_RELATIVE_TOLERANCE = 1e-7
# Work limit (column fillings examined) of the exact enumeration; beyond it the caller gets a
# ValueError that points to the asymptotic tests rather than waiting for minutes.
MAX_EXACT_WORK = 2_000_000


@dataclass(frozen=True)
class ConditionalOddsRatio:
    """Conditional maximum-likelihood odds ratio of a 2 x 2 table with its exact CI (Cornfield).

    ``None`` stands for an infinite or undefined value (a zero cell makes the estimate 0 or
    infinite and one limit unbounded), so that the result stays JSON-representable."""

    odds_ratio: float | None
    ci: tuple[float | None, float | None] | None
    confidence_level: float
    method: str = "conditional_odds_ratio"
    note: str = ""


def _cells(table: Sequence[Sequence[int]]) -> np.ndarray:
    """A 2-D table of non-negative integer counts."""
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.size == 0:
        raise ValueError("a contingency table needs at least one row and one column of counts")
    if np.isnan(counts).any() or (counts < 0).any() or (counts != np.round(counts)).any():
        raise ValueError("contingency table cells must be non-negative integers")
    return counts.astype(np.int64)


def _occupied(table: Sequence[Sequence[int]]) -> np.ndarray:
    """The table without its empty rows and columns (levels that do not occur are not levels of
    the test, DEFINITIONS.md: no p with fewer than two levels)."""
    counts = _cells(table)
    return counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]


def _fillings(total: int, bounds: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every way to share ``total`` among the rows, row i taking at most bounds[i]."""
    if len(bounds) == 1:
        if total <= bounds[0]:
            yield (total,)
        return
    rest = sum(bounds[1:])
    for first in range(max(0, total - rest), min(total, bounds[0]) + 1):
        for tail in _fillings(total - first, bounds[1:]):
            yield (first, *tail)


class _Network:
    """The network of Mehta & Patel for one table's margins.

    A table's probability is K * prod_j w_j with w_j = 1 / prod_i n_ij! (K from the margins), so
    a path through the columns accumulates log w; the exact longest and shortest completions of
    each node bound what is still to come.
    """

    def __init__(self, rows: tuple[int, ...], columns: tuple[int, ...], max_work: int):
        self.columns, self.max_work, self.work = columns, max_work, 0
        self.log_fact = special.gammaln(np.arange(sum(rows) + 1) + 1.0).tolist()
        self.log_k = (sum(self.log_fact[r] for r in rows) + sum(self.log_fact[c] for c in columns)
                      - self.log_fact[sum(rows)])
        self.bounds = cache(self._bounds)

    def log_w(self, filling: Sequence[int]) -> float:
        return -sum(self.log_fact[x] for x in filling)

    def children(self, stage: int, node: tuple[int, ...]) -> Iterator[tuple[float, tuple]]:
        for filling in _fillings(self.columns[stage], node):
            self.work += 1
            if self.work > self.max_work:
                raise ValueError(
                    f"table too large for the exact Freeman-Halton enumeration (more than "
                    f"{self.max_work} steps); use the likelihood-ratio or Pearson chi-square")
            yield self.log_w(filling), tuple(sorted(r - x for r, x in zip(node, filling)))

    def _bounds(self, stage: int, node: tuple[int, ...]) -> tuple[float, float]:
        """Largest and smallest log weight over the completions of ``node``."""
        if stage == len(self.columns):
            return 0.0, 0.0
        highest, lowest = -math.inf, math.inf
        for w, child in self.children(stage, node):
            hi, lo = self.bounds(stage + 1, child)
            highest, lowest = max(highest, w + hi), min(lowest, w + lo)
        return highest, lowest

    def log_total(self, stage: int, node: tuple[int, ...]) -> float:
        """log of the summed weights of every completion: M! / (prod R_i! prod_(j>=stage) c_j!)."""
        return (self.log_fact[sum(node)] - sum(self.log_fact[r] for r in node)
                - sum(self.log_fact[c] for c in self.columns[stage:]))


def _network_p(counts: np.ndarray, max_work: int) -> tuple[float, float]:
    """Exact p (sum of the probabilities of tables no more probable than the observed one) and
    the observed table's probability."""
    if counts.shape[0] > counts.shape[1]:
        counts = counts.T  # fewer rows, fewer distinct nodes
    net = _Network(tuple(counts.sum(axis=1)), tuple(counts.sum(axis=0)), max_work)
    observed = sum(net.log_w(column) for column in counts.T)
    cutoff = observed + math.log1p(_RELATIVE_TOLERANCE)
    # Paths reaching a node with the same past weight have the same future: merge them, counting.
    layer = {tuple(sorted(counts.sum(axis=1))): {0.0: (0.0, 1)}}
    p = 0.0
    for stage in range(len(net.columns) + 1):
        following = defaultdict(dict)
        for node, pasts in layer.items():
            hi, lo = net.bounds(stage, node)
            for past, paths in pasts.values():
                if past + hi <= cutoff:
                    p += paths * math.exp(net.log_k + past + net.log_total(stage, node))
                elif past + lo <= cutoff:
                    for w, child in net.children(stage, node):
                        key = round(past + w, 9)
                        _, seen = following[child].get(key, (0.0, 0))
                        following[child][key] = (past + w, seen + paths)
        layer = following
    return min(p, 1.0), math.exp(net.log_k + observed)


def freeman_halton_exact(table: Sequence[Sequence[int]], *,
                         max_work: int = MAX_EXACT_WORK) -> TestResult:
    """Freeman-Halton (Fisher's exact) test of independence in an R x C table.

    Rows or columns without counts are dropped; with fewer than two of either left there is no
    test (p None). ``statistic`` is the probability of the observed table given its margins.
    Raises ValueError when the enumeration would exceed ``max_work``.
    """
    counts = _occupied(table)
    if min(counts.shape) < 2:
        return TestResult(None, "freeman_halton_exact", note="fewer than two rows or columns "
                          "with counts")
    p, observed = _network_p(counts, max_work)
    return TestResult(p, "freeman_halton_exact", statistic=observed,
                      variant="exact, network algorithm; statistic = P(observed table)")


def likelihood_ratio_chi_square(table: Sequence[Sequence[int]]) -> TestResult:
    """Likelihood-ratio chi-square (G-test), no continuity correction (as SAS prints it)."""
    counts = _occupied(table)
    if min(counts.shape) < 2:
        return TestResult(None, "likelihood_ratio_chi_square",
                          note="fewer than two rows or columns with counts")
    res = stats.chi2_contingency(counts, correction=False, lambda_="log-likelihood")
    return TestResult(float(res.pvalue), "likelihood_ratio_chi_square",
                      statistic=float(res.statistic), variant=f"G-test, df={res.dof}")


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def conditional_odds_ratio(table: Sequence[Sequence[int]], *,
                           confidence_level: float = 0.95) -> ConditionalOddsRatio:
    """Conditional MLE of the odds ratio of [[a, b], [c, d]] (a*d / b*c direction) and its exact
    CI from the noncentral hypergeometric distribution, as R's fisher.test reports them."""
    counts = _cells(table)
    if counts.shape != (2, 2):
        raise ValueError("the conditional odds ratio needs a 2 x 2 table")
    if (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
        return ConditionalOddsRatio(None, None, confidence_level,
                                    note="a row or column without counts")
    res = stats.contingency.odds_ratio(counts, kind="conditional")
    ci = res.confidence_interval(confidence_level=confidence_level)
    note = "zero cell: the estimate is 0 or infinite" if (counts == 0).any() else ""
    return ConditionalOddsRatio(_finite(res.statistic), (_finite(ci.low), _finite(ci.high)),
                                confidence_level, note=note)
