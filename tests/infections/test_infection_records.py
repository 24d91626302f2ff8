"""Infections and hospitalizations go through the same services: checked against the patient, graded
by CTCAE v5, audited, and seen only at the patient's sites.
"""
from datetime import date

import pytest

from infections.models import Hospitalization, Infection
from infections.selectors import hospitalizations_visible_to, infections_visible_to
from registry.errors import AccessDenied, RecordInvalid
from registry.services import clinical_record_add, patient_update

pytestmark = pytest.mark.django_db


def infection(**fields):
    return {"onset_on": date(2021, 3, 1), "ctcae_grade": 3, "organism_class": "BACTERIAL", "site": "BLOODSTREAM",
            **fields}


def test_a_grade_5_infection_must_be_recorded_as_an_infection_death(alice, patient_a):
    with pytest.raises(RecordInvalid):
        clinical_record_add(user=alice, patient=patient_a, model=Infection, data=infection(ctcae_grade=5))
    assert not Infection.objects.exists()


def test_a_grade_5_infection_death_is_recorded_with_its_history(alice, patient_a):
    record = clinical_record_add(user=alice, patient=patient_a, model=Infection,
                                 data=infection(ctcae_grade=5, infection_death=True))
    row = record.history.get()
    assert (row.ctcae_grade, row.history_user, row.history_change_reason) == (5, alice, "recorded")


def test_grade_6_is_refused_on_the_grade(alice, patient_a):
    with pytest.raises(RecordInvalid) as refused:
        clinical_record_add(user=alice, patient=patient_a, model=Infection, data=infection(ctcae_grade=6))
    assert set(refused.value.fields) == {"ctcae_grade"}


def test_a_discharge_before_admission_is_refused(alice, patient_a):
    with pytest.raises(RecordInvalid):
        clinical_record_add(user=alice, patient=patient_a, model=Hospitalization, data={
            "admitted_on": date(2021, 3, 2), "discharged_on": date(2021, 3, 1), "reason": "INFECTION"})
    assert not Hospitalization.objects.exists()


def test_a_discharge_after_death_is_refused_on_the_discharge_date(alice, patient_a):
    patient = patient_update(user=alice, patient=patient_a, data={"death_date": date(2021, 3, 5)}, expected_version=1)
    with pytest.raises(RecordInvalid) as refused:
        clinical_record_add(user=alice, patient=patient, model=Hospitalization, data={
            "admitted_on": date(2021, 3, 1), "discharged_on": date(2021, 3, 6), "reason": "INFECTION"})
    assert refused.value.fields == {"discharged_on": ["2021-03-06 is after the patient's death date (2021-03-05)"]}


def test_a_clinician_of_site_b_cannot_record_an_infection_of_a_site_a_patient(carol, patient_a):
    with pytest.raises(AccessDenied):
        clinical_record_add(user=carol, patient=patient_a, model=Infection, data=infection())
    assert not Infection.objects.exists()


def test_infections_and_stays_are_scoped_to_the_patients_site(alice, carol, bob, patient_a, patient_b):
    ours = clinical_record_add(user=alice, patient=patient_a, model=Infection, data=infection())
    clinical_record_add(user=carol, patient=patient_b, model=Infection, data=infection())
    stay = clinical_record_add(user=alice, patient=patient_a, model=Hospitalization,
                               data={"admitted_on": date(2021, 3, 1), "reason": "INFECTION"})
    assert list(infections_visible_to(bob)) == [ours]
    assert list(hospitalizations_visible_to(bob)) == [stay]
    assert not hospitalizations_visible_to(carol).exists()
