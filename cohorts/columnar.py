"""A study's patients and records read from PostgreSQL one column at a time, for the analysis.

The export path (`COPY … TO STDOUT` as CSV, then `read_csv`) costs about a microsecond per row in the
driver alone, because COPY hands over one message per row, and then parses text back into numbers and
dates. Here each table is one query returning one row: every column aggregated into a binary array
(numbers, dates as day counts, flags) or one text blob (codes and free text), decoded by numpy. Rows
are then put in the export's order (patient ID, date, insertion) in memory, so the frames are the
ones the export path gives (tests/cohorts compare them).
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import psycopg
import pandas as pd
from django.db import connection

from registry.flatfile.kinds import EVENT_FILES, LABS, PATIENTS, Column, FileSpec
from registry.models import LabResult, Patient, Site

NO_DATE = -(2**31)  # the day count standing for an empty date: arrays without NULLs have fixed-width elements
SEPARATOR = "\x1f"  # ASCII unit separator between the texts of one column
_ARRAY_HEADER = 20  # ndim, has-nulls flag, element type, then size and lower bound of the one dimension


class NotColumnar(Exception):
    """The records cannot be read this way (a text holds the separator): use the export path."""


def record_tables(study_id: int, site_ids: list[int], *, unread_analytes=()) -> dict[str, pd.DataFrame]:
    """The patients and every dated-record table of the study at `site_ids`, keyed like the files
    (`patients`, `labs`, ...), without the lab results of `unread_analytes`.

    Tables, columns and dtypes are those of `StudyFrames` (labs split into `value`, `below_detection`
    and `row_order`), ready to use without `frames_from_tables`. Raises NotColumnar when a text holds
    the separator.
    """
    if any(len(spec.order_by) != 1 for spec in EVENT_FILES):
        raise NotColumnar("a record file orders by more than one date")
    sites = dict(Site.objects.filter(id__in=site_ids).values_list("id", "code"))
    connection.ensure_connection()
    # One thread runs the queries, in order, on this transaction's connection, while this one sorts
    # and types the table before: PostgreSQL and Python work on the two cores at once.
    fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="columnar-read")
    try:
        fetch = partial(fetcher.submit, _fetch, connection.connection, study_id, site_ids, sites,
                        unread_analytes=list(unread_analytes))
        columns, patient_pks, _ = fetch(PATIENTS, None).result()
        # Python orders text by code point, as PostgreSQL's "C" collation (the export's) orders UTF-8.
        order = np.argsort(columns["patient_id"], kind="stable")
        patient_pks, patient_ids = patient_pks[order], columns["patient_id"][order]
        # Where each patient's records go: a lookup by primary key (a gather, not a search per record).
        first_pk = int(patient_pks.min()) if len(patient_pks) else 0
        slot = np.full(int(patient_pks.max()) - first_pk + 1 if len(patient_pks) else 0, -1, dtype=np.int64)
        slot[patient_pks - first_pk] = np.arange(len(patient_pks))
        pending = [fetch(spec, (first_pk, first_pk + len(slot) - 1)) for spec in EVENT_FILES]
        tables = {"patients": pd.DataFrame({name: _typed(values[order]) for name, values in columns.items()})}
        for spec, fetched in zip(EVENT_FILES, pending):
            columns, ids, patients = fetched.result()
            position = slot[patients - first_pk]
            order = _export_order(position, columns[spec.order_by[0]], ids)
            table = {"patient_id": pd.Series(patient_ids[position[order]], dtype=object)}
            table.update((name, _typed(values[order])) for name, values in columns.items())
            if spec is LABS:
                table["row_order"] = np.arange(len(ids), dtype=np.int64)
            tables[spec.file_name.removesuffix(".csv")] = pd.DataFrame(table)
    finally:
        fetcher.shutdown(cancel_futures=True)
    return tables


def _export_order(position: np.ndarray, day: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rows by patient (in export order), date, then id, as the export's ORDER BY.

    One stable sort of a 64-bit key (patient position, then the day count) over rows already in id
    order: the rows come nearly sorted (imported patient by patient), which a stable sort runs through
    several times faster than a three-key lexsort.
    """
    by_id = np.argsort(ids, kind="stable")
    key = (position[by_id] << 32) | (day[by_id].astype(np.int64) - NO_DATE)
    return by_id[np.argsort(key, kind="stable")]


