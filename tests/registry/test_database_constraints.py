"""The database has the last word (STYLE.md, rule 4): every named constraint refuses a bad row written
straight to the table, past forms, services and the importer.
"""
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from registry.models import IVIGDose, LabResult, Patient, ResponseAssessment, Site, Study, TreatmentCourse

pytestmark = pytest.mark.django_db


def assert_database_refuses(model, constraint: str, **fields) -> None:
    """PostgreSQL and SQLite both name a check constraint in the error; SQLite names a unique one by columns."""
    before = model._base_manager.count()
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic():
            model.objects.create(**fields)
    assert model._base_manager.count() == before


@pytest.fixture
def patient(patient_a):
    return patient_a


def course(patient, **fields):
    return {"patient": patient, "kind": "BLINATUMOMAB", "start_date": date(2020, 2, 1), **fields}


def dose(patient, **fields):
    return {"patient": patient, "given_on": date(2020, 2, 1), "dose_mg_per_kg": 400, "setting": "CLINIC",
            "indication": "LOW_IGG", **fields}


def lab(patient, **fields):
    return {"patient": patient, "collected_on": date(2020, 2, 1), "analyte": "IGG", "value": 450, "unit": "mg/dL",
            **fields}


def person(study, site, **fields):
    return {"study": study, "site": site, "patient_id": "A-900", "sex": "F", "birth_date": date(1970, 1, 1),
            "diagnosis_date": date(2020, 1, 1), **fields}


def test_a_patient_id_is_unique_within_a_study(patient, study, site_a):
    named = "patient_unique_id_per_study|registry_patient.study_id, registry_patient.patient_id"
    assert_database_refuses(Patient, named, **person(study, site_a, patient_id=patient.patient_id))


def test_the_same_patient_id_may_appear_in_another_study(patient, site_a):
    other = Study.objects.create(code="OTHER", title="Other", population="ADULT", index_treatment="BLINATUMOMAB")
    assert Patient.objects.create(**person(other, site_a, patient_id=patient.patient_id)).pk


def test_a_diagnosis_before_birth_is_refused(study, site_a):
    assert_database_refuses(Patient, "patient_diagnosis_after_birth",
                            **person(study, site_a, birth_date=date(2021, 1, 1)))


def test_a_death_before_diagnosis_is_refused(study, site_a):
    assert_database_refuses(Patient, "patient_death_after_diagnosis",
                            **person(study, site_a, death_date=date(2019, 1, 1)))


def test_a_follow_up_before_diagnosis_is_refused(study, site_a):
    assert_database_refuses(Patient, "patient_followup_after_diagnosis",
                            **person(study, site_a, last_followup_date=date(2019, 1, 1)))


@pytest.mark.parametrize("field, constraint", [("height_cm", "patient_height_positive"),
                                               ("weight_kg", "patient_weight_positive")])
def test_a_body_measure_of_zero_is_refused(study, site_a, field, constraint):
    assert_database_refuses(Patient, constraint, **person(study, site_a, **{field: 0}))


def test_an_unknown_sex_is_refused(study, site_a):
    assert_database_refuses(Patient, "patient_sex_known", **person(study, site_a, sex="X"))


def test_an_unknown_study_population_is_refused():
    assert_database_refuses(Study, "study_population_known", code="S", title="S", population="ELDERLY",
                            index_treatment="BLINATUMOMAB")


def test_an_unknown_index_treatment_is_refused():
    assert_database_refuses(Study, "study_index_treatment_known", code="S", title="S", population="ADULT",
                            index_treatment="RITUXIMAB")


def test_a_course_ending_before_it_starts_is_refused(patient):
    assert_database_refuses(TreatmentCourse, "treatmentcourse_end_after_start",
                            **course(patient, end_date=date(2020, 1, 31)))


def test_a_course_ending_the_day_it_starts_is_kept(patient):
    assert TreatmentCourse.objects.create(**course(patient, end_date=date(2020, 2, 1))).pk


def test_cycle_zero_is_refused(patient):
    assert_database_refuses(TreatmentCourse, "treatmentcourse_cycle_positive", **course(patient, cycle_number=0))


def test_an_unknown_course_kind_is_refused(patient):
    assert_database_refuses(TreatmentCourse, "treatmentcourse_kind_known", **course(patient, kind="CAR_T"))


@pytest.mark.parametrize("mg_per_kg", [0, -400])
def test_a_dose_that_is_not_positive_is_refused(patient, mg_per_kg):
    assert_database_refuses(IVIGDose, "ivigdose_dose_positive", **dose(patient, dose_mg_per_kg=mg_per_kg))


@pytest.mark.parametrize("grade", [0, 6])
def test_an_infusion_reaction_grade_outside_1_to_5_is_refused(patient, grade):
    assert_database_refuses(IVIGDose, "ivigdose_reaction_grade_1_to_5", **dose(patient, reaction_grade=grade))


def test_an_unknown_dose_setting_is_refused(patient):
    assert_database_refuses(IVIGDose, "ivigdose_setting_known", **dose(patient, setting="HOME"))


def test_an_unknown_dose_indication_is_refused(patient):
    assert_database_refuses(IVIGDose, "ivigdose_indication_known", **dose(patient, indication="WHIM"))


@pytest.mark.parametrize("value", [0, -5])
def test_a_lab_value_that_is_not_positive_is_refused(patient, value):
    assert_database_refuses(LabResult, "labresult_value_positive", **lab(patient, value=value))


def test_a_lower_limit_of_zero_is_refused(patient):
    assert_database_refuses(LabResult, "labresult_lower_limit_positive", **lab(patient, lower_limit_normal=0))


@pytest.mark.parametrize("analyte, unit", [("IGG", "cells/uL"), ("ANC", "mg/dL"), ("IGA", "g/L")])
def test_a_unit_that_does_not_fit_the_analyte_is_refused(patient, analyte, unit):
    assert_database_refuses(LabResult, "labresult_unit_of_analyte", **lab(patient, analyte=analyte, unit=unit))


def test_an_unknown_response_is_refused(patient):
    assert_database_refuses(ResponseAssessment, "response_code_known", patient=patient, assessed_on=date(2020, 3, 1),
                            response="STABLE_DISEASE")


def test_a_site_code_is_unique(site_a):
    assert_database_refuses(Site, "code", code=site_a.code, name="Another site A")
