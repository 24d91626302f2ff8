"""Write a validated study into the database in one transaction, with its audit history.

Rows go in with PostgreSQL's COPY in its binary format (or executemany on SQLite), and the history
table of each model receives one "+" row per record, written by the database itself from the rows it
stored (INSERT … SELECT), so the bulk path is audited like every single edit: who, when, and the
import batch as the reason. Every constraint and foreign key of the tables checks the imported rows
as it checks any other (the foreign keys, deferred, at commit). On PostgreSQL the COPY stream is
encoded by a worker thread running ahead of the server, so that encoding overlaps the server's own
work (COPY, history rows) instead of adding to it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from queue import SimpleQueue
from threading import Event, Thread

import pandas as pd
from django.db import connection
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from registry.models import ImportBatch, Patient, Site, Study

from .kinds import EVENT_FILES, PATIENTS
from .pgcopy import copy_chunks, encode_column
from .reader import ParsedStudy

COPY_CHUNK_ROWS = 50_000
_DONE = object()  # the end of one table's chunks


def load_study(parsed: ParsedStudy, *, user, study: Study | None) -> ImportBatch:
    """Insert everything of `parsed`; `study` is the existing study to refill (already emptied) or None."""
    now = timezone.now()
    replaced = study is not None
    study = _study_row(parsed.study, study, user=user)
    site_ids = _site_ids(parsed.sites, user=user)
    batch = ImportBatch.objects.create(study=study, imported_by=user, replaced=replaced,
                                       file_sha256=parsed.file_sha256, row_counts=parsed.row_counts())
    reason = f"import batch {batch.pk}"
    patients = parsed.frames[PATIENTS.file_name].copy()
    patients["site_id"] = _ids_of_rows(patients.pop("site_code"), site_ids)
    patients["study_id"] = study.pk
    _insert(Patient, _with_bookkeeping(patients, now))
    _history(Patient, "study_id = %s", [study.pk], now=now, user=user, reason=reason)
    patient_pks = dict(Patient.objects.filter(study=study).values_list("patient_id", "pk"))
    tables = [(spec.model, partial(_event_rows, parsed.frames[spec.file_name], patient_pks, now))
              for spec in EVENT_FILES]
    events_of_study = f"patient_id IN (SELECT id FROM {Patient._meta.db_table} WHERE study_id = %s)"
    _insert_tables(tables, after_each=lambda model: _history(model, events_of_study, [study.pk], now=now,
                                                             user=user, reason=reason))
    Study.objects.filter(pk=study.pk).update(data_revision=study.data_revision + 1)
    _refresh_planner_statistics()
    return batch


def _refresh_planner_statistics() -> None:
    """After a bulk load the planner still believes the tables small (35 patients for 100,000) and
    picks plans that spill to disk; ANALYZE samples a few thousand rows per table and is cheap."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Patient, *(spec.model for spec in EVENT_FILES)):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _event_rows(frame: pd.DataFrame, patient_pks: dict[str, int], now) -> pd.DataFrame:
    frame = frame.copy()
    frame["patient_id"] = _ids_of_rows(frame["patient_id"], patient_pks)
    return _with_bookkeeping(frame, now)


def _ids_of_rows(codes: pd.Series, ids: dict[str, int]) -> pd.Series:
    """The registry id of each row's code (a patient or site), looked up once per distinct code."""
    texts = pd.Series(codes.cat.categories.to_numpy(dtype=object))
    return texts.map(ids).astype("Int64").iloc[codes.cat.codes.to_numpy()].reset_index(drop=True)


def _study_row(values: dict, study: Study | None, *, user) -> Study:
    fields = {"title": values["title"], "population": values["population"],
              "index_treatment": values["index_treatment"]}
    study = study or Study(code=values["study_code"])
    for name, value in fields.items():
        setattr(study, name, value)
    _save_with_history(study, user=user, reason=f"import of {study.code}")
    return study


def _site_ids(sites: pd.DataFrame, *, user) -> dict[str, int]:
    ids = {}
    for code, name in zip(sites["site_code"], sites["name"]):
        site = Site.objects.filter(code=code).first()
        if site is None:
            site = Site(code=code, name=name)
            _save_with_history(site, user=user, reason="site of an imported study")
        ids[code] = site.pk
    return ids


