"""Index date, exposure and follow-up windows, and cohort assignment (DEFINITIONS.md, first section).

`patient_windows` returns one row per patient (index `patient_id`, patients.csv order):

- `last_followup`: the earlier of `last_followup_date` and `death_date`;
- `index_date`: start of the first index-treatment course (`BLINATUMOMAB` or `MAINTENANCE`);
- `treatment_end`: latest end of those courses, an ongoing course ending at last follow-up;
- `exposure_start` / `exposure_end`: the window in which an IVIG dose puts the patient in the IVIG
  cohort, both ends included (adults: 30 days before the index date until the day before the next
  line of therapy, or last follow-up; children: the maintenance course);
- `followup_end`: last day of the outcome window that starts on the index date (adults: the earliest
  of last follow-up, death and 365 days after the last blinatumomab end; children: end of maintenance);
- `next_line_start` (adults): first `OTHER_THERAPY` or `HSCT` starting after the last blinatumomab end;
- `cohort`: `IVIG`, `CONTROL`, or None for a patient without an index-treatment course.
All windows are whole-patient vectors; nothing loops over patients.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cohorts.analysis import perpatient
from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.parameters import AnalysisParameters

IVIG, CONTROL = "IVIG", "CONTROL"
INDEX_COURSE = {"BLINATUMOMAB": "BLINATUMOMAB", "MAINTENANCE": "MAINTENANCE"}
NEXT_LINE_KINDS = ("OTHER_THERAPY", "HSCT")
ONE_DAY = pd.Timedelta(days=1)
NAT_AS_INT64 = np.datetime64("NaT", "ns").view(np.int64)


def days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days from `start` to `end` as float (NaN when either is missing)."""
    return (end - start).dt.days.astype("float64")


def period_days(start: pd.Series, end: pd.Series, parameters: AnalysisParameters) -> pd.Series:
    """Days in a period: end minus start *(choice)*, or counting both ends ("inclusive")."""
    days = days_between(start, end)
    return days + 1 if parameters.period_days == "inclusive" else days


