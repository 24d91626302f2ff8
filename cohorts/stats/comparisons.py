"""Two-group comparisons used by the paper tables, each returning a `TestResult`.

scipy does the mathematics; this module only picks the exact variant DEFINITIONS.md names and says
which one it was (`method` is the RESULTS.md machine name, `variant` the human description).

- Fisher's exact test, two-sided (adult paper, every patient-count row).
- Mann-Whitney U: SPSS's exact test, which ignores ties (`method="exact"`, never scipy's "auto",
  which switches to a continuity-corrected asymptotic test when there are ties); or the asymptotic
  test, tie-corrected, with or without the 0.5 continuity correction. The exact null distribution
  costs time and memory that grow with the group sizes (about 0.4 s at 400 cases and NaN from
  overflow past about 1,000 on scipy 1.18), so `exact_max_cases` may switch large comparisons to
  the asymptotic test; the `method` then says `asymptotic`.
- Wilcoxon rank-sum as SAS's NPAR1WAY prints it: asymptotic, tie-corrected, continuity 0.5.
- Pearson chi-square for 2x2 and RxC tables, with or without Yates's correction.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from cohorts.stats.results import TestResult

MWU_EXACT = "mann_whitney_u_exact"
MWU_ASYMPTOTIC = "mann_whitney_u_asymptotic"
WILCOXON_RANK_SUM = "wilcoxon_rank_sum"
FISHER_EXACT = "fisher_exact"
CHI_SQUARE = "chi_square"


def fisher_exact_2x2(table: Sequence[Sequence[int]]) -> TestResult:
    """Two-sided Fisher's exact test; no p when a group (row) has no value at all."""
    counts = np.asarray(table, dtype=np.int64)
    if counts.shape != (2, 2):
        raise ValueError(f"Fisher's exact test needs a 2x2 table, got shape {counts.shape}")
    if (counts.sum(axis=1) == 0).any():
        return TestResult(p=None, method=FISHER_EXACT, variant="two-sided",
                          note="a group has no value")
    result = stats.fisher_exact(counts, alternative="two-sided")
    return TestResult(p=float(result.pvalue), method=FISHER_EXACT,
                      statistic=float(result.statistic), variant="two-sided")


def fisher_exact_counts(events_a: int, total_a: int, events_b: int, total_b: int) -> TestResult:
    """Fisher's exact test of events_a/total_a against events_b/total_b."""
    return fisher_exact_2x2([[events_a, total_a - events_a], [events_b, total_b - events_b]])


def _clean(sample: ArrayLike) -> np.ndarray:
    values = np.asarray(sample, dtype=float)
    return values[~np.isnan(values)]


def mann_whitney_u(x: ArrayLike, y: ArrayLike, *, exact_max_cases: int | None = None,
                   continuity: bool = True) -> TestResult:
    """Two-sided Mann-Whitney U; exact (ties ignored, as SPSS) unless the groups are too large.

    `exact_max_cases=None` always computes the exact test (DEFINITIONS.md). Otherwise, when
    len(x) + len(y) exceeds it, the asymptotic tie-corrected test is used, with the 0.5 continuity
    correction when `continuity`, and the method says so.
    """
    first, second = _clean(x), _clean(y)
    if len(first) == 0 or len(second) == 0:
        return TestResult(p=None, method=MWU_EXACT, variant="exact", note="a group has no value")
    if exact_max_cases is not None and len(first) + len(second) > exact_max_cases:
        result = mann_whitney_u_asymptotic(first, second, continuity=continuity)
        note = f"{len(first) + len(second)} cases > {exact_max_cases}: asymptotic instead of exact"
        return TestResult(p=result.p, method=MWU_ASYMPTOTIC, statistic=result.statistic,
                          variant=result.variant, note=note)
    result = stats.mannwhitneyu(first, second, alternative="two-sided", method="exact")
    return TestResult(p=float(result.pvalue), method=MWU_EXACT, statistic=float(result.statistic),
                      variant="exact, ties ignored (SPSS)")


def mann_whitney_u_asymptotic(x: ArrayLike, y: ArrayLike, *, continuity: bool) -> TestResult:
    """Two-sided normal approximation, tie-corrected; continuity 0.5 when `continuity`."""
    first, second = _clean(x), _clean(y)
    variant = "asymptotic, tie-corrected, " + ("continuity 0.5" if continuity else "no continuity")
    if len(first) == 0 or len(second) == 0:
        return TestResult(p=None, method=MWU_ASYMPTOTIC, variant=variant, note="a group has no value")
    result = stats.mannwhitneyu(first, second, alternative="two-sided", method="asymptotic",
                                use_continuity=continuity)
    p = float(result.pvalue)
    return TestResult(p=None if np.isnan(p) else p, method=MWU_ASYMPTOTIC,
                      statistic=float(result.statistic), variant=variant,
                      note="all values tie" if np.isnan(p) else "")


def wilcoxon_rank_sum(x: ArrayLike, y: ArrayLike) -> TestResult:
    """SAS's Wilcoxon rank-sum p (pediatric paper): asymptotic, tie-corrected, continuity 0.5."""
    result = mann_whitney_u_asymptotic(x, y, continuity=True)
    return TestResult(p=result.p, method=WILCOXON_RANK_SUM, statistic=result.statistic,
                      variant=result.variant, note=result.note)


def chi_square(table: Sequence[Sequence[int]], *, correction: bool = False) -> TestResult:
    """Pearson chi-square on the rows and columns that occur (all-zero ones are dropped).

    `correction=True` applies Yates's correction, which scipy (and convention) use only for 2x2
    tables. No p when fewer than two levels remain on either side.
    """
    counts = np.asarray(table, dtype=np.int64)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    variant = "Pearson, " + ("Yates continuity correction" if correction else "no continuity correction")
    if counts.ndim != 2 or min(counts.shape) < 2:
        return TestResult(p=None, method=CHI_SQUARE, variant=variant,
                          note="fewer than two levels occur")
    result = stats.chi2_contingency(counts, correction=correction)
    dof = int(result.dof)
    yates = correction and dof == 1
    variant = "Pearson, " + ("Yates continuity correction" if yates else "no continuity correction")
    return TestResult(p=float(result.pvalue), method=CHI_SQUARE, statistic=float(result.statistic),
                      variant=f"{variant}, {dof} df")