def _fetch(raw_connection, study_id: int, site_ids, sites: dict[int, str], spec: FileSpec, patient_range, *,
           unread_analytes: list[str]):
    """One query for one table: ({column: raw array}, record ids, patient primary keys).

    `patient_range` (lowest, highest primary key of the study's patients) lets PostgreSQL read only
    the part of a record table that can hold them, through the index on patient, instead of every
    study's records: patients are numbered as they are registered or imported, study by study.
    """
    reads = [read for column in spec.columns if column.kind != "ref_patient" for read in _reads(column)]
    if spec is PATIENTS:
        source, patient = f"{Patient._meta.db_table} r", "r"
    else:
        source, patient = f"{spec.model._meta.db_table} r JOIN {Patient._meta.db_table} p ON p.id = r.patient_id", "p"
    query = (f"SELECT count(*), array_agg(r.id), array_agg({patient}.id), {', '.join(aggregate for _, aggregate, _ in reads)} "
             f"FROM {source} WHERE {patient}.study_id = %s AND {patient}.site_id = ANY(%s)")
    parameters = [study_id, list(site_ids)]
    if patient_range:
        query += " AND r.patient_id BETWEEN %s AND %s"
        parameters += patient_range
    if spec is LABS and unread_analytes:
        query += f" AND r.{LabResult._meta.get_field('analyte').column} <> ALL(%s)"
        parameters.append(unread_analytes)
    # Django's cursors bind parameters on the client, which rules out binary results; a plain psycopg
    # cursor on the same connection reads in the same transaction and snapshot.
    with psycopg.Cursor(raw_connection) as raw_cursor:
        raw_cursor.execute(query, parameters, binary=True)
        result = raw_cursor.pgresult
        count = int.from_bytes(result.get_value(0, 0), "big", signed=True)
        cells = iter(range(1, result.nfields))
        ids = _numbers(result.get_value(0, next(cells)), ">i8", count)
        patients = _numbers(result.get_value(0, next(cells)), ">i8", count)
        columns = {name: decode(result.get_value(0, next(cells)), count, sites) for name, _, decode in reads}
    return columns, ids, patients


def _reads(column: Column) -> list[tuple[str, str, Callable]]:
    """(frame column, SQL aggregate, decoder of its raw cell) for each array a column is read as."""
    def numbers(element: str):
        return lambda raw, count, sites: _numbers(raw, element, count)

    name, kind = f"r.{column.name}", column.kind
    if kind == "date":
        return [(column.name, f"array_agg(COALESCE({name} - DATE '1970-01-01', {NO_DATE}))", numbers(">i4"))]
    if kind in {"float", "int", "grade"}:
        return [(column.name, f"array_agg(COALESCE({name}::float8, 'NaN'))", numbers(">f8"))]
    if kind == "bool":
        return [(column.name, f"array_agg(CASE WHEN {name} THEN 1 WHEN NOT {name} THEN 0 ELSE -1 END::int2)",
                 numbers(">i2"))]
    if kind == "lab_value":
        return [("value", f"array_agg({name})", numbers(">f8")),
                ("below_detection", "array_agg(r.below_detection)", numbers("?"))]
    if kind == "ref_site":
        return [(column.name, "array_agg(r.site_id)",
                 lambda raw, count, sites: _site_codes(_numbers(raw, ">i8", count), sites))]
    if column.codes:  # the code's position in the list (0: empty; -1: a code the list lacks)
        listed = ", ".join(f"'{code}'" for code in column.codes)
        return [(column.name, f"array_agg(CASE WHEN COALESCE({name}, '') = '' THEN 0 "
                 f"ELSE COALESCE(array_position(ARRAY[{listed}]::text[], {name}::text), -1) END::int2)",
                 lambda raw, count, sites: _listed(_numbers(raw, ">i2", count), column.codes))]
    return [(column.name, f"string_agg(COALESCE({name}, ''), E'\\x1f')",  # free text
             lambda raw, count, sites: _texts(raw, count))]


def _numbers(raw, element, count: int) -> np.ndarray:
    """The elements of a one-dimensional binary array without NULLs (each: length, then the value)."""
    element = np.dtype(element)
    if not count:
        return np.empty(0, dtype=element.newbyteorder("="))
    view = memoryview(raw)
    if int.from_bytes(view[4:8], "big"):
        raise ValueError("unexpected NULL in an aggregated column")
    cells = np.frombuffer(view[_ARRAY_HEADER:], dtype=np.dtype([("length", ">i4"), ("value", element)]))
    if len(cells) != count:
        raise ValueError(f"expected {count} values, got {len(cells)}")
    return cells["value"].astype(element.newbyteorder("="))


def _texts(raw, count: int) -> np.ndarray:
    if not count:
        return np.empty(0, dtype=object)
    texts = bytes(raw).decode("utf-8").split(SEPARATOR)
    if len(texts) != count:
        raise NotColumnar("a text holds the separator character")
    return np.array(texts, dtype=object)


def _site_codes(site_pks: np.ndarray, sites: dict[int, str]) -> np.ndarray:
    pks = np.array(sorted(sites), dtype=np.int64)
    codes = np.array([sites[pk] for pk in pks], dtype=object)
    return codes[np.searchsorted(pks, site_pks)] if len(pks) else np.empty(0, dtype=object)


def _listed(positions: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    if (positions < 0).any():
        raise NotColumnar("a code the list lacks")
    return np.array([None, *codes], dtype=object)[positions]


def _typed(values: np.ndarray):
    """Raw arrays as the frames want them: day counts as dates, -1/0/1 flags as nullable booleans,
    empty texts as None."""
    if values.dtype == np.int32:
        missing = values == NO_DATE
        dates = np.where(missing, 0, values).astype("datetime64[D]").astype("datetime64[ns]")
        dates[missing] = np.datetime64("NaT", "ns")
        return dates
    if values.dtype == np.int16:
        return pd.arrays.BooleanArray(values == 1, values == -1)
    if values.dtype == object:
        values[values == ""] = None
        return pd.Series(values, dtype=object)  # not pandas' own string type: the frames hold str objects
    return values
