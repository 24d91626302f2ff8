"""Filtering (study, site, cohort, dates, analyte, grade), ordering and cursor pagination."""
from datetime import date

import pytest

from registry.services import clinical_record_add
from registry.models import LabResult

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.json()
    return [row["patient_id"] for row in response.json()["results"]]


def test_admin_filters_patients_by_site_and_study(client_for, admin_user, patient_a, patient_b, study_at_a):
    client = client_for(admin_user)
    assert _ids(client.get("/api/patients/?site=SITE-B")) == ["B-001"]
    assert _ids(client.get("/api/patients/?study=ONLY-A")) == ["OA-1"]
    assert sorted(_ids(client.get("/api/patients/?study=TEST-STUDY"))) == ["A-001", "B-001"]


def test_cohort_filter_uses_the_latest_succeeded_run(client_for, bob, run_a, study, site_a, alice):
    from registry.services import patient_register

    patient_register(user=alice, study=study, site=site_a, data={
        "patient_id": "A-002", "sex": "M", "birth_date": date(1970, 1, 1), "diagnosis_date": date(2020, 1, 1)})
    client = client_for(bob)
    assert _ids(client.get("/api/patients/?cohort=IVIG")) == ["A-001"]
    assert _ids(client.get("/api/patients/?cohort=CONTROL")) == []


def test_cohort_filter_applies_to_records(client_for, bob, run_a, records_a):
    rows = client_for(bob).get("/api/lab-results/?cohort=IVIG").json()["results"]
    assert [row["patient_id"] for row in rows] == ["A-001"]


def test_unknown_cohort_is_400(client_for, bob):
    response = client_for(bob).get("/api/patients/?cohort=PLACEBO")
    assert response.status_code == 400
    assert "cohort" in response.json()["error"]["fields"]


def test_labs_filter_by_analyte_and_date_range(client_for, alice, patient_a):
    for day, analyte in ((1, "IGG"), (2, "IGG"), (3, "ANC"), (4, "IGG")):
        clinical_record_add(user=alice, patient=patient_a, model=LabResult, data={
            "collected_on": date(2020, 5, day), "analyte": analyte, "value": 100 * day,
            "unit": "cells/uL" if analyte == "ANC" else "mg/dL"})
    rows = client_for(alice).get("/api/lab-results/?analyte=IGG&date_after=2020-05-02&date_before=2020-05-04"
                                 ).json()["results"]
    assert [row["collected_on"] for row in rows] == ["2020-05-02", "2020-05-04"]


def test_infections_filter_by_grade_and_anatomical_site(client_for, alice, records_a):
    client = client_for(alice)
    assert len(client.get("/api/infections/?grade=3&infection_site=BLOODSTREAM").json()["results"]) == 1
    assert client.get("/api/infections/?grade=2").json()["results"] == []


def test_bad_date_filter_is_400(client_for, alice):
    response = client_for(alice).get("/api/lab-results/?date_after=yesterday")
    assert response.status_code == 400


def test_ordering_by_date_descending(client_for, alice, patient_a):
    for day in (3, 1, 2):
        clinical_record_add(user=alice, patient=patient_a, model=LabResult, data={
            "collected_on": date(2020, 6, day), "analyte": "IGG", "value": day, "unit": "mg/dL"})
    rows = client_for(alice).get("/api/lab-results/?ordering=-collected_on").json()["results"]
    assert [row["collected_on"] for row in rows] == ["2020-06-03", "2020-06-02", "2020-06-01"]


def test_cursor_pagination_walks_every_row_once(client_for, alice, patient_a):
    for day in range(1, 8):
        clinical_record_add(user=alice, patient=patient_a, model=LabResult, data={
            "collected_on": date(2020, 7, day), "analyte": "IGM", "value": day, "unit": "mg/dL"})
    client = client_for(alice)
    url, seen = "/api/lab-results/?page_size=3", []
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == 7 == len(set(seen))


def test_invalid_cursor_is_404_in_the_envelope(client_for, alice):
    response = client_for(alice).get("/api/lab-results/?cursor=garbage")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
