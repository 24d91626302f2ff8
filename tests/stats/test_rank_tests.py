"""Kruskal-Wallis and Wilcoxon signed-rank tests."""
import itertools

import numpy as np
import pytest
from scipy import stats

from cohorts.stats.rank_tests import kruskal_wallis, wilcoxon_signed_rank

# Hollander & Wolfe (1973), p. 116: mucociliary efficiency (R's kruskal.test example).
NORMAL = [2.9, 3.0, 2.5, 2.6, 3.2]
OBSTRUCTIVE = [3.8, 2.7, 4.0, 2.4]
ASBESTOSIS = [2.8, 3.4, 3.7, 2.2, 2.0]
# Hollander & Wolfe (1973), p. 29: depression scale before and after (R's wilcox.test example).
FIRST_VISIT = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
SECOND_VISIT = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def h_by_hand(*groups):
    """H = 12 / (N (N + 1)) sum R_i^2 / n_i - 3 (N + 1), divided by the tie correction."""
    pooled = np.concatenate(groups)
    ranks = stats.rankdata(pooled)
    n = len(pooled)
    sums, start = [], 0
    for g in groups:
        sums.append(ranks[start:start + len(g)].sum())
        start += len(g)
    h = 12 / (n * (n + 1)) * sum(s**2 / len(g) for s, g in zip(sums, groups)) - 3 * (n + 1)
    ties = np.unique(pooled, return_counts=True)[1]
    return h / (1 - np.sum(ties**3 - ties) / (n**3 - n))


def signed_rank_p_by_enumeration(d, alternative="two-sided"):
    """Exact p over the 2^n equally likely sign assignments of the ranks of |d|."""
    ranks = stats.rankdata(np.abs(d))
    observed = ranks[np.asarray(d) > 0].sum()
    sums = np.array([sum(r for r, s in zip(ranks, signs) if s)
                     for signs in itertools.product((0, 1), repeat=len(d))])
    if alternative == "greater":
        return np.mean(sums >= observed - 1e-9)
    centre = ranks.sum() / 2
    return np.mean(np.abs(sums - centre) >= abs(observed - centre) - 1e-9)


# ----------------------------------------------------------------------------- Kruskal-Wallis


def test_kruskal_wallis_reproduces_hollander_and_wolfe():
    # R: Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68
    result = kruskal_wallis([NORMAL, OBSTRUCTIVE, ASBESTOSIS])
    assert round(result.statistic, 5) == 0.77143 and round(result.p, 2) == 0.68
    assert result.method == "kruskal_wallis" and "df=2" in result.variant


def test_kruskal_wallis_with_ties_equals_the_tie_corrected_h():
    groups = {"a": [1, 2, 2, 3, 5], "b": [2, 3, 3, 4, 6, 6], "c": [5, 6, 7, 7]}
    result = kruskal_wallis(groups)
    h = h_by_hand(*(np.asarray(g, dtype=float) for g in groups.values()))
    assert result.statistic == pytest.approx(h, rel=1e-12)
    assert result.p == pytest.approx(stats.chi2.sf(h, 2), rel=1e-12)


def test_kruskal_wallis_drops_missing_values():
    with_missing = kruskal_wallis([NORMAL + [None], OBSTRUCTIVE + [float("nan")], ASBESTOSIS])
    assert with_missing.p == pytest.approx(kruskal_wallis([NORMAL, OBSTRUCTIVE, ASBESTOSIS]).p)


def test_kruskal_wallis_of_identical_values_has_no_p():
    result = kruskal_wallis([[1, 1], [1, 1, 1]])
    assert result.p is None and "equal" in result.note


@pytest.mark.parametrize(("groups", "message"), [
    ([], "at least two groups"),
    ([[1, 2, 3]], "at least two groups"),
    ({"a": [1, 2], "b": []}, "without values: b"),
    ({"a": [1, 2], "b": [None]}, "without values: b"),
    ([[1, 2], ["x", 3]], "numbers"),
])
def test_kruskal_wallis_invalid_input_raises_a_clear_value_error(groups, message):
    with pytest.raises(ValueError, match=message):
        kruskal_wallis(groups)


# ----------------------------------------------------------------------------- signed rank


def test_signed_rank_reproduces_hollander_and_wolfe():
    # R: wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40, p-value = 0.01953
    result = wilcoxon_signed_rank(FIRST_VISIT, SECOND_VISIT, alternative="greater")
    assert result.statistic == 40 and round(result.p, 5) == 0.01953
    assert result.variant == "exact" and result.method == "wilcoxon_signed_rank"


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_exact_signed_rank_p_equals_enumeration_of_sign_assignments(alternative):
    d = np.subtract(FIRST_VISIT, SECOND_VISIT)
    result = wilcoxon_signed_rank(d, alternative=alternative)
    assert result.p == pytest.approx(signed_rank_p_by_enumeration(d, alternative), rel=1e-12)


def test_ties_use_the_exact_permutation_distribution_of_small_samples():
    d = [1.5, 2, 2, 3, -1.5, 4, -0.5, 2.5]
    result = wilcoxon_signed_rank(d)
    assert result.variant == "exact permutation (tied ranks)"
    assert result.p == pytest.approx(signed_rank_p_by_enumeration(d), rel=1e-12)


def test_zero_differences_are_dropped_and_said():
    result = wilcoxon_signed_rank([1.0, 2.0, 0.5, 4.0, 3.0, 0.0], [0.5, 2.0, 1.5, 2.0, 1.0, 0.0])
    assert result.note == "2 zero difference(s) dropped"
    assert result.p == pytest.approx(signed_rank_p_by_enumeration([0.5, -1.0, 2.0, 2.0]))


def test_asymptotic_variant_is_named_with_its_corrections():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=80), rng.normal(0.2, size=80)
    result = wilcoxon_signed_rank(x, y)
    assert result.variant == "asymptotic normal, tie-corrected"
    assert result.p == pytest.approx(
        stats.wilcoxon(x, y, method="asymptotic", correction=False).pvalue)
    corrected = wilcoxon_signed_rank(x, y, method="asymptotic", correction=True)
    assert corrected.variant == "asymptotic normal, tie-corrected, continuity 0.5"


def test_forced_exact_with_ties_says_it_is_conservative():
    result = wilcoxon_signed_rank([1, 2, 2, 3, -1, 4], method="exact")
    assert result.variant == "exact (conservative with tied ranks)"


def test_incomplete_pairs_are_left_out():
    result = wilcoxon_signed_rank(FIRST_VISIT + [None], SECOND_VISIT + [1.0])
    assert result.p == wilcoxon_signed_rank(FIRST_VISIT, SECOND_VISIT).p


def test_all_zero_differences_have_no_p():
    result = wilcoxon_signed_rank([1, 2, 3], [1, 2, 3])
    assert result.p is None and result.note == "every difference is zero"


@pytest.mark.parametrize(("x", "y", "kwargs", "message"), [
    ([], None, {}, "no pair"),
    ([1, None], [None, 2], {}, "no pair"),
    ([1, 2], [1], {}, "same number"),
    ([1, 2], None, {"method": "permutation"}, "method must be"),
])
def test_signed_rank_invalid_input_raises_a_clear_value_error(x, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        wilcoxon_signed_rank(x, y, **kwargs)
