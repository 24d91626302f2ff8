"""Laboratory endpoints: baseline, nadir and last immunoglobulins, ANC < 500 (DEFINITIONS.md).

- Baseline = the last result of the analyte on or before the index date, within the lookback
  (index - 90 days included); results of one day keep their file order, the later row is "last".
- Nadir = the lowest result in the follow-up window in the `<N` order of `cohorts.stats.values`;
  time to nadir from the index date, the first such result when the lowest value recurs.
- Last = the latest result in the follow-up window, with its day from the index date.
- ANC < 500 at any time in the follow-up window, and the days to the first such result.

Beyond the papers, `exclude_days_after_ivig` (N > 0) leaves out of the IgG nadir every result drawn
1..N days after an IVIG dose: such a level is largely the infused product, not the patient's own
IgG. `days_since_last_ivig` counts from the latest dose strictly before the collection day, so a
result drawn on a dosing day is taken as the pre-infusion trough.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis import perpatient
from cohorts.analysis.context import Context
from cohorts.analysis.frames import StudyFrames
from cohorts.stats.values import below_threshold

IMMUNOGLOBULINS = {"igg": "IGG", "iga": "IGA", "igm": "IGM"}
# (patient, day) packs into one int64 key: days since 1970 shifted into [1, _KEY_SPAN), which
# covers any date within +-13,000 years; 0 marks a missing date.
_KEY_SPAN = 10_000_000
_DAY_SHIFT = _KEY_SPAN // 2


def _packed(position: np.ndarray, day: np.ndarray) -> np.ndarray:
    shifted = np.where(np.isnan(day), 0, day + _DAY_SHIFT).astype(np.int64)
    return position.astype(np.int64) * _KEY_SPAN + shifted


def days_since_last_ivig_of(lab_position: np.ndarray, lab_day: np.ndarray, dose_position: np.ndarray,
                            dose_day: np.ndarray) -> np.ndarray:
    """Per lab row: days since the patient's latest IVIG dose strictly before it (NaN if none)."""
    keep = (dose_position >= 0) & ~np.isnan(dose_day)
    dose_keys = np.sort(_packed(dose_position[keep], dose_day[keep]))
    lab_keys = _packed(lab_position, lab_day)
    before = np.searchsorted(dose_keys, lab_keys, side="left") - 1
    found = before >= 0
    previous = np.where(found, dose_keys[np.maximum(before, 0)] if len(dose_keys) else 0, 0)
    same_patient = found & (previous // _KEY_SPAN == lab_position) & (lab_position >= 0)
    days = lab_keys - previous
    return np.where(same_patient & ~np.isnan(lab_day), days, np.nan).astype("float64")


def labs_with_days_since_last_ivig(frames: StudyFrames) -> pd.DataFrame:
    """The labs frame with a `days_since_last_ivig` column (NaN before any dose)."""
    patients = pd.Index(frames.patients["patient_id"])
    labs, doses = frames.labs, frames.ivig_doses
    days = days_since_last_ivig_of(perpatient.positions(labs["patient_id"], patients),
                                   perpatient.day_numbers(labs["collected_on"]),
                                   perpatient.positions(doses["patient_id"], patients),
                                   perpatient.day_numbers(doses["given_on"]))
    return labs.assign(days_since_last_ivig=days)


class LabArrays:
    """The labs frame as numpy arrays, and each analyte's results sorted once, per analysis."""

    def __init__(self, context: Context) -> None:
        labs = context.frames.labs
        rows = context.events["labs"]
        self.context = context
        self.position = rows.position
        self.day = rows.day
        self.analyte_codes, self.analytes = pd.factorize(labs["analyte"])
        self.value = labs["value"].to_numpy(dtype="float64")
        self.below = labs["below_detection"].to_numpy(dtype=bool)
        self.lower_limit = labs["lower_limit_normal"].to_numpy(dtype="float64")
        self.row_order = labs["row_order"].to_numpy(dtype="int64")
        self.rank_flag = np.where(self.below, 0.0, 1.0)  # `<N` just below a numeric N
        self.relative_day = context.relative_day("labs")
        self.in_followup = context.window_mask("labs", "index_date", "followup_end") & ~np.isnan(self.value)
        self._chronologies: dict[str, perpatient.Chronology] = {}

    def of(self, analyte: str) -> np.ndarray:
        """Mask of the rows of one analyte (compared as factorized codes, not strings)."""
        known = list(self.analytes)
        return self.analyte_codes == known.index(analyte) if analyte in known else np.zeros(len(self.value), bool)

    def chronology(self, analyte: str) -> perpatient.Chronology:
        """The results of one analyte in (patient, day, file) order. Every endpoint reads a single
        analyte, so each is sorted apart and its masks are read at its own rows only."""
        if analyte not in self._chronologies:
            self._chronologies[analyte] = perpatient.Chronology(
                self.position, self.day, self.row_order, self.context.n_patients, rows=np.flatnonzero(self.of(analyte)))
        return self._chronologies[analyte]

    def days_since_ivig(self) -> np.ndarray:
        doses = self.context.events["ivig_doses"]
        return days_since_last_ivig_of(self.position, self.day, doses.position, doses.day)


def _is_low(context: Context, labs: LabArrays, chosen: np.ndarray, analyte: str) -> np.ndarray:
    value = perpatient.take(labs.value, chosen)
    below = perpatient.take(labs.below, chosen, missing=False).astype(bool)
    if context.frames.population == "PEDIATRIC" and context.parameters.pediatric_low_rule == "own_lower_limit":
        limit = perpatient.take(labs.lower_limit, chosen)
        # Children: below the result's own lower limit; a result without a limit is not below.
        with np.errstate(invalid="ignore"):
            low = np.where(below, value <= limit, value < limit)
        return perpatient.flag(low, chosen >= 0)
    return perpatient.flag(below_threshold(value, below, context.parameters.threshold(analyte)), chosen >= 0)


def _describe(out: dict, name: str, labs: LabArrays, chosen: np.ndarray, with_day: bool = True) -> None:
    out[name] = perpatient.take(labs.value, chosen)
    out[f"{name}_below_detection"] = perpatient.take(labs.below, chosen, missing=False).astype(bool)
    if with_day:
        out[f"{name}_day"] = perpatient.take(labs.relative_day, chosen)


def _nadir_mask(context: Context, labs: LabArrays, is_analyte: np.ndarray, analyte: str) -> np.ndarray:
    mask = is_analyte & labs.in_followup
    excluded_days = context.parameters.exclude_days_after_ivig
    if analyte == "IGG" and excluded_days > 0:
        with np.errstate(invalid="ignore"):
            mask &= ~(labs.days_since_ivig() <= excluded_days)
    return mask


def immunoglobulin_endpoints(context: Context, labs: LabArrays) -> dict[str, np.ndarray]:
    """Baseline, nadir and last value (with `<N` flags and days) of IgG, IgA and IgM per patient."""
    parameters = context.parameters
    out: dict[str, np.ndarray] = {}
    for name, analyte in IMMUNOGLOBULINS.items():
        is_analyte = labs.of(analyte)
        with np.errstate(invalid="ignore"):
            in_baseline = is_analyte & (labs.relative_day >= -parameters.baseline_lookback_days) & (
                labs.relative_day <= 0) & ~np.isnan(labs.value)
        baseline = labs.chronology(analyte).last(in_baseline)
        _describe(out, f"baseline_{name}", labs, baseline, with_day=False)
        out[f"baseline_{name}_low"] = _is_low(context, labs, baseline, analyte)
        nadir = labs.chronology(analyte).lowest(_nadir_mask(context, labs, is_analyte, analyte), labs.value,
                                                labs.rank_flag, latest=parameters.nadir_tie == "last")
        _describe(out, f"nadir_{name}", labs, nadir)
        last = labs.chronology(analyte).last(is_analyte & labs.in_followup)
        _describe(out, f"last_{name}", labs, last)
    severe = below_threshold(out["nadir_igg"], out["nadir_igg_below_detection"], parameters.igg_severe_mg_dl)
    out["nadir_igg_severe"] = perpatient.flag(severe, ~np.isnan(out["nadir_igg"]))
    return out


def anc_endpoints(context: Context, labs: LabArrays) -> dict[str, np.ndarray]:
    """ANC below the threshold at any time in the follow-up window, over every indexed patient."""
    low = below_threshold(labs.value, labs.below, context.parameters.anc_low_cells_ul)
    first = labs.chronology("ANC").first(labs.of("ANC") & labs.in_followup & low)
    return {"anc_low": perpatient.flag(first >= 0, context.has_index),
            "anc_low_day": perpatient.take(labs.relative_day, first)}
