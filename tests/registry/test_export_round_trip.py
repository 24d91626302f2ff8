"""Export writes the import format: export → import (replace) → export gives the same bytes, on SQLite
and PostgreSQL alike (the suite runs on both), and a user's export holds only their sites.
"""
import pytest
from django.db import connection

from registry.choices import Role
from registry.flatfile.services import study_export, study_import
from registry.models import Site, SiteMembership
from registry.synthetic import write_study
from tests.conftest import ADULT_FOLDER, PEDIATRIC_FOLDER

pytestmark = pytest.mark.django_db

FILES = ("study.csv", "sites.csv", "patients.csv", "treatment_courses.csv", "ivig_doses.csv", "labs.csv",
         "infections.csv", "hospitalizations.csv", "responses.csv")


def folder_bytes(folder) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


@pytest.mark.parametrize("source", [ADULT_FOLDER, PEDIATRIC_FOLDER], ids=["adult", "pediatric"])
def test_export_import_export_gives_byte_identical_files(source, tmp_path):
    study = study_import(user=None, folder=source).study
    study_export(user=None, study=study, folder=tmp_path / "first")
    study_import(user=None, folder=tmp_path / "first", replace=True)
    study_export(user=None, study=study, folder=tmp_path / "second")
    assert folder_bytes(tmp_path / "second") == folder_bytes(tmp_path / "first")


def test_the_export_keeps_the_demo_files_as_they_are_but_for_trailing_zeros(tmp_path):
    study = study_import(user=None, folder=ADULT_FOLDER).study
    study_export(user=None, study=study, folder=tmp_path)
    exported, original = folder_bytes(tmp_path), folder_bytes(ADULT_FOLDER)
    assert {name for name in FILES if exported[name] != original[name]} == {"patients.csv"}
    assert exported["patients.csv"] == original["patients.csv"].replace(b",76.0,", b",76,").replace(b",89.0,", b",89,")


@pytest.mark.parametrize("population", ["ADULT", "PEDIATRIC"])
def test_a_generated_study_exports_exactly_as_it_was_generated(population, tmp_path):
    write_study(tmp_path / "generated", patients=40, seed=11, population=population)
    study = study_import(user=None, folder=tmp_path / "generated").study
    study_export(user=None, study=study, folder=tmp_path / "exported")
    assert folder_bytes(tmp_path / "exported") == folder_bytes(tmp_path / "generated")


def test_a_below_detection_value_and_empty_cells_survive_the_round_trip(tmp_path):
    study = study_import(user=None, folder=ADULT_FOLDER).study
    study_export(user=None, study=study, folder=tmp_path)
    labs = (tmp_path / "labs.csv").read_text(encoding="utf-8")
    assert "A021,2020-04-03,IGM,<5,mg/dL,40\n" in labs
    assert "A021,2020-02-28,ANC,4472,cells/uL,\n" in labs


def test_a_users_export_holds_only_the_patients_of_their_sites(alice, tmp_path):
    study = study_import(user=None, folder=PEDIATRIC_FOLDER).study
    SiteMembership.objects.create(user=alice, site=Site.objects.get(code="MC-A"), role=Role.CLINICIAN)
    counts = study_export(user=alice, study=study, folder=tmp_path)
    assert (tmp_path / "sites.csv").read_text(encoding="utf-8") == "site_code,name\nMC-A,Medical Center A (made-up)\n"
    patients = (tmp_path / "patients.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert counts["patients.csv"] == len(patients) == study.patients.filter(site__code="MC-A").count() > 0
    assert all(line.split(",")[1] == "MC-A" for line in patients)
    exported_ids = {line.split(",")[0] for line in patients}
    infections = (tmp_path / "infections.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {line.split(",")[0] for line in infections} <= exported_ids


@pytest.mark.django_db(transaction=True)
def test_an_export_outside_any_transaction_reads_one_snapshot(tmp_path):
    study = study_import(user=None, folder=ADULT_FOLDER).study
    counts = study_export(user=None, study=study, folder=tmp_path)
    assert counts["labs.csv"] == 1121
    assert (tmp_path / "labs.csv").read_bytes() == (ADULT_FOLDER / "labs.csv").read_bytes()


def test_dates_are_exported_as_iso_whatever_the_servers_date_style(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("DateStyle is a PostgreSQL setting")
    study = study_import(user=None, folder=ADULT_FOLDER).study
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    study_export(user=None, study=study, folder=tmp_path)
    assert (tmp_path / "labs.csv").read_bytes() == (ADULT_FOLDER / "labs.csv").read_bytes()
