"""The command line: import_study, export_study and generate_demo say what they did, print every problem
as `file:line: column: reason` on stderr, and fail with CommandError (a non-zero exit) on bad input.
"""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registry.models import LabResult, Patient, Study
from tests.conftest import ADULT_FOLDER
from tests.registry.folders import database_fingerprint, demo_copy, set_cell

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(*args, stdout=StringIO(), stderr=err)
    return str(failed.value), err.getvalue()


def test_import_study_says_how_many_rows_of_each_file_it_imported():
    out, err = run("import_study", str(ADULT_FOLDER))
    assert out == (
        "Imported ADULT-BLINA-IVIG: 1 sites, 23 patients, 73 treatment_courses, 40 ivig_doses, 1121 labs, "
        "95 infections, 0 hospitalizations, 42 responses.\n"
    )
    assert err == ""


def test_import_study_prints_every_problem_and_fails(tmp_path):
    folder = demo_copy(tmp_path)
    set_cell(folder, "labs.csv", line=2, column="value", value="<abc")
    set_cell(folder, "infections.csv", line=2, column="ctcae_grade", value="6")
    message, err = run_failing("import_study", str(folder))
    assert message == "The study folder has 2 problem(s); nothing was imported."
    assert err == (
        "infections.csv:2: ctcae_grade: CTCAE v5 grade must be 1 to 5, got '6'\n"
        "labs.csv:2: value: '<abc' is not a positive number or a below-detection value such as <5\n"
    )
    assert not Study.objects.exists()


def test_import_study_refuses_a_study_already_imported():
    run("import_study", str(ADULT_FOLDER))
    before = database_fingerprint()
    message, _ = run_failing("import_study", str(ADULT_FOLDER))
    assert message.startswith("Study ADULT-BLINA-IVIG is already in the registry; nothing was imported.")
    assert database_fingerprint() == before


def test_import_study_with_replace_replaces_the_study(tmp_path):
    run("import_study", str(ADULT_FOLDER))
    folder = demo_copy(tmp_path)
    set_cell(folder, "patients.csv", line=2, column="weight_kg", value="104.5")
    out, _ = run("import_study", str(folder), "--replace")
    assert out.startswith("Imported ADULT-BLINA-IVIG:")
    assert Patient.objects.get(patient_id="A001").weight_kg == 104.5
    assert Study.objects.count() == 1


def test_import_study_of_a_folder_that_does_not_exist_lists_every_missing_file(tmp_path):
    message, err = run_failing("import_study", str(tmp_path / "nowhere"))
    assert message == "The study folder has 9 problem(s); nothing was imported."
    assert "study.csv:0: -: file is missing\n" in err


def test_export_study_writes_the_folder_and_counts_the_rows(tmp_path):
    run("import_study", str(ADULT_FOLDER))
    out, _ = run("export_study", "ADULT-BLINA-IVIG", str(tmp_path / "out"))
    assert out == f"Exported ADULT-BLINA-IVIG to {tmp_path / 'out'}: 1396 rows.\n"
    assert (tmp_path / "out" / "labs.csv").read_bytes() == (ADULT_FOLDER / "labs.csv").read_bytes()


def test_export_study_of_an_unknown_study_fails(tmp_path):
    message, _ = run_failing("export_study", "NOPE", str(tmp_path))
    assert message == "No study with code NOPE."


def test_generate_demo_writes_a_study_folder(tmp_path):
    out, _ = run("generate_demo", "--patients", "25", "--seed", "3", "--output", str(tmp_path))
    assert out.startswith(f"Wrote {tmp_path}: 1 study, 3 sites, 25 patients, ")
    assert len((tmp_path / "patients.csv").read_text(encoding="utf-8").splitlines()) == 26
    assert not Study.objects.exists()


def test_generate_demo_gives_the_same_bytes_for_the_same_seed(tmp_path):
    run("generate_demo", "--patients", "15", "--seed", "5", "--output", str(tmp_path / "one"))
    run("generate_demo", "--patients", "15", "--seed", "5", "--output", str(tmp_path / "two"))
    for path in (tmp_path / "one").iterdir():
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name


def test_generate_demo_with_import_loads_a_pediatric_study(tmp_path):
    out, _ = run("generate_demo", "--patients", "30", "--seed", "2", "--population", "PEDIATRIC",
                 "--output", str(tmp_path), "--import")
    study = Study.objects.get()
    assert (study.code, study.population, study.index_treatment) == ("SYN-PED-2", "PEDIATRIC", "MAINTENANCE")
    assert study.patients.count() == 30
    assert f"Imported SYN-PED-2 (import batch {study.imports.get().pk})." in out
    assert LabResult.objects.exists()


def test_generate_demo_refuses_zero_patients(tmp_path):
    message, _ = run_failing("generate_demo", "--patients", "0", "--seed", "1", "--output", str(tmp_path))
    assert message == "patients must be at least 1 and seed at least 0"


def test_generate_demo_writes_under_var_demo_by_default(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out, _ = run("generate_demo", "--patients", "5", "--seed", "4", "--population", "PEDIATRIC")
    folder = tmp_path / "demo" / "pediatric-5-4"
    assert out.startswith(f"Wrote {folder}: ")
    assert (folder / "study.csv").read_text(encoding="utf-8").splitlines()[1].startswith("SYN-PED-4,")
