"""Studies at the edges: empty cohorts, one patient, values all below detection, no labs."""
from __future__ import annotations

import json

import pytest

from cohorts.analysis.document import analyse
from cohorts.analysis.endpoints import patient_endpoints
from cohorts.analysis.parameters import AnalysisParameters
from tests.analysis.builders import (adult_patient, blinatumomab, child_patient, dose, infection, lab,
                                     maintenance, study)


def _rows(document: dict) -> dict:
    return {row["row"]: row for row in document["rows"]}


def _adult_pair(with_ivig: bool = True):
    """Two adults: A1 (IVIG when `with_ivig`) and A2 (control), with a few labs and an infection."""
    return study(
        "ADULT",
        patients=[adult_patient("A1"), adult_patient("A2", sex="M", birth_date="1950-06-01")],
        courses=[blinatumomab("A1", "2020-01-01", "2020-01-28"), blinatumomab("A2", "2020-02-01", "2020-02-28")],
        doses=[dose("A1", "2020-01-01")] if with_ivig else [],
        labs=[lab("A1", "2019-12-20", "IGG", "650"), lab("A1", "2020-03-01", "IGG", "400"),
              lab("A2", "2020-01-15", "IGG", "900"), lab("A2", "2020-04-01", "IGG", "350")],
        infections=[infection("A2", "2020-03-01")],
    )


def test_an_empty_ivig_cohort_keeps_its_key_and_gives_no_p_values():
    document = analyse(_adult_pair(with_ivig=False))
    assert document["cohort_sizes"] == {"IVIG": 0, "CONTROL": 2, "ALL": 2}
    rows = _rows(document)
    male = rows["t1_male"]
    assert male["cohorts"]["IVIG"] == {"n": 0, "denominator": 0, "percent": None, "missing": 0}
    assert male["p"] is None and male["p_display"] is None
    age = rows["t1_age"]["cohorts"]["IVIG"]
    assert age["n"] == 0 and age["median"] is None and age["min"] is None
    assert rows["t1_age"]["p"] is None


def test_a_study_of_one_patient_is_analysed():
    frames = study("ADULT", patients=[adult_patient("A1")], courses=[blinatumomab("A1", "2020-01-01", "2020-01-28")])
    document = analyse(frames)
    assert document["cohort_of"] == {"A1": "CONTROL"}
    assert _rows(document)["t1_age"]["cohorts"]["ALL"]["median"] == 60  # birthday on the index date counts
    json.dumps(document, allow_nan=False)


def test_a_pediatric_study_with_an_empty_cohort_skips_table_4_with_a_warning():
    frames = study("PEDIATRIC", patients=[child_patient("P1"), child_patient("P2", sex="F")],
                   courses=[maintenance("P1", "2015-07-01", "2017-07-01"), maintenance("P2", "2015-08-01", "2017-08-01")])
    document = analyse(frames)
    assert document["cohort_sizes"]["IVIG"] == 0
    assert not any(row["table"] == "T4" for row in document["rows"])
    assert any("Table 4" in warning for warning in document["warnings"])
    rates = _rows(document)["t2_hospitalizations"]
    assert rates["p"] is None and rates["rate_ratio"] is None


def test_values_all_below_detection_give_below_detection_medians_and_ranges():
    frames = study(
        "ADULT", patients=[adult_patient("A1"), adult_patient("A2"), adult_patient("A3")],
        courses=[blinatumomab(p, "2020-01-01", "2020-01-28") for p in ("A1", "A2", "A3")],
        doses=[dose("A1", "2020-01-01")],
        labs=[lab("A1", "2020-02-01", "IGA", "<5"), lab("A2", "2020-02-01", "IGA", "<5"),
              lab("A3", "2020-02-01", "IGA", "<10")])
    row = _rows(analyse(frames))["t2_nadir_iga"]
    assert row["cohorts"]["ALL"] == {"n": 3, "median": "<5", "min": "<5", "max": "<10", "missing": 0}
    assert row["cohorts"]["CONTROL"]["median"] == "<7.5"
    assert row["display"]["ALL"] == "<5 (<5\u2013<10)"
    assert row["p"] == pytest.approx(1.0)


def test_a_patient_without_labs_counts_as_missing_not_as_zero():
    frames = _adult_pair()
    document = analyse(frames)
    baseline = _rows(document)["t2_baseline_igm"]["cohorts"]["ALL"]
    assert baseline["n"] == 0 and baseline["missing"] == 2
    anc = _rows(document)["t2_anc_below_500"]["cohorts"]["ALL"]
    assert anc == {"n": 0, "denominator": 2, "percent": 0.0, "missing": 0}


def _nadir_case():
    """An IVIG patient whose lowest IgG in follow-up is a trough, with a higher level the day after a dose."""
    return study(
        "ADULT", patients=[adult_patient("A1")],
        courses=[blinatumomab("A1", "2020-01-01", "2020-01-28")],
        doses=[dose("A1", "2020-02-01")],
        labs=[lab("A1", "2020-01-20", "IGG", "450"), lab("A1", "2020-02-03", "IGG", "300"),
              lab("A1", "2020-03-15", "IGG", "380")])


