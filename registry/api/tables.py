"""The two shapes analysts ask for: tidy long tables of repeated records, one row per record with the
patient's site, cohort and day since diagnosis beside it; and one row per patient of derived endpoints.

Both are limited to the caller's sites and de-identified for users limited to de-identified data.
"""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import date

import pandas as pd
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from registry import access
from registry.deidentify import OLDEST_AGE, Deidentifier, deidentify_row, header_of
from registry.flatfile.kinds import EVENT_FILES, FileSpec
from registry.flatfile.writer import write_rows
from registry.models import Patient

from .downloads import CSV, file_renderers, file_response, streaming_csv
from .exports import STUDY_CODE, visible_study
from .filters import latest_cohorts

TABLES = {spec.file_name.removesuffix(".csv"): spec for spec in EVENT_FILES}
TABLE = OpenApiParameter("table", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(TABLES),
                         description="The kind of repeated record.")
PATIENT_COLUMNS = ("study_code", "site_code", "patient_id", "cohort", "days_from_diagnosis")


def _first_date(spec: FileSpec) -> str:
    return next(column.name for column in spec.columns if column.kind == "date")


def long_rows(spec: FileSpec, study, site_ids, cohort_of: dict, deidentifier: Deidentifier | None):
    """Header, then one row per record: the patient's columns, then the record's (as in the flat file)."""
    patients = {pid: (site, diagnosis) for pid, site, diagnosis in Patient.objects.filter(
        study=study, site_id__in=site_ids).values_list("patient_id", "site__code", "diagnosis_date")}
    record_columns = [c for c in (header_of(spec) if deidentifier else spec.header) if c != "patient_id"]
    yield (*PATIENT_COLUMNS, *record_columns)
    date_column = _first_date(spec)
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as buffer:
        write_rows(spec, study, buffer, sorted(site_ids))
        buffer.seek(0)
        for row in csv.DictReader(io.TextIOWrapper(buffer, encoding="utf-8", newline="")):
            patient_id = row["patient_id"]
            site, diagnosis = patients[patient_id]
            day = (date.fromisoformat(row[date_column]) - diagnosis).days
            if deidentifier:
                cells = dict(zip(header_of(spec), deidentify_row(spec, row, deidentifier)))
                shown_id = deidentifier.pseudonym(patient_id)
            else:
                cells, shown_id = row, patient_id
            yield (study.code, site, shown_id, cohort_of.get(patient_id, ""), day,
                   *(cells[c] for c in record_columns))


class LongTableView(APIView):
    """One kind of repeated record of a study as a tidy long table: one row per record, with the
    patient's study, site, cohort (latest succeeded analysis; empty without one) and the record's
    day since diagnosis, then the record's columns as in the flat CSV file."""

    renderer_classes = file_renderers(CSV, "csv")

    @extend_schema(parameters=[STUDY_CODE, TABLE], summary="Tidy long table of one record kind (CSV)",
                   responses=file_response(CSV, "One row per record."))
    def get(self, request, code: str, table: str):
        spec = TABLES.get(table)
        if spec is None:
            raise Http404
        study = visible_study(request, code)
        site_ids = access.site_ids_where(request.user)
        cohort_of = latest_cohorts(request.user, [study.pk]).get(study.pk, {})
        deidentifier = Deidentifier(study.code) if access.is_deidentified_only(request.user) else None
        rows = long_rows(spec, study, site_ids, cohort_of, deidentifier)
        return streaming_csv(rows, f"{study.code}-{table}-long.csv")


def patient_endpoint_table(frames, parameters) -> pd.DataFrame:
    """The engine's one row per patient, with the patient's site beside the ID."""
    from cohorts.analysis.endpoints import patient_endpoints

    table = patient_endpoints(frames, parameters)
    sites = frames.patients.set_index("patient_id")["site_code"]
    table.insert(1, "site_code", table["patient_id"].map(sites))
    return table


FREE_TEXT_ENDPOINTS = ("birth_date", "treatment_protocol", "protocol")
AGE_ENDPOINTS = ("age", "age_at_diagnosis")


def deidentify_table(table: pd.DataFrame, study_code: str) -> pd.DataFrame:
    """The endpoint table in the de-identified profile: pseudonyms, shifted dates, whole-year ages
    (90 for 90 and over), no free text."""
    who = Deidentifier(study_code)
    table = table.drop(columns=[c for c in FREE_TEXT_ENDPOINTS if c in table.columns])
    ids = table["patient_id"]
    for column in table.columns:
        if pd.api.types.is_datetime64_any_dtype(table[column]):
            table[column] = [who.shift(pid, day.date()) if pd.notna(day) else "" for pid, day in
                             zip(ids, table[column])]
    for column in AGE_ENDPOINTS:
        if column in table.columns:
            table[column] = table[column].clip(upper=OLDEST_AGE).apply(lambda age: age // 1)
    table["patient_id"] = ids.map(who.pseudonym)
    return table


class PatientEndpointsView(APIView):
    """One row per patient of derived endpoints (index date, windows, cohort and the engine's per-patient
    endpoints), computed with the default analysis parameters over your sites' patients."""

    renderer_classes = file_renderers(CSV, "csv")

    @extend_schema(parameters=[STUDY_CODE], summary="Per-patient derived endpoints (CSV)",
                   responses=file_response(CSV, "One row per patient."))
    def get(self, request, code: str):
        from cohorts.analysis.parameters import AnalysisParameters
        from cohorts.selectors import study_frames

        study = visible_study(request, code)
        frames = study_frames(study, access.site_ids_where(request.user))
        table = patient_endpoint_table(frames, AnalysisParameters())
        if access.is_deidentified_only(request.user):
            table = deidentify_table(table, study.code)
        body = table.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
        response = HttpResponse(body, content_type=f"{CSV}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{study.code}-patient-endpoints.csv"'
        return response
