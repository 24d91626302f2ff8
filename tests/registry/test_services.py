"""The services are the only writers: each checks the record against its patient, refuses a stale edit,
and leaves a history row saying who changed what and why.
"""
from datetime import date

import pytest

from infections.models import Infection
from registry.errors import EditConflict, RecordInvalid
from registry.models import IVIGDose, LabResult, Patient, Study
from registry.services import (
    clinical_record_add,
    clinical_record_remove,
    clinical_record_update,
    patient_register,
    patient_update,
)

pytestmark = pytest.mark.django_db

IGG = {"analyte": "IGG", "value": 450, "unit": "mg/dL"}


@pytest.fixture
def lab(alice, patient_a):
    return clinical_record_add(user=alice, patient=patient_a, model=LabResult,
                               data={"collected_on": date(2021, 6, 1), **IGG})


def test_a_lab_before_the_diagnosis_is_refused_with_a_message_on_its_date(alice, patient_a):
    with pytest.raises(RecordInvalid) as refused:
        clinical_record_add(user=alice, patient=patient_a, model=LabResult,
                            data={"collected_on": date(2019, 12, 31), **IGG})
    assert refused.value.fields == {"collected_on": ["2019-12-31 is before the diagnosis date (2020-01-01)"]}
    assert not LabResult.objects.exists()


def test_a_dose_before_birth_is_refused_as_before_birth(alice, patient_a):
    with pytest.raises(RecordInvalid) as refused:
        clinical_record_add(user=alice, patient=patient_a, model=IVIGDose, data={
            "given_on": date(1969, 12, 31), "dose_mg_per_kg": 400, "setting": "CLINIC", "indication": "LOW_IGG"})
    assert refused.value.fields == {"given_on": ["1969-12-31 is before the patient's birth date (1970-01-01)"]}


def test_an_infection_after_death_is_refused(alice, patient_a):
    patient = patient_update(user=alice, patient=patient_a, data={"death_date": date(2021, 12, 31)}, expected_version=1)
    with pytest.raises(RecordInvalid) as refused:
        clinical_record_add(user=alice, patient=patient, model=Infection, data={
            "onset_on": date(2022, 1, 1), "ctcae_grade": 3, "organism_class": "VIRAL", "site": "UPPER_RESPIRATORY"})
    assert refused.value.fields == {"onset_on": ["2022-01-01 is after the patient's death date (2021-12-31)"]}


def test_a_record_on_the_day_of_death_is_kept(alice, patient_a):
    patient = patient_update(user=alice, patient=patient_a, data={"death_date": date(2021, 12, 31)}, expected_version=1)
    record = clinical_record_add(user=alice, patient=patient, model=LabResult,
                                 data={"collected_on": date(2021, 12, 31), **IGG})
    assert record.pk


def test_a_record_breaking_a_row_rule_is_refused_before_it_reaches_the_database(alice, patient_a):
    with pytest.raises(RecordInvalid):
        clinical_record_add(user=alice, patient=patient_a, model=IVIGDose, data={
            "given_on": date(2021, 1, 1), "dose_mg_per_kg": 0, "setting": "CLINIC", "indication": "LOW_IGG"})
    assert not IVIGDose.objects.exists()


def test_registering_a_patient_diagnosed_before_birth_names_the_diagnosis_date(alice, study, site_a):
    with pytest.raises(RecordInvalid) as refused:
        patient_register(user=alice, study=study, site=site_a, data={
            "patient_id": "A-002", "sex": "M", "birth_date": date(2000, 1, 1), "diagnosis_date": date(1999, 1, 1)})
    assert refused.value.fields == {"diagnosis_date": ["1999-01-01 is before the patient's birth date (2000-01-01)"]}


def test_a_death_date_before_an_existing_lab_is_refused_and_the_patient_is_unchanged(alice, patient_a, lab):
    with pytest.raises(RecordInvalid) as refused:
        patient_update(user=alice, patient=patient_a, data={"death_date": date(2021, 5, 31)}, expected_version=1)
    assert refused.value.message == (
        "An existing lab result dated 2021-06-01 is after the patient's death date (2021-05-31).")
    patient_a.refresh_from_db()
    assert (patient_a.death_date, patient_a.version) == (None, 1)