def test_excluding_results_drawn_just_after_ivig_changes_the_nadir():
    frames = _nadir_case()
    default = patient_endpoints(frames, AnalysisParameters()).iloc[0]
    excluding = patient_endpoints(frames, AnalysisParameters(exclude_days_after_ivig=7)).iloc[0]
    assert (default["nadir_igg"], default["nadir_igg_day"]) == (300, 33)
    assert (excluding["nadir_igg"], excluding["nadir_igg_day"]) == (380, 74)


def test_the_lowest_value_that_recurs_is_dated_by_its_first_result_unless_asked_otherwise():
    frames = study("ADULT", patients=[adult_patient("A1")], courses=[blinatumomab("A1", "2020-01-01", "2020-01-28")],
                   labs=[lab("A1", "2020-02-01", "IGG", "300"), lab("A1", "2020-03-01", "IGG", "300")])
    assert patient_endpoints(frames, AnalysisParameters()).iloc[0]["nadir_igg_day"] == 31
    assert patient_endpoints(frames, AnalysisParameters(nadir_tie="last")).iloc[0]["nadir_igg_day"] == 60


def test_below_detection_counts_below_every_numeric_result_of_its_limit_or_more():
    frames = study("ADULT", patients=[adult_patient("A1"), adult_patient("A2")],
                   courses=[blinatumomab(p, "2020-01-01", "2020-01-28") for p in ("A1", "A2")],
                   labs=[lab("A1", "2020-02-01", "IGM", "5"), lab("A1", "2020-03-01", "IGM", "<5"),
                         lab("A2", "2020-02-01", "IGM", "<5"), lab("A2", "2020-03-01", "IGM", "4")])
    endpoints = patient_endpoints(frames, AnalysisParameters()).set_index("patient_id")
    assert endpoints.loc["A1", ["nadir_igm", "nadir_igm_below_detection"]].tolist() == [5.0, True]
    assert endpoints.loc["A2", ["nadir_igm", "nadir_igm_below_detection"]].tolist() == [4.0, False]


def test_results_of_one_day_keep_their_file_order_for_the_baseline():
    frames = study("ADULT", patients=[adult_patient("A1")], courses=[blinatumomab("A1", "2020-01-01", "2020-01-28")],
                   labs=[lab("A1", "2019-12-01", "IGG", "650"), lab("A1", "2019-12-01", "IGG", "720")])
    assert patient_endpoints(frames, AnalysisParameters()).iloc[0]["baseline_igg"] == 720


def test_a_dose_on_the_day_the_next_line_starts_leaves_the_patient_a_control():
    frames = study("ADULT", patients=[adult_patient("A1"), adult_patient("A2")],
                   courses=[blinatumomab("A1", "2020-01-01", "2020-01-28"),
                            {"patient_id": "A1", "kind": "HSCT", "start_date": "2020-03-01", "end_date": "2020-03-01"},
                            blinatumomab("A2", "2020-01-01", "2020-01-28")],
                   doses=[dose("A1", "2020-03-01"), dose("A2", "2019-12-02")])
    assert analyse(frames)["cohort_of"] == {"A1": "CONTROL", "A2": "IVIG"}


def test_eligibility_reports_each_exclusion_and_filters_only_when_asked():
    frames = study("PEDIATRIC",
                   patients=[child_patient("P1"), child_patient("P2"), child_patient("P3", disease_status="MRD_POSITIVE")],
                   courses=[maintenance("P1", "2015-07-01", "2017-07-01"), maintenance("P2", "2015-07-01", "2015-12-01"),
                            maintenance("P3", "2015-07-01", "2017-07-01")],
                   doses=[dose("P1", "2016-01-01")])
    counts = analyse(frames)["consort"]
    assert counts["excluded_by_reason"] == {"less than 365 days of maintenance": 1,
                                            "not in first complete remission": 1}
    assert (counts["screened"], counts["included"], counts["filter_applied"]) == (3, 1, False)
    filtered = analyse(frames, AnalysisParameters(eligibility_filter=True))
    assert filtered["cohort_of"] == {"P1": "IVIG"} and filtered["consort"]["filter_applied"]


def test_an_adult_who_started_during_a_fatal_infection_is_excluded():
    frames = study("ADULT", patients=[adult_patient("A1", death_date="2020-01-10"), adult_patient("A2", birth_date="2005-01-01")],
                   courses=[blinatumomab("A1", "2020-01-01", "2020-01-10"), blinatumomab("A2", "2020-01-01", "2020-01-28")],
                   infections=[infection("A1", "2019-12-28", grade="5", infection_death="yes")])
    counts = analyse(frames)["consort"]["excluded_by_reason"]
    assert counts == {"younger than 18 years at the first blinatumomab course": 1,
                      "started blinatumomab during an active infection and died of it": 1}


def test_progress_is_reported_from_zero_to_one():
    seen = []
    analyse(_adult_pair(), progress=lambda fraction, message: seen.append(fraction))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_the_other_site_row_appears_only_for_a_documented_infection_in_the_window():
    def frames_with(onset: str):
        return study("ADULT", patients=[adult_patient("A1"), adult_patient("A2")],
                     courses=[blinatumomab(p, "2020-01-01", "2020-01-28") for p in ("A1", "A2")],
                     doses=[dose("A1", "2020-01-01")], infections=[infection("A1", onset, site="OTHER")])
    inside, outside = analyse(frames_with("2020-02-01")), analyse(frames_with("2019-06-01"))
    assert _rows(inside)["t3_site_other"]["cohorts"]["IVIG"]["n"] == 1
    assert "t3_site_other" not in _rows(outside)
