"""Descriptive summaries against textbook values, with missing data and below-detection results."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cohorts.stats.descriptive import count_of_totals, count_summary, mean_summary, median_iqr, median_range, total_summary
from cohorts.stats.values import Measurement

NAN = float("nan")


def test_count_uses_the_recorded_values_as_denominator():
    summary = count_summary([1, 0, 1, NAN, 1])
    assert (summary.n, summary.denominator, summary.missing) == (3, 4, 1)
    assert summary.percent == 75.0


def test_count_with_nothing_recorded_has_no_percent():
    summary = count_summary([NAN, NAN])
    assert (summary.n, summary.denominator, summary.percent, summary.missing) == (0, 0, None, 2)
    assert count_of_totals(0, 0).figures()["percent"] is None


def test_median_of_an_even_count_averages_the_middle_pair():
    summary = median_range([1, 4, 2, 3, NAN])
    assert (summary.median, summary.minimum, summary.maximum) == (Measurement(2.5), Measurement(1), Measurement(4))
    assert summary.missing == 1


def test_median_of_plain_numbers_is_that_of_the_sorted_values_at_any_count():
    # Without a `<N` result only the middle pair is placed (a partition, not a sort).
    rng = np.random.default_rng(8)
    for n in (1, 2, 3, 10, 11, 1000, 1001):
        values = rng.integers(0, 40, n).astype(float)
        ordered = np.sort(values)
        summary = median_range(values)
        assert summary.median == Measurement((ordered[(n - 1) // 2] + ordered[n // 2]) / 2)
        assert (summary.minimum, summary.maximum, summary.n) == (Measurement(ordered[0]), Measurement(ordered[-1]), n)
        assert summary == median_range(values, below_detection=np.zeros(n, dtype=bool))


def test_a_median_that_involves_a_below_detection_result_is_reported_below():
    summary = median_range([5, 8, 9, 3], below_detection=[True, False, False, False])
    assert summary.figures() == {"n": 4, "median": "<6.5", "min": 3.0, "max": 9.0, "missing": 0}
    assert median_range([5, 8, 9], below_detection=[True, False, False]).figures()["median"] == 8.0


def test_median_and_quartiles_follow_numpys_linear_rule():
    values = [7, 1, 3, 9, 5, 11, 13]
    summary = median_iqr(values)
    assert [summary.q1.value, summary.median.value, summary.q3.value] == list(np.percentile(values, [25, 50, 75]))


def test_mean_and_standard_error_of_a_textbook_sample():
    summary = mean_summary([2, 4, 4, 4, 5, 5, 7, 9])
    assert summary.mean == 5.0 and summary.total == 40.0
    assert summary.sem == pytest.approx(math.sqrt(32 / 7) / math.sqrt(8))
    assert (summary.minimum, summary.maximum) == (2.0, 9.0)


def test_the_standard_error_of_a_single_value_is_null():
    assert mean_summary([3.0]).sem is None
    empty = mean_summary([NAN])
    assert (empty.n, empty.mean, empty.missing) == (0, None, 1)


def test_total_sums_the_recorded_values():
    assert total_summary([3, 4, NAN]).figures() == {"n": 7, "missing": 1}
