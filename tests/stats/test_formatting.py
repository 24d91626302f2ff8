"""Figures print the way each paper prints them (DEFINITIONS.md, Formatting)."""
from __future__ import annotations

import dataclasses

import pytest

from cohorts.stats.formatting import (ADULT_STYLE, PEDIATRIC_STYLE, format_figures, format_odds_ratio, format_p,
                                      format_significant, round_half_up)


@pytest.mark.parametrize("p, printed", [(0.2745098039215686, "0.28"), (0.044444444444444446, "0.04"), (1.0, "1"),
                                        (0.5, "0.5"), (0.4000000000000001, "0.4"), (0.0004, "0"),
                                        (0.6406658357122753, "0.64"), (0.9698510983340705, "0.97")])
def test_adult_p_values_round_to_three_then_two_decimals(p, printed):
    assert format_p(p, ADULT_STYLE) == printed


@pytest.mark.parametrize("p, printed", [(0.014462160404763485, "0.015"), (0.2196822337883434, "0.220"),
                                        (7.3e-05, "<0.001"), (0.0018709339554018557, "0.002"),
                                        (0.004582212495998067, "0.005")])
def test_pediatric_p_values_round_to_four_then_three_decimals(p, printed):
    assert format_p(p, PEDIATRIC_STYLE) == printed


def test_no_p_prints_nothing():
    assert format_p(None, ADULT_STYLE) is None


def test_rounding_is_half_up_on_the_shortest_decimal_form():
    assert str(round_half_up(12.25, 1)) == "12.3" and str(round_half_up(2.675, 2)) == "2.68"
    assert format_significant(13.411765, 2) == "13" and format_significant(4.6875, 2) == "4.7"


def test_adult_counts_and_medians():
    assert format_figures("count", {"n": 6, "percent": 35.294117}, ADULT_STYLE) == "6 (35.3)"
    assert format_figures("count", {"n": 3, "percent": 50.0}, ADULT_STYLE) == "3 (50)"
    median = {"n": 6, "median": 25.489641, "min": 21.841147, "max": 31.891069}
    assert format_figures("median_range", median, ADULT_STYLE) == "25.49 (21.84\u201331.89)"
    below = {"n": 15, "median": 19.0, "min": "<5", "max": 42.0}
    assert format_figures("median_range", below, ADULT_STYLE) == "19 (<5\u201342)"


def test_pediatric_counts_and_means_with_row_decimals():
    assert format_figures("count", {"n": 15, "percent": 41.6667}, PEDIATRIC_STYLE) == "15 (42)"
    table_2 = dataclasses.replace(PEDIATRIC_STYLE, mean_decimals=0)
    assert format_figures("mean_sem", {"n": 36, "mean": 278.61, "sem": 10.9536}, table_2) == "279 (11.0)"
    age = {"n": 36, "mean": 7.869496, "min": 0.799452, "max": 19.800137}
    assert format_figures("mean_range", age, PEDIATRIC_STYLE) == "7.9 (0.8-19.8)"


def test_odds_ratio_with_its_interval_as_table_4_prints_it():
    assert format_odds_ratio(5.36362, (1.297208, 27.487713), PEDIATRIC_STYLE) == "5.36 (1.3-27.49)"
    assert format_odds_ratio(1.703968, (0.72395, 4.012455), PEDIATRIC_STYLE) == "1.7 (0.72-4.01)"
