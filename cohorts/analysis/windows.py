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

import pandas as pd

from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.parameters import AnalysisParameters

IVIG, CONTROL = "IVIG", "CONTROL"
INDEX_COURSE = {"BLINATUMOMAB": "BLINATUMOMAB", "MAINTENANCE": "MAINTENANCE"}
NEXT_LINE_KINDS = ("OTHER_THERAPY", "HSCT")
ONE_DAY = pd.Timedelta(days=1)


def days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days from `start` to `end` as float (NaN when either is missing)."""
    return (end - start).dt.days.astype("float64")


def period_days(start: pd.Series, end: pd.Series, parameters: AnalysisParameters) -> pd.Series:
    """Days in a period: end minus start *(choice)*, or counting both ends ("inclusive")."""
    days = days_between(start, end)
    return days + 1 if parameters.period_days == "inclusive" else days


def _index_courses(frames: StudyFrames, last_followup: pd.Series) -> pd.DataFrame:
    courses = frames.treatment_courses
    kind = INDEX_COURSE[frames.study["index_treatment"]]
    chosen = courses.loc[courses["kind"] == kind, ["patient_id", "start_date", "end_date"]]
    # DEFINITIONS.md: a course with an empty end_date (ongoing) ends at last follow-up.
    ongoing_end = chosen["patient_id"].map(last_followup)
    return chosen.assign(end_date=chosen["end_date"].fillna(ongoing_end))


def _next_line_start(frames: StudyFrames, treatment_end: pd.Series) -> pd.Series:
    courses = frames.treatment_courses
    lines = courses.loc[courses["kind"].isin(NEXT_LINE_KINDS), ["patient_id", "start_date"]]
    after = lines["start_date"] > lines["patient_id"].map(treatment_end)
    return lines[after].groupby("patient_id")["start_date"].min()


def _base(frames: StudyFrames) -> pd.DataFrame:
    patients = frames.patients.set_index("patient_id")
    last_followup = patients[["last_followup_date", "death_date"]].min(axis=1)
    windows = pd.DataFrame(index=patients.index)
    windows["last_followup"] = last_followup.astype("datetime64[ns]")
    windows["death_date"] = patients["death_date"]
    courses = _index_courses(frames, windows["last_followup"])
    grouped = courses.groupby("patient_id")
    windows["index_date"] = grouped["start_date"].min().reindex(windows.index)
    windows["treatment_end"] = grouped["end_date"].max().reindex(windows.index)
    windows["index_courses"] = grouped.size().reindex(windows.index).fillna(0).astype("int64")
    return windows


def _adult_windows(frames: StudyFrames, windows: pd.DataFrame, parameters: AnalysisParameters) -> None:
    next_line = _next_line_start(frames, windows["treatment_end"]).reindex(windows.index)
    windows["next_line_start"] = next_line
    windows["exposure_start"] = windows["index_date"] - pd.Timedelta(days=parameters.ivig_pre_window_days)
    # A dose on the day the next line starts is outside the exposure window.
    windows["exposure_end"] = (next_line - ONE_DAY).fillna(windows["last_followup"])
    capped = windows["treatment_end"] + pd.Timedelta(days=parameters.adult_followup_cap_days)
    ends = pd.concat([windows["last_followup"], windows["death_date"], capped], axis=1)
    windows["followup_end"] = ends.min(axis=1).astype("datetime64[ns]")


def _pediatric_windows(frames: StudyFrames, windows: pd.DataFrame) -> None:
    diagnosis = frames.patients.set_index("patient_id")["diagnosis_date"]
    windows["diagnosis_date"] = diagnosis
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
    windows = _base(frames)
    if frames.population == "ADULT":
        _adult_windows(frames, windows, parameters)
    else:
        _pediatric_windows(frames, windows)
    doses = frames.ivig_doses
    exposed = doses.loc[in_window(doses, "given_on", windows, "exposure_start", "exposure_end"), "patient_id"]
    has_index = windows["index_date"].notna()
    windows["cohort"] = None
    windows.loc[has_index, "cohort"] = CONTROL
    windows.loc[has_index & windows.index.isin(exposed.unique()), "cohort"] = IVIG
    return windows
