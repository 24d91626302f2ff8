"""Exports: the flat CSV v1 zip (and its round trip through the importer), the de-identified profile,
the data dictionary, the streaming labs CSV, tidy long tables and per-patient endpoints."""
import csv
import io
import json
import zipfile
from datetime import date

import pytest

from registry.flatfile.kinds import FILES
from registry.flatfile.services import study_import

from ..conftest import ADULT_FOLDER

pytestmark = pytest.mark.django_db


def _unzip(response, folder=None) -> dict[str, bytes]:
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        if folder is not None:
            bundle.extractall(folder)
        return {name: bundle.read(name) for name in bundle.namelist()}


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


@pytest.fixture
def adult(db):
    return study_import(user=None, folder=ADULT_FOLDER).study


def test_export_reimport_export_gives_identical_bytes(client_for, admin_user, adult, tmp_path):
    client = client_for(admin_user)
    first = _unzip(client.get(f"/api/studies/{adult.code}/export/"), tmp_path / "first")
    assert set(first) == {spec.file_name for spec in FILES}
    study_import(user=None, folder=tmp_path / "first", replace=True)
    second = _unzip(client.get(f"/api/studies/{adult.code}/export/"))
    assert second == first


def test_export_imports_under_a_fresh_study_code_with_the_same_records(client_for, admin_user, adult, tmp_path):
    client = client_for(admin_user)
    first = _unzip(client.get(f"/api/studies/{adult.code}/export/"), tmp_path)
    study_csv = (tmp_path / "study.csv").read_text().replace(adult.code, "ROUND-TRIP", 1)
    (tmp_path / "study.csv").write_text(study_csv)
    study_import(user=None, folder=tmp_path)
    second = _unzip(client.get("/api/studies/ROUND-TRIP/export/"))
    assert {k: v for k, v in second.items() if k != "study.csv"} == {k: v for k, v in first.items()
                                                                      if k != "study.csv"}


def test_export_holds_only_the_callers_sites(client_for, alice, records_a, records_b, study):
    files = _unzip(client_for(alice).get(f"/api/studies/{study.code}/export/"))
    assert [row["patient_id"] for row in _rows(files["patients.csv"])] == ["A-001"]
    assert [row["site_code"] for row in _rows(files["sites.csv"])] == ["SITE-A"]
    assert {row["patient_id"] for row in _rows(files["labs.csv"])} == {"A-001"}


def _check_deidentified(files: dict, originals: dict):
    patients = _rows(files["patients.csv"])
    assert "DEIDENTIFIED.txt" in files
    assert "birth_date" not in patients[0] and "age_at_diagnosis_years" in patients[0]
    for free_text in ("treatment_protocol",):
        assert free_text not in patients[0]
    assert "reaction" not in _rows(files["ivig_doses.csv"])[0]
    assert "organism" not in _rows(files["infections.csv"])[0]
    for row in patients:
        assert row["patient_id"].startswith("P") and len(row["patient_id"]) == 13
        assert row["patient_id"] not in originals
    return patients


def test_deidentified_profile_keeps_intervals_but_no_identifiers(client_for, bob, records_a, patient_a, study):
    files = _unzip(client_for(bob).get(f"/api/studies/{study.code}/export/deidentified/"))
    [patient] = _check_deidentified(files, {"A-001"})
    assert patient["age_at_diagnosis_years"] == "50"
    diagnosis = date.fromisoformat(patient["diagnosis_date"])
    assert diagnosis != patient_a.diagnosis_date
    [lab] = _rows(files["labs.csv"])
    assert (date.fromisoformat(lab["collected_on"]) - diagnosis).days == (date(2020, 2, 5) - date(2020, 1, 1)).days
    assert lab["value"] == "<5"


def test_deidentified_pseudonyms_and_offsets_are_stable(client_for, bob, records_a, study):
    client = client_for(bob)
    first = _unzip(client.get(f"/api/studies/{study.code}/export/deidentified/"))
    second = _unzip(client.get(f"/api/studies/{study.code}/export/deidentified/"))
    assert first == second


def test_investigator_limited_to_deidentified_data_always_gets_the_profile(client_for, frank, records_a, study):
    client = client_for(frank)
    files = _unzip(client.get(f"/api/studies/{study.code}/export/"))
    _check_deidentified(files, {"A-001"})
    labs = b"".join(client.get("/api/lab-results/export/").streaming_content).decode()
    assert "A-001" not in labs and "2020-02-05" not in labs
    table = b"".join(client.get(f"/api/studies/{study.code}/tables/ivig_doses/").streaming_content).decode()
    assert "A-001" not in table and "chills" not in table


