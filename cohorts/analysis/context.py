"""The prepared inputs of every endpoint: frames, parameters, windows, and numeric row positions.

`build_context` maps each event row to its patient's position and its date to a day number once
(see `perpatient`), so that endpoint code compares numpy arrays instead of joining DataFrames.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cohorts.analysis import perpatient
from cohorts.analysis.frames import StudyFrames, without_unread_labs
from cohorts.analysis.parameters import AnalysisParameters
from cohorts.analysis.windows import patient_windows

EVENT_DATES = {
    "treatment_courses": "start_date",
    "ivig_doses": "given_on",
    "labs": "collected_on",
    "infections": "onset_on",
    "hospitalizations": "admitted_on",
    "responses": "assessed_on",
}
WINDOW_DATES = ("index_date", "treatment_end", "exposure_start", "exposure_end", "followup_end",
                "last_followup", "next_line_start", "diagnosis_date")


@dataclass(frozen=True)
class EventRows:
    """Per-row patient position and day number of one event table."""

    position: np.ndarray
    day: np.ndarray


@dataclass(frozen=True, eq=False)
class Context:
    frames: StudyFrames
    parameters: AnalysisParameters
    windows: pd.DataFrame
    patients: pd.Index
    day: dict[str, np.ndarray]
    events: dict[str, EventRows]

    @property
    def n_patients(self) -> int:
        return len(self.patients)

    @property
    def has_index(self) -> np.ndarray:
        return ~np.isnan(self.day["index_date"])

    def relative_day(self, table: str) -> np.ndarray:
        """Days from the patient's index date to each row's date."""
        rows = self.events[table]
        return rows.day - perpatient.take(self.day["index_date"], rows.position)

    def window_mask(self, table: str, start: str, end: str, *, end_exclusive: bool = False) -> np.ndarray:
        """Rows of `table` dated within the patient's [start, end] window (both included)."""
        rows = self.events[table]
        starts = perpatient.take(self.day[start], rows.position)
        ends = perpatient.take(self.day[end], rows.position)
        with np.errstate(invalid="ignore"):
            after_start = rows.day >= starts
            before_end = rows.day < ends if end_exclusive else rows.day <= ends
        return after_start & before_end

    def spread(self, table: str, values: np.ndarray) -> np.ndarray:
        """A per-patient array spread over the rows of `table` (NaN for unknown patients)."""
        return perpatient.take(values, self.events[table].position)


def build_context(frames: StudyFrames, parameters: AnalysisParameters) -> Context:
    frames = without_unread_labs(frames)
    windows = patient_windows(frames, parameters)
    patients = windows.index
    days = {name: perpatient.day_numbers(windows[name]) for name in WINDOW_DATES if name in windows}
    events = {}
    for table, date_column in EVENT_DATES.items():
        frame = getattr(frames, table)
        events[table] = EventRows(position=perpatient.positions(frame["patient_id"], patients),
                                  day=perpatient.day_numbers(frame[date_column]))
    return Context(frames=frames, parameters=parameters, windows=windows, patients=patients,
                   day=days, events=events)
