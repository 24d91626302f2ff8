"""StudyFrames: FORMAT.md's columns with the fixed dtypes the Django side reproduces."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cohorts.analysis.frames import COLUMNS, LAB_COLUMNS, frames_from_tables, read_folder
from cohorts.analysis.labs import labs_with_days_since_last_ivig
from tests.analysis.builders import adult_patient, blinatumomab, dose, lab, study

ADULT = Path(__file__).resolve().parents[2] / "registry" / "demo_studies" / "adult-blinatumomab"
DTYPE = {"date": "datetime64[ns]", "bool": "boolean", "number": "float64", "code": "object", "text": "object"}


def test_every_table_has_format_md_columns_with_the_contract_dtypes():
    frames = read_folder(ADULT)
    for name, columns in COLUMNS.items():
        table = getattr(frames, name)
        expected = LAB_COLUMNS if name == "labs" else list(columns)
        assert list(table.columns) == expected
        for column, kind in columns.items():
            if name == "labs" and column == "value":
                continue
            assert str(table[column].dtype) == DTYPE[kind], (name, column)
    assert frames.labs["value"].dtype == "float64" and frames.labs["below_detection"].dtype == bool
    assert frames.labs["row_order"].tolist() == list(range(len(frames.labs)))


def test_empty_cells_are_missing_never_zero():
    frames = read_folder(ADULT)
    patients = frames.patients.set_index("patient_id")
    assert pd.isna(patients.loc["A001", "death_date"]) and patients.loc["A001", "treatment_protocol"] is None
    assert pd.isna(patients.loc["A001", "high_risk_at_diagnosis"])


def test_below_detection_results_keep_their_limit_and_flag():
    labs = read_folder(ADULT).labs
    below = labs[labs["below_detection"]]
    assert len(below) > 0 and (below["value"] == 5).all()


def test_frames_built_from_database_types_match_frames_read_from_csv():
    csv_frames = read_folder(ADULT)
    tables = {name: getattr(csv_frames, name) for name in COLUMNS}
    rebuilt = frames_from_tables(csv_frames.study, tables)
    for name in COLUMNS:
        pd.testing.assert_frame_equal(getattr(rebuilt, name), getattr(csv_frames, name))


def test_days_since_last_ivig_counts_from_the_latest_earlier_dose():
    frames = study("ADULT", patients=[adult_patient("A1"), adult_patient("A2")],
                   courses=[blinatumomab("A1", "2020-01-01", "2020-01-28")],
                   doses=[dose("A1", "2020-01-01"), dose("A1", "2020-02-01")],
                   labs=[lab("A1", "2019-12-31", "IGG", "500"), lab("A1", "2020-01-01", "IGG", "500"),
                         lab("A1", "2020-01-11", "IGG", "900"), lab("A1", "2020-02-04", "IGG", "900"),
                         lab("A2", "2020-02-04", "IGG", "900")])
    days = labs_with_days_since_last_ivig(frames)["days_since_last_ivig"].tolist()
    assert np.isnan(days[0]) and np.isnan(days[1]) and days[2:4] == [10, 3] and np.isnan(days[4])


def test_restricting_to_patients_keeps_only_their_records():
    frames = read_folder(ADULT).restricted_to(["A001", "A003"])
    assert frames.patients["patient_id"].tolist() == ["A001", "A003"]
    assert set(frames.labs["patient_id"]) == {"A001", "A003"}


def test_days_since_last_ivig_works_for_dates_before_1970():
    frames = study("ADULT", patients=[adult_patient("A1", birth_date="1930-01-01", diagnosis_date="1960-01-01")],
                   doses=[dose("A1", "1965-03-01")], labs=[lab("A1", "1965-03-11", "IGG", "900")])
    assert labs_with_days_since_last_ivig(frames)["days_since_last_ivig"].tolist() == [10]
