"""Every rule of the flat CSV format (FORMAT.md) refuses a folder that breaks it, says where and why as
`file:line: column: reason`, and writes nothing: each test copies a demo folder, breaks one thing,
and compares the row count of every model and history table before and after.
"""
import pytest

from registry.flatfile.reader import FolderInvalid
from registry.flatfile.services import study_import
from registry.models import LabResult, Patient, Study
from tests.conftest import PEDIATRIC_FOLDER
from tests.registry.folders import (
    append_row,
    copy_row,
    database_fingerprint,
    demo_copy,
    keep_header_only,
    read_rows,
    set_cell,
    write_rows,
)

pytestmark = pytest.mark.django_db

EVENT_FILES = ("treatment_courses.csv", "ivig_doses.csv", "labs.csv", "infections.csv", "hospitalizations.csv",
               "responses.csv")


@pytest.fixture
def folder(tmp_path):
    """A copy of the adult demo study, to break."""
    return demo_copy(tmp_path)


@pytest.fixture(autouse=True)
def registry_in_use(patient_a):
    """Some data already in the registry, so "unchanged" is not the trivial "still empty"."""
    return patient_a


def assert_refused(folder, *problems: str) -> None:
    before = database_fingerprint()
    with pytest.raises(FolderInvalid) as refused:
        study_import(user=None, folder=folder)
    assert [str(problem) for problem in refused.value.problems] == list(problems)
    assert database_fingerprint() == before


def assert_imported(folder) -> Study:
    return study_import(user=None, folder=folder).study


def test_an_unknown_column_is_refused_on_the_header_line(folder):
    rows = read_rows(folder, "responses.csv")
    write_rows(folder, "responses.csv", [rows[0] + ["comment"]] + [row + [""] for row in rows[1:]])
    assert_refused(folder, "responses.csv:1: comment: unknown column; expected patient_id, assessed_on, response")


def test_a_missing_column_is_refused_on_the_header_line(folder):
    write_rows(folder, "responses.csv", [row[:2] for row in read_rows(folder, "responses.csv")])
    assert_refused(folder, "responses.csv:1: response: column is missing")


def test_a_missing_file_is_refused(folder):
    (folder / "ivig_doses.csv").unlink()
    assert_refused(folder, "ivig_doses.csv:0: -: file is missing")


def test_an_unknown_patient_is_refused(folder):
    set_cell(folder, "labs.csv", line=2, column="patient_id", value="A999")
    assert_refused(folder, "labs.csv:2: patient_id: unknown patient_id 'A999' (not in patients.csv)")


def test_an_unknown_site_code_is_refused(folder):
    set_cell(folder, "patients.csv", line=2, column="site_code", value="NOWHERE")
    assert_refused(folder, "patients.csv:2: site_code: unknown site_code 'NOWHERE' (not in sites.csv)")


def test_an_unknown_code_is_refused_with_the_codes_expected(folder):
    set_cell(folder, "labs.csv", line=2, column="analyte", value="IgA")
    assert_refused(folder, "labs.csv:2: analyte: unknown code 'IgA' (expected one of IGG, IGA, IGM, ANC)")


def test_a_course_ending_before_it_starts_is_refused(folder):
    set_cell(folder, "treatment_courses.csv", line=2, column="end_date", value="2016-03-21")
    assert_refused(folder, "treatment_courses.csv:2: end_date: end_date is before start_date")


def test_a_discharge_before_admission_is_refused(tmp_path):
    folder = demo_copy(tmp_path, PEDIATRIC_FOLDER)
    set_cell(folder, "hospitalizations.csv", line=2, column="discharged_on", value="2012-07-07")
    assert_refused(folder, "hospitalizations.csv:2: discharged_on: discharged_on is before admitted_on")


def test_a_diagnosis_before_birth_is_refused(folder):
    set_cell(folder, "patients.csv", line=2, column="diagnosis_date", value="1960-02-19")
    assert_refused(folder, "patients.csv:2: diagnosis_date: 1960-02-19 is before the patient's birth date (1960-02-20)")


