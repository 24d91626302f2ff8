"""Freeman-Halton exact test, likelihood-ratio chi-square and conditional odds ratio."""
import itertools
import math

import numpy as np
import pytest
from scipy import optimize, stats

from cohorts.stats.contingency import (
    ConditionalOddsRatio,
    conditional_odds_ratio,
    freeman_halton_exact,
    likelihood_ratio_chi_square,
)

# Agresti (2002), Categorical Data Analysis, p. 57: income (rows) by job satisfaction (columns).
JOB_SATISFACTION = [[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]]
# Mehta & Patel (1983), JASA, sixth example (also in R's fisher.test examples).
MEHTA_PATEL_6 = [[1, 2, 2, 1, 1, 0, 1], [2, 0, 0, 2, 3, 0, 0], [0, 1, 1, 1, 2, 7, 3],
                 [1, 1, 2, 0, 0, 0, 1], [0, 1, 1, 1, 1, 0, 0]]


def tables_with_margins(rows, columns):
    """Every table with these margins, by brute force (independent of the network algorithm)."""
    def fill(remaining_rows, columns_left):
        if len(columns_left) == 1:
            yield [[r] for r in remaining_rows]
            return
        for first in itertools.product(*(range(r + 1) for r in remaining_rows)):
            if sum(first) == columns_left[0]:
                rest = [r - x for r, x in zip(remaining_rows, first)]
                for tail in fill(rest, columns_left[1:]):
                    yield [[x, *t] for x, t in zip(first, tail)]
    yield from fill(list(rows), list(columns))


def brute_force_p(table):
    table = np.asarray(table)
    dist = stats.random_table(table.sum(axis=1), table.sum(axis=0))
    observed = dist.pmf(table)
    return sum(p for t in tables_with_margins(table.sum(axis=1), table.sum(axis=0))
               if (p := dist.pmf(np.asarray(t))) <= observed * (1 + 1e-7))


# ----------------------------------------------------------------------------- Freeman-Halton


def test_job_satisfaction_table_gives_the_published_exact_p():
    # R: fisher.test(Job) # 0.7827 (the example of R's documentation, Agresti's table).
    result = freeman_halton_exact(JOB_SATISFACTION)
    assert round(result.p, 4) == 0.7827
    assert result.method == "freeman_halton_exact" and "exact" in result.variant
    assert result.statistic == pytest.approx(
        stats.random_table([20, 22, 33, 21], [4, 13, 43, 36]).pmf(np.asarray(JOB_SATISFACTION)))


@pytest.mark.parametrize("table", [
    [[3, 1, 0], [1, 2, 4]],
    [[2, 0, 3], [1, 4, 0], [0, 2, 2]],
    [[1, 2, 1, 0], [0, 1, 3, 2]],
    [[4, 0], [1, 1], [0, 3]],
    [[2, 2, 2], [2, 2, 2]],
])
def test_exact_p_equals_brute_force_enumeration_of_every_table(table):
    assert freeman_halton_exact(table).p == pytest.approx(brute_force_p(table), rel=1e-9)


def test_mehta_patel_sixth_example_agrees_with_monte_carlo():
    exact = freeman_halton_exact(MEHTA_PATEL_6).p
    rng = np.random.default_rng(1983)
    simulated = stats.fisher_exact(MEHTA_PATEL_6, method=stats.MonteCarloMethod(
        n_resamples=40_000, rng=rng)).pvalue
    assert abs(exact - simulated) < 4 * math.sqrt(exact * (1 - exact) / 40_000)


@pytest.mark.parametrize("table", [[[8, 2], [1, 5]], [[3, 1], [1, 3]], [[10, 0], [0, 10]],
                                   [[0, 5], [3, 4]], [[7, 29], [3, 79]]])
def test_two_by_two_tables_agree_with_fishers_exact_test(table):
    assert freeman_halton_exact(table).p == pytest.approx(stats.fisher_exact(table).pvalue,
                                                           rel=1e-9)


def test_levels_without_counts_are_dropped():
    with_empty = [[3, 0, 1, 0], [1, 0, 2, 4], [0, 0, 0, 0]]
    assert freeman_halton_exact(with_empty).p == pytest.approx(
        freeman_halton_exact([[3, 1, 0], [1, 2, 4]]).p)


def test_a_single_occurring_level_has_no_p():
    result = freeman_halton_exact([[3, 4, 5], [0, 0, 0]])
    assert result.p is None and "fewer than two" in result.note


def test_a_table_too_large_to_enumerate_raises_a_clear_error():
    big = [[20, 25, 30, 35, 12], [31, 22, 18, 25, 40], [15, 27, 33, 21, 19], [40, 10, 20, 30, 25]]
    with pytest.raises(ValueError, match="too large"):
        freeman_halton_exact(big)
    with pytest.raises(ValueError, match="too large"):
        freeman_halton_exact(JOB_SATISFACTION, max_work=1_000)


