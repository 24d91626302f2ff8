"""Analysis runs through the API: start (investigators and site admins), poll, read results."""
import csv
import io

import pytest
from openpyxl import load_workbook

from cohorts.models import AnalysisRun

pytestmark = pytest.mark.django_db


def test_investigator_starts_a_run_that_is_queued_over_her_sites(client_for, bob, study, patient_a, patient_b,
                                                                 django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("cohorts.services._enqueue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post("/api/analyses/", {"study_code": study.code}, format="json")
    assert response.status_code == 202, response.json()
    run = response.json()
    assert (run["status"], run["progress"], run["sites"], run["requested_by"]) == ("QUEUED", 0, ["SITE-A"], "bob")
    assert response["Location"].endswith(f"/api/analyses/{run['id']}/")
    assert queued == [run["id"]]


def test_run_with_unknown_parameter_is_400_naming_parameters(client_for, bob, study, patient_a):
    response = client_for(bob).post("/api/analyses/", {"study_code": study.code, "parameters": {"nope": 1}},
                                    format="json")
    assert response.status_code == 400
    assert "parameters" in response.json()["error"]["fields"]


def test_run_of_a_study_without_patients_at_her_sites_is_400(client_for, dave, patient_b, study_at_a):
    response = client_for(dave).post("/api/analyses/", {"study_code": "ONLY-A"}, format="json")
    assert response.status_code == 400
    assert "study_code" in response.json()["error"]["fields"]


def test_progress_is_polled_on_the_run(client_for, bob, run_a):
    AnalysisRun.objects.filter(pk=run_a.pk).update(status="RUNNING", progress=40, progress_message="tables")
    body = client_for(bob).get(f"/api/analyses/{run_a.pk}/").json()
    assert (body["status"], body["progress"], body["progress_message"]) == ("RUNNING", 40, "tables")


def test_results_of_an_unfinished_run_are_409(client_for, bob, run_a):
    AnalysisRun.objects.filter(pk=run_a.pk).update(status="RUNNING")
    response = client_for(bob).get(f"/api/analyses/{run_a.pk}/result/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_ready"


def test_results_as_json_are_the_stored_document(client_for, bob, run_a):
    body = client_for(bob).get(f"/api/analyses/{run_a.pk}/result/").json()
    assert body["cohort_of"] == {"A-001": "IVIG"} and body["rows"][0]["row"] == "t1_male"


def test_results_as_csv_have_one_row_per_figure(client_for, bob, run_a):
    response = client_for(bob).get(f"/api/analyses/{run_a.pk}/result/csv/")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    male_ivig = [r for r in rows if r["row"] == "t1_male" and r["cohort"] == "IVIG"]
    assert [(r["statistic"], r["value"]) for r in male_ivig] == [("n", "0"), ("denominator", "1"), ("percent", "0.0")]
    ci = {r["statistic"]: r["value"] for r in rows if r["row"] == "t4_univariate_ddi"}
    assert ci["odds_ratio"] == "2.5" and ci["ci_wald_low"] == "1.1" and ci["screened"] == "yes"


def test_results_as_xlsx_keep_text_as_text(client_for, bob, run_a):
    response = client_for(bob).get(f"/api/analyses/{run_a.pk}/result/xlsx/")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["results", "cohorts", "parameters"]
    labels = [row[2] for row in book["results"].iter_rows(min_row=2, values_only=True)]
    assert "=DDI" in labels
    assert list(book["cohorts"].iter_rows(values_only=True)) == [("patient_id", "cohort"), ("A-001", "IVIG")]


def test_deidentified_investigator_sees_pseudonyms_in_results(client_for, frank, run_a):
    body = client_for(frank).get(f"/api/analyses/{run_a.pk}/result/").json()
    assert "A-001" not in body["cohort_of"] and list(body["cohort_of"].values()) == ["IVIG"]


def test_a_run_is_stale_once_the_data_changed(client_for, bob, alice, run_a, patient_a):
    from registry.services import patient_update

    client = client_for(bob)
    assert client.get(f"/api/analyses/{run_a.pk}/").json()["stale"] is False
    patient_update(user=alice, patient=patient_a, data={"weight_kg": 60}, expected_version=1)
    assert client.get(f"/api/analyses/{run_a.pk}/").json()["stale"] is True


def test_a_run_computed_by_the_worker_serves_the_expected_cohorts(client_for, admin_user, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    from cohorts.services import analysis_claim, analysis_execute
    from registry.flatfile.services import study_import

    from ..conftest import ADULT_FOLDER

    study = study_import(user=None, folder=ADULT_FOLDER).study
    monkeypatch.setattr("cohorts.services._enqueue", lambda run_id: analysis_claim(run_id) and
                        analysis_execute(run_id))
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post("/api/analyses/", {"study_code": study.code}, format="json").json()["id"]
    assert client.get(f"/api/analyses/{run_id}/").json()["status"] == "SUCCEEDED"
    document = client.get(f"/api/analyses/{run_id}/result/").json()
    import json

    assert document["cohort_of"] == json.loads((ADULT_FOLDER / "expected.json").read_text())["cohort_of"]
    ivig = client.get(f"/api/patients/?study={study.code}&cohort=IVIG&page_size=100").json()["results"]
    assert {p["patient_id"] for p in ivig} == {k for k, v in document["cohort_of"].items() if v == "IVIG"}
