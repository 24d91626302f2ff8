"""Vectorised per-patient aggregation over event tables (labs, infections, doses, ...).

Every event row is mapped once to its patient's position (`positions`) and its date to a day number
(`day_numbers`, days since 1970-01-01 as float, NaN when missing), so windows are plain numpy
comparisons and per-patient results are `bincount`s and one sort: no Python loop over patients.
This is what lets the analysis handle 100,000 patients and millions of lab rows in seconds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as float64, NaN for NaT."""
    as_days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    numbers = as_days.astype("int64").astype("float64")
    numbers[np.isnat(as_days)] = np.nan
    return numbers


def positions(patient_ids: pd.Series, patients: pd.Index) -> np.ndarray:
    """Position of each row's patient in `patients` (-1 for an unknown patient).

    A patient's records are read together (the columnar read orders them by patient), so each run of
    equal ids is looked up once: a comparison of neighbours is several times cheaper than a hash
    lookup of every row. Any order gives the same positions; it only makes the runs shorter.
    """
    ids = patient_ids.to_numpy(dtype=object)
    if len(ids) == 0:
        return patients.get_indexer(ids)
    starts = np.empty(len(ids), dtype=bool)
    starts[0] = True
    np.not_equal(ids[1:], ids[:-1], out=starts[1:])
    heads = np.flatnonzero(starts)
    return np.repeat(patients.get_indexer(ids[heads]), np.diff(np.append(heads, len(ids))))


def count(position: np.ndarray, mask: np.ndarray, n_patients: int) -> np.ndarray:
    """Number of rows per patient where `mask` holds (float64, 0 for none)."""
    chosen = position[mask & (position >= 0)]
    return np.bincount(chosen, minlength=n_patients).astype("float64")


def total(position: np.ndarray, mask: np.ndarray, values: np.ndarray, n_patients: int) -> np.ndarray:
    """Sum of `values` per patient over the rows where `mask` holds (0 for none)."""
    keep = mask & (position >= 0)
    return np.bincount(position[keep], weights=values[keep], minlength=n_patients)


def earliest(position: np.ndarray, day: np.ndarray, mask: np.ndarray, n_patients: int) -> np.ndarray:
    """Row number of each patient's earliest row where `mask` holds (-1 for none); ties keep
    table order (a stable sort of one packed patient-and-day key)."""
    rows = np.flatnonzero(mask & (position >= 0) & ~np.isnan(day))
    chosen = np.full(n_patients, -1, dtype=np.int64)
    if len(rows) == 0:
        return chosen
    days = day[rows].astype(np.int64)
    key = position[rows].astype(np.int64) * int(days.max() - days.min() + 1) + (days - days.min())
    ordered = rows[np.argsort(key, kind="stable")]
    positions = position[ordered]
    starts = _group_starts(positions)
    chosen[positions[starts]] = ordered[starts]
    return chosen


def take(values: np.ndarray, chosen: np.ndarray, missing=np.nan) -> np.ndarray:
    """`values[chosen]` with `missing` where nothing was chosen (-1)."""
    values = np.asarray(values)
    absent = chosen < 0
    if len(values) == 0:
        return np.full(len(chosen), missing, dtype=object if missing is None else float)
    result = values[np.maximum(chosen, 0)]
    if absent.any():
        result = result.astype(np.result_type(result.dtype, np.asarray(missing).dtype)
                               if missing is not None else object)
        result[absent] = missing
    return result


def flag(has: np.ndarray, applies: np.ndarray) -> np.ndarray:
    """1.0 / 0.0 where `applies`, NaN elsewhere (a row's denominator is where it applies)."""
    return np.where(applies, np.where(has, 1.0, 0.0), np.nan)


def _group_starts(position: np.ndarray) -> np.ndarray:
    """Mask of the first row of each run of equal positions (rows already grouped by patient)."""
    starts = np.ones(len(position), dtype=bool)
    starts[1:] = position[1:] != position[:-1]
    return starts


def _group_ends(position: np.ndarray) -> np.ndarray:
    """Mask of the last row of each run of equal positions."""
    ends = np.ones(len(position), dtype=bool)
    ends[:-1] = position[1:] != position[:-1]
    return ends


class Chronology:
    """The rows of one event table in (patient, day, row order) order, sorted once.

    `first`, `last` and `lowest` then pick one row per patient in linear time. The sort is a stable
    argsort of one packed integer key over rows already in row order, so a file that is already
    in patient and date order (the usual case) costs a single linear pass. `rows` limits it to some
    rows of the table (one analyte's results): masks are then only read at those rows.
    """

    def __init__(self, position: np.ndarray, day: np.ndarray, row_order: np.ndarray, n_patients: int,
                 rows: np.ndarray | None = None) -> None:
        self.n_patients = n_patients
        if rows is None:
            valid = np.flatnonzero((position >= 0) & ~np.isnan(day))
        else:
            valid = rows[(position[rows] >= 0) & ~np.isnan(day[rows])]
        valid = valid[np.argsort(row_order[valid], kind="stable")]
        days = day[valid].astype(np.int64)
        span = int(days.max() - days.min() + 1) if len(days) else 1
        key = position[valid].astype(np.int64) * span + (days - (days.min() if len(days) else 0))
        self.rows = valid[np.argsort(key, kind="stable")]
        self.position = position[self.rows]

    def _chosen(self, rows: np.ndarray, positions: np.ndarray, which: np.ndarray) -> np.ndarray:
        chosen = np.full(self.n_patients, -1, dtype=np.int64)
        chosen[positions[which]] = rows[which]
        return chosen

    def _masked(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = mask[self.rows]
        return self.rows[keep], self.position[keep]

    def first(self, mask: np.ndarray) -> np.ndarray:
        """Each patient's earliest row where `mask` holds (-1 for none)."""
        rows, positions = self._masked(mask)
        return self._chosen(rows, positions, _group_starts(positions))

    def last(self, mask: np.ndarray) -> np.ndarray:
        """Each patient's latest row where `mask` holds; on one day the later row of the file."""
        rows, positions = self._masked(mask)
        return self._chosen(rows, positions, _group_ends(positions))

    def lowest(self, mask: np.ndarray, value: np.ndarray, rank_flag: np.ndarray, *, latest: bool = False) -> np.ndarray:
        """Each patient's lowest row in the order (value, rank_flag); the earliest (or latest) on ties."""
        rows, positions = self._masked(mask)
        if len(rows) == 0:
            return np.full(self.n_patients, -1, dtype=np.int64)
        starts = np.flatnonzero(_group_starts(positions))
        sizes = np.diff(np.append(starts, len(rows)))
        values, flags = value[rows], rank_flag[rows]
        lowest_value = np.repeat(np.minimum.reduceat(values, starts), sizes)
        candidate = values == lowest_value
        lowest_flag = np.repeat(np.minimum.reduceat(np.where(candidate, flags, np.inf), starts), sizes)
        candidate &= flags == lowest_flag
        rows, positions = rows[candidate], positions[candidate]
        which = _group_ends(positions) if latest else _group_starts(positions)
        return self._chosen(rows, positions, which)