def _save_with_history(instance, *, user, reason: str) -> None:
    """The study and new sites are saved one by one; their history rows name the importer too."""
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


def _with_bookkeeping(frame: pd.DataFrame, now) -> pd.DataFrame:
    frame = frame.drop(columns=["line"])
    frame["version"] = 1
    frame["updated_at"] = now
    return frame


def _fields(model) -> list[tuple[str, object]]:
    """(frame column, field) for every concrete field but the primary key, in the table's order."""
    return [(f.attname, f) for f in model._meta.concrete_fields if not f.primary_key]


def _columns(model) -> list[tuple[str, str]]:
    """(frame column, table column) for every concrete field but the primary key."""
    return [(attname, field.column) for attname, field in _fields(model)]


def _insert(model, frame: pd.DataFrame) -> None:
    _insert_tables([(model, lambda: frame)], after_each=lambda model: None)


def _insert_tables(tables: list[tuple[type, Callable[[], pd.DataFrame]]], *, after_each) -> None:
    """Insert each model's rows (made by its callable), then call `after_each(model)`.

    On PostgreSQL a worker thread prepares the tables in order and encodes their rows chunk by chunk,
    running ahead of the server: COPY starts on a table's first chunk, and the next tables are
    encoded while the server writes this one's history, so client work hides behind the server's.
    """
    if connection.vendor != "postgresql":
        for model, rows in tables:
            _execute_many(model, _table_frame(model, rows()))
            after_each(model)
        return
    queues, stop = [SimpleQueue() for _ in tables], Event()
    worker = Thread(target=_format_tables, args=(tables, queues, stop), name="copy-format", daemon=True)
    worker.start()
    try:
        for (model, _), queue in zip(tables, queues):
            _copy(model, _chunks_from(queue))
            after_each(model)
    finally:
        stop.set()
        worker.join()


def _format_tables(tables, queues: list[SimpleQueue], stop: Event) -> None:
    """The worker: each table's COPY chunks into its queue, then `_DONE` (or the exception that stopped it)."""
    try:
        for (model, rows), queue in zip(tables, queues):
            frame = _table_frame(model, rows())
            columns = [encode_column(frame[attname], field.db_type(connection), len(frame))
                       for attname, field in _fields(model)]
            for chunk in copy_chunks(columns, len(frame), COPY_CHUNK_ROWS):
                if stop.is_set():
                    return
                queue.put(chunk)
            queue.put(_DONE)
    except Exception as error:  # handed to the main thread, which raises it
        for queue in queues:
            queue.put(error)


def _chunks_from(queue: SimpleQueue):
    while (chunk := queue.get()) is not _DONE:
        if isinstance(chunk, Exception):
            raise chunk
        yield chunk


def _table_frame(model, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the table's columns, in the table's order."""
    frame = frame.reindex(columns=[attname for attname, _ in _columns(model)])
    _fill_model_defaults(model, frame)
    return frame


def _fill_model_defaults(model, frame: pd.DataFrame) -> None:
    """Empty cells of text and code columns are blank strings in the database, never NULL."""
    for field in model._meta.concrete_fields:
        if field.attname in frame and not field.null and field.get_internal_type() in {"CharField", "TextField"}:
            column = frame[field.attname]
            if isinstance(column.dtype, pd.CategoricalDtype) and "" not in column.cat.categories:
                column = column.cat.add_categories("")
            frame[field.attname] = column.fillna("")


def _copy(model, chunks: Iterable[bytes]) -> None:
    sql = f"COPY {model._meta.db_table} ({_quoted_columns(model)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor:
        # The queued writer sends from a thread of its own: `write` returns at once, so this thread
        # is free to wait for the next chunk while the server reads the last.
        with cursor.cursor.copy(sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
            for chunk in chunks:
                copy.write(chunk)


def _execute_many(model, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    placeholders = ", ".join(["%s"] * len(frame.columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {model._meta.db_table} ({_quoted_columns(model)}) VALUES ({placeholders})",
                           _python_rows(frame))


def _quoted_columns(model) -> str:
    return ", ".join(connection.ops.quote_name(column) for _, column in _columns(model))


def _python_rows(frame: pd.DataFrame):
    converted = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            converted[name] = column.map(lambda moment: moment.isoformat()).astype(object)
        elif pd.api.types.is_datetime64_any_dtype(column):
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

