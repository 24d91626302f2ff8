"""Event rates per day at risk, compared between cohorts (pediatric Tables 2-3).

DEFINITIONS.md, Statistics: "p values take into account days of therapy" is implemented as a
Poisson regression of the per-patient count on an intercept and the IVIG indicator with log(days in
the period) as offset; Wald z p, rate ratio = exp(coefficient). The count may be episodes,
admissions or days of hospitalization alike. The fit is statsmodels' GLM with its default IRLS
settings, as in the reference computation of expected.json (agreement to 1e-14 on every p).
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


def _patients(counts, days, ivig) -> pd.DataFrame:
    if not (len(counts) == len(days) == len(ivig)):
        raise ValueError("counts, days and ivig need one value per patient")
    if len(counts) == 0:
        raise ValueError("no patients")
    try:
        frame = pd.DataFrame({"count": list(counts), "days": list(days), "ivig": _flags(ivig)})
        frame = frame.astype({"count": float, "days": float})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"counts and days must be numbers: {exc}") from exc
    if (frame["count"] < 0).any():
        raise ValueError("counts cannot be negative")
    return frame


def _flags(ivig: Sequence[bool]) -> list[bool | None]:
    if any(not pd.isna(v) and v not in (0, 1) for v in ivig):
        raise ValueError("ivig must be True/False or 1/0 (None for unknown)")
    return [None if pd.isna(v) else bool(v) for v in ivig]


def poisson_rate_ratio(counts: Sequence[float], days: Sequence[float],
                       ivig: Sequence[bool]) -> RateRatioResult:
    """Rate ratio (IVIG / control) of a per-patient count over days at risk.

    Patients with no days at risk (days <= 0 or missing) contribute no exposure and are left out
    of the model (not of the means, which the caller computes); so are missing counts. No p when a
    cohort has no patient or no event: the IVIG coefficient is then infinite or undefined.
    """
    frame = _patients(counts, days, ivig)
    at_risk = frame[(frame["days"] > 0) & frame["count"].notna() & frame["ivig"].notna()]
    left_out = len(frame) - len(at_risk)
    note = f"{left_out} patient(s) without days at risk or a count left out" if left_out else ""
    cohorts = at_risk.groupby("ivig")["count"].agg(["size", "sum"])
    for cohort, label in ((True, "IVIG"), (False, "control")):
        missing = ("patient with days at risk" if cohort not in cohorts.index
                   else "event" if cohorts.loc[cohort, "sum"] == 0 else "")
        if missing:
            return RateRatioResult(None, None, note=_join(note, f"no {label} {missing}"),
                                   n=len(at_risk))
    exog = np.column_stack([np.ones(len(at_risk)), at_risk["ivig"].astype(float)])
    with warnings.catch_warnings():
        # A saturated two-patient model fits perfectly; statsmodels' warnings about that are noise.
        warnings.simplefilter("ignore", (ConvergenceWarning, PerfectSeparationWarning,
                                         RuntimeWarning))
        fit = sm.GLM(at_risk["count"].to_numpy(), exog, family=sm.families.Poisson(),
                     offset=np.log(at_risk["days"].to_numpy())).fit()
    return RateRatioResult(math.exp(fit.params[1]), float(fit.pvalues[1]), note=note,
                           n=len(at_risk))


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)
