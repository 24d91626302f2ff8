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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import special, stats

from cohorts.stats.results import TestResult

# Tables no more probable than the observed one, with the relative tolerance R's fisher.test uses
# so that tables of equal probability are not lost to rounding.
_RELATIVE_TOLERANCE = 1e-7
# Work limit (column fillings examined) of the exact enumeration; beyond it the caller gets a
# ValueError that points to the asymptotic tests rather than waiting for minutes.
MAX_EXACT_WORK = 1_000_000


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


def _fillings(total: int, bounds: tuple[int, ...], max_work: int) -> np.ndarray:
    """Every way to share ``total`` among the rows, row i taking at most bounds[i] (one row of the
    result per way): all values of the first rows, the last row taking what is left."""
    ranges = [min(b, total) + 1 for b in bounds[:-1]]
    if math.prod(ranges) > max_work:
        raise _too_large(max_work)
    heads = np.indices(ranges).reshape(len(ranges), -1).T
    last = total - heads.sum(axis=1)
    keep = (last >= 0) & (last <= bounds[-1])
    return np.column_stack([heads[keep], last[keep]])


def _too_large(max_work: int) -> ValueError:
    return ValueError(
        f"table too large for the exact Freeman-Halton enumeration (more than {max_work} column "
        "fillings); use the likelihood-ratio or Pearson chi-square instead")


class _Network:
    """The network of Mehta & Patel for one table's margins.

    A table's probability is K * prod_j w_j with w_j = 1 / prod_i n_ij! (K from the margins), so
    a path through the columns accumulates log w. Nodes are the sorted remaining row totals
    (the future does not depend on which row is which); the exact largest and smallest future
    weights of each node decide whole subtrees at once.
    """

    def __init__(self, rows: tuple[int, ...], columns: tuple[int, ...], max_work: int):
        self.rows, self.columns, self.max_work, self.work = rows, columns, max_work, 0
        self.log_fact = special.gammaln(np.arange(sum(rows) + 1) + 1.0)
        self.log_k = float(self.log_fact[list(rows)].sum() + self.log_fact[list(columns)].sum()
                           - self.log_fact[sum(rows)])
        self.bounds, self.children = cache(self._bounds), cache(self._children)

    def log_w(self, filling: Sequence[int]) -> float:
        return -float(self.log_fact[np.asarray(filling)].sum())

    def _children(self, stage: int, node: tuple[int, ...]) -> list[tuple[tuple, np.ndarray,
                                                                          np.ndarray]]:
        """(child node, distinct log w of the fillings leading there, how many fillings each)."""
        fillings = _fillings(self.columns[stage], node, self.max_work)
        self.work += len(fillings)
        if self.work > self.max_work:
            raise _too_large(self.max_work)
        log_w = -self.log_fact[fillings].sum(axis=1)
        nodes = np.sort(np.asarray(node) - fillings, axis=1)
        # Fillings that lead to the same node with the same weight (to 1e-9) are one edge with a
        # multiplicity; the exact weight of one of them is kept.
        keys, rounded = self._node_keys(nodes), np.round(log_w, 9)
        order = np.lexsort((rounded, keys))
        keys, rounded = keys[order], rounded[order]
        changes = (keys[1:] != keys[:-1]) | (rounded[1:] != rounded[:-1])
        starts = np.flatnonzero(np.r_[True, changes])
        multiplicity = np.diff(np.r_[starts, len(order)]).astype(float)
        edge_keys, exact = keys[starts], log_w[order[starts]]
        child_starts = np.flatnonzero(np.r_[True, edge_keys[1:] != edge_keys[:-1]])
        bounds = np.r_[child_starts, len(starts)]
        return [(tuple(nodes[order[starts[a]]].tolist()), exact[a:b], multiplicity[a:b])
                for a, b in zip(bounds[:-1], bounds[1:])]

    def _node_keys(self, nodes: np.ndarray) -> np.ndarray:
        """One integer per sorted node (base N+1 digits), or unique ids when that overflows."""
        base = sum(self.rows) + 1
        if base ** nodes.shape[1] < 2**62:
            return nodes @ (base ** np.arange(nodes.shape[1], dtype=np.int64))
        return np.unique(nodes, axis=0, return_inverse=True)[1].ravel()

    def _bounds(self, stage: int, node: tuple[int, ...]) -> tuple[float, float]:
        """Largest and smallest log weight over the completions of ``node``."""
        if stage == len(self.columns):
            return 0.0, 0.0
        highest, lowest = -math.inf, math.inf
        for child, log_w, _ in self.children(stage, node):
            hi, lo = self.bounds(stage + 1, child)
            highest, lowest = max(highest, log_w.max() + hi), min(lowest, log_w.min() + lo)
        return highest, lowest

    def log_total(self, stage: int, node: tuple[int, ...]) -> float:
        """log of the summed weights of every completion: M! / (prod R_i! prod_(j>=stage) c_j!)."""
        return float(self.log_fact[sum(node)] - self.log_fact[list(node)].sum()
                     - self.log_fact[list(self.columns[stage:])].sum())


def _merge(chunks: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Pool the paths reaching one node: equal past weights (to 1e-9) have the same future."""
    past = np.concatenate([c[0] for c in chunks])
    paths = np.concatenate([c[1] for c in chunks])
    keys, first, inverse = np.unique(np.round(past, 9), return_index=True, return_inverse=True)
    return past[first], np.bincount(inverse, weights=paths, minlength=len(keys))


def _network_p(counts: np.ndarray, max_work: int) -> tuple[float, float]:
    """Exact p (summed probability of the tables no more probable than the observed one) and the
    observed table's probability."""
    if counts.shape[0] > counts.shape[1]:
        counts = counts.T  # fewer rows, fewer distinct nodes
    # Largest columns first: the later stages, where nodes multiply, then have few fillings
    # (Agresti's 4 x 4 job-satisfaction table: a third of the fillings of the reverse order).
    counts = counts[:, np.argsort(-counts.sum(axis=0), kind="stable")]
    net = _Network(tuple(counts.sum(axis=1).tolist()), tuple(counts.sum(axis=0).tolist()),
                   max_work)
    observed = sum(net.log_w(column) for column in counts.T)
    cutoff = observed + math.log1p(_RELATIVE_TOLERANCE)
    layer = {tuple(sorted(net.rows)): [(np.zeros(1), np.ones(1))]}
    p = 0.0
    for stage in range(len(net.columns) + 1):
        following = defaultdict(list)
        for node, chunks in layer.items():
            past, paths = _merge(chunks)
            hi, lo = net.bounds(stage, node)
            settled = past + hi <= cutoff  # every completion is as improbable as the observed
            p += float(np.sum(
                paths[settled] * np.exp(net.log_k + past[settled] + net.log_total(stage, node))))
            open_ = ~settled & (past + lo <= cutoff)
            if open_.any():
                for child, log_w, fillings in net.children(stage, node):
                    following[child].append(((past[open_, None] + log_w).ravel(),
                                             (paths[open_, None] * fillings).ravel()))
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
