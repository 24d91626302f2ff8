"""Inclusion and exclusion criteria of each paper, per patient, with CONSORT-style counts.

Adults (Wo et al., Methods): at least 18 years old at the first blinatumomab course, given for
B-ALL (the flat format has no diagnosis subtype, so every patient of a study is taken as B-ALL), and
not "initiated on blinatumomab during an active infection and died". Written down here as: an
infection with `infection_death = yes` (grade 5 implies it, FORMAT.md) whose onset lies within the
`adult_fatal_infection_lookback_days` (30) before the index date or on it; that infection was
active when blinatumomab started and the patient died of it.

Children (Methods, Patient selection): in first complete remission (`disease_status` =
`FIRST_COMPLETE_REMISSION`), at least 6 months old at diagnosis, no HSCT course starting before the
end of maintenance, and at least 12 months (365 days) of maintenance.

The criteria are checked in the order listed; a patient's reason is the first one failed. The
counts are always reported; the analysis only drops the excluded patients when the parameter
`eligibility_filter` is on (off by default: see `consort` in the analysis document for how many
patients of the validation studies it would remove).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis import perpatient
from cohorts.analysis.adult import completed_years
from cohorts.analysis.context import Context, build_context
from cohorts.analysis.events import codes, yes
from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.parameters import AnalysisParameters

NO_INDEX = {"ADULT": "no blinatumomab course", "PEDIATRIC": "no maintenance course"}


def _adult_criteria(context: Context) -> list[tuple[str, np.ndarray]]:
    parameters, patients, windows = context.parameters, context.frames.patients, context.windows
    age = completed_years(patients["birth_date"].set_axis(windows.index), windows["index_date"])
    rows = context.events["infections"]
    relative = context.relative_day("infections")
    with np.errstate(invalid="ignore"):
        active = (relative <= 0) & (relative >= -parameters.adult_fatal_infection_lookback_days)
    fatal = active & yes(context.frames.infections, "infection_death")
    died_of_it = perpatient.count(rows.position, fatal, context.n_patients) > 0
    return [(f"younger than {parameters.adult_min_age_years} years at the first blinatumomab course",
             ~(age >= parameters.adult_min_age_years)),
            ("started blinatumomab during an active infection and died of it", died_of_it)]


def _pediatric_criteria(context: Context) -> list[tuple[str, np.ndarray]]:
    parameters, patients, windows = context.parameters, context.frames.patients, context.windows
    status = codes(patients, "disease_status")
    age_days = (patients["diagnosis_date"] - patients["birth_date"]).dt.days.to_numpy(dtype="float64")
    kinds, rows = codes(context.frames.treatment_courses, "kind"), context.events["treatment_courses"]
    treatment_end = perpatient.take(context.day["treatment_end"], rows.position)
    with np.errstate(invalid="ignore"):
        early_hsct = (kinds == "HSCT") & (rows.day <= treatment_end)
    had_hsct = perpatient.count(rows.position, early_hsct, context.n_patients) > 0
    maintenance = (windows["treatment_end"] - windows["index_date"]).dt.days.to_numpy(dtype="float64")
    min_age_days = parameters.pediatric_min_age_at_diagnosis_years * 365.25
    return [("not in first complete remission", status != "FIRST_COMPLETE_REMISSION"),
            ("younger than 6 months at diagnosis", ~(age_days >= min_age_days)),
            ("HSCT before the end of maintenance", had_hsct & parameters.pediatric_exclude_hsct),
            (f"less than {parameters.pediatric_min_maintenance_days} days of maintenance",
             ~(maintenance >= parameters.pediatric_min_maintenance_days))]


def eligibility_table(context: Context) -> pd.DataFrame:
    """One row per patient: `cohort`, `eligible` and the first criterion failed (`reason`)."""
    population = context.frames.population
    criteria = [(NO_INDEX[population], ~context.has_index)]
    criteria += _adult_criteria(context) if population == "ADULT" else _pediatric_criteria(context)
    reason = np.full(context.n_patients, None, dtype=object)
    for text, failed in criteria:
        reason = np.where(pd.isna(reason) & np.asarray(failed, dtype=bool), text, reason)
    table = pd.DataFrame({"cohort": context.windows["cohort"].to_numpy(dtype=object), "reason": reason},
                         index=context.patients)
    table.insert(1, "eligible", pd.isna(reason))
    return table


def consort(table: pd.DataFrame, applied: bool) -> dict:
    """Screened, excluded by reason (in criterion order), included overall and per cohort."""
    excluded = table.loc[~table["eligible"], "reason"]
    included = table[table["eligible"]]
    by_reason = excluded.value_counts(sort=False)
    return {
        "screened": int(len(table)),
        "excluded": int(len(excluded)),
        "excluded_by_reason": {str(reason): int(n) for reason, n in by_reason.items()},
        "included": int(len(included)),
        "included_by_cohort": {cohort: int((included["cohort"] == cohort).sum()) for cohort in ("IVIG", "CONTROL")},
        "filter_applied": applied,
    }


def patient_eligibility(frames: StudyFrames, parameters: AnalysisParameters) -> pd.DataFrame:
    """Public form of `eligibility_table`: one row per patient (index `patient_id`)."""
    return eligibility_table(build_context(frames, parameters))
