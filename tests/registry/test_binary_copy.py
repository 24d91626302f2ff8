"""The importer's binary COPY stream (registry/flatfile/pgcopy.py): every value PostgreSQL reads back is
the value the reader typed, NULL stays NULL and an empty text stays empty, across chunk boundaries.
"""
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from registry.flatfile.pgcopy import copy_chunks, encode_column

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

COLUMNS = {"grade": "smallint", "version": "integer", "patient_id": "bigint", "value": "double precision",
           "flag": "boolean", "collected_on": "date", "updated_at": "timestamp with time zone",
           "unit": "varchar(16)", "note": "text"}
MOMENT = datetime(2026, 11, 22, 1, 28, 3, 123456, tzinfo=timezone.utc)


def copy_and_read_back(frame: pd.DataFrame, *, chunk_rows: int = 2) -> list[tuple]:
    """COPY `frame` (plus `version` and `updated_at`, one value for every row) into a scratch table."""
    names = list(COLUMNS)
    values = {**{name: frame[name] for name in frame}, "version": 1, "updated_at": MOMENT}
    columns = [encode_column(values[name], COLUMNS[name], len(frame)) for name in names]
    with connection.cursor() as cursor:
        declared = ", ".join(f"{name} {db_type}" for name, db_type in COLUMNS.items())
        cursor.execute(f"CREATE TEMPORARY TABLE scratch (row serial, {declared})")
        with cursor.cursor.copy(f"COPY scratch ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            for chunk in copy_chunks(columns, len(frame), chunk_rows):
                copy.write(chunk)
        cursor.execute(f"SELECT {', '.join(names)} FROM scratch ORDER BY row")
        return cursor.fetchall()


def test_every_kind_of_value_reads_back_as_written_and_empty_cells_as_null():
    frame = pd.DataFrame({
        "grade": pd.array([1, None, 5], dtype="Int64"),
        "patient_id": pd.array([7, 2**40, 1], dtype="Int64"),
        "value": [12.5, np.nan, 0.1],
        "flag": pd.array([True, None, False], dtype="boolean"),
        "collected_on": pd.to_datetime(["1999-12-31", None, "2000-01-01"]),
        "unit": pd.Categorical(["mg/dL", None, "cells/uL"]),
        "note": pd.Series(["Zürich – µg", None, ""], dtype=object),
    })
    assert copy_and_read_back(frame) == [
        (1, 1, 7, 12.5, True, date(1999, 12, 31), MOMENT, "mg/dL", "Zürich – µg"),
        (None, 1, 2**40, None, None, None, MOMENT, None, None),
        (5, 1, 1, 0.1, False, date(2000, 1, 1), MOMENT, "cells/uL", ""),
    ]


def test_rows_keep_their_order_across_chunks_and_a_last_short_chunk():
    frame = pd.DataFrame({
        "grade": pd.array(range(7), dtype="Int64"), "patient_id": pd.array(range(7), dtype="Int64"),
        "value": np.arange(7) / 4, "flag": pd.array([True] * 7, dtype="boolean"),
        "collected_on": pd.date_range("1900-01-01", periods=7, freq="7000D"),
        "unit": pd.Categorical(["x" * n for n in range(7)]),
        "note": pd.Series(["é" * n for n in range(7)], dtype=object),
    })
    rows = copy_and_read_back(frame, chunk_rows=3)
    assert [row[0] for row in rows] == list(range(7))
    assert [row[5] for row in rows] == [day.date() for day in frame["collected_on"]]
    assert [(row[7], row[8]) for row in rows] == [("x" * n, "é" * n) for n in range(7)]


def test_a_table_without_rows_is_a_header_and_a_trailer():
    frame = pd.DataFrame({
        "grade": pd.array([], dtype="Int64"), "patient_id": pd.array([], dtype="Int64"), "value": np.zeros(0),
        "flag": pd.array([], dtype="boolean"), "collected_on": pd.to_datetime([]),
        "unit": pd.Categorical([]), "note": pd.Series([], dtype=object),
    })
    assert copy_and_read_back(frame) == []