@dataclass(frozen=True)
class _Courses:
    """Treatment courses as arrays: the row of each course's patient, its kind and dates, an ongoing
    course's end already set to the patient's last follow-up (DEFINITIONS.md)."""

    position: np.ndarray
    kind: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _spread(per_patient: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Each row's patient's value; rows of unknown patients (-1) are left out by every caller."""
    return per_patient[np.maximum(position, 0)]


def _per_patient(reduce: np.ufunc, position: np.ndarray, dates: np.ndarray, rows: np.ndarray,
                 n_patients: int) -> np.ndarray:
    """The earliest (`np.minimum`) or latest (`np.maximum`) of each patient's `dates` over `rows`,
    NaT for none: one pass over integer dates instead of a group-by of text patient ids."""
    keep = rows & (position >= 0) & ~np.isnat(dates)
    empty = np.iinfo(np.int64).max if reduce is np.minimum else np.iinfo(np.int64).min
    out = np.full(n_patients, empty, dtype=np.int64)
    reduce.at(out, position[keep], dates[keep].view(np.int64))
    out[out == empty] = NAT_AS_INT64
    return out.view("datetime64[ns]")


def _courses(frames: StudyFrames, patients: pd.Index, last_followup: np.ndarray) -> _Courses:
    courses = frames.treatment_courses
    position = perpatient.positions(courses["patient_id"], patients)
    end = courses["end_date"].to_numpy(dtype="datetime64[ns]")
    ongoing = np.where(position >= 0, _spread(last_followup, position), np.datetime64("NaT", "ns"))
    return _Courses(position=position, kind=courses["kind"].to_numpy(dtype=object),
                    start=courses["start_date"].to_numpy(dtype="datetime64[ns]"),
                    end=np.where(np.isnat(end), ongoing, end))


def _base(frames: StudyFrames) -> tuple[pd.DataFrame, _Courses]:
    patients = frames.patients
    windows = pd.DataFrame(index=pd.Index(patients["patient_id"], name="patient_id"))
    death = patients["death_date"].to_numpy(dtype="datetime64[ns]")
    last_followup = np.fmin(patients["last_followup_date"].to_numpy(dtype="datetime64[ns]"), death)
    courses = _courses(frames, windows.index, last_followup)
    index_course = courses.kind == INDEX_COURSE[frames.study["index_treatment"]]
    n = len(windows)
    windows["last_followup"] = last_followup
    windows["death_date"] = death
    windows["index_date"] = _per_patient(np.minimum, courses.position, courses.start, index_course, n)
    windows["treatment_end"] = _per_patient(np.maximum, courses.position, courses.end, index_course, n)
    windows["index_courses"] = np.bincount(courses.position[index_course & (courses.position >= 0)],
                                           minlength=n).astype("int64")
    return windows, courses


def _next_line_start(courses: _Courses, treatment_end: np.ndarray) -> np.ndarray:
    after = np.isin(courses.kind, NEXT_LINE_KINDS) & (courses.start > _spread(treatment_end, courses.position))
    return _per_patient(np.minimum, courses.position, courses.start, after, len(treatment_end))


def _adult_windows(windows: pd.DataFrame, courses: _Courses, parameters: AnalysisParameters) -> None:
    next_line = pd.Series(_next_line_start(courses, windows["treatment_end"].to_numpy()), index=windows.index)
    windows["next_line_start"] = next_line
    windows["exposure_start"] = windows["index_date"] - pd.Timedelta(days=parameters.ivig_pre_window_days)
    # A dose on the day the next line starts is outside the exposure window.
    windows["exposure_end"] = (next_line - ONE_DAY).fillna(windows["last_followup"])
    capped = (windows["treatment_end"] + pd.Timedelta(days=parameters.adult_followup_cap_days)).to_numpy()
    windows["followup_end"] = np.fmin(np.fmin(windows["last_followup"].to_numpy(), windows["death_date"].to_numpy()),
                                      capped)


def _pediatric_windows(frames: StudyFrames, windows: pd.DataFrame) -> None:
    windows["diagnosis_date"] = frames.patients["diagnosis_date"].to_numpy(dtype="datetime64[ns]")
    windows["exposure_start"] = windows["index_date"]
    windows["exposure_end"] = windows["treatment_end"]
    windows["followup_end"] = windows["treatment_end"]


def in_window(events: pd.DataFrame, date_column: str, windows: pd.DataFrame, start: str,
              end: str) -> pd.Series:
    """Mask of events whose date lies in the patient's [start, end] window (both included)."""
    dates = events[date_column]
    starts = events["patient_id"].map(windows[start])
    ends = events["patient_id"].map(windows[end])
    return (dates >= starts) & (dates <= ends)


def patient_windows(frames: StudyFrames, parameters: AnalysisParameters) -> pd.DataFrame:
    """One row per patient: dates of every window and the cohort (see the module docstring)."""
    windows, courses = _base(frames)
    if frames.population == "ADULT":
        _adult_windows(windows, courses, parameters)
    else:
        _pediatric_windows(frames, windows)
    doses = frames.ivig_doses
    position = perpatient.positions(doses["patient_id"], windows.index)
    given = doses["given_on"].to_numpy(dtype="datetime64[ns]")
    inside = (position >= 0) & (given >= _spread(windows["exposure_start"].to_numpy(), position)) & (
        given <= _spread(windows["exposure_end"].to_numpy(), position))
    exposed = np.bincount(position[inside], minlength=len(windows)) > 0
    has_index = windows["index_date"].notna().to_numpy()
    cohort = np.where(has_index, np.where(exposed, IVIG, CONTROL), None)
    windows["cohort"] = pd.Series(cohort, index=windows.index, dtype=object)  # not pandas' str dtype
    return windows
