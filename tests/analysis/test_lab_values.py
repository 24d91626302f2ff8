"""Below-detection lab values (`<N`): parsing, display and the DEFINITIONS.md order."""
from __future__ import annotations

import numpy as np

from cohorts.stats.values import Measurement, below_threshold, order_codes, parse_values


def test_a_value_below_detection_is_parsed_and_printed_as_written():
    assert Measurement.parse("<5") == Measurement(5.0, below_detection=True)
    assert str(Measurement.parse("<5")) == "<5" and str(Measurement.parse("12.5")) == "12.5"
    assert Measurement.parse("12.5").to_json() == 12.5 and Measurement.parse("<5").to_json() == "<5"


def test_below_n_sorts_just_below_n_and_above_anything_lower():
    assert sorted([Measurement(5), Measurement(5, True), Measurement(4.9)]) == [
        Measurement(4.9), Measurement(5, True), Measurement(5)]
    assert not Measurement(5, True) < Measurement(5, True)


def test_below_n_is_below_a_threshold_of_n_or_more():
    assert Measurement(5, True).is_below(5) and not Measurement(5).is_below(5)
    assert below_threshold(np.array([5.0, 5.0, 4.0]), np.array([True, False, False]), 5).tolist() == [True, False, True]


def test_order_codes_rank_the_vector_form_the_same_way_with_ties():
    codes = order_codes(np.array([5.0, 5.0, 4.0, 5.0, np.nan]), np.array([True, False, False, True, False]))
    assert codes.tolist() == [1, 2, 0, 1, -1]


def test_parsing_a_column_keeps_missing_cells_missing():
    values, below = parse_values(["12.5", "<5", None, "", "7"])
    assert np.isnan(values[2]) and np.isnan(values[3])
    assert values[[0, 1, 4]].tolist() == [12.5, 5.0, 7.0] and below.tolist() == [False, True, False, False, False]
