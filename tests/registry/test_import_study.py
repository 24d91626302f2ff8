"""Importing a study folder: all of it in one transaction, once (or replaced on purpose), audited row by row."""
import pytest

from infections.models import Hospitalization, Infection
from registry.choices import Role
from registry.errors import AccessDenied
from registry.flatfile.services import StudyExists, study_import
from registry.models import (
    ImportBatch,
    IVIGDose,
    LabResult,
    Patient,
    ResponseAssessment,
    Site,
    SiteMembership,
    Study,
    TreatmentCourse,
)
from tests.conftest import ADULT_FOLDER, PEDIATRIC_FOLDER
from tests.registry.folders import database_fingerprint, demo_copy, read_rows, set_cell, write_rows

pytestmark = pytest.mark.django_db

ADULT_ROWS = {"sites.csv": 1, "patients.csv": 23, "treatment_courses.csv": 73, "ivig_doses.csv": 40,
              "labs.csv": 1121, "infections.csv": 95, "hospitalizations.csv": 0, "responses.csv": 42}
PEDIATRIC_ROWS = {"sites.csv": 5, "patients.csv": 118, "treatment_courses.csv": 528, "ivig_doses.csv": 377,
                  "labs.csv": 413, "infections.csv": 1037, "hospitalizations.csv": 569, "responses.csv": 0}
RECORDS = {"patients.csv": Patient, "treatment_courses.csv": TreatmentCourse, "ivig_doses.csv": IVIGDose,
           "labs.csv": LabResult, "infections.csv": Infection, "hospitalizations.csv": Hospitalization,
           "responses.csv": ResponseAssessment}


def rows_in_registry(study: Study) -> dict[str, int]:
    counts = {"sites.csv": Site.objects.filter(patients__study=study).distinct().count()}
    for file_name, model in RECORDS.items():
        scope = {"study": study} if model is Patient else {"patient__study": study}
        counts[file_name] = model.objects.filter(**scope).count()
    return counts


@pytest.fixture
def msh_clinician(alice):
    """alice, given clinician rights at the adult study's site before it is imported."""
    site = Site.objects.create(code="MSH", name="Mount Sinai Hospital (made-up records)")
    SiteMembership.objects.create(user=alice, site=site, role=Role.CLINICIAN)
    return alice


def test_both_demo_studies_import_with_every_row_of_every_file(imported_studies):
    assert rows_in_registry(imported_studies["adult"]) == ADULT_ROWS
    assert rows_in_registry(imported_studies["pediatric"]) == PEDIATRIC_ROWS


def test_the_import_batch_records_the_row_counts_and_file_hashes(imported_studies):
    batch = ImportBatch.objects.get(study=imported_studies["adult"])
    assert batch.row_counts == ADULT_ROWS
    assert set(batch.file_sha256) == {"study.csv", *ADULT_ROWS}
    assert not batch.replaced


def test_a_below_detection_result_is_kept_as_such(imported_studies):
    result = LabResult.objects.get(patient__patient_id="A021", collected_on="2020-04-03", analyte="IGM")
    assert (result.value, result.below_detection, result.display_value) == (5, True, "<5")


def test_empty_cells_are_not_recorded_rather_than_zero_or_no(imported_studies):
    patient = Patient.objects.get(study=imported_studies["adult"], patient_id="A001")
    assert patient.high_risk_at_diagnosis is None
    assert patient.death_date is None
    assert patient.treatment_protocol == ""


def test_importing_the_same_study_again_is_refused_and_changes_nothing(imported_studies):
    before = database_fingerprint()
    with pytest.raises(StudyExists) as refused:
        study_import(user=None, folder=ADULT_FOLDER)
    assert refused.value.message == (
        "Study ADULT-BLINA-IVIG is already in the registry; nothing was imported. "
        "Use --replace to replace its records (the old ones stay in the audit history)."
    )
    assert database_fingerprint() == before


def test_replace_swaps_the_records_and_keeps_the_old_ones_in_the_history(imported_studies, tmp_path):
    study = imported_studies["adult"]
    old_labs = set(LabResult.objects.filter(patient__study=study).values_list("pk", flat=True))
    folder = demo_copy(tmp_path)
    set_cell(folder, "labs.csv", line=2, column="value", value="140")
    batch = study_import(user=None, folder=folder, replace=True)
    assert (batch.study.pk, batch.replaced) == (study.pk, True)
    assert rows_in_registry(study) == ADULT_ROWS
    assert LabResult.objects.get(patient__patient_id="A001", collected_on="2016-03-11", analyte="IGA").value == 140
    removed = LabResult.history.filter(history_type="-", id__in=old_labs)
    assert removed.count() == len(old_labs) == 1121
    reasons = set(removed.values_list("history_change_reason", flat=True))
    assert reasons == {"replaced by a new import of ADULT-BLINA-IVIG"}
    assert removed.filter(patient_id__isnull=False, value=137, analyte="IGA", collected_on="2016-03-11").exists()


def test_replace_leaves_the_other_study_alone(imported_studies):
    before = rows_in_registry(imported_studies["pediatric"])
    study_import(user=None, folder=ADULT_FOLDER, replace=True)
    assert rows_in_registry(imported_studies["pediatric"]) == before


