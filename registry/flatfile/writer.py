"""Export a study as a flat CSV v1 folder: the same files, columns and codes the importer reads.

Rows are ordered by patient id, then date, then insertion order, so export → import → export gives
byte-identical files. On PostgreSQL each file is one `COPY (SELECT …) TO STDOUT` with the formatting
done by the server; elsewhere rows are formatted in Python the same way.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO
from pathlib import Path

from django.db import connection, transaction

from registry.models import Patient, Site, Study

from .kinds import EVENT_FILES, PATIENTS, SITES, STUDY, Column, FileSpec


def export_study(study: Study, folder: Path, *, site_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Write every file of `study` (only patients of `site_ids` when given); return rows per file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    site_ids = sorted(site_ids) if site_ids is not None else None
    with transaction.atomic():
        one_snapshot()
        counts = {STUDY.file_name: _write_study_file(study, folder),
                  SITES.file_name: _write_sites(study, folder, site_ids)}
        for spec in (PATIENTS, *EVENT_FILES):
            counts[spec.file_name] = _export_file(spec, study, folder / spec.file_name, site_ids)
    return counts


def one_snapshot() -> None:
    """All nine files from one snapshot, so an edit during the export cannot split a patient's records.

    On PostgreSQL: REPEATABLE READ when this is the outermost transaction (inside another, the caller
    chose), ISO dates whatever the server's DateStyle (COPY prints dates in it), and room to sort a
    large file in memory.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if len(connection.atomic_blocks) == 1:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        cursor.execute("SET LOCAL extra_float_digits = 1")  # shortest text that reads back the same float8
        cursor.execute("SET LOCAL work_mem = '64MB'")


def _write_study_file(study: Study, folder: Path) -> int:
    with open(folder / STUDY.file_name, "w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(STUDY.header)
        writer.writerow([study.code, study.title, study.population, study.index_treatment])
    return 1


def _write_sites(study: Study, folder: Path, site_ids) -> int:
    sites = Site.objects.filter(patients__study=study).distinct().order_by("code")
    if site_ids is not None:
        sites = sites.filter(id__in=site_ids)
    rows = list(sites.values_list("code", "name"))
    with open(folder / SITES.file_name, "w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(SITES.header)
        writer.writerows(rows)
    return len(rows)


def _csv_writer(handle):
    return csv.writer(handle, lineterminator="\n")


def _export_file(spec: FileSpec, study: Study, path: Path, site_ids) -> int:
    with open(path, "wb") as handle:
        return write_rows(spec, study, handle, site_ids)


def write_rows(spec: FileSpec, study: Study, handle: BinaryIO, site_ids=None) -> int:
    """Write one file of the format (header included) to a binary handle; return the data rows."""
    postgres = connection.vendor == "postgresql"
    sql, params = _select(spec, study, site_ids, postgres=postgres)
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT CSV, HEADER)", params) as copy:
                for chunk in copy:
                    handle.write(chunk)
            return cursor.cursor.rowcount
        cursor.execute(sql, params)
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        writer = _csv_writer(text)
        writer.writerow(spec.header)
        rows = 0
        while batch := cursor.fetchmany(10_000):
            writer.writerows([_python_format(spec, row) for row in batch])
            rows += len(batch)
        text.detach()
        return rows


def _select(spec: FileSpec, study: Study, site_ids, *, postgres: bool) -> tuple[str, list]:
    patient = Patient._meta.db_table
    model_table = spec.model._meta.db_table
    expressions = [_expression(column, "r", postgres) for column in spec.columns]
    collate = ' COLLATE "C"' if postgres else ""
    if spec is PATIENTS:
        source = f"{patient} r JOIN {Site._meta.db_table} s ON s.id = r.site_id"
        where, order = "r.study_id = %s", f"r.patient_id{collate}"
    else:
        source = f"{model_table} r JOIN {patient} p ON p.id = r.patient_id"
        where = "p.study_id = %s"
        order = ", ".join([f"p.patient_id{collate}", *(f"r.{c}" for c in spec.order_by), "r.id"])
    params: list = [study.pk]
    if site_ids is not None:
        alias = "r" if spec is PATIENTS else "p"
        where += f" AND {alias}.site_id IN ({', '.join(['%s'] * len(site_ids)) or 'NULL'})"
        params += list(site_ids)
    select = ", ".join(f"{expression} AS {column.name}" for expression, column in zip(expressions, spec.columns))
    return f"SELECT {select} FROM {source} WHERE {where} ORDER BY {order}", params


def _expression(column: Column, alias: str, postgres: bool) -> str:
    """The SQL for one exported column; on PostgreSQL it is already the final text of the cell."""
    name = f"{alias}.{column.name}"
    if column.kind == "ref_patient":
        return "p.patient_id"
    if column.kind == "ref_site":
        return "s.code"
    if column.kind == "lab_value":
        if postgres:
            return f"(CASE WHEN {alias}.below_detection THEN '<' ELSE '' END || {alias}.value::text)"
        return f"{alias}.below_detection || '|' || {alias}.value"
    if not postgres or column.kind in {"date", "int", "grade", "float"}:
        return name  # COPY prints dates (DateStyle ISO), integers and float8 just as the files want them
    if column.kind == "bool":
        return f"CASE WHEN {name} THEN 'yes' WHEN NOT {name} THEN 'no' END"
    if column.kind in {"text", "code"}:
        return f"NULLIF({name}, '')"
    return f"{name}::text"


def _python_format(spec: FileSpec, row) -> list[str]:
    return [_cell(column, value) for column, value in zip(spec.columns, row)]


def _cell(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "lab_value":
        below, number = str(value).split("|")
        return ("<" if below == "1" else "") + format_number(float(number))
    if column.kind == "bool":
        return "yes" if value in (1, True, "1") else "no"
    if column.kind == "float":
        return format_number(float(value))
    return str(value)


def format_number(value: float) -> str:
    """Shortest text that reads back as the same number: 400, 12.5 (as PostgreSQL prints float8)."""
    return str(int(value)) if value.is_integer() else repr(value)
