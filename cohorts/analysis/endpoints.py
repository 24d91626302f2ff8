"""One row per patient: cohort, windows and every derived endpoint of the study's paper.

`patient_endpoints(frames, parameters)` is the public one-row-per-patient export; the tables read
the same frame. Column meanings: flags are 1.0/0.0 over the patients the row is about and NaN
elsewhere; lab values are `float` with a `<name>_below_detection` bool beside them; `*_day` columns
count days from the index date. Computed with whole-column numpy operations (`perpatient`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis import adult, labs, pediatric
from cohorts.analysis.context import Context, build_context
from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.parameters import AnalysisParameters

WINDOW_COLUMNS = ("index_date", "treatment_end", "exposure_start", "exposure_end", "followup_end",
                  "last_followup", "next_line_start")


def compute_endpoints(context: Context) -> pd.DataFrame:
    """The endpoint frame of an already built context (index `patient_id`)."""
    cohort = context.windows["cohort"].to_numpy(dtype=object)
    lab_arrays = labs.LabArrays(context)
    if context.frames.population == "ADULT":
        columns = adult.adult_endpoints(context, lab_arrays, cohort)
    else:
        columns = pediatric.pediatric_endpoints(context, lab_arrays)
    frame = pd.DataFrame(columns, index=context.patients)
    windows = context.windows[[c for c in WINDOW_COLUMNS if c in context.windows.columns]]
    return pd.concat([context.windows[["cohort"]], windows, frame], axis=1)


def patient_endpoints(frames: StudyFrames, parameters: AnalysisParameters) -> pd.DataFrame:
    """Per-patient endpoints for export: one row per patient, patients.csv order."""
    endpoints = compute_endpoints(build_context(frames, parameters))
    return endpoints.reset_index().rename(columns={"index": "patient_id"})


def cohort_masks(endpoints: pd.DataFrame) -> dict[str, np.ndarray]:
    """Boolean masks of the IVIG and control cohorts and of both together (ALL)."""
    cohort = endpoints["cohort"].to_numpy(dtype=object)
    ivig, control = cohort == "IVIG", cohort == "CONTROL"
    return {"IVIG": ivig, "CONTROL": control, "ALL": ivig | control}