@pytest.mark.parametrize(("table", "message"), [
    ([], "at least one row"),
    ([1, 2, 3], "at least one row"),
    ([[1, -2], [3, 4]], "non-negative integers"),
    ([[1.5, 2], [3, 4]], "non-negative integers"),
    ([[1, None], [3, 4]], "non-negative integers"),
])
def test_invalid_tables_raise_a_clear_value_error(table, message):
    for test in (freeman_halton_exact, likelihood_ratio_chi_square):
        with pytest.raises(ValueError, match=message):
            test(table)


# ----------------------------------------------------------------------------- G-test


def test_likelihood_ratio_chi_square_of_the_job_table_matches_the_published_g():
    # Agresti's job-satisfaction table: G^2 = 6.7641, df 9, p = 0.66167 (vcdExtra's assocstats).
    result = likelihood_ratio_chi_square(JOB_SATISFACTION)
    assert round(result.statistic, 4) == 6.7641 and round(result.p, 5) == 0.66167
    assert result.variant == "G-test, df=9" and result.method == "likelihood_ratio_chi_square"


def test_g_statistic_is_twice_the_sum_of_observed_log_ratios_with_a_zero_cell():
    table = np.array([[5, 0, 2], [3, 4, 6]])
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    observed = table[table > 0]
    g = 2 * np.sum(observed * np.log(observed / expected[table > 0]))
    result = likelihood_ratio_chi_square(table)
    assert result.statistic == pytest.approx(g, rel=1e-12)
    assert result.p == pytest.approx(stats.chi2.sf(g, 2), rel=1e-12)


def test_two_by_two_g_test_has_no_continuity_correction():
    table = np.array([[7, 29], [3, 79]])
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    g = 2 * np.sum(table * np.log(table / expected))
    assert likelihood_ratio_chi_square(table).statistic == pytest.approx(g, rel=1e-12)


def test_g_test_with_one_occurring_level_has_no_p():
    assert likelihood_ratio_chi_square([[0, 4], [0, 6]]).p is None


# ----------------------------------------------------------------------------- conditional OR


def conditional_by_hand(a, b, c, d, level=0.95):
    """Conditional MLE and exact limits from Fisher's noncentral hypergeometric distribution."""
    M, n, N = a + b + c + d, a + b, a + c
    dist = lambda odds: stats.nchypergeom_fisher(M, n, N, odds)  # noqa: E731
    estimate = optimize.brentq(lambda lo: dist(math.exp(lo)).mean() - a, -20, 20, xtol=1e-14)
    tail = (1 - level) / 2
    low = optimize.brentq(lambda lo: dist(math.exp(lo)).sf(a - 1) - tail, -20, 20, xtol=1e-14)
    high = optimize.brentq(lambda lo: dist(math.exp(lo)).cdf(a) - tail, -20, 20, xtol=1e-14)
    return math.exp(estimate), (math.exp(low), math.exp(high))


def test_tea_tasting_conditional_odds_ratio_matches_r_and_the_noncentral_hypergeometric():
    # R: fisher.test(TeaTasting) -> odds ratio 6.408309, 95% CI 0.2117329 621.9337505; R stops
    # uniroot early (its upper limit is 0.7% low), so the limits are checked against the exact
    # noncentral hypergeometric roots instead.
    result = conditional_odds_ratio([[3, 1], [1, 3]])
    estimate, (low, high) = conditional_by_hand(3, 1, 1, 3)
    assert result.odds_ratio == pytest.approx(6.408309, rel=1e-5)
    assert result.ci[0] == pytest.approx(0.2117329, rel=1e-4)
    assert result.odds_ratio == pytest.approx(estimate, rel=1e-6)
    assert result.ci == pytest.approx((low, high), rel=1e-6)
    assert result.confidence_level == 0.95 and result.method == "conditional_odds_ratio"


def test_table1_ddi_conditional_odds_ratio_agrees_with_the_hand_computation():
    result = conditional_odds_ratio([[7, 29], [3, 79]], confidence_level=0.9)
    estimate, ci = conditional_by_hand(7, 29, 3, 79, level=0.9)
    assert result.odds_ratio == pytest.approx(estimate, rel=1e-6)
    assert result.ci == pytest.approx(ci, rel=1e-6)


def test_a_zero_cell_gives_an_unbounded_limit_as_none():
    result = conditional_odds_ratio([[5, 0], [3, 4]])
    assert result.odds_ratio is None and result.ci[1] is None and result.ci[0] > 0
    assert "zero cell" in result.note
    assert conditional_odds_ratio([[0, 5], [3, 4]]).odds_ratio == 0


def test_an_empty_margin_gives_no_odds_ratio():
    assert conditional_odds_ratio([[0, 0], [3, 4]]) == ConditionalOddsRatio(
        None, None, 0.95, note="a row or column without counts")


def test_the_conditional_odds_ratio_needs_a_two_by_two_table():
    with pytest.raises(ValueError, match="2 x 2"):
        conditional_odds_ratio([[1, 2, 3], [4, 5, 6]])
