"""Reads compiled once (registry.prepared) return the rows the ORM returns, on SQLite and PostgreSQL."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import selectors
from registry.models import IVIGDose, LabResult, Patient
from registry.prepared import PreparedRead, PreparedSQL, read_together
from registry.services import clinical_record_add

pytestmark = pytest.mark.django_db


def labs_of(patient_pk):
    # The annotation first, among the model's columns: the rows follow the order of the fields named.
    return (selectors.with_last_ivig_dose(LabResult.objects).filter(patient_id=patient_pk)
            .order_by("collected_on", "id")
            .values_list("last_ivig_on", "id", "collected_on", "value", "below_detection", "updated_at"))


@pytest.fixture
def labs_around_a_dose(alice, patient_a):
    def add(model, **data):
        clinical_record_add(user=alice, patient=patient_a, model=model, data=data)

    add(IVIGDose, given_on=date(2020, 3, 10), dose_mg_per_kg=400, setting="CLINIC", indication="LOW_IGG")
    add(LabResult, collected_on=date(2020, 3, 1), analyte="IGG", value=5, below_detection=True, unit="mg/dL")
    add(LabResult, collected_on=date(2020, 3, 24), analyte="IGG", value=812.5, unit="mg/dL")
    return patient_a


def test_prepared_read_returns_the_orms_rows_with_their_types(labs_around_a_dose):
    read = PreparedRead(labs_of, -1)
    rows = read(labs_around_a_dose.pk)
    expected = list(labs_of(labs_around_a_dose.pk).values(*read.columns))
    assert [dict(zip(read.columns, row)) for row in rows] == expected
    assert read.columns[0] == "last_ivig_on" and rows[1][0] == date(2020, 3, 10)
    assert isinstance(rows[1][read.columns.index("collected_on")], date)
    assert read(-7) == []


def test_reads_together_return_each_reads_rows_in_one_query(labs_around_a_dose, patient_b):
    patients = PreparedRead(lambda pk: Patient.objects.filter(pk=pk).order_by().values_list("patient_id"), -1)
    labs = PreparedRead(labs_of, -1)
    read_together((patients, (patient_b.pk,)), (labs, (labs_around_a_dose.pk,)))  # prepared on this connection
    with CaptureQueriesContext(connection) as queries:
        found, lab_rows = read_together((patients, (patient_b.pk,)), (labs, (labs_around_a_dose.pk,)))
    assert found == [("B-001",)] and len(lab_rows) == 2
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)


def test_a_placeholder_the_orm_changes_is_refused(patient_a):
    read = PreparedRead(lambda text: Patient.objects.filter(patient_id__contains=text).values_list("id"), "zz")
    with pytest.raises(ValueError, match="placeholder"):
        read("A-")


def test_sql_composed_by_hand_runs_with_a_placeholder_used_twice(patient_a):
    pair = PreparedSQL(lambda db: ("SELECT patient_id, id + %s FROM registry_patient WHERE id = %s", [-1, -1],
                                   ("patient_id", "id_doubled")), -1)
    assert pair.columns == ("patient_id", "id_doubled")
    assert pair(patient_a.pk) == [("A-001", 2 * patient_a.pk)] and pair(-7) == []
    missing = PreparedSQL(lambda db: ("SELECT 1 WHERE 2 = %s", [2], ("one",)), -1)
    with pytest.raises(ValueError, match="placeholder"):
        missing(5)
