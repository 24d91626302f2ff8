"""An analysis document (RESULTS.md) as a long table, for CSV and XLSX.

One row per (result row, cohort, figure): every kind of row (counts, medians, odds ratios) fits one
shape that R's `read.csv` or pandas reads without special cases.
"""
from __future__ import annotations

import io
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

HEADER = ("table", "row", "label", "kind", "cohort", "statistic", "value", "p", "p_display", "method", "unit")
MODEL_FIGURES = ("odds_ratio", "rate_ratio", "screened")
# RESULTS.md's order; PostgreSQL's jsonb does not keep the order in which keys were written.
COHORT_ORDER = ("IVIG", "CONTROL", "ALL")
FIGURE_ORDER = ("n", "denominator", "percent", "median", "mean", "sem", "min", "max", "total")


def _ordered(keys, order) -> list:
    return sorted(keys, key=lambda key: (order.index(key) if key in order else len(order), key))
INTERVALS = ("ci_wald", "ci_profile")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _figures(row: dict) -> Iterator[tuple[str, str, object]]:
    """(cohort, statistic, value) of one result row."""
    cohorts = row.get("cohorts") or {}
    for cohort in _ordered(cohorts, COHORT_ORDER):
        for statistic in _ordered(cohorts[cohort], FIGURE_ORDER):
            yield cohort, statistic, cohorts[cohort][statistic]
    for name in MODEL_FIGURES:
        if name in row:
            yield "", name, row[name]
    for name in INTERVALS:
        if row.get(name):
            low, high = row[name]
            yield "", f"{name}_low", low
            yield "", f"{name}_high", high


def result_rows(document: dict) -> Iterator[tuple]:
    yield HEADER
    for row in document.get("rows", []):
        shared = (row.get("table"), row.get("row"), row.get("label"), row.get("kind"))
        tail = (row.get("p"), row.get("p_display"), row.get("method"), row.get("unit"))
        figures = list(_figures(row)) or [("", "", None)]
        for cohort, statistic, value in figures:
            yield tuple(_cell(v) for v in (*shared, cohort, statistic, value, *tail))


def _xlsx_cell(sheet, value):
    """Numbers stay numbers; all text is stored as text, so "=…" in a label is never a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"
    return cell


def result_workbook(document: dict) -> bytes:
    """Sheets `results` (the long table), `cohorts` (patient → cohort) and `parameters`."""
    book = Workbook(write_only=True)
    sheets = {
        "results": result_rows(document),
        "cohorts": [("patient_id", "cohort"), *(document.get("cohort_of") or {}).items()],
        "parameters": [("parameter", "value"), *(document.get("parameters") or {}).items()],
    }
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