def test_data_dictionary_describes_every_column_with_codes_and_labels(client_for, bob):
    entries = client_for(bob).get("/api/dictionary/").json()["entries"]
    described = {(e["file"], e["column"]) for e in entries}
    for spec in FILES:
        for column in spec.columns:
            assert (spec.file_name, column.name) in described
    setting = next(e for e in entries if e["column"] == "setting")
    assert {"code": "CLINIC", "label": "Clinic"} in setting["codes"]
    dose = next(e for e in entries if e["column"] == "dose_mg_per_kg")
    assert dose["unit"] == "mg/kg" and dose["required"]
    assert any(e["column"] == "infusion_interrupted" and e["file"] == "" for e in entries)


def test_data_dictionary_csv_has_one_row_per_code(client_for, bob):
    response = client_for(bob).get("/api/dictionary/csv/")
    rows = _rows(b"".join(response.streaming_content))
    assert response["Content-Type"].startswith("text/csv")
    grades = [row for row in rows if row["column"] == "ctcae_grade"]
    assert [row["code"] for row in grades] == ["1", "2", "3", "4", "5"]


def test_lab_export_streams_every_visible_result_in_chunks(client_for, admin_user, adult, monkeypatch):
    from registry.api import downloads, labstream

    monkeypatch.setattr(downloads, "ROWS_PER_CHUNK", 100)
    monkeypatch.setattr(labstream, "BLOCK_BYTES", 4096)
    response = client_for(admin_user).get(f"/api/lab-results/export/?study={adult.code}")
    assert response.streaming
    chunks = list(response.streaming_content)
    rows = _rows(b"".join(chunks))
    source = _rows((ADULT_FOLDER / "labs.csv").read_bytes())
    assert len(chunks) > 5 and len(rows) == len(source)
    assert [r["value"] for r in rows] == [r["value"] for r in source]


def test_long_table_has_one_row_per_record_with_patient_columns(client_for, bob, run_a, records_a, study):
    response = client_for(bob).get(f"/api/studies/{study.code}/tables/labs/")
    [row] = _rows(b"".join(response.streaming_content))
    assert (row["patient_id"], row["site_code"], row["cohort"], row["days_from_diagnosis"]) == ("A-001", "SITE-A",
                                                                                                  "IVIG", "35")
    assert row["value"] == "<5" and row["analyte"] == "IGA"


def test_unknown_long_table_is_404(client_for, bob, records_a, study):
    assert client_for(bob).get(f"/api/studies/{study.code}/tables/patients/").status_code == 404


def test_patient_endpoints_one_row_per_patient_with_the_expected_cohorts(client_for, admin_user, adult):
    response = client_for(admin_user).get(f"/api/studies/{adult.code}/endpoints/")
    assert response.status_code == 200
    rows = _rows(response.content)
    expected = json.loads((ADULT_FOLDER / "expected.json").read_text())["cohort_of"]
    assert len(rows) == len(expected)
    assert {row["patient_id"]: row["cohort"] for row in rows} == expected
    assert rows[0]["site_code"] == "MSH"


def test_lab_export_by_copy_writes_what_the_python_path_writes(admin_user, adult):
    from django.db import connection

    from registry.api.downloads import csv_chunks
    from registry.api.labstream import copied_chunks, python_rows
    from registry.selectors import lab_results_visible_to

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    labs = lab_results_visible_to(admin_user).filter(analyte__in=["IGG", "ANC"])
    assert b"".join(copied_chunks(labs)) == "".join(csv_chunks(python_rows(labs, False))).encode()


def test_deidentified_endpoints_have_pseudonyms_shifted_dates_and_whole_year_ages(client_for, frank, site_a):
    from registry.flatfile.services import study_import
    from registry.models import Site, SiteMembership

    from ..conftest import PEDIATRIC_FOLDER

    study = study_import(user=None, folder=PEDIATRIC_FOLDER).study
    SiteMembership.objects.create(user=frank, site=Site.objects.get(code="MC-A"), role="INVESTIGATOR")
    client = client_for(frank)
    rows = _rows(client.get(f"/api/studies/{study.code}/endpoints/").content)
    originals = {row["patient_id"]: row for row in _rows((PEDIATRIC_FOLDER / "patients.csv").read_bytes())}
    assert rows and all(row["site_code"] == "MC-A" for row in rows)
    assert not any(row["patient_id"] in originals for row in rows)
    assert "protocol" not in rows[0] and float(rows[0]["age_at_diagnosis"]).is_integer()