def test_a_death_before_diagnosis_is_refused(folder):
    set_cell(folder, "patients.csv", line=7, column="death_date", value="2016-03-15")
    set_cell(folder, "patients.csv", line=7, column="last_followup_date", value="2016-03-15")
    problems = _problems_of(folder)
    assert "patients.csv:7: death_date: 2016-03-15 is before the diagnosis date (2016-03-16)" in problems
    assert "patients.csv:7: last_followup_date: 2016-03-15 is before the diagnosis date (2016-03-16)" in problems


def test_a_lab_after_the_death_date_is_refused(folder):
    # A021 died on 2020-06-15; line 1008 is their last neutrophil count.
    set_cell(folder, "labs.csv", line=1008, column="collected_on", value="2020-06-16")
    assert_refused(folder, "labs.csv:1008: collected_on: 2020-06-16 is after the patient's death date (2020-06-15)")


def test_an_infection_after_the_death_date_is_refused(folder):
    set_cell(folder, "infections.csv", line=86, column="onset_on", value="2020-07-01")
    assert_refused(folder, "infections.csv:86: onset_on: 2020-07-01 is after the patient's death date (2020-06-15)")


def test_a_lab_before_the_diagnosis_is_refused(folder):
    set_cell(folder, "labs.csv", line=2, column="collected_on", value="2014-12-08")
    assert_refused(folder, "labs.csv:2: collected_on: 2014-12-08 is before the diagnosis date (2014-12-09)")


def test_a_course_before_birth_is_refused_with_both_rules_it_breaks_reported_once(folder):
    set_cell(folder, "treatment_courses.csv", line=2, column="start_date", value="1959-01-01")
    assert_refused(
        folder, "treatment_courses.csv:2: start_date: 1959-01-01 is before the patient's birth date (1960-02-20)"
    )


def test_infection_grade_6_is_refused(folder):
    set_cell(folder, "infections.csv", line=2, column="ctcae_grade", value="6")
    assert_refused(folder, "infections.csv:2: ctcae_grade: CTCAE v5 grade must be 1 to 5, got '6'")


def test_infusion_reaction_grade_0_is_refused(folder):
    set_cell(folder, "ivig_doses.csv", line=3, column="reaction_grade", value="0")
    assert_refused(folder, "ivig_doses.csv:3: reaction_grade: CTCAE v5 grade must be 1 to 5, got '0'")


def test_a_grade_5_infection_without_infection_death_is_refused(folder):
    set_cell(folder, "infections.csv", line=2, column="ctcae_grade", value="5")
    assert_refused(
        folder,
        "infections.csv:2: infection_death: a grade 5 infection (CTCAE v5: death) requires infection_death = yes",
    )


@pytest.mark.parametrize("dose", ["0", "-400", "0.0"])
def test_a_dose_that_is_not_positive_is_refused(folder, dose):
    set_cell(folder, "ivig_doses.csv", line=2, column="dose_mg_per_kg", value=dose)
    assert_refused(folder, f"ivig_doses.csv:2: dose_mg_per_kg: '{dose}' is not a number greater than 0")


@pytest.mark.parametrize("day", ["2020-13-01", "2020/01/01", "2020-02-30", "01/02/2020", "2020-1-1"])
def test_a_malformed_date_is_refused(folder, day):
    set_cell(folder, "labs.csv", line=2, column="collected_on", value=day)
    assert_refused(folder, f"labs.csv:2: collected_on: '{day}' is not a date (YYYY-MM-DD)")


@pytest.mark.parametrize("value", ["<abc", "0", "<0", "-3", "abc", "nan"])
def test_a_lab_value_that_is_not_a_positive_number_or_below_detection_is_refused(folder, value):
    set_cell(folder, "labs.csv", line=2, column="value", value=value)
    assert_refused(
        folder, f"labs.csv:2: value: '{value}' is not a positive number or a below-detection value such as <5"
    )


