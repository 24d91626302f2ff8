"""A patient's audit history, readable (registry/views/history.py)."""
from registry.models import TreatmentCourse
from registry.services import clinical_record_add, clinical_record_update, patient_update


def test_the_history_says_who_changed_what_from_what_to_what_and_why(login, alice, patient_a):
    course = clinical_record_add(user=alice, patient=patient_a, model=TreatmentCourse,
                                 data={"kind": "BLINATUMOMAB", "start_date": "2021-03-01"})
    clinical_record_update(user=alice, record=course, data={"cycle_number": 2}, expected_version=1,
                           reason="cycle corrected from the chart")
    patient_update(user=alice, patient=patient_a, data={"weight_kg": 71.5}, expected_version=1)
    content = login(alice).get(f"/patients/{patient_a.pk}/history/").content.decode()
    assert "cycle corrected from the chart" in content
    assert '<span class="change-old">—</span> → <span class="change-new">2</span>' in content
    assert "71.5" in content and "by alice" in content


def test_carol_gets_404_for_the_history_of_a_site_a_patient(login, carol, patient_a):
    assert login(carol).get(f"/patients/{patient_a.pk}/history/").status_code == 404


def test_bob_the_investigator_reads_the_history_of_his_site(login, bob, patient_a):
    assert login(bob).get(f"/patients/{patient_a.pk}/history/").status_code == 200


def test_an_import_reads_as_one_line_not_hundreds(login, alice_at_msh, imported_studies):
    from registry.models import Patient

    patient = Patient.objects.get(patient_id="A001")
    content = login(alice_at_msh).get(f"/patients/{patient.pk}/history/").content.decode()
    assert content.count('class="badge ok"') == 1 and "34 lab results" in content
