"""Every endpoint is scoped to the caller's sites and role (STYLE.md, rules 2 and 10).

Another site's record is a 404, never a 403; the wrong role is a 403 before the input is looked at.
"""
import pytest

from infections.models import Hospitalization, Infection
from registry.models import IVIGDose, LabResult, ResponseAssessment, TreatmentCourse

pytestmark = pytest.mark.django_db

RECORD_ENDPOINTS = {
    "treatment-courses": TreatmentCourse, "ivig-doses": IVIGDose, "lab-results": LabResult,
    "infections": Infection, "hospitalizations": Hospitalization, "responses": ResponseAssessment,
}
METHODS = ("get", "put", "patch", "delete")


def _call(client, method, url):
    return getattr(client, method)(url, {}, format="json", HTTP_IF_MATCH='"1"', HTTP_X_CHANGE_REASON="test")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("endpoint", RECORD_ENDPOINTS)
def test_clinician_of_site_b_gets_404_for_each_site_a_record(client_for, carol, records_a, endpoint, method):
    record = records_a[RECORD_ENDPOINTS[endpoint]]
    assert _call(client_for(carol), method, f"/api/{endpoint}/{record.pk}/").status_code == 404


@pytest.mark.parametrize("method", METHODS)
def test_clinician_of_site_b_gets_404_for_site_a_patient(client_for, carol, patient_a, method):
    assert _call(client_for(carol), method, f"/api/patients/{patient_a.pk}/").status_code == 404


@pytest.mark.parametrize("endpoint", ["patients", *RECORD_ENDPOINTS])
def test_lists_of_site_b_hold_no_site_a_rows(client_for, carol, records_a, records_b, endpoint):
    rows = client_for(carol).get(f"/api/{endpoint}/").json()["results"]
    assert rows and {row.get("site_code") for row in rows} == {"SITE-B"}


@pytest.mark.parametrize("endpoint", RECORD_ENDPOINTS)
def test_clinician_of_site_b_cannot_record_for_site_a_patient(client_for, carol, patient_a, endpoint):
    response = client_for(carol).post(f"/api/{endpoint}/", {"patient": patient_a.pk}, format="json")
    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]["fields"]["patient"][0]


@pytest.mark.parametrize("url", [
    "/api/studies/ONLY-A/", "/api/studies/ONLY-A/export/", "/api/studies/ONLY-A/export/deidentified/",
    "/api/studies/ONLY-A/tables/labs/", "/api/studies/ONLY-A/endpoints/", "/api/sites/SITE-A/",
])
def test_clinician_of_site_b_gets_404_for_site_a_study_and_site(client_for, carol, patient_b, study_at_a, url):
    assert client_for(carol).get(url).status_code == 404


def test_import_batches_of_site_a_studies_are_404_for_site_b(client_for, carol, patient_b, study_at_a):
    batch = study_at_a.imports.get()
    client = client_for(carol)
    assert client.get(f"/api/import-batches/{batch.pk}/").status_code == 404
    assert client.get("/api/import-batches/").json()["results"] == []


@pytest.mark.parametrize("suffix", ["", "result/", "result/csv/", "result/xlsx/"])
def test_investigator_of_site_b_gets_404_for_site_a_analysis(client_for, dave, patient_b, run_a, suffix):
    assert client_for(dave).get(f"/api/analyses/{run_a.pk}/{suffix}").status_code == 404


def test_admin_of_site_b_gets_404_for_site_a_membership(client_for, gina, alice):
    membership = alice.memberships.get()
    client = client_for(gina)
    assert client.get(f"/api/memberships/{membership.pk}/").status_code == 404
    assert client.patch(f"/api/memberships/{membership.pk}/", {"role": "ADMIN"}, format="json").status_code == 404


def test_clinician_of_site_b_gets_404_for_alice_token(client_for, alice, carol):
    token = client_for(alice) and alice.api_tokens.get()
    client = client_for(carol)
    assert client.get(f"/api/tokens/{token.pk}/").status_code == 404
    assert client.delete(f"/api/tokens/{token.pk}/").status_code == 404


def test_investigator_of_site_b_reads_no_site_a_history(client_for, dave, records_a, records_b):
    rows = client_for(dave).get("/api/audit/lab-results/").json()["results"]
    ids = {row["record_id"] for row in rows}
    assert records_b[LabResult].pk in ids and records_a[LabResult].pk not in ids


def test_lab_export_of_site_b_holds_no_site_a_rows(client_for, carol, records_a, records_b):
    body = b"".join(client_for(carol).get("/api/lab-results/export/").streaming_content).decode()
    assert "B-001" in body and "A-001" not in body


@pytest.mark.parametrize("endpoint", RECORD_ENDPOINTS)
def test_investigator_writing_clinical_data_gets_403(client_for, bob, records_a, endpoint):
    record = records_a[RECORD_ENDPOINTS[endpoint]]
    client = client_for(bob)
    assert client.post(f"/api/{endpoint}/", {}, format="json").status_code == 403
    for method in ("put", "patch", "delete"):
        response = _call(client, method, f"/api/{endpoint}/{record.pk}/")
        assert response.status_code == 403, method
        assert response.json()["error"]["code"] == "permission_denied"


def test_investigator_registering_or_editing_a_patient_gets_403(client_for, bob, patient_a):
    client = client_for(bob)
    assert client.post("/api/patients/", {}, format="json").status_code == 403
    assert _call(client, "patch", f"/api/patients/{patient_a.pk}/").status_code == 403


def test_clinician_starting_an_analysis_gets_403(client_for, alice, study, patient_a):
    response = client_for(alice).post("/api/analyses/", {"study_code": study.code}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("kind", ["patients", "lab-results", "memberships"])
def test_clinician_reading_the_audit_history_gets_403(client_for, alice, kind):
    assert client_for(alice).get(f"/api/audit/{kind}/").status_code == 403
    assert client_for(alice).get(f"/api/audit/{kind}/csv/").status_code == 403


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_non_admins_managing_memberships_get_403(client_for, request, user, site_a):
    client = client_for(request.getfixturevalue(user))
    assert client.get("/api/memberships/").status_code == 403
    assert client.post("/api/memberships/", {}, format="json").status_code == 403


@pytest.mark.parametrize("url", ["/api/patients/", "/api/lab-results/", "/api/infections/", "/api/audit/patients/"])
def test_deidentified_investigator_gets_403_for_patient_level_data(client_for, frank, url):
    assert client_for(frank).get(url).status_code == 403


def test_investigator_issuing_a_token_for_a_clinician_gets_403(client_for, bob, alice):
    response = client_for(bob).post("/api/tokens/", {"username": "alice"}, format="json")
    assert response.status_code == 403


def test_anonymous_callers_get_401_everywhere(client, site_a):
    for url in ("/api/patients/", "/api/studies/", "/api/schema/", "/api/docs/", "/api/redoc/", "/api/dictionary/"):
        response = client.get(url)
        assert response.status_code in (401, 403), url
        assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed"), url
