"""Vectorised per-patient picks agree with a plain pandas computation on random records."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cohorts.analysis import perpatient


@pytest.fixture
def records():
    rng = np.random.default_rng(11)
    n = 3000
    frame = pd.DataFrame({"position": rng.integers(0, 200, n), "day": rng.integers(0, 40, n).astype(float),
                          "value": rng.integers(1, 8, n).astype(float), "flag": rng.integers(0, 2, n).astype(float),
                          "mask": rng.random(n) < 0.7})
    frame["row_order"] = np.arange(n)
    return frame.sample(frac=1, random_state=3).reset_index(drop=True)


def _expected(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> dict:
    chosen = frame[frame["mask"]].sort_values(["position", *by], ascending=[True, *ascending])
    return chosen.groupby("position").head(1).set_index("position")["row_order"].to_dict()


def _got(frame: pd.DataFrame, chosen: np.ndarray) -> dict:
    return {p: int(frame["row_order"].iloc[row]) for p, row in enumerate(chosen) if row >= 0}


def _chronology(frame: pd.DataFrame) -> perpatient.Chronology:
    return perpatient.Chronology(frame["position"].to_numpy(), frame["day"].to_numpy(), frame["row_order"].to_numpy(), 200)


def test_first_and_last_follow_day_then_file_order(records):
    chronology, mask = _chronology(records), records["mask"].to_numpy()
    assert _got(records, chronology.first(mask)) == _expected(records, ["day", "row_order"], [True, True])
    assert _got(records, chronology.last(mask)) == _expected(records, ["day", "row_order"], [False, False])


def test_lowest_takes_the_earliest_or_latest_of_equal_lowest_results(records):
    chronology, mask = _chronology(records), records["mask"].to_numpy()
    value, flag = records["value"].to_numpy(), records["flag"].to_numpy()
    earliest = _expected(records, ["value", "flag", "day", "row_order"], [True, True, True, True])
    latest = _expected(records, ["value", "flag", "day", "row_order"], [True, True, False, False])
    assert _got(records, chronology.lowest(mask, value, flag)) == earliest
    assert _got(records, chronology.lowest(mask, value, flag, latest=True)) == latest


def test_earliest_breaks_ties_by_table_order_and_counts_per_patient(records):
    in_table_order = records.assign(row_order=np.arange(len(records)))
    position, day, mask = records["position"].to_numpy(), records["day"].to_numpy(), records["mask"].to_numpy()
    assert _got(in_table_order, perpatient.earliest(position, day, mask, 200)) == _expected(
        in_table_order, ["day", "row_order"], [True, True])
    counts = perpatient.count(position, mask, 200)
    assert counts.tolist() == records[records["mask"]].groupby("position").size().reindex(range(200), fill_value=0).tolist()


def test_positions_look_up_each_run_of_one_patient_once_and_agree_with_get_indexer():
    patients = pd.Index([f"P{i:03d}" for i in range(50)])
    rng = np.random.default_rng(5)
    ids = np.array([f"P{i:03d}" for i in np.sort(rng.integers(0, 60, 400))], dtype=object)  # P050-P059 unknown
    for order in (np.arange(len(ids)), rng.permutation(len(ids))):
        column = pd.Series(ids[order], dtype=object)
        assert perpatient.positions(column, patients).tolist() == patients.get_indexer(column).tolist()
    assert perpatient.positions(pd.Series([], dtype=object), patients).tolist() == []


def test_a_chronology_of_some_rows_picks_as_the_chronology_of_all(records):
    # One analyte's chronology (labs.py): masks that hold only at its rows pick the same rows.
    some = np.flatnonzero(records["flag"].to_numpy() == 1)
    mask = records["mask"].to_numpy() & (records["flag"].to_numpy() == 1)
    whole = _chronology(records)
    part = perpatient.Chronology(records["position"].to_numpy(), records["day"].to_numpy(),
                                 records["row_order"].to_numpy(), 200, rows=some)
    value, flag = records["value"].to_numpy(), records["flag"].to_numpy()
    assert part.first(mask).tolist() == whole.first(mask).tolist()
    assert part.last(mask).tolist() == whole.last(mask).tolist()
    assert part.lowest(mask, value, flag).tolist() == whole.lowest(mask, value, flag).tolist()