def test_a_replace_that_fails_half_way_leaves_the_old_records(imported_studies, monkeypatch):
    def load_fails(*args, **kwargs):
        raise RuntimeError("disk full")

    before = database_fingerprint()
    monkeypatch.setattr("registry.flatfile.services.load_study", load_fails)
    with pytest.raises(RuntimeError):
        study_import(user=None, folder=ADULT_FOLDER, replace=True)
    assert database_fingerprint() == before


def test_a_failure_while_preparing_the_rows_of_one_file_rolls_back_the_whole_import(monkeypatch):
    from registry.flatfile import loader

    prepare = loader._table_frame

    def labs_fail(model, frame):
        if model is LabResult:
            raise ValueError("cannot prepare labs")
        return prepare(model, frame)

    before = database_fingerprint()
    monkeypatch.setattr(loader, "_table_frame", labs_fail)
    with pytest.raises(ValueError, match="cannot prepare labs"):
        study_import(user=None, folder=ADULT_FOLDER)
    assert database_fingerprint() == before


def test_patient_ids_that_read_as_the_same_number_stay_two_patients(tmp_path):
    folder = demo_copy(tmp_path)
    renamed = {"A001": "7", "A002": "007"}
    for file_name in ("patients.csv", *RECORDS):
        rows = read_rows(folder, file_name)
        write_rows(folder, file_name, [[renamed.get(cell, cell) for cell in row] for row in rows])
    study = study_import(user=None, folder=folder).study
    labs = {patient_id: LabResult.objects.filter(patient__study=study, patient__patient_id=patient_id).count()
            for patient_id in renamed.values()}
    in_file = [row[0] for row in read_rows(folder, "labs.csv")[1:]]
    assert labs == {patient_id: in_file.count(patient_id) for patient_id in renamed.values()}
    assert all(labs.values())


def test_every_imported_record_has_a_history_row_holding_its_values(msh_clinician):
    batch = study_import(user=msh_clinician, folder=ADULT_FOLDER)
    for file_name, model in RECORDS.items():
        scope = {"study": batch.study} if model is Patient else {"patient__study": batch.study}
        fields = [field.attname for field in model._meta.concrete_fields]
        records = set(model.objects.filter(**scope).values_list(*fields))
        history = set(model.history.filter(id__in=model.objects.filter(**scope).values("pk")).values_list(*fields))
        assert history == records, file_name


def test_the_bulk_import_writes_one_history_row_per_record_with_the_user_and_batch(msh_clinician):
    batch = study_import(user=msh_clinician, folder=ADULT_FOLDER)
    for file_name, model in RECORDS.items():
        scope = {"study": batch.study} if model is Patient else {"patient__study": batch.study}
        records = model.objects.filter(**scope)
        history = model.history.filter(id__in=records.values("pk"))
        assert history.count() == records.count() == ADULT_ROWS[file_name], file_name
        expected = {("+", msh_clinician.pk, f"import batch {batch.pk}")} if ADULT_ROWS[file_name] else set()
        assert set(history.values_list("history_type", "history_user", "history_change_reason")) == expected


def test_history_rows_of_the_import_hold_the_imported_values(msh_clinician):
    study_import(user=msh_clinician, folder=ADULT_FOLDER)
    patient = Patient.objects.get(patient_id="A010")
    row = patient.history.get()
    assert (row.weight_kg, row.birth_date.isoformat(), row.site_id) == (76.0, "1971-08-20", patient.site_id)


def test_a_clinician_cannot_import_patients_of_a_site_they_do_not_enter_data_for(alice):
    before = database_fingerprint()
    with pytest.raises(AccessDenied) as refused:
        study_import(user=alice, folder=ADULT_FOLDER)
    assert refused.value.message == "You cannot enter data at site(s) MSH; ask a site admin for access."
    assert database_fingerprint() == before


def test_an_investigator_cannot_import(bob):
    Site.objects.create(code="MSH", name="Mount Sinai")
    SiteMembership.objects.create(user=bob, site=Site.objects.get(code="MSH"), role=Role.INVESTIGATOR)
    with pytest.raises(AccessDenied):
        study_import(user=bob, folder=ADULT_FOLDER)
    assert not Study.objects.exists()


def test_a_clinician_cannot_replace_a_study_with_patients_of_other_sites(alice, tmp_path):
    study_import(user=None, folder=PEDIATRIC_FOLDER)
    SiteMembership.objects.create(user=alice, site=Site.objects.get(code="MC-A"), role=Role.CLINICIAN)
    folder = demo_copy(tmp_path, PEDIATRIC_FOLDER)
    (folder / "sites.csv").write_text("site_code,name\nMC-A,Medical Center A (made-up)\n", encoding="utf-8")
    for file_name in RECORDS:
        lines = (folder / file_name).read_text(encoding="utf-8").splitlines()
        (folder / file_name).write_text("\n".join(lines[:1]) + "\n", encoding="utf-8")
    before = database_fingerprint()
    with pytest.raises(AccessDenied) as refused:
        study_import(user=alice, folder=folder, replace=True)
    assert "has patients at sites where you cannot enter data" in refused.value.message
    assert database_fingerprint() == before
