"""Two-group tests against textbook values and the papers' printed p-values."""
from __future__ import annotations

import math

import pytest
from scipy import stats

from cohorts.stats.comparisons import (chi_square, fisher_exact_2x2, fisher_exact_counts, mann_whitney_u,
                                       mann_whitney_u_asymptotic, wilcoxon_rank_sum)


def test_fishers_tea_tasting_table():
    result = fisher_exact_2x2([[3, 1], [1, 3]])
    assert result.p == pytest.approx(0.4857, abs=5e-5)
    assert (result.method, result.variant) == ("fisher_exact", "two-sided")


def test_fisher_with_a_zero_cell_still_has_a_p_value():
    # Adult Table 1, HSCT prior to blinatumomab: 3/17 IVIG vs 0/6 control, printed 0.54.
    assert fisher_exact_counts(3, 17, 0, 6).p == pytest.approx(0.5392433653303218)


def test_fisher_has_no_p_when_a_group_has_no_value():
    assert fisher_exact_counts(3, 17, 0, 0).p is None


def test_exact_mann_whitney_reproduces_the_rituximab_doses_row():
    # Adult Table 1: control 6.5 (6-7) vs IVIG 3 (1-5), exact p = 2/45 (printed 0.04).
    result = mann_whitney_u([6, 7], [1, 2, 3, 3, 3, 4, 5, 5])
    assert result.p == pytest.approx(2 / 45) and result.method == "mann_whitney_u_exact"


def test_exact_mann_whitney_ignores_ties_unlike_scipys_auto():
    x, y = [1, 2, 2, 3], [2, 3, 3, 4, 5]
    exact = mann_whitney_u(x, y).p
    assert exact == pytest.approx(stats.mannwhitneyu(x, y, method="exact").pvalue)
    assert exact != pytest.approx(stats.mannwhitneyu(x, y).pvalue)


def test_large_comparisons_switch_to_asymptotic_and_say_so():
    x, y = list(range(300)), list(range(150, 450))
    result = mann_whitney_u(x, y, exact_max_cases=400)
    assert result.method == "mann_whitney_u_asymptotic" and "asymptotic" in result.note
    assert result.p == pytest.approx(stats.mannwhitneyu(x, y, method="asymptotic").pvalue)


def test_asymptotic_rank_sum_with_continuity_correction_by_hand():
    # U = 0, mean 4.5, sd sqrt(3*3*7/12); z = (4.5 - 0.5) / sd.
    z = (4.5 - 0.5) / math.sqrt(3 * 3 * 7 / 12)
    assert wilcoxon_rank_sum([1, 2, 3], [4, 5, 6]).p == pytest.approx(2 * stats.norm.sf(z))
    without = mann_whitney_u_asymptotic([1, 2, 3], [4, 5, 6], continuity=False)
    assert without.p == pytest.approx(2 * stats.norm.sf(4.5 / math.sqrt(3 * 3 * 7 / 12)))
    assert wilcoxon_rank_sum([1, 2, 3], [4, 5, 6]).method == "wilcoxon_rank_sum"


def test_rank_tests_have_no_p_with_an_empty_group():
    assert mann_whitney_u([], [1, 2]).p is None and wilcoxon_rank_sum([1.0], []).p is None


def test_pearson_chi_square_of_a_2x2_table_by_hand():
    statistic = 100 * (10 * 40 - 20 * 30) ** 2 / (30 * 70 * 40 * 60)
    result = chi_square([[10, 20], [30, 40]])
    assert result.statistic == pytest.approx(statistic) and result.p == pytest.approx(stats.chi2.sf(statistic, 1))
    yates = 100 * (abs(10 * 40 - 20 * 30) - 50) ** 2 / (30 * 70 * 40 * 60)
    assert chi_square([[10, 20], [30, 40]], correction=True).p == pytest.approx(stats.chi2.sf(yates, 1))


def test_chi_square_uses_only_the_levels_that_occur():
    with_empty_level = chi_square([[1, 3, 24, 0], [5, 5, 47, 0]])
    assert with_empty_level.p == pytest.approx(chi_square([[1, 3, 24], [5, 5, 47]]).p)
    assert "2 df" in with_empty_level.variant
    assert chi_square([[0, 5], [0, 7]]).p is None