@pytest.mark.parametrize("written", ["1e3", "1_000", "inf", "1000.", "+1000"])
def test_a_number_not_written_as_a_plain_decimal_is_refused_beside_the_same_number_written_plainly(folder, written):
    set_cell(folder, "ivig_doses.csv", line=2, column="dose_mg_per_kg", value="1000")
    set_cell(folder, "ivig_doses.csv", line=3, column="dose_mg_per_kg", value=written)
    assert_refused(folder, f"ivig_doses.csv:3: dose_mg_per_kg: '{written}' is not a number greater than 0")


def test_a_unit_that_does_not_fit_the_analyte_is_refused(folder):
    set_cell(folder, "labs.csv", line=2, column="unit", value="cells/uL")
    assert_refused(folder, "labs.csv:2: unit: unit does not fit the analyte (IgG/IgA/IgM in mg/dL, ANC in cells/uL)")


def test_a_duplicate_patient_is_refused_pointing_at_the_first(folder):
    line = copy_row(folder, "patients.csv", line=2)
    assert_refused(folder, f"patients.csv:{line}: patient_id: duplicate patient_id 'A001' (first on line 2)")


def test_a_duplicate_site_is_refused_pointing_at_the_first(folder):
    copy_row(folder, "sites.csv", line=2)
    assert_refused(folder, "sites.csv:3: site_code: duplicate site_code 'MSH' (first on line 2)")


def test_an_empty_file_is_refused(folder):
    (folder / "responses.csv").write_bytes(b"")
    assert_refused(folder, "responses.csv:1: -: file is empty; it needs at least the header row")


def test_header_only_event_files_import_a_study_of_patients_without_records(folder):
    for name in EVENT_FILES:
        keep_header_only(folder, name)
    study = assert_imported(folder)
    assert study.patients.count() == 23
    assert LabResult.objects.filter(patient__study=study).count() == 0


def test_a_file_in_latin_1_is_refused_at_the_line_of_the_first_foreign_byte(folder):
    data = (folder / "infections.csv").read_bytes()
    (folder / "infections.csv").write_bytes(data.replace(b"Candida glabrata", "Candida glabrata ré".encode("latin-1")))
    assert_refused(folder, "infections.csv:2: -: not UTF-8 text (byte 0xe9); save the file as UTF-8")


def test_a_file_with_a_byte_order_mark_imports(folder):
    data = (folder / "patients.csv").read_bytes()
    (folder / "patients.csv").write_bytes(b"\xef\xbb\xbf" + data)
    assert assert_imported(folder).patients.count() == 23


def test_windows_line_endings_import(folder):
    data = (folder / "labs.csv").read_bytes()
    (folder / "labs.csv").write_bytes(data.replace(b"\n", b"\r\n"))
    assert LabResult.objects.filter(patient__study=assert_imported(folder)).count() == 1121


def test_a_row_with_too_many_fields_is_refused(folder):
    _replace_line(folder, "labs.csv", 3, "A001,2016-03-11,IGM,45,mg/dL,40,extra")
    assert_refused(folder, "labs.csv:3: -: row has 7 fields; the header has 6")


def test_a_first_row_with_too_many_fields_is_refused_rather_than_shifted(folder):
    _replace_line(folder, "labs.csv", 2, "A001,2016-03-11,IGA,137,mg/dL,70,")
    assert_refused(folder, "labs.csv:2: -: row has 7 fields; the header has 6")


def test_a_row_with_too_few_fields_is_refused(folder):
    _replace_line(folder, "labs.csv", 3, "A001,2016-03-11,IGM,45")
    assert_refused(folder, "labs.csv:3: -: row has 4 fields; the header has 6")


def test_a_quote_never_closed_is_refused(folder):
    _replace_line(folder, "labs.csv", 3, 'A001,"2016-03-11,IGM,45,mg/dL,40')
    assert_refused(folder, "labs.csv:3: -: a quoted cell is never closed")


