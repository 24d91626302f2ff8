"""Pediatric Table 4: logistic regression of IVIG use on variables known before maintenance.

Univariate models for every candidate (Wald p, Wald and profile-likelihood 95% CIs, screened at
p < 0.25), backward stepwise selection among the screened candidates (reported, not used), and
the paper's final multivariable model *(choice)*, whatever the screening gives (DEFINITIONS.md,
Statistics). The models are `cohorts.stats.regression`'s; this module only chooses the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cohorts.analysis.tables import TableData
from cohorts.stats import formatting, regression

UNIVARIATE = "logistic_univariate_wald"
MULTIVARIABLE = "logistic_multivariable_wald"
VARIANT = "logistic regression, Wald z p, Wald and profile-likelihood 95% CI"


@dataclass(frozen=True)
class Candidate:
    """A covariate: `endpoint` column, divided by the parameter named in `per` when given."""

    name: str
    label: str
    endpoint: str
    per: str | None = None


@dataclass(frozen=True)
class LogisticBlock:
    rows: list[dict]
    warnings: list[str]
    selection: dict


def _interval(values) -> list | None:
    return None if values is None else [None if v is None else float(v) for v in values]


def _term_row(key: str, label: str, method: str, term: regression.LogisticTerm, data: TableData) -> dict:
    p_display = formatting.format_p(term.p, data.style)
    return {"table": "T4", "row": key, "label": label, "kind": "odds_ratio", "cohorts": {}, "p": term.p,
            "p_display": p_display, "method": method, "variant": VARIANT, "odds_ratio": term.odds_ratio,
            "ci_wald": _interval(term.ci_wald), "ci_profile": _interval(term.ci_profile),
            "display": {"model": _model_display(term, data), "p": p_display}}


def _model_display(term: regression.LogisticTerm, data: TableData) -> str | None:
    interval = term.ci_profile if term.ci_profile and None not in term.ci_profile else None
    return formatting.format_odds_ratio(term.odds_ratio, interval, data.style)


def _design(candidates: dict[str, Candidate], data: TableData) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    both = data.masks["ALL"]
    outcome = data.masks["IVIG"][both].astype("float64")
    columns = {}
    for name in data.parameters.univariate_candidates:
        candidate = candidates[name]
        scale = getattr(data.parameters, candidate.per) if candidate.per else 1.0
        columns[name] = data.column(candidate.endpoint)[both] / scale
    return outcome, columns


def _univariate(candidates, outcome, columns, data: TableData) -> tuple[list[dict], list[str]]:
    screened = regression.univariate_screen(outcome, columns, threshold=data.parameters.screening_p)
    rows, names = [], []
    for item in screened:
        name = item.term.name
        row = _term_row(f"t4_univariate_{name}", candidates[name].label, UNIVARIATE, item.term, data)
        row.update(screened=item.screened, n=item.n)
        rows.append(row)
        names += [name] if item.screened else []
    return rows, names


def _multivariable(candidates, outcome, columns, data: TableData) -> tuple[list[dict], list[str]]:
    chosen = {name: columns[name] if name in columns else _column(candidates[name], data)
              for name in data.parameters.final_model_variables}
    fit = regression.logistic_regression(outcome, chosen,
                                         epv_minimum=data.parameters.events_per_variable_warning)
    rows = []
    for term in fit.terms:
        row = _term_row(f"t4_multivariable_{term.name}", candidates[term.name].label, MULTIVARIABLE, term, data)
        row.update(n=fit.n, events=fit.events)
        rows.append(row)
    return rows, [f"Table 4 final model: {w}" for w in fit.warnings]


def _column(candidate: Candidate, data: TableData) -> np.ndarray:
    scale = getattr(data.parameters, candidate.per) if candidate.per else 1.0
    return data.column(candidate.endpoint)[data.masks["ALL"]] / scale


def _selection(outcome, columns, screened: list[str]) -> dict:
    if not screened:
        return {"screened": [], "backward_stepwise": []}
    result = regression.stepwise_backward(outcome, {name: columns[name] for name in screened})
    return {"screened": screened, "backward_stepwise": list(result.selected)}


def logistic_block(candidates: dict[str, Candidate], data: TableData) -> LogisticBlock:
    """Table 4 rows; a study whose cohorts cannot support a model gets no rows and a warning."""
    outcome, columns = _design(candidates, data)
    try:
        univariate, screened = _univariate(candidates, outcome, columns, data)
        multivariable, warnings = _multivariable(candidates, outcome, columns, data)
        selection = _selection(outcome, columns, screened)
    except ValueError as error:
        return LogisticBlock(rows=[], warnings=[f"Table 4 not computed: {error}"], selection={})
    return LogisticBlock(rows=univariate + multivariable, warnings=warnings, selection=selection)
