"""An analysis document laid out as the papers' tables: N (%), median (range), mean (SEM), p with its test.

Rows carry their figures already printed the paper's way (`display`, cohorts.stats.formatting); a
row without them is formatted here with the same functions. Each p-value names its test through a
footnote letter, because the papers mix Fisher, Mann–Whitney, chi-square, Poisson and logistic models.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cohorts.analysis.methods import METHOD_NAMES
from cohorts.stats.formatting import ADULT_STYLE, PEDIATRIC_STYLE, format_figures, format_odds_ratio

TITLES = {
    "ADULT": {
        "T1": "Table 1. Baseline characteristics",
        "T2": "Table 2. Immunoglobulin data",
        "T3": "Table 3. Infection outcomes",
        "T4": "Table 4. Response to blinatumomab",
        "TEXT": "Figures quoted in the Results text",
    },
    "PEDIATRIC": {
        "T1": "Table 1. Demographic and treatment characteristics of patients who received or did not receive IVIG",
        "T2": "Table 2. Infectious complications before maintenance chemotherapy",
        "T3": "Table 3. Infectious complications during maintenance chemotherapy",
        "T4": "Table 4. Factors associated with IVIG use (logistic regression)",
        "TEXT": "Figures quoted in the Results text",
    },
}
NOTES = {
    "ADULT": "All values listed as N (%) unless otherwise noted; continuous rows as median (range). "
             "A value of <5 indicates a result below the detectable level.",
    "PEDIATRIC": "Counts as no. (%); Tables 2–3 as mean (SEM); p values of Tables 2–3 take into account days "
                 "of therapy.",
}
COHORT_LABELS = {
    "ADULT": (("ALL", "All"), ("CONTROL", "Control"), ("IVIG", "IVIG")),
    "PEDIATRIC": (("IVIG", "IVIG group"), ("CONTROL", "Non-IVIG group")),
}
SIGNIFICANT = 0.05


@dataclass
class Cell:
    text: str
    title: str = ""


@dataclass
class Line:
    key: str
    label: str
    cells: list[Cell]
    p: str = ""
    p_title: str = ""
    mark: str = ""
    significant: bool = False
    indent: bool = False
    heading: bool = False
    note: str = ""


@dataclass
class Table:
    code: str
    title: str
    columns: list[str]
    lines: list[Line] = field(default_factory=list)
    tests: list[tuple[str, str]] = field(default_factory=list)  # (mark, test name)
    note: str = ""


def _columns(population: str, sizes: dict, code: str) -> list[tuple[str, str]]:
    if code == "TEXT":
        return [(c, f"{name} (N={sizes.get(c, 0)})") for c, name in COHORT_LABELS["ADULT"]]
    return [(c, f"{name} (N={sizes.get(c, 0)})") for c, name in COHORT_LABELS[population]]


def _cell(row: dict, cohort: str, style) -> Cell:
    figures = row.get("cohorts", {}).get(cohort)
    if figures is None:
        return Cell("")
    text = (row.get("display") or {}).get(cohort)
    if text is None:
        text = format_figures(row["kind"], figures, style) or "–"
    title = ""
    if row["kind"] == "count" and figures.get("denominator") is not None:
        title = f"{figures['n']} of {figures['denominator']} with the value recorded"
    return Cell(text, title)


def _p(row: dict) -> tuple[str, str]:
    text = row.get("p_display") or ("–" if row.get("method") else "")
    titles = []
    if row.get("rate_ratio") is not None:
        titles.append(f"rate ratio IVIG vs control {row['rate_ratio']:.2f}")
    if row.get("p") is not None:
        titles.append(f"p = {row['p']:.6g}")
    return text, "; ".join(titles)


def _mark(table: Table, method: str | None) -> str:
    if not method:
        return ""
    for mark, name in table.tests:
        if name == METHOD_NAMES.get(method, method):
            return mark
    mark = "abcdefghij"[len(table.tests)]
    table.tests.append((mark, METHOD_NAMES.get(method, method)))
    return mark


def _line(table: Table, row: dict, cohorts, style) -> Line:
    p, p_title = _p(row)
    label = row["label"] + (" (per infection)" if row.get("unit") == "infections" else "")
    return Line(key=row["row"], label=label, cells=[_cell(row, c, style) for c in cohorts], p=p, p_title=p_title,
                mark=_mark(table, row.get("method")) if row.get("p") is not None else "",
                significant=row.get("p") is not None and row["p"] <= SIGNIFICANT, note=row.get("note", ""))


def _odds_line(table: Table, row: dict, style) -> Line:
    text = (row.get("display") or {}).get("model") or format_odds_ratio(row.get("odds_ratio"), row.get("ci_profile"),
                                                                        style) or "–"
    wald = row.get("ci_wald")
    title = f"Wald 95% CI {wald[0]:.2f}–{wald[1]:.2f}" if wald else ""
    suffix = " (screened in, p < 0.25)" if row.get("screened") else ""
    line = _line(table, row, [], style)
    line.cells, line.label = [Cell(text, title)], row["label"] + suffix
    return line


def _with_variable_headings(lines: list[Line], rows: list[dict], width: int) -> list[Line]:
    """Categorical variables print one p on a heading row and their levels below (pediatric Table 1)."""
    result, current = [], None
    for line, row in zip(lines, rows):
        if row.get("p_scope") == "variable" and ": " in row["label"]:
            variable, level = row["label"].split(": ", 1)
            if variable != current:
                result.append(Line(key=f"{line.key}-heading", label=variable, cells=[Cell("")] * width, p=line.p,
                                   p_title=line.p_title, mark=line.mark, significant=line.significant, heading=True))
                current = variable
            level = level.replace("_", " ")
            line.label, line.p, line.mark, line.indent = level[:1].upper() + level[1:], "", "", True
        else:
            current = None
        result.append(line)
    return result


def paper_tables(document: dict) -> list[Table]:
    population = document.get("population", "ADULT")
    style = ADULT_STYLE if population == "ADULT" else PEDIATRIC_STYLE
    sizes = document.get("cohort_sizes", {})
    tables = []
    for code in ("T1", "T2", "T3", "T4", "TEXT"):
        rows = [row for row in document.get("rows", []) if row.get("table") == code]
        if not rows:
            continue
        odds = all(row["kind"] == "odds_ratio" for row in rows)
        columns = [("MODEL", "Odds ratio (95% CI)")] if odds else _columns(population, sizes, code)
        table = Table(code, TITLES.get(population, TITLES["ADULT"]).get(code, code),
                      ["Characteristic"] + [name for _, name in columns] + ["p"], note=NOTES.get(population, ""))
        cohorts = [c for c, _ in columns]
        lines = [_odds_line(table, row, style) if odds else _line(table, row, cohorts, style) for row in rows]
        table.lines = _odds_sections(lines, rows) if odds else _with_variable_headings(lines, rows, len(cohorts))
        tables.append(table)
    return tables


def _odds_sections(lines: list[Line], rows: list[dict]) -> list[Line]:
    result, current = [], None
    for line, row in zip(lines, rows):
        section = "Multivariable model" if "multivariable" in (row.get("method") or "") else "Univariate"
        if section != current:
            result.append(Line(key=f"section-{section}", label=section, cells=[Cell("")], heading=True))
            current = section
        line.indent = True
        result.append(line)
    return result
