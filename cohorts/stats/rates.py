"""Event rates per day at risk, compared between cohorts (pediatric Tables 2-3).

DEFINITIONS.md, Statistics: "p values take into account days of therapy" is implemented as a
Poisson regression of the per-patient count on an intercept and the IVIG indicator with log(days in
the period) as offset; Wald z p, rate ratio = exp(coefficient). The count may be episodes,
admissions or days of hospitalization alike. The fit is statsmodels' GLM with its default IRLS
settings, as in the reference computation of expected.json (agreement to 1e-14 on every p).

The Wald SE that IRLS reports comes from the weights of its last step, not from the maximum: at
statsmodels' default tolerance the reference's p-values differ from the exact maximum-likelihood
Wald p (closed form for two groups, or the same fit at a tolerance of 1e-14) by up to 3e-5
(relative) on the demo study. A fit that reproduces them must therefore take the same iterates,
not merely reach the same maximum: summing counts and days per cohort and fitting two rows from
statsmodels' start would not (its start, mu = (y + mean(y))/2, is taken row by row). `_fit` keeps
the iterates and still reads the patients only once (see there).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

METHOD = "poisson_log_days_offset"
VARIANT = "Poisson GLM, log(days) offset, Wald z"


@dataclass(frozen=True)
class RateRatioResult:
    """IVIG vs control rate ratio and its Wald p; ``n`` = patients in the model."""

    rate_ratio: float | None
    p: float | None
    method: str = METHOD
    variant: str = VARIANT
    note: str = ""
    n: int = 0


def _numbers(values, what: str) -> np.ndarray:
    """Floats, None and NaN (and pandas' NA) as NaN, without a Python loop for numeric input."""
    try:
        return np.asarray(values, dtype=float)
    except TypeError:
        column = pd.Series(np.asarray(values, dtype=object))
        try:
            return column.where(column.notna(), np.nan).astype(float).to_numpy()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} must be numbers: {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{what} must be numbers: {exc}") from exc


def _flags(ivig: Sequence[bool]) -> np.ndarray:
    """1.0 for IVIG, 0.0 for control, NaN for unknown (None or NaN)."""
    raw = np.asarray(ivig)
    if raw.dtype.kind == "O":
        raw = np.where(pd.isna(raw), np.nan, raw)
    try:
        flags = raw.astype(float) if raw.dtype.kind in "biufO" else None
    except (TypeError, ValueError):
        flags = None
    if flags is None or not np.isin(flags[~np.isnan(flags)], (0.0, 1.0)).all():
        raise ValueError("ivig must be True/False or 1/0 (None for unknown)")
    return flags


def _patients(counts, days, ivig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not (len(counts) == len(days) == len(ivig)):
        raise ValueError("counts, days and ivig need one value per patient")
    if len(counts) == 0:
        raise ValueError("no patients")
    flags = _flags(ivig)
    count, exposure = _numbers(counts, "counts and days"), _numbers(days, "counts and days")
    if (count < 0).any():
        raise ValueError("counts cannot be negative")
    return count, exposure, flags


def poisson_rate_ratio(counts: Sequence[float], days: Sequence[float],
                       ivig: Sequence[bool]) -> RateRatioResult:
    """Rate ratio (IVIG / control) of a per-patient count over days at risk.

    Patients with no days at risk (days <= 0 or missing) contribute no exposure and are left out
    of the model (not of the means, which the caller computes); so are missing counts. No p when a
    cohort has no patient or no event: the IVIG coefficient is then infinite or undefined.
    """
    count, exposure, flags = _patients(counts, days, ivig)
    at_risk = (exposure > 0) & ~np.isnan(count) & ~np.isnan(flags)
    count, exposure, flags = count[at_risk], exposure[at_risk], flags[at_risk]
    left_out = len(at_risk) - len(count)
    note = f"{left_out} patient(s) without days at risk or a count left out" if left_out else ""
    for cohort, label in ((1.0, "IVIG"), (0.0, "control")):
        members = flags == cohort
        missing = ("patient with days at risk" if not members.any()
                   else "event" if count[members].sum() == 0 else "")
        if missing:
            return RateRatioResult(None, None, note=_join(note, f"no {label} {missing}"),
                                   n=len(count))
    fit = _fit(count, exposure, flags)
    return RateRatioResult(math.exp(fit.params[1]), float(fit.pvalues[1]), note=note,
                           n=len(count))


def _fit(count: np.ndarray, exposure: np.ndarray, flags: np.ndarray):
    """statsmodels' Poisson GLM of the patients, along the reference's IRLS iterates.

    Only IRLS's first step needs the patients one by one (its start is per patient). Every later
    step depends on them only through each cohort's total count and days: with one indicator,
    each patient's weight is days_i * exp(eta of the cohort), so the weighted least squares of a
    step sums to those totals. The fit therefore takes its first step on the patients and
    continues from there on the two cohort totals, through the same iterates to rounding (1e-13
    relative on the demo study's p), and stops where the patient-level fit stops: the two
    deviances differ by a constant, so their changes, statsmodels' convergence criterion, agree.
    """
    with warnings.catch_warnings():
        # The two-row model is saturated and fits perfectly (so does a two-patient one);
        # statsmodels' warnings about that, and about stopping after one step, are noise.
        warnings.simplefilter("ignore", (ConvergenceWarning, PerfectSeparationWarning,
                                         RuntimeWarning))
        exog = np.column_stack([np.ones(len(count)), flags])
        first = sm.GLM(count, exog, family=sm.families.Poisson(),
                       offset=np.log(exposure)).fit(maxiter=1, wls_method="qr")
        if first.converged:
            return first
        cohorts = np.array([[1.0, 0.0], [1.0, 1.0]])
        totals = np.array([count[flags == 0].sum(), count[flags == 1].sum()])
        days = np.array([exposure[flags == 0].sum(), exposure[flags == 1].sum()])
        return sm.GLM(totals, cohorts, family=sm.families.Poisson(),
                      offset=np.log(days)).fit(start_params=first.params, wls_method="qr")


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)
