"""Pediatric Table 4: logistic regression of IVIG use on variables known before maintenance.

Univariate models for every candidate (Wald p, Wald and profile-likelihood 95% CIs, screened at
p < 0.25), backward stepwise selection among the screened candidates (reported, not used), and
the paper's final multivariable model *(choice)*, whatever the screening gives (DEFINITIONS.md,
Statistics). The models are `cohorts.stats.regression`'s; this module only chooses the data.

Profile-likelihood limits and stepwise selection refit the model many times; above
`logistic_refit_max_cases` patients (a million by default) they are skipped (Wald CIs only) and a
warning says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cohorts.analysis.tables import TableData
from cohorts.stats import formatting, regression

UNIVARIATE = "logistic_univariate_wald"
MULTIVARIABLE = "logistic_multivariable_wald"
VARIANT = "logistic regression, Wald z p, Wald and profile-likelihood 95% CI"
VARIANT_WALD_ONLY = "logistic regression, Wald z p, Wald 95% CI"


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


def _model_display(term: regression.LogisticTerm, data: TableData) -> str | None:
    """`OR (low-high)` with the profile-likelihood interval the paper prints, else the Wald one."""
    profile = term.ci_profile if term.ci_profile and None not in term.ci_profile else None
    return formatting.format_odds_ratio(term.odds_ratio, profile or term.ci_wald, data.style)


def _term_row(key: str, label: str, method: str, term: regression.LogisticTerm, data: TableData,
              profiled: bool) -> dict:
    p_display = formatting.format_p(term.p, data.style)
    return {"table": "T4", "row": key, "label": label, "kind": "odds_ratio", "cohorts": {}, "p": term.p,
            "p_display": p_display, "method": method, "variant": VARIANT if profiled else VARIANT_WALD_ONLY,
            "odds_ratio": term.odds_ratio, "ci_wald": _interval(term.ci_wald),
            "ci_profile": _interval(term.ci_profile), "display": {"model": _model_display(term, data), "p": p_display}}


def _column(candidate: Candidate, data: TableData) -> np.ndarray:
    scale = getattr(data.parameters, candidate.per) if candidate.per else 1.0
    return data.column(candidate.endpoint)[data.masks["ALL"]] / scale


def _univariate(candidates, outcome, data: TableData, profiled: bool) -> tuple[list[dict], list[str], list[str]]:
    """One model per candidate; a candidate with a single value among its complete cases gives no row."""
    rows, screened, warnings = [], [], []
    for name in data.parameters.univariate_candidates:
        values = _column(candidates[name], data)
        complete = ~np.isnan(values)
        if len(np.unique(values[complete])) < 2 or len(np.unique(outcome[complete])) < 2:
            continue
        fit = regression.logistic_regression(outcome[complete], {name: values[complete]}, profile=profiled,
                                             epv_minimum=0)
        term = fit.terms[0]
        passes = term.p is not None and term.p < data.parameters.screening_p
        row = _term_row(f"t4_univariate_{name}", candidates[name].label, UNIVARIATE, term, data, profiled)
        row.update(screened=passes, n=fit.n)
        rows.append(row)
        screened += [name] if passes else []
        warnings += [f"t4_univariate_{name}: {w}" for w in fit.warnings]
    return rows, screened, warnings


def _multivariable(candidates, outcome, data: TableData, profiled: bool) -> tuple[list[dict], list[str]]:
    chosen = {name: _column(candidates[name], data) for name in data.parameters.final_model_variables}
    fit = regression.logistic_regression(outcome, chosen, profile=profiled,
                                         epv_minimum=data.parameters.events_per_variable_warning)
    rows = []
    for term in fit.terms:
        row = _term_row(f"t4_multivariable_{term.name}", candidates[term.name].label, MULTIVARIABLE, term, data,
                        profiled)
        row.update(n=fit.n, events=fit.events)
        rows.append(row)
    return rows, [f"Table 4 final model: {w}" for w in fit.warnings]


def _selection(candidates, outcome, data: TableData, screened: list[str]) -> dict:
    if not screened:
        return {"screened": [], "backward_stepwise": []}
    columns = {name: _column(candidates[name], data) for name in screened}
    result = regression.stepwise_backward(outcome, columns)
    return {"screened": screened, "backward_stepwise": list(result.selected)}


def logistic_block(candidates: dict[str, Candidate], data: TableData) -> LogisticBlock:
    """Table 4 rows; a study whose cohorts cannot support a model gets no rows and a warning."""
    outcome = data.masks["IVIG"][data.masks["ALL"]].astype("float64")
    limit = data.parameters.logistic_refit_max_cases
    profiled = limit is None or len(outcome) <= limit
    warnings = [] if profiled else [
        f"Table 4: {len(outcome)} patients > {limit}: Wald CIs only, no profile-likelihood CIs or stepwise selection"]
    try:
        univariate, screened, univariate_warnings = _univariate(candidates, outcome, data, profiled)
        multivariable, model_warnings = _multivariable(candidates, outcome, data, profiled)
    except ValueError as error:
        return LogisticBlock(rows=[], warnings=warnings + [f"Table 4 not computed: {error}"], selection={})
    selection = _selection(candidates, outcome, data, screened) if profiled else {}
    return LogisticBlock(rows=univariate + multivariable, selection=selection,
                         warnings=warnings + univariate_warnings + model_warnings)
