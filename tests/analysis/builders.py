"""Small hand-made studies for edge-case tests, built the way the importer would hand them over.

`study(population, patients=[...], courses=[...], ...)` takes rows as dicts with FORMAT.md's column
names (text values, as in the CSV files); missing columns are empty cells.
"""
from __future__ import annotations

import pandas as pd

from cohorts.analysis.frames import COLUMNS, StudyFrames, frames_from_tables

INDEX_TREATMENT = {"ADULT": "BLINATUMOMAB", "PEDIATRIC": "MAINTENANCE"}
ADULT_PATIENT = {"site_code": "S1", "sex": "F", "birth_date": "1960-01-01", "diagnosis_date": "2019-01-01",
                 "race_ethnicity": "WHITE", "height_cm": "170", "weight_kg": "70", "philadelphia_positive": "no",
                 "disease_status": "MRD_POSITIVE", "prior_therapy_lines": "1", "prior_hsct": "no",
                 "prior_anti_cd20_doses": "0", "multiple_myeloma": "no", "chronic_lymphocytic_leukemia": "no",
                 "mdr_organism": "NONE", "last_followup_date": "2021-01-01"}
CHILD_PATIENT = {"site_code": "S1", "sex": "M", "birth_date": "2010-01-01", "diagnosis_date": "2015-01-01",
                 "race_ethnicity": "HISPANIC", "disease_status": "FIRST_COMPLETE_REMISSION", "prior_hsct": "no",
                 "multiple_myeloma": "no", "chronic_lymphocytic_leukemia": "no", "high_risk_at_diagnosis": "no",
                 "cns_disease_at_diagnosis": "no", "treatment_protocol": "AALL0932",
                 "last_followup_date": "2018-06-01"}


def _table(name: str, rows: list[dict]) -> pd.DataFrame:
    columns = list(COLUMNS[name])
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns, dtype=object)


def adult_patient(patient_id: str, **fields: str) -> dict:
    return {"patient_id": patient_id, **ADULT_PATIENT, **fields}


def child_patient(patient_id: str, **fields: str) -> dict:
    return {"patient_id": patient_id, **CHILD_PATIENT, **fields}


def study(population: str, *, patients: list[dict], courses: list[dict] = (), doses: list[dict] = (),
          labs: list[dict] = (), infections: list[dict] = (), hospitalizations: list[dict] = (),
          responses: list[dict] = ()) -> StudyFrames:
    record = {"study_code": f"TEST-{population}", "title": "hand-made test study", "population": population,
              "index_treatment": INDEX_TREATMENT[population]}
    tables = {"sites": _table("sites", [{"site_code": "S1", "name": "Site one"}]),
              "patients": _table("patients", patients),
              "treatment_courses": _table("treatment_courses", list(courses)),
              "ivig_doses": _table("ivig_doses", list(doses)),
              "labs": _table("labs", list(labs)),
              "infections": _table("infections", list(infections)),
              "hospitalizations": _table("hospitalizations", list(hospitalizations)),
              "responses": _table("responses", list(responses))}
    return frames_from_tables(record, tables)


def blinatumomab(patient_id: str, start: str, end: str, cycle: str = "1") -> dict:
    return {"patient_id": patient_id, "kind": "BLINATUMOMAB", "start_date": start, "end_date": end,
            "cycle_number": cycle}


def maintenance(patient_id: str, start: str, end: str) -> dict:
    return {"patient_id": patient_id, "kind": "MAINTENANCE", "start_date": start, "end_date": end}


def dose(patient_id: str, given_on: str, **fields: str) -> dict:
    return {"patient_id": patient_id, "given_on": given_on, "dose_mg_per_kg": "400", "setting": "CLINIC",
            "indication": "PRE_EMPTIVE", **fields}


def lab(patient_id: str, collected_on: str, analyte: str, value: str, limit: str = "") -> dict:
    unit = "cells/uL" if analyte == "ANC" else "mg/dL"
    return {"patient_id": patient_id, "collected_on": collected_on, "analyte": analyte, "value": value,
            "unit": unit, "lower_limit_normal": limit or None}


def infection(patient_id: str, onset_on: str, grade: str = "2", **fields: str) -> dict:
    flags = {c: "no" for c in COLUMNS["infections"] if COLUMNS["infections"][c] == "bool"}
    return {"patient_id": patient_id, "onset_on": onset_on, "ctcae_grade": grade, "organism_class": "VIRAL",
            "site": "UPPER_RESPIRATORY", **flags, "microbiologically_documented": "yes", **fields}
