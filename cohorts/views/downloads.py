"""An analysis run's tables as files: a tidy CSV (one line per row and cohort, raw figures beside the
printed ones) and an XLSX workbook (each table as printed, the tidy data, the methods, the parameters)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .presentation import paper_tables

FIGURE_KEYS = ("n", "denominator", "percent", "median", "min", "max", "mean", "sem", "total")
TIDY_HEADER = ("table", "row", "label", "kind", "cohort", "display", *FIGURE_KEYS, "p", "p_display", "method",
               "odds_ratio", "ci_profile_low", "ci_profile_high")


def tidy_rows(document: dict):
    for row in document.get("rows", []):
        base = [row.get("table"), row.get("row"), row.get("label"), row.get("kind")]
        tail = [row.get("p"), row.get("p_display"), row.get("method"), row.get("odds_ratio"),
                *(row.get("ci_profile") or [None, None])]
        cohorts = row.get("cohorts") or {"MODEL": {}}
        for cohort, figures in cohorts.items():
            display = (row.get("display") or {}).get(cohort if cohort != "MODEL" else "model")
            yield [*base, cohort, display, *(figures.get(k) for k in FIGURE_KEYS), *tail]


def tables_csv(document: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TIDY_HEADER)
    writer.writerows(tidy_rows(document))
    return buffer.getvalue().encode("utf-8")


def tables_xlsx(document: dict, run) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in paper_tables(document):
        sheet = workbook.create_sheet(table.code)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.columns)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for line in table.lines:
            label = ("    " if line.indent else "") + line.label
            sheet.append([label, *(c.text for c in line.cells), f"{line.p}{line.mark and ' ' + line.mark}"])
        sheet.append([])
        for mark, name in table.tests:
            sheet.append([f"{mark}: {name}"])
        sheet.column_dimensions["A"].width = 62
        for letter in "BCDE":
            sheet.column_dimensions[letter].width = 20
    _sheet(workbook, "Data", [TIDY_HEADER, *tidy_rows(document)])
    methods = workbook.create_sheet("Methods")
    methods.append([document.get("methods", "")])
    methods["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    methods.column_dimensions["A"].width = 120
    _sheet(workbook, "Parameters", [("parameter", "value"), *((k, _plain(v)) for k, v in
                                                              sorted((run.parameters or {}).items()))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value):
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def _sheet(workbook, title: str, rows) -> None:
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
