"""The streaming lab-results CSV: every result of the caller's sites matching the filters, in constant
memory however large the study.

The rows are chosen by the ORM (the scoping function and the filters, nothing else); on PostgreSQL
the server then formats and sends them with `COPY (SELECT …) TO STDOUT`, chunk by chunk, as the flat
CSV export does (registry.flatfile.writer). Elsewhere, and for the de-identified profile (pseudonyms
are computed here, not in SQL), rows are read with a server-side cursor and formatted in Python the
same way.
"""
from __future__ import annotations

from django.db import connection
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from registry import access, selectors
from registry.deidentify import Deidentifier
from registry.flatfile.writer import format_number
from registry.models import LabResult, Patient, Site, Study

from . import filters
from .downloads import CSV, csv_chunks, file_renderers, file_response, yes_no

HEADER = ("study_code", "site_code", "patient_id", "collected_on", "analyte", "value", "value_number",
          "below_detection", "unit", "lower_limit_normal", "id")
COLUMNS = ("patient__study__code", "patient__site__code", "patient__patient_id", "collected_on", "analyte",
           "value", "below_detection", "unit", "lower_limit_normal", "id")
CHUNK_ROWS = 5_000
BLOCK_BYTES = 64 * 1024


def python_rows(queryset, deidentified: bool):
    """Header, then one row per result, read with a server-side cursor in chunks."""
    yield HEADER[:-1] if deidentified else HEADER
    deidentifiers: dict[str, Deidentifier] = {}
    rows = queryset.order_by("id").values_list(*COLUMNS).iterator(chunk_size=CHUNK_ROWS)
    for study, site, patient, collected, analyte, value, below, unit, lower, pk in rows:
        number = format_number(value)
        cells = [study, site, patient, collected.isoformat(), analyte, ("<" if below else "") + number, number,
                 yes_no(below), unit, "" if lower is None else format_number(lower)]
        if deidentified:
            who = deidentifiers.setdefault(study, Deidentifier(study))
            cells[2], cells[3] = who.pseudonym(patient), who.shift(patient, collected)
        else:
            cells.append(pk)
        yield cells


def _copy_sql(queryset) -> tuple[str, tuple]:
    """COPY of the chosen rows, each cell already the text `python_rows` would write."""
    chosen, params = queryset.order_by().values("id").query.sql_with_params()
    tables = {"lab": LabResult._meta.db_table, "patient": Patient._meta.db_table, "site": Site._meta.db_table,
              "study": Study._meta.db_table}
    select = (
        "SELECT st.code AS study_code, s.code AS site_code, p.patient_id, "
        "to_char(l.collected_on, 'YYYY-MM-DD') AS collected_on, l.analyte, "
        "CASE WHEN l.below_detection THEN '<' ELSE '' END || l.value::text AS value, l.value::text AS value_number, "
        "CASE WHEN l.below_detection THEN 'yes' ELSE 'no' END AS below_detection, l.unit, "
        "l.lower_limit_normal::text AS lower_limit_normal, l.id "
        f"FROM {tables['lab']} l JOIN {tables['patient']} p ON p.id = l.patient_id "
        f"JOIN {tables['site']} s ON s.id = p.site_id JOIN {tables['study']} st ON st.id = p.study_id "
        f"WHERE l.id IN ({chosen}) ORDER BY l.id"
    )
    return f"COPY ({select}) TO STDOUT (FORMAT CSV, HEADER)", params


def copied_chunks(queryset):
    """The CSV as PostgreSQL writes it, passed on in blocks of about 64 KiB (COPY sends one row per
    message; one socket write per row would cost more than the rows)."""
    statement, params = _copy_sql(queryset)
    block = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for chunk in copy:
            block += chunk
            if len(block) >= BLOCK_BYTES:
                yield bytes(block)
                block.clear()
    if block:
        yield bytes(block)


class LabExportView(generics.GenericAPIView):
    """Every lab result of your sites matching the filters, as one CSV streamed in constant memory
    (for large studies: millions of rows). De-identified for users limited to de-identified data."""

    renderer_classes = file_renderers(CSV, "csv")
    filterset_class = filters.LabResultFilter
    pagination_class = None
    ordering_fields = ()

    def get_queryset(self):
        return selectors.lab_results_visible_to(self.request.user)

    @extend_schema(responses=file_response(CSV, "labs.csv-like rows: " + ", ".join(HEADER) + "."),
                   summary="Stream lab results as CSV")
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        deidentified = access.is_deidentified_only(request.user)
        if connection.vendor == "postgresql" and not deidentified:
            body = copied_chunks(queryset)
        else:
            body = csv_chunks(python_rows(queryset, deidentified))
        response = StreamingHttpResponse(body, content_type=f"{CSV}; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lab-results.csv"'
        return response
