"""The Django admin: clinical writes go through the services; an overview page (registry/admin.py)."""
from registry.models import Patient, SiteMembership, TreatmentCourse
from registry.services import clinical_record_add, patient_update


def _patient_form(patient, **changes):
    data = {"patient_id": patient.patient_id, "sex": patient.sex, "birth_date": "1970-01-01",
            "diagnosis_date": "2020-01-01", "last_followup_date": "2022-01-01", "expected_version": patient.version,
            "change_reason": "", "philadelphia_positive": "unknown", "prior_hsct": "unknown",
            "multiple_myeloma": "unknown", "chronic_lymphocytic_leukemia": "unknown",
            "high_risk_at_diagnosis": "unknown", "cns_disease_at_diagnosis": "unknown"}
    return {**data, **changes}


def test_an_admin_edit_is_a_service_write_with_version_and_reason(login, admin_user, patient_a):
    response = login(admin_user).post(f"/admin/registry/patient/{patient_a.pk}/change/",
                                      _patient_form(patient_a, weight_kg="80", change_reason="weighed again"))
    assert response.status_code == 302
    patient = Patient.objects.get(pk=patient_a.pk)
    latest = patient.history.first()
    assert patient.weight_kg == 80 and patient.version == 2
    assert (latest.history_user, latest.history_change_reason) == (admin_user, "weighed again")


def test_an_admin_edit_that_lost_the_race_saves_nothing(login, admin_user, alice, patient_a):
    patient_update(user=alice, patient=patient_a, data={"weight_kg": 70.0}, expected_version=1)
    client = login(admin_user)
    response = client.post(f"/admin/registry/patient/{patient_a.pk}/change/",
                           _patient_form(patient_a, weight_kg="80", expected_version=1), follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert Patient.objects.get(pk=patient_a.pk).weight_kg == 70.0


def test_an_admin_deletion_keeps_the_record_in_the_history_with_a_reason(login, admin_user, alice, patient_a):
    course = clinical_record_add(user=alice, patient=patient_a, model=TreatmentCourse,
                                 data={"kind": "MAINTENANCE", "start_date": "2021-01-01"})
    login(admin_user).post(f"/admin/registry/treatmentcourse/{course.pk}/delete/", {"post": "yes"})
    removed = TreatmentCourse.history.get(id=course.pk, history_type="-")
    assert removed.history_user == admin_user and "removed in the admin" in removed.history_change_reason


def test_granting_a_role_in_the_admin_is_audited_with_who_granted_it(login, admin_user, carol, site_a):
    login(admin_user).post("/admin/registry/sitemembership/add/",
                           {"user": carol.pk, "site": site_a.pk, "role": "INVESTIGATOR"})
    membership = SiteMembership.objects.get(user=carol, site=site_a)
    assert membership.history.first().history_user == admin_user


def test_the_admin_overview_counts_the_registry(login, admin_user, patient_a, patient_b):
    content = login(admin_user).get("/admin/").content.decode()
    assert "Registry overview" in content and "TEST-STUDY" in content


def test_alice_the_clinician_is_not_let_into_the_admin(login, alice, patient_a):
    response = login(alice).get(f"/admin/registry/patient/{patient_a.pk}/change/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_staff_member_of_site_b_sees_no_patient_of_site_a_in_the_admin(login, carol, patient_a, patient_b):
    carol.is_staff = True
    carol.save()
    from django.contrib.auth.models import Permission

    carol.user_permissions.add(Permission.objects.get(codename="view_patient"))
    content = login(carol).get("/admin/registry/patient/").content.decode()
    assert "B-001" in content and "A-001" not in content
