"""`analyse`: one study's frames and parameters in, the RESULTS.md analysis document out.

The document holds RESULTS.md's fields (`study`, `population`, `cohort_sizes`, `cohort_of`, `rows`)
and more: `parameters` (with their `fingerprint`), `consort`, `warnings`, `model_selection`
(pediatric), `methods` (a methods paragraph) and `software`. The same input gives the same document:
rows come in table order, dictionaries are built in a fixed order, and floats are the computed
values, not rounded.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from cohorts.analysis import adult_tables, pediatric_tables
from cohorts.analysis.context import Context, build_context
from cohorts.analysis.eligibility import consort, eligibility_table
from cohorts.analysis.endpoints import cohort_masks, compute_endpoints
from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.methods import methods_text, software_versions
from cohorts.analysis.models import logistic_block
from cohorts.analysis.parameters import AnalysisParameters
from cohorts.analysis.tables import TableData, evaluate
from cohorts.stats.formatting import ADULT_STYLE, PEDIATRIC_STYLE

Progress = Callable[[float, str], None]
COHORTS = ("IVIG", "CONTROL")


def _silent(fraction: float, message: str) -> None:
    """Default progress callback: report nothing."""


def _rows(frames: StudyFrames, data: TableData, progress: Progress) -> tuple[list[dict], list[str], dict]:
    if frames.population == "ADULT":
        return evaluate(adult_tables.adult_rows(frames, data.endpoints), data), [], {}
    rows = evaluate(pediatric_tables.table_rows(frames), data)
    progress(0.6, "logistic models (Table 4)")
    block = logistic_block(pediatric_tables.CANDIDATES, data)
    sites = data.endpoints["site"].to_numpy(dtype=object)[data.masks["IVIG"]]
    text = evaluate(pediatric_tables.results_text(frames, set(pd.unique(sites))), data)
    return rows + block.rows + text, block.warnings, block.selection


def _row_warnings(rows: list[dict], parameters: AnalysisParameters) -> list[str]:
    """Notes the tests attached to their p-values; the asymptotic fallbacks are gathered in one."""
    asymptotic = [row["row"] for row in rows if (row.get("method") or "").startswith("mann_whitney_u_asymptotic")]
    notes = [f"{row['row']}: {row['note']}" for row in rows
             if row.get("note") and row["row"] not in asymptotic]
    if asymptotic:
        notes.insert(0, f"{len(asymptotic)} rows compared more than {parameters.mwu_exact_max_cases} cases with the "
                        f"asymptotic Mann-Whitney U test instead of the exact one: {', '.join(asymptotic)}")
    return notes


def _cohorts(endpoints: pd.DataFrame) -> tuple[dict, dict]:
    cohort = endpoints["cohort"]
    sizes = {name: int((cohort == name).sum()) for name in COHORTS}
    sizes["ALL"] = sizes["IVIG"] + sizes["CONTROL"]
    assigned = cohort[cohort.notna()]
    return sizes, dict(zip(map(str, assigned.index), map(str, assigned.to_numpy())))


def _analysed_context(frames: StudyFrames, parameters: AnalysisParameters) -> tuple[Context, dict]:
    """The context the tables are computed on, and the CONSORT counts of the eligibility criteria."""
    context = build_context(frames, parameters)
    screening = eligibility_table(context)
    counts = consort(screening, applied=parameters.eligibility_filter)
    if not parameters.eligibility_filter:
        return context, counts
    eligible = screening.index[screening["eligible"].to_numpy()]
    return build_context(frames.restricted_to(eligible), parameters), counts


def analyse(frames: StudyFrames, parameters: AnalysisParameters | None = None,
            progress: Progress | None = None) -> dict:
    """The analysis document of one study (RESULTS.md), deterministic for a given input."""
    parameters = parameters or AnalysisParameters()
    report = progress or _silent
    report(0.0, "eligibility and cohorts")
    context, counts = _analysed_context(frames, parameters)
    report(0.2, "per-patient endpoints")
    endpoints = compute_endpoints(context)
    style = ADULT_STYLE if frames.population == "ADULT" else PEDIATRIC_STYLE
    data = TableData(endpoints=endpoints, masks=cohort_masks(endpoints), parameters=parameters, style=style)
    report(0.4, "tables")
    rows, warnings, selection = _rows(context.frames, data, report)
    sizes, cohort_of = _cohorts(endpoints)
    report(0.9, "methods")
    document = {
        "study": frames.study["study_code"], "title": frames.study["title"], "population": frames.population,
        "cohort_sizes": sizes, "cohort_of": cohort_of, "rows": rows,
        "parameters": parameters.to_dict(), "parameters_fingerprint": parameters.fingerprint(),
        "consort": counts, "warnings": warnings + _row_warnings(rows, parameters),
        "methods": methods_text(frames.population, rows, parameters), "software": software_versions(),
    }
    if selection:
        document["model_selection"] = selection
    report(1.0, "done")
    return _plain(document)


def _plain(value):
    """JSON-ready copy: numpy scalars to Python numbers, NaN to None, tuples to lists."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        # Text values (`cohort_of` has one per patient) need no copy and no call.
        return {str(k): v if type(v) is str else _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value
