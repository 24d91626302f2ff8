"""The patient list, the patient page, registration, editing and removal (registry/views/patients.py)."""
from registry.models import Patient
from registry.services import patient_update
from tests.web.conftest import finished_run


def test_alice_lists_her_site_and_not_carols(login, alice, patient_a, patient_b):
    content = login(alice).get("/patients/").content
    assert b"A-001" in content and b"B-001" not in content


def test_carol_gets_404_for_a_patient_of_site_a(login, carol, patient_a):
    assert login(carol).get(f"/patients/{patient_a.pk}/").status_code == 404
    assert login(carol).get(f"/patients/{patient_a.pk}/edit/").status_code == 404


def test_bob_the_investigator_reads_the_patient_page_but_cannot_edit_it(login, bob, patient_a):
    client = login(bob)
    page = client.get(f"/patients/{patient_a.pk}/")
    assert page.status_code == 200 and b"Edit patient" not in page.content
    assert client.get(f"/patients/{patient_a.pk}/edit/").status_code == 403
    assert client.post("/patients/new/", {}).status_code == 403


def test_search_and_missing_data_filters_narrow_the_list(login, alice_at_msh, imported_studies):
    client = login(alice_at_msh)
    assert b"A012" in client.get("/patients/?q=a012").content
    missing = client.get("/patients/?missing=no_baseline_igg").content.decode()
    assert "2 patients at your sites match" in missing


def test_the_cohort_filter_follows_the_latest_analysis(login, alice_at_msh, bob_at_msh, imported_studies):
    finished_run(bob_at_msh, imported_studies["adult"])
    content = login(alice_at_msh).get("/patients/?cohort=CONTROL").content.decode()
    assert "6 patients at your sites match" in content and "badge control" in content


def test_a_page_of_patients_costs_a_fixed_number_of_queries(login, alice_at_msh, imported_studies,
                                                            django_assert_max_num_queries):
    client = login(alice_at_msh)
    client.get("/patients/")
    with django_assert_max_num_queries(20):  # fixed: session, user, scope, page, 3 counts, cohorts, nav
        client.get("/patients/")


def test_the_patient_page_shows_the_chart_timeline_and_grades(login, alice_at_msh, imported_studies):
    patient = Patient.objects.get(patient_id="A001")
    content = login(alice_at_msh).get(f"/patients/{patient.pk}/").content.decode()
    assert '<svg class="chart"' in content and "&lt; 700 low" in content
    assert "Blinatumomab, cycle 1" in content and "Infections by CTCAE v5 grade" in content
    assert 'style="' not in content  # the inline SVG must satisfy the CSP


def test_alice_registers_a_patient_and_is_asked_for_the_first_course(login, alice, study, site_a, patient_a):
    response = login(alice).post("/patients/new/", {
        "study": study.pk, "site": site_a.pk, "patient_id": "A-002", "sex": "M", "birth_date": "1980-05-01",
        "diagnosis_date": "2021-02-03", "philadelphia_positive": "unknown",
    })
    created = Patient.objects.get(patient_id="A-002")
    assert response["Location"] == f"/patients/{created.pk}/course/new/"
    assert created.history.first().history_user == alice


def test_registration_explains_a_diagnosis_before_birth(login, alice, study, site_a, patient_a):
    response = login(alice).post("/patients/new/", {
        "study": study.pk, "site": site_a.pk, "patient_id": "A-003", "sex": "F", "birth_date": "1990-01-01",
        "diagnosis_date": "1989-01-01",
    })
    assert response.status_code == 200
    assert "before the patient" in response.content.decode() or "before the birth date" in response.content.decode()
    assert not Patient.objects.filter(patient_id="A-003").exists()


def test_an_edit_that_lost_the_race_shows_both_values(login, alice, patient_a):
    client = login(alice)
    patient_update(user=alice, patient=patient_a, data={"weight_kg": 70.0}, expected_version=patient_a.version)
    response = client.post(f"/patients/{patient_a.pk}/edit/", {
        "version": 1, "patient_id": "A-001", "sex": "F", "birth_date": "1970-01-01", "diagnosis_date": "2020-01-01",
        "weight_kg": "65",
    })
    content = response.content.decode()
    assert "Someone else saved this record" in content and "70.0" in content and "65.0" in content
    assert 'name="version" value="2"' in content
    assert Patient.objects.get(pk=patient_a.pk).weight_kg == 70.0


def test_removing_a_patient_needs_a_reason(login, alice, patient_a):
    client = login(alice)
    assert b"Give a reason" in client.post(f"/patients/{patient_a.pk}/remove/", {"version": 1}).content
    client.post(f"/patients/{patient_a.pk}/remove/", {"version": 1, "reason": "registered twice"})
    assert not Patient.objects.filter(pk=patient_a.pk).exists()
    assert Patient.history.filter(id=patient_a.pk, history_type="-").get().history_change_reason == "registered twice"
