"""One place decides access (registry.access): clinicians enter data at their own sites only,
investigators read, and every scoped queryset holds only the user's sites.
"""
from datetime import date

import pytest

from registry.errors import AccessDenied
from registry.models import LabResult, Study
from registry.selectors import lab_results_visible_to, patients_visible_to, sites_visible_to, studies_visible_to
from registry.services import clinical_record_add, clinical_record_remove, patient_register, patient_update

pytestmark = pytest.mark.django_db

IGG = {"collected_on": date(2021, 6, 1), "analyte": "IGG", "value": 450, "unit": "mg/dL"}


def test_a_clinician_of_site_b_cannot_add_a_record_to_a_site_a_patient(carol, patient_a):
    with pytest.raises(AccessDenied):
        clinical_record_add(user=carol, patient=patient_a, model=LabResult, data=IGG)
    assert not LabResult.objects.exists()


def test_a_clinician_of_site_b_cannot_edit_or_remove_a_site_a_patient(carol, patient_a):
    with pytest.raises(AccessDenied):
        patient_update(user=carol, patient=patient_a, data={"weight_kg": 50}, expected_version=1)
    with pytest.raises(AccessDenied):
        clinical_record_remove(user=carol, record=patient_a, expected_version=1, reason="not ours")
    patient_a.refresh_from_db()
    assert (patient_a.weight_kg, patient_a.version) == (None, 1)


def test_an_investigator_cannot_enter_data_even_at_their_own_site(bob, patient_a, study, site_a):
    with pytest.raises(AccessDenied):
        clinical_record_add(user=bob, patient=patient_a, model=LabResult, data=IGG)
    with pytest.raises(AccessDenied):
        patient_register(user=bob, study=study, site=site_a, data={
            "patient_id": "A-002", "sex": "F", "birth_date": date(1970, 1, 1), "diagnosis_date": date(2020, 1, 1)})
    assert not LabResult.objects.exists()


def test_a_clinician_enters_data_at_their_own_site(alice, patient_a):
    assert clinical_record_add(user=alice, patient=patient_a, model=LabResult, data=IGG).pk


def test_patients_are_scoped_to_the_users_sites(alice, bob, carol, dave, patient_a, patient_b):
    assert list(patients_visible_to(alice)) == [patient_a]
    assert list(patients_visible_to(bob)) == [patient_a]
    assert list(patients_visible_to(carol)) == [patient_b]
    assert list(patients_visible_to(dave)) == [patient_b]


def test_an_admin_sees_every_site(admin_user, patient_a, patient_b):
    assert set(patients_visible_to(admin_user)) == {patient_a, patient_b}


def test_a_user_without_a_site_sees_nothing(django_user_model, patient_a):
    stranger = django_user_model.objects.create_user(username="stranger", password="stranger-pass-123")
    assert not patients_visible_to(stranger).exists()
    assert not studies_visible_to(stranger).exists()
    assert not sites_visible_to(stranger).exists()


def test_a_study_is_visible_to_the_sites_with_patients_in_it(alice, carol, site_a, patient_a, patient_b):
    only_a = Study.objects.create(code="ONLY-A", title="Site A only", population="ADULT",
                                  index_treatment="BLINATUMOMAB")
    patient_register(user=alice, study=only_a, site=site_a, data={
        "patient_id": "A-100", "sex": "F", "birth_date": date(1970, 1, 1), "diagnosis_date": date(2020, 1, 1)})
    assert set(studies_visible_to(alice).values_list("code", flat=True)) == {"TEST-STUDY", "ONLY-A"}
    assert set(studies_visible_to(carol).values_list("code", flat=True)) == {"TEST-STUDY"}


def test_records_are_scoped_through_their_patient(alice, carol, dave, patient_a, patient_b):
    lab_a = clinical_record_add(user=alice, patient=patient_a, model=LabResult, data=IGG)
    lab_b = clinical_record_add(user=carol, patient=patient_b, model=LabResult, data=IGG)
    assert list(lab_results_visible_to(alice)) == [lab_a]
    assert list(lab_results_visible_to(dave)) == [lab_b]
