"""Per-patient endpoints of the pediatric maintenance study (Tables 1-4 and the Results text).

"Before maintenance" = diagnosis date until the index date (the index date excluded); "during" =
the maintenance course, both ends included (DEFINITIONS.md).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis import labs, perpatient
from cohorts.analysis.context import Context
from cohorts.analysis.events import codes, yes
from cohorts.analysis.windows import days_between, period_days

PRIOR_COURSES = {"cranial_irradiation": "CRANIAL_IRRADIATION", "ddi": "DOUBLE_DELAYED_INTENSIFICATION",
                 "hd_mtx": "HIGH_DOSE_METHOTREXATE"}
DOSE_SETTINGS = ("CLINIC", "INPATIENT", "UNKNOWN")
DAYS_PER_YEAR = 365.25


def _periods(context: Context, table: str) -> dict[str, np.ndarray]:
    return {"before": context.window_mask(table, "diagnosis_date", "index_date", end_exclusive=True),
            "during": context.window_mask(table, "index_date", "treatment_end")}


def baseline_characteristics(context: Context) -> dict[str, np.ndarray]:
    """Table 1 and the univariate candidates that describe the patient before maintenance."""
    patients, windows, n = context.frames.patients, context.windows, context.n_patients
    age = days_between(patients["birth_date"], patients["diagnosis_date"]).to_numpy() / DAYS_PER_YEAR
    out = {"age_at_diagnosis": age, "sex": codes(patients, "sex"), "race": codes(patients, "race_ethnicity"),
           "site": codes(patients, "site_code"), "protocol": codes(patients, "treatment_protocol")}
    sex = out["sex"]
    out["male"] = np.where(pd.isna(sex), np.nan, sex == "M").astype("float64")
    for name, column in (("high_risk", "high_risk_at_diagnosis"), ("cns", "cns_disease_at_diagnosis")):
        out[name] = patients[column].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    kinds, rows = codes(context.frames.treatment_courses, "kind"), context.events["treatment_courses"]
    with np.errstate(invalid="ignore"):
        before_index = context.relative_day("treatment_courses") < 0
    for name, kind in PRIOR_COURSES.items():
        had = perpatient.count(rows.position, before_index & (kinds == kind), n) > 0
        out[name] = perpatient.flag(had, context.has_index)
    out["days_before_maintenance"] = period_days(
        windows["diagnosis_date"], windows["index_date"], context.parameters).to_numpy()
    out["days_of_maintenance"] = period_days(
        windows["index_date"], windows["treatment_end"], context.parameters).to_numpy()
    return out


def _indexed(context: Context, values: np.ndarray) -> np.ndarray:
    return np.where(context.has_index, values, np.nan)


def infection_endpoints(context: Context) -> dict[str, np.ndarray]:
    """Tables 2-3: episodes, admissions and admission days per patient for each period."""
    parameters, n = context.parameters, context.n_patients
    infections, inf_rows = context.frames.infections, context.events["infections"]
    stays, stay_rows = context.frames.hospitalizations, context.events["hospitalizations"]
    episode = yes(infections, "bacteremia_or_fungemia")
    outpatient = yes(infections, "treated_outpatient")
    if parameters.outpatient_needs_antibacterial_change:
        outpatient &= yes(infections, "antibacterial_change")
    counted_stay = np.isin(codes(stays, "reason"), list(parameters.counted_admission_reasons))
    stay_days = days_between(stays["admitted_on"], stays["discharged_on"]).to_numpy()
    out = {}
    infection_periods, stay_periods = _periods(context, "infections"), _periods(context, "hospitalizations")
    for period in ("before", "during"):
        out[f"bacteremia_fungemia_{period}"] = _indexed(
            context, perpatient.count(inf_rows.position, episode & infection_periods[period], n))
        # An admission without a discharge date still counts; its days are unknown and add nothing.
        in_period = counted_stay & stay_periods[period]
        out[f"hospitalizations_{period}"] = _indexed(context, perpatient.count(stay_rows.position, in_period, n))
        out[f"hospital_days_{period}"] = _indexed(
            context, perpatient.total(stay_rows.position, in_period, np.nan_to_num(stay_days), n))
    out["outpatient_infections_during"] = _indexed(
        context, perpatient.count(inf_rows.position, outpatient & infection_periods["during"], n))
    return out


def dose_endpoints(context: Context) -> dict[str, np.ndarray]:
    """Results text: IVIG doses during maintenance, by setting and infusion reaction."""
    doses, rows, n = context.frames.ivig_doses, context.events["ivig_doses"], context.n_patients
    during = context.window_mask("ivig_doses", "index_date", "treatment_end")
    setting = codes(doses, "setting")
    grade = doses["reaction_grade"].to_numpy(dtype="float64")
    clinic = during & (setting == "CLINIC")
    out = {"ivig_doses": perpatient.count(rows.position, during, n)}
    for name in DOSE_SETTINGS:
        out[f"ivig_doses_{name.lower()}"] = perpatient.count(rows.position, during & (setting == name), n)
    out["clinic_doses_without_reaction"] = perpatient.count(rows.position, clinic & np.isnan(grade), n)
    for g in range(1, 6):
        out[f"clinic_reaction_grade_{g}"] = (perpatient.count(rows.position, clinic & (grade == g), n) > 0
                                            ).astype("float64")
    first = perpatient.earliest(rows.position, rows.day, during, n)
    out["_first_dose_day_number"] = perpatient.take(rows.day, first)
    return out


def igg_before_ivig(context: Context, lab_arrays: labs.LabArrays, first_dose_day: np.ndarray) -> dict:
    """Results text: the last IgG strictly before the first dose during maintenance, and its limit.

    A `<N` result enters the mean as N *(choice)*; a result without a lower limit is not below it.
    """
    n = context.n_patients
    is_igg = lab_arrays.of("IGG")
    first_dose = perpatient.take(first_dose_day, lab_arrays.position)
    with np.errstate(invalid="ignore"):
        before = is_igg & (lab_arrays.day < first_dose)
        below_limit = np.where(lab_arrays.below, lab_arrays.value <= lab_arrays.lower_limit,
                               lab_arrays.value < lab_arrays.lower_limit)
    last = lab_arrays.chronology("IGG").last(before)
    has = last >= 0
    any_low = perpatient.count(lab_arrays.position, before & below_limit, n) > 0
    return {"igg_results": perpatient.count(lab_arrays.position, is_igg, n),
            "igg_before_ivig": perpatient.take(lab_arrays.value, last),
            "igg_below_lln_at_ivig_start": perpatient.flag(perpatient.take(below_limit, last, missing=False)
                                                           .astype(bool), has),
            "igg_low_before_ivig": perpatient.flag(any_low, has)}


def pediatric_endpoints(context: Context, lab_arrays: labs.LabArrays) -> dict[str, np.ndarray]:
    out = baseline_characteristics(context)
    out.update(infection_endpoints(context))
    out.update(dose_endpoints(context))
    out.update(igg_before_ivig(context, lab_arrays, out.pop("_first_dose_day_number")))
    out.update(labs.immunoglobulin_endpoints(context, lab_arrays))
    out["bacteremia_fungemia_before_any"] = np.where(
        np.isnan(out["bacteremia_fungemia_before"]), np.nan, out["bacteremia_fungemia_before"] > 0)
    return out
