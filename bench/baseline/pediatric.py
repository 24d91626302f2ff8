"""The pediatric maintenance study's Tables 1-4 and Results-text rows (the Kaiser Permanente
study), written from DEFINITIONS.md with pandas, numpy, scipy and statsmodels only.

Periods: "before maintenance" is diagnosis (included) to the index date (excluded); "during" is the
index date to the latest end of maintenance, both included; days in a period = end - start.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (Policy, Rows, chi_square, count_figures, day_numbers, first_day, last_day, mean_figures,
                     one_per_patient, per_patient_count, per_patient_sum, with_positions, yes)
from .models import logistic, poisson

RACES = ("AFRICAN_AMERICAN", "ASIAN", "WHITE", "HISPANIC", "PACIFIC_ISLANDER", "UNKNOWN")
COUNTED_ADMISSIONS = ("INFECTION", "FEBRILE_NEUTROPENIA")
CANDIDATES = {
    "ddi": "Received double-delayed intensification",
    "bacteremia_fungemia_before": "Had episode of bacteremia or fungemia before maintenance",
    "high_risk": "High risk at diagnosis", "male": "Male", "age_at_diagnosis": "Age at diagnosis, per year",
    "cns": "CNS disease at presentation", "cranial_irradiation": "Received cranial irradiation",
    "hd_mtx": "Received high-dose methotrexate",
    "hospitalizations_before": "Hospitalizations before maintenance",
    "days_before_maintenance": "Days from diagnosis to maintenance, per 30 days",
}
FINAL_MODEL = ("ddi", "bacteremia_fungemia_before", "high_risk")


def code_key(code: str) -> str:
    return code.lower().replace("-", "_")


class PediatricStudy:
    """Index date, maintenance and the two periods of DEFINITIONS.md, "Pediatric maintenance study"."""

    def __init__(self, frames):
        self.frames = frames
        self.patients = frames.patients.reset_index(drop=True)
        self.n = len(self.patients)
        self.last_fu = np.fmin(day_numbers(self.patients["last_followup_date"]),
                               day_numbers(self.patients["death_date"]))
        self.diagnosis = day_numbers(self.patients["diagnosis_date"])
        courses = with_positions(frames.treatment_courses, self.patients)
        pos, start = courses["pos"].to_numpy(), day_numbers(courses["start_date"])
        end = day_numbers(courses["end_date"])
        end = np.where(np.isnan(end), self.last_fu[pos], end)  # ongoing
        kind = courses["kind"].to_numpy(dtype=object)
        maintenance = kind == "MAINTENANCE"
        self.index = first_day(pos[maintenance], start[maintenance], self.n)
        self.maintenance_end = last_day(pos[maintenance], end[maintenance], self.n)
        self.days_before = self.index - self.diagnosis
        self.days_during = self.maintenance_end - self.index
        before = start < self.index[pos]
        self.course_before = {k: per_patient_count(pos[before & (kind == k)], self.n) > 0
                              for k in ("CRANIAL_IRRADIATION", "DOUBLE_DELAYED_INTENSIFICATION",
                                        "HIGH_DOSE_METHOTREXATE")}
        doses = with_positions(frames.ivig_doses, self.patients)
        doses = doses.assign(day=day_numbers(doses["given_on"]))
        self.doses = doses[self.during(doses["pos"].to_numpy(), doses["day"].to_numpy())]
        on_ivig = per_patient_count(self.doses["pos"].to_numpy(), self.n) > 0
        self.cohort = np.where(np.isnan(self.index), None, np.where(on_ivig, "IVIG", "CONTROL"))

    def before(self, pos: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (day >= self.diagnosis[pos]) & (day < self.index[pos])

    def during(self, pos: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (day >= self.index[pos]) & (day <= self.maintenance_end[pos])


def pediatric_rows(frames, policy: Policy) -> tuple[PediatricStudy, list[dict]]:
    study = PediatricStudy(frames)
    rows = Rows(study.cohort, "PEDIATRIC", policy)
    table_1(study, rows)
    events = period_events(study)
    tables_2_3(study, rows, events)
    table_4(study, rows, events)
    results_text(study, rows)
    return study, rows.rows


def categorical(rows: Rows, prefix: str, label: str, values: pd.Series, levels: dict[str, str]) -> None:
    """One row per level (n 0 included) over the patients with a value, all carrying the variable's
    Pearson chi-square p."""
    recorded = values.notna().to_numpy()
    codes = pd.Categorical(values, categories=list(levels)).codes  # integer codes compare fast
    table = np.array([np.bincount(codes[rows.masks[c] & (codes >= 0)], minlength=len(levels))
                      for c in ("IVIG", "CONTROL")])
    p = chi_square(table)
    for i, key in enumerate(levels.values()):
        rows.count("T1", f"{prefix}_{key}", f"{label}: {key}", codes == i, recorded,
                   test=None, p=p, method="chi_square", p_scope="variable")


def yes_no(values: pd.Series) -> pd.Series:
    return values.astype(object).map({True: "yes", False: "no"})


def table_1(study: PediatricStudy, rows: Rows) -> None:
    p = study.patients
    age = (study.diagnosis - day_numbers(p["birth_date"])) / 365.25
    rows.mean("T1", "t1_age_at_diagnosis", "Mean age at diagnosis, years (range)", age, kind="mean_range")
    categorical(rows, "t1_sex", "Sex", p["sex"], {"F": "female", "M": "male"})
    races = RACES + (("OTHER",) if (p["race_ethnicity"] == "OTHER").any() else ())
    categorical(rows, "t1_race", "Race/ethnicity", p["race_ethnicity"], {r: code_key(r) for r in races})
    categorical(rows, "t1_site", "Medical Center", p["site_code"],
                {s: code_key(s) for s in study.frames.sites["site_code"]})
    protocols = sorted(set(p["treatment_protocol"].dropna()) - {""})
    categorical(rows, "t1_protocol", "Treatment protocol", p["treatment_protocol"],
                {x: code_key(x) for x in protocols})
    no_yes = {"no": "no", "yes": "yes"}
    categorical(rows, "t1_high_risk", "High risk at diagnosis", yes_no(p["high_risk_at_diagnosis"]), no_yes)
    categorical(rows, "t1_cns", "Central nervous system disease at presentation",
                yes_no(p["cns_disease_at_diagnosis"]), no_yes)
    for kind, key, label in (("CRANIAL_IRRADIATION", "cranial_irradiation", "Received cranial irradiation"),
                             ("DOUBLE_DELAYED_INTENSIFICATION", "ddi", "Received double-delayed intensification"),
                             ("HIGH_DOSE_METHOTREXATE", "hd_mtx", "Received high-dose methotrexate")):
        categorical(rows, f"t1_{key}", label, yes_no(pd.Series(study.course_before[kind])), no_yes)


def period_events(study: PediatricStudy) -> dict[str, np.ndarray]:
    """Per-patient counts before and during maintenance."""
    infections = with_positions(study.frames.infections, study.patients)
    pos, day = infections["pos"].to_numpy(), day_numbers(infections["onset_on"])
    bacteremia = yes(infections["bacteremia_or_fungemia"])
    outpatient = yes(infections["treated_outpatient"]) & yes(infections["antibacterial_change"])
    stays = with_positions(study.frames.hospitalizations, study.patients)
    stays = stays[stays["reason"].isin(COUNTED_ADMISSIONS)]
    s_pos, admitted = stays["pos"].to_numpy(), day_numbers(stays["admitted_on"])
    stay_days = np.nan_to_num(day_numbers(stays["discharged_on"]) - admitted)
    events = {}
    for period, inside in (("before", study.before), ("during", study.during)):
        infection_in, stay_in = inside(pos, day), inside(s_pos, admitted)
        events[f"bacteremia_{period}"] = per_patient_count(pos[infection_in & bacteremia], study.n)
        events[f"hospitalizations_{period}"] = per_patient_count(s_pos[stay_in], study.n)
        events[f"hospital_days_{period}"] = per_patient_sum(s_pos[stay_in], stay_days[stay_in], study.n)
    events["outpatient_during"] = per_patient_count(pos[study.during(pos, day) & outpatient], study.n)
    return events


RATE_ROWS = (  # (table, key, label, per-patient count); Tables 2-3, "p values take into account days"
    ("T2", "t2_bacteremia_fungemia", "Episodes of bacteremia or fungemia", "bacteremia_before"),
    ("T2", "t2_hospitalizations", "Hospitalizations", "hospitalizations_before"),
    ("T2", "t2_hospital_days", "Days of hospitalization", "hospital_days_before"),
    ("T3", "t3_bacteremia_fungemia", "Episodes of bacteremia", "bacteremia_during"),
    ("T3", "t3_hospitalizations", "Hospitalizations", "hospitalizations_during"),
    ("T3", "t3_hospital_days", "Days of hospitalization", "hospital_days_during"),
    ("T3", "t3_outpatient_infections", "Number of infections treated with antibiotics on an outpatient basis",
     "outpatient_during"),
)


def tables_2_3(study: PediatricStudy, rows: Rows, events: dict) -> None:
    rows.mean("T2", "t2_days_before_maintenance", "Days of treatment from induction to maintenance chemotherapy",
              study.days_before)
    rows.mean("T3", "t3_days_of_maintenance", "Days of maintenance chemotherapy", study.days_during)
    for table, key, label, name in RATE_ROWS:
        days = study.days_before if table == "T2" else study.days_during
        p, ratio = poisson(events[name], days, rows.masks["IVIG"], rows.masks["CONTROL"])
        rows.mean(table, key, label, events[name], test=None, p=p, method="poisson_log_days_offset",
                  rate_ratio=ratio)


def as_float(values: pd.Series) -> np.ndarray:
    """A yes/no column as 1.0 / 0.0, NaN when not recorded (left out of the model)."""
    return np.where(values.isna(), np.nan, yes(values).astype(float))


def table_4(study: PediatricStudy, rows: Rows, events: dict) -> None:
    p = study.patients
    candidates = {
        "ddi": study.course_before["DOUBLE_DELAYED_INTENSIFICATION"].astype(float),
        "bacteremia_fungemia_before": (events["bacteremia_before"] >= 1).astype(float),
        "high_risk": as_float(p["high_risk_at_diagnosis"]),
        "male": np.where(p["sex"].isna(), np.nan, (p["sex"] == "M").astype(float)),
        "age_at_diagnosis": (study.diagnosis - day_numbers(p["birth_date"])) / 365.25,
        "cns": as_float(p["cns_disease_at_diagnosis"]),
        "cranial_irradiation": study.course_before["CRANIAL_IRRADIATION"].astype(float),
        "hd_mtx": study.course_before["HIGH_DOSE_METHOTREXATE"].astype(float),
        "hospitalizations_before": events["hospitalizations_before"],
        "days_before_maintenance": study.days_before / 30.0,
    }
    analysed = rows.masks["ALL"]
    ivig = rows.masks["IVIG"][analysed].astype(float)
    frame = pd.DataFrame({name: values[analysed] for name, values in candidates.items()})
    limit = rows.policy.profile_max_cases
    profile = limit is None or len(ivig) <= limit
    for name, label in CANDIDATES.items():
        if frame[name].dropna().nunique() < 2:
            continue  # a single value gives no row (DEFINITIONS.md)
        term = logistic(ivig, frame[[name]], profile=profile)[name]
        rows.add("T4", f"t4_univariate_{name}", label, "odds_ratio", {}, term["p"], "logistic_univariate_wald",
                 **{k: term[k] for k in ("odds_ratio", "ci_wald", "ci_profile")}, screened=term["p"] < 0.25)
    fit = logistic(ivig, frame[list(FINAL_MODEL)], profile=profile)
    for name in FINAL_MODEL:
        term = fit[name]
        rows.add("T4", f"t4_multivariable_{name}", CANDIDATES[name], "odds_ratio", {}, term["p"],
                 "logistic_multivariable_wald", **{k: term[k] for k in ("odds_ratio", "ci_wald", "ci_profile")})


def sites(study: PediatricStudy):
    """(site code, its patients) for every site of sites.csv."""
    codes = pd.Categorical(study.patients["site_code"], categories=list(study.frames.sites["site_code"])).codes
    return [(code, codes == i) for i, code in enumerate(study.frames.sites["site_code"])]


def results_text(study: PediatricStudy, rows: Rows) -> None:
    ivig = rows.masks["IVIG"]
    doses = study.doses[ivig[study.doses["pos"].to_numpy()]]
    dose_pos = doses["pos"].to_numpy()
    per_patient = per_patient_count(dose_pos, study.n)
    text = rows.text
    text("text_ivig_doses_total", "IVIG doses during maintenance", "total", {"IVIG": {"n": len(doses)}})
    text("text_ivig_doses_per_patient", "IVIG doses per patient", "mean_range",
         {"IVIG": mean_figures(per_patient[ivig])})
    setting = doses["setting"].to_numpy(dtype=object)
    for code in ("CLINIC", "INPATIENT", "UNKNOWN"):
        text(f"text_ivig_doses_{code.lower()}", f"IVIG doses given: {code}", "count",
             {"IVIG": count_figures(int((setting == code).sum()), len(doses))})
    clinic = doses[setting == "CLINIC"]
    grade = clinic["reaction_grade"].to_numpy(dtype=float)
    text("text_clinic_doses_without_reaction", "Clinic doses without reaction", "count",
         {"IVIG": count_figures(int(np.isnan(grade).sum()), len(clinic))})
    for g in range(1, 6):
        patients = clinic["pos"].to_numpy()[grade == g]
        text(f"text_reaction_grade_{g}_patients", f"Patients with a grade {g} reaction (clinic)", "total",
             {"IVIG": {"n": len(np.unique(patients))}})
    for code, at_site in sites(study):
        if (ivig & at_site).any():
            text(f"text_ivig_doses_site_{code_key(code)}", f"IVIG doses per patient at {code}", "mean_range",
                 {"IVIG": mean_figures(per_patient[ivig & at_site])})
    igg_text(study, rows, doses)


def igg_text(study: PediatricStudy, rows: Rows, doses: pd.DataFrame) -> None:
    """IgG results per patient, and the IgG results before the first dose during maintenance."""
    ivig, text = rows.masks["IVIG"], rows.text
    labs = study.frames.labs
    igg = with_positions(labs[labs["analyte"] == "IGG"], study.patients)
    pos = igg["pos"].to_numpy()
    results = per_patient_count(pos, study.n)
    text("text_igg_results_ivig_total", "IgG results of IVIG patients", "total",
         {"IVIG": {"n": int(results[ivig].sum())}})
    text("text_igg_results_ivig_per_patient", "IgG results per IVIG patient", "mean_range",
         {"IVIG": mean_figures(results[ivig])})
    for code, at_site in sites(study):
        text(f"text_igg_results_site_{code_key(code)}", f"IgG results per patient at {code} (all patients)",
             "mean_range", {"ALL": mean_figures(results[rows.masks["ALL"] & at_site])})
    first_dose = first_day(doses["pos"].to_numpy(), doses["day"].to_numpy(), study.n)
    day, value = day_numbers(igg["collected_on"]), igg["value"].to_numpy(dtype=float)
    limit = igg["lower_limit_normal"].to_numpy(dtype=float)
    # "<N" is below its limit when N <= limit; a result without a limit is not below (DEFINITIONS.md).
    low = np.where(igg["below_detection"].to_numpy(dtype=bool), value <= limit, value < limit)
    earlier = np.flatnonzero(day < first_dose[pos])
    last = earlier[one_per_patient(pos[earlier], day[earlier], igg["row_order"].to_numpy()[earlier], last=True)]
    before_value = np.full(study.n, np.nan)
    before_value[pos[last]] = value[last]
    text("text_igg_before_ivig", "Last IgG before the first IVIG dose, mg/dL", "mean_sem",
         {"IVIG": mean_figures(before_value[ivig])})
    has = ivig & ~np.isnan(before_value)
    low_at_start = np.zeros(study.n, dtype=bool)
    low_at_start[pos[last]] = low[last]
    any_low = per_patient_count(pos[earlier[low[earlier]]], study.n) > 0
    text("text_igg_below_lln_at_ivig_start", "IgG below the lower limit of normal at IVIG start", "count",
         {"IVIG": count_figures(int((low_at_start & has).sum()), int(has.sum()))})
    text("text_igg_low_before_ivig", "Any IgG below the lower limit of normal before IVIG", "count",
         {"IVIG": count_figures(int((any_low & has).sum()), int(has.sum()))})