def test_text_after_a_closing_quote_is_refused(folder):
    _replace_line(folder, "labs.csv", 3, 'A001,"2016-03-11"x,IGM,45,mg/dL,40')
    assert_refused(folder, """labs.csv:3: -: malformed CSV: ',' expected after '"'""")


def test_blank_lines_are_skipped_and_later_lines_keep_their_numbers(folder):
    _replace_line(folder, "labs.csv", 3, "")
    set_cell(folder, "labs.csv", line=5, column="value", value="0")
    assert_refused(
        folder, "labs.csv:5: value: '0' is not a positive number or a below-detection value such as <5"
    )


def test_two_study_rows_are_refused(folder):
    copy_row(folder, "study.csv", line=2)
    assert_refused(folder, "study.csv:2: -: needs exactly one study row, found 2")


def test_a_required_cell_left_empty_is_refused(folder):
    set_cell(folder, "patients.csv", line=2, column="birth_date", value="")
    assert_refused(folder, "patients.csv:2: birth_date: is required")


def test_a_flag_other_than_yes_or_no_is_refused(folder):
    set_cell(folder, "patients.csv", line=2, column="prior_hsct", value="Y")
    assert_refused(folder, "patients.csv:2: prior_hsct: 'Y' is not yes or no")


def test_a_patient_id_longer_than_the_registry_keeps_is_refused(folder):
    line = append_row(folder, "patients.csv", {"patient_id": "A" * 65, "site_code": "MSH", "sex": "F",
                                               "birth_date": "1970-01-01", "diagnosis_date": "2020-01-01"})
    assert_refused(folder, f"patients.csv:{line}: patient_id: is longer than 64 characters")


def test_a_count_too_large_for_the_registry_is_refused(folder):
    set_cell(folder, "patients.csv", line=2, column="prior_therapy_lines", value="40000")
    assert_refused(folder, "patients.csv:2: prior_therapy_lines: '40000' is not a whole number from 0 to 32767")


def test_several_errors_are_all_reported_sorted_by_file_and_line(folder):
    set_cell(folder, "labs.csv", line=9, column="value", value="<abc")
    set_cell(folder, "labs.csv", line=2, column="analyte", value="IGX")
    set_cell(folder, "infections.csv", line=2, column="ctcae_grade", value="6")
    set_cell(folder, "patients.csv", line=3, column="sex", value="X")
    append_row(folder, "responses.csv", {"patient_id": "A404", "assessed_on": "2020-01-01", "response": "MRD_NEGATIVE"})
    assert_refused(
        folder,
        "infections.csv:2: ctcae_grade: CTCAE v5 grade must be 1 to 5, got '6'",
        "labs.csv:2: analyte: unknown code 'IGX' (expected one of IGG, IGA, IGM, ANC)",
        "labs.csv:9: value: '<abc' is not a positive number or a below-detection value such as <5",
        "patients.csv:3: sex: unknown code 'X' (expected one of M, F)",
        "responses.csv:44: patient_id: unknown patient_id 'A404' (not in patients.csv)",
    )


def test_a_refused_folder_leaves_an_existing_study_untouched(folder):
    study_import(user=None, folder=PEDIATRIC_FOLDER)
    set_cell(folder, "labs.csv", line=2, column="value", value="0")
    assert_refused(folder, "labs.csv:2: value: '0' is not a positive number or a below-detection value such as <5")
    assert Patient.objects.filter(study__code="PED-MAINT-IVIG").count() == 118


def _problems_of(folder) -> list[str]:
    with pytest.raises(FolderInvalid) as refused:
        study_import(user=None, folder=folder)
    return [str(problem) for problem in refused.value.problems]


def _replace_line(folder, file_name: str, line: int, text: str) -> None:
    lines = (folder / file_name).read_text(encoding="utf-8").split("\n")
    lines[line - 1] = text
    (folder / file_name).write_text("\n".join(lines), encoding="utf-8")
