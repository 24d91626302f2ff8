"""Each kind of record is found by patient through an index (registry 0005 and infections 0004 dropped
the single-column indexes that a composite index starting with patient already serves; lab results
keep theirs, see LabResult.Meta), and the reads of a patient's records — patient page, API detail,
audit history — still go through one.
"""
import pytest
from django.db import connection, transaction

from infections.models import Hospitalization, Infection
from registry.models import IVIGDose, LabResult, Patient, ResponseAssessment, TreatmentCourse

pytestmark = pytest.mark.django_db

RECORDS = (TreatmentCourse, IVIGDose, LabResult, Infection, Hospitalization, ResponseAssessment)


def lookup_indexes(table: str) -> list[list[str]]:
    """The columns of every index and unique constraint of `table` but its primary key."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [found["columns"] for found in constraints.values()
            if (found["index"] or found["unique"]) and not found["primary_key"]]


def searches_index_by(queryset, column: str) -> bool:
    """Whether PostgreSQL, with sequential scans priced out of reach, finds the rows by looking `column`
    up in an index (rather than filtering a whole table, or a whole primary-key index, by it)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return f"Index Cond: ({column} = " in queryset.explain()


needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")


@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model.__name__)
def test_each_kind_of_record_has_one_index_starting_with_its_patient_and_lab_results_two(model):
    starting_with_patient = [columns for columns in lookup_indexes(model._meta.db_table) if columns[0] == "patient_id"]
    assert len(starting_with_patient) == (2 if model is LabResult else 1)


def test_patients_are_indexed_once_by_study_and_once_by_site():
    first_columns = sorted(columns[0] for columns in lookup_indexes(Patient._meta.db_table))
    assert first_columns == ["site_id", "study_id"]


@pytest.mark.parametrize("model", (Patient, *RECORDS), ids=lambda model: model.__name__)
def test_the_audit_history_keeps_its_indexes_by_record_and_by_patient(model):
    history_table = model.history.model._meta.db_table
    single_columns = {columns[0] for columns in lookup_indexes(history_table) if len(columns) == 1}
    assert {"id", "history_date", "history_user_id"} <= single_columns
    if model is not Patient:
        assert "patient_id" in single_columns


@needs_postgresql
@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model.__name__)
def test_a_patients_records_in_page_order_are_read_through_an_index(model):
    assert searches_index_by(model.objects.filter(patient_id=1).order_by(*model._meta.ordering), "patient_id")


@needs_postgresql
@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model.__name__)
def test_a_patients_audit_history_is_read_through_an_index(model):
    assert searches_index_by(model.history.filter(patient_id=1), "patient_id")
    assert searches_index_by(model.history.filter(id=1).order_by("-history_id"), "id")


@needs_postgresql
def test_the_patients_of_a_study_and_of_a_site_are_read_through_an_index():
    assert searches_index_by(Patient.objects.filter(study_id=1), "study_id")
    assert searches_index_by(Patient.objects.filter(site_id=1), "site_id")