def test_a_later_diagnosis_date_that_strands_an_existing_lab_is_refused(alice, patient_a, lab):
    with pytest.raises(RecordInvalid) as refused:
        patient_update(user=alice, patient=patient_a, data={"diagnosis_date": date(2021, 7, 1),
                                                            "last_followup_date": None}, expected_version=1)
    assert refused.value.message == "An existing lab result dated 2021-06-01 is before the diagnosis date (2021-07-01)."


def test_the_second_of_two_editors_of_one_version_gets_a_conflict_with_the_current_values(alice, patient_a):
    first_screen = Patient.objects.get(pk=patient_a.pk)
    second_screen = Patient.objects.get(pk=patient_a.pk)
    patient_update(user=alice, patient=first_screen, data={"weight_kg": 61.5}, expected_version=1)
    with pytest.raises(EditConflict) as conflict:
        patient_update(user=alice, patient=second_screen, data={"weight_kg": 70.0}, expected_version=1)
    assert conflict.value.current_version == 2
    assert conflict.value.current_values["weight_kg"] == 61.5
    patient_a.refresh_from_db()
    assert (patient_a.weight_kg, patient_a.version) == (61.5, 2)


def test_a_stale_edit_of_a_record_overwrites_nothing(alice, lab):
    clinical_record_update(user=alice, record=lab, data={"value": 500}, expected_version=1)
    with pytest.raises(EditConflict):
        clinical_record_update(user=alice, record=lab, data={"value": 999}, expected_version=1)
    lab.refresh_from_db()
    assert (lab.value, lab.version) == (500, 2)
    assert lab.history.count() == 2


def test_a_stale_removal_removes_nothing(alice, lab):
    clinical_record_update(user=alice, record=lab, data={"value": 500}, expected_version=1)
    with pytest.raises(EditConflict):
        clinical_record_remove(user=alice, record=lab, expected_version=1, reason="entered twice")
    assert LabResult.objects.filter(pk=lab.pk).exists()


def test_registering_a_patient_leaves_a_history_row_with_the_user_and_reason(alice, patient_a):
    row = patient_a.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", alice, "registered")


def test_adding_a_record_leaves_a_history_row_with_the_user_and_reason(alice, lab):
    row = lab.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", alice, "recorded")


def test_an_edit_leaves_a_history_row_with_the_old_and_new_values(alice, lab):
    clinical_record_update(user=alice, record=lab, data={"value": 500}, expected_version=1,
                           reason="transcription error")
    new, old = lab.history.order_by("-history_id")
    assert (new.history_type, new.history_user, new.history_change_reason) == ("~", alice, "transcription error")
    assert (old.value, new.value) == (450, 500)


def test_every_patient_edit_is_in_the_history_with_its_reason(alice, patient_a):
    patient_update(user=alice, patient=patient_a, data={"weight_kg": 61.5}, expected_version=1,
                   reason="weighed in clinic")
    latest = patient_a.history.latest()
    assert (latest.weight_kg, latest.history_user, latest.history_change_reason) == (61.5, alice, "weighed in clinic")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_removal_without_a_reason_is_refused(alice, lab, reason):
    with pytest.raises(RecordInvalid) as refused:
        clinical_record_remove(user=alice, record=lab, expected_version=1, reason=reason)
    assert refused.value.fields == {"reason": ["This field is required."]}
    assert LabResult.objects.filter(pk=lab.pk).exists()


def test_a_removal_keeps_the_old_values_with_who_removed_it_and_why(alice, lab):
    clinical_record_remove(user=alice, record=lab, expected_version=1, reason="entered twice")
    assert not LabResult.objects.filter(pk=lab.pk).exists()
    row = LabResult.history.filter(id=lab.pk).latest()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("-", alice, "entered twice")
    assert (row.value, row.collected_on) == (450, date(2021, 6, 1))


def test_removing_a_patient_records_who_removed_each_of_their_records_and_why(alice, patient_a, lab):
    clinical_record_remove(user=alice, record=patient_a, expected_version=1, reason="withdrew consent")
    removed = LabResult.history.filter(id=lab.pk, history_type="-").get()
    assert (removed.history_user, removed.history_change_reason) == (alice, "withdrew consent")
    assert Patient.history.filter(id=patient_a.pk, history_type="-").get().history_change_reason == "withdrew consent"


def test_every_write_marks_the_study_data_as_changed(alice, patient_a, study):
    before = Study.objects.get(pk=study.pk).data_revision
    clinical_record_add(user=alice, patient=patient_a, model=LabResult, data={"collected_on": date(2021, 6, 1), **IGG})
    assert Study.objects.get(pk=study.pk).data_revision == before + 1
