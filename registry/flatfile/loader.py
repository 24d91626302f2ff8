"""Write a validated study into the database in one transaction, with its audit history.

Rows go in with PostgreSQL's COPY (or executemany on SQLite), and the history table of each model
receives one "+" row per record, written by the database itself (INSERT … SELECT), so the bulk path
is audited like every single edit: who, when, and the import batch as the reason.
"""
from __future__ import annotations

import io

import pandas as pd
from django.db import connection
from django.utils import timezone

from registry.models import ImportBatch, Patient, Site, Study

from .kinds import EVENT_FILES, PATIENTS
from .reader import ParsedStudy

COPY_CHUNK_ROWS = 200_000


def load_study(parsed: ParsedStudy, *, user, study: Study | None) -> ImportBatch:
    """Insert everything of `parsed`; `study` is the existing study to refill (already emptied) or None."""
    now = timezone.now()
    replaced = study is not None
    study = _study_row(parsed.study, study)
    site_ids = _site_ids(parsed.sites)
    batch = ImportBatch.objects.create(study=study, imported_by=user, replaced=replaced,
                                       file_sha256=parsed.file_sha256, row_counts=parsed.row_counts())
    reason = f"import batch {batch.pk}"
    patients = parsed.frames[PATIENTS.file_name].copy()
    patients["site_id"] = patients.pop("site_code").map(site_ids)
    patients["study_id"] = study.pk
    _insert(Patient, _with_bookkeeping(patients, now))
    _history(Patient, "study_id = %s", [study.pk], now=now, user=user, reason=reason)
    patient_pks = dict(Patient.objects.filter(study=study).values_list("patient_id", "pk"))
    for spec in EVENT_FILES:
        frame = parsed.frames[spec.file_name].copy()
        frame["patient_id"] = frame["patient_id"].map(patient_pks)
        _insert(spec.model, _with_bookkeeping(frame, now))
        _history(spec.model, f"patient_id IN (SELECT id FROM {Patient._meta.db_table} WHERE study_id = %s)",
                 [study.pk], now=now, user=user, reason=reason)
    Study.objects.filter(pk=study.pk).update(data_revision=study.data_revision + 1)
    return batch


def _study_row(values: dict, study: Study | None) -> Study:
    fields = {"title": values["title"], "population": values["population"],
              "index_treatment": values["index_treatment"]}
    if study is None:
        return Study.objects.create(code=values["study_code"], **fields)
    for name, value in fields.items():
        setattr(study, name, value)
    study.save()
    return study


def _site_ids(sites: pd.DataFrame) -> dict[str, int]:
    ids = {}
    for code, name in zip(sites["site_code"], sites["name"]):
        site, _ = Site.objects.get_or_create(code=code, defaults={"name": name})
        ids[code] = site.pk
    return ids


def _with_bookkeeping(frame: pd.DataFrame, now) -> pd.DataFrame:
    frame = frame.drop(columns=["line"])
    frame["version"] = 1
    frame["updated_at"] = now.isoformat()
    return frame


def _columns(model) -> list[tuple[str, str]]:
    """(frame column, table column) for every concrete field but the primary key."""
    return [(f.attname, f.column) for f in model._meta.concrete_fields if not f.primary_key]


def _insert(model, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    columns = _columns(model)
    frame = frame.reindex(columns=[attname for attname, _ in columns])
    _fill_model_defaults(model, frame)
    table = model._meta.db_table
    names = ", ".join(connection.ops.quote_name(column) for _, column in columns)
    if connection.vendor == "postgresql":
        _copy(table, names, columns, frame, model)
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", _python_rows(frame))


def _fill_model_defaults(model, frame: pd.DataFrame) -> None:
    """Empty cells of text and code columns are blank strings in the database, never NULL."""
    for field in model._meta.concrete_fields:
        if field.attname in frame and not field.null and field.get_internal_type() in {"CharField", "TextField"}:
            frame[field.attname] = frame[field.attname].fillna("")


def _copy(table: str, names: str, columns, frame: pd.DataFrame, model) -> None:
    text_columns = [
        connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
        if f.get_internal_type() in {"CharField", "TextField"} and not f.null
    ]
    force = f", FORCE_NOT_NULL ({', '.join(text_columns)})" if text_columns else ""
    sql = f"COPY {table} ({names}) FROM STDIN (FORMAT CSV{force})"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for start in range(0, len(frame), COPY_CHUNK_ROWS):
                buffer = io.StringIO()
                frame.iloc[start:start + COPY_CHUNK_ROWS].to_csv(
                    buffer, header=False, index=False, date_format="%Y-%m-%d")
                copy.write(buffer.getvalue())


def _python_rows(frame: pd.DataFrame):
    converted = {}
    for name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            converted[name] = column.dt.strftime("%Y-%m-%d").astype(object).where(column.notna(), None)
        else:
            converted[name] = column.astype(object).where(column.notna(), None)
    return list(pd.DataFrame(converted).itertuples(index=False, name=None))


def _history(model, where: str, params: list, *, now, user, reason: str, kind: str = "+") -> None:
    """One history row per record (`+` created, `-` removed), written by the database from the rows."""
    history = model.history.model
    columns = [column for _, column in _columns(model)] + ["id"]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {history._meta.db_table} ({quoted}, history_date, history_type, history_user_id, "
        f"history_change_reason) SELECT {quoted}, %s, %s, %s, %s FROM {model._meta.db_table} WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, kind, user.pk if user else None, reason, *params])


def remove_study_records(study: Study, *, user, reason: str) -> None:
    """Empty a study before `--replace`: every removed record leaves a "-" history row with the reason."""
    now = timezone.now()
    patient_filter = f"patient_id IN (SELECT id FROM {Patient._meta.db_table} WHERE study_id = %s)"
    with connection.cursor() as cursor:
        for spec in EVENT_FILES:
            _history(spec.model, patient_filter, [study.pk], now=now, user=user, reason=reason, kind="-")
            cursor.execute(f"DELETE FROM {spec.model._meta.db_table} WHERE {patient_filter}", [study.pk])
        _history(Patient, "study_id = %s", [study.pk], now=now, user=user, reason=reason, kind="-")
        cursor.execute(f"DELETE FROM {Patient._meta.db_table} WHERE study_id = %s", [study.pk])

