"""Adding, editing and removing a patient's records (registry/views/records.py)."""
from infections.models import Infection
from registry.models import IVIGDose, LabResult, TreatmentCourse
from registry.services import clinical_record_add, clinical_record_update

COURSE = {"kind": "BLINATUMOMAB", "start_date": "2021-03-01", "end_date": "2021-03-29", "cycle_number": "1"}
INFECTION = {"onset_on": "2021-04-02", "ctcae_grade": "3", "organism_class": "BACTERIAL", "organism": "E. coli",
             "site": "BLOODSTREAM", "microbiologically_documented": "true"}


def test_alice_adds_a_course_and_returns_to_the_patient(login, alice, patient_a):
    response = login(alice).post(f"/patients/{patient_a.pk}/course/new/", COURSE)
    assert response["Location"] == f"/patients/{patient_a.pk}/"
    course = TreatmentCourse.objects.get(patient=patient_a)
    assert course.kind == "BLINATUMOMAB" and course.history.get().history_user == alice


def test_an_end_date_before_the_start_says_what_to_fix(login, alice, patient_a):
    response = login(alice).post(f"/patients/{patient_a.pk}/course/new/", {**COURSE, "end_date": "2021-02-01"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "The end date (2021-02-01) is before the start date (2021-03-01)" in content
    assert "Nothing was saved yet" in content and not TreatmentCourse.objects.exists()


def test_an_invalid_grade_is_refused_with_the_ctcae_range(login, alice, patient_a):
    content = login(alice).post(f"/patients/{patient_a.pk}/infection/new/", {**INFECTION, "ctcae_grade": "7"}).content
    assert "Choose a CTCAE v5 grade from 1 to 5" in content.decode() and not Infection.objects.exists()


def test_grade_5_without_death_is_explained(login, alice, patient_a):
    content = login(alice).post(f"/patients/{patient_a.pk}/infection/new/", {**INFECTION, "ctcae_grade": "5"}).content
    assert "grade 5 means death from the infection" in content.decode()


def test_the_infection_form_shows_each_grade_with_its_ctcae_description(login, alice, patient_a):
    content = login(alice).get(f"/patients/{patient_a.pk}/infection/new/").content.decode()
    assert "Life-threatening consequences; urgent intervention indicated" in content


def test_a_lab_value_below_detection_is_typed_as_written(login, alice, patient_a):
    client = login(alice)
    client.post(f"/patients/{patient_a.pk}/lab/new/", {"collected_on": "2021-03-01", "analyte": "IGM", "value": "<5"})
    lab = LabResult.objects.get(patient=patient_a)
    assert (lab.value, lab.below_detection, lab.unit) == (5.0, True, "mg/dL")
    assert b'value="&lt;5"' in client.get(f"/records/lab/{lab.pk}/edit/").content


def test_a_lab_value_that_is_not_a_number_says_how_to_write_it(login, alice, patient_a):
    response = login(alice).post(f"/patients/{patient_a.pk}/lab/new/",
                                 {"collected_on": "2021-03-01", "analyte": "IGG", "value": "low"})
    assert "or &lt;5 for a result below detection" in response.content.decode()


def test_an_event_before_diagnosis_is_refused_beside_its_date(login, alice, patient_a):
    response = login(alice).post(f"/patients/{patient_a.pk}/ivig-dose/new/", {
        "given_on": "2019-12-01", "dose_mg_per_kg": "400", "setting": "CLINIC", "indication": "PRE_EMPTIVE"})
    assert "is before the diagnosis date (2020-01-01)" in response.content.decode()
    assert not IVIGDose.objects.exists()


def test_an_edit_made_meanwhile_is_shown_not_overwritten(login, alice, patient_a):
    course = clinical_record_add(user=alice, patient=patient_a, model=TreatmentCourse,
                                 data={"kind": "BLINATUMOMAB", "start_date": "2021-03-01"})
    clinical_record_update(user=alice, record=course, data={"cycle_number": 2}, expected_version=1)
    response = login(alice).post(f"/records/course/{course.pk}/edit/", {**COURSE, "version": "1"})
    content = response.content.decode()
    assert "Someone else saved this record" in content and "Save mine over theirs" in content
    assert TreatmentCourse.objects.get(pk=course.pk).cycle_number == 2


def test_removal_asks_for_a_reason_and_keeps_it_in_the_history(login, alice, patient_a):
    course = clinical_record_add(user=alice, patient=patient_a, model=TreatmentCourse,
                                 data={"kind": "MAINTENANCE", "start_date": "2021-03-01"})
    client = login(alice)
    assert b"Give a reason" in client.post(f"/records/course/{course.pk}/remove/", {"version": 1}).content
    client.post(f"/records/course/{course.pk}/remove/", {"version": 1, "reason": "entered on the wrong patient"})
    assert TreatmentCourse.history.get(id=course.pk, history_type="-").history_change_reason == \
        "entered on the wrong patient"


def test_carol_gets_404_for_a_record_of_site_a(login, alice, carol, patient_a):
    course = clinical_record_add(user=alice, patient=patient_a, model=TreatmentCourse,
                                 data={"kind": "MAINTENANCE", "start_date": "2021-03-01"})
    client = login(carol)
    assert client.get(f"/records/course/{course.pk}/edit/").status_code == 404
    assert client.post(f"/patients/{patient_a.pk}/course/new/", COURSE).status_code == 404


def test_bob_the_investigator_cannot_add_or_edit_records(login, bob, patient_a):
    response = login(bob).post(f"/patients/{patient_a.pk}/course/new/", COURSE)
    assert response.status_code == 403 and not TreatmentCourse.objects.exists()


def test_an_unknown_kind_of_record_is_404(login, alice, patient_a):
    assert login(alice).get(f"/patients/{patient_a.pk}/vaccination/new/").status_code == 404
