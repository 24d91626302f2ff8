"""The pediatric paper's models, fitted by statsmodels (DEFINITIONS.md, Statistics):

- Tables 2-3: Poisson regression of a per-patient count on the IVIG indicator with log(days in the
  period) as offset; patients with 0 days are left out; no p when a cohort has no event.
- Table 4: logistic regression of IVIG use, odds ratios with Wald p, Wald 95% CIs and
  profile-likelihood 95% CIs, the exact roots of 2(l_hat - l_profile(b)) = chi2(1, 0.95).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats

CHI2_95 = float(stats.chi2.ppf(0.95, 1))
Z_95 = float(stats.norm.ppf(0.975))  # 1.959964 rounded in DEFINITIONS.md; expected.json uses the exact quantile


def poisson(counts: np.ndarray, days: np.ndarray, ivig: np.ndarray, control: np.ndarray
            ) -> tuple[float | None, float | None]:
    """Wald p and rate ratio (IVIG vs control)."""
    if counts[ivig].sum() == 0 or counts[control].sum() == 0:
        return None, None
    used = (ivig | control) & (days > 0)
    exog = sm.add_constant(ivig[used].astype(float))
    fit = sm.GLM(counts[used], exog, family=sm.families.Poisson(), offset=np.log(days[used])).fit()
    return float(fit.pvalues[1]), float(math.exp(fit.params[1]))


def logistic(y: np.ndarray, candidates: pd.DataFrame, *, profile: bool = True) -> dict[str, dict]:
    """One term per column: odds ratio, Wald p and CI, and (when `profile`) the profile-likelihood
    CI; complete cases."""
    complete = candidates.notna().all(axis=1).to_numpy()
    outcome = y[complete]
    exog = sm.add_constant(candidates[complete].to_numpy(dtype=float), has_constant="add")
    fit = sm.GLM(outcome, exog, family=sm.families.Binomial()).fit()
    terms = {}
    for j, name in enumerate(candidates.columns, start=1):
        beta, se = float(fit.params[j]), float(fit.bse[j])
        terms[name] = {"odds_ratio": math.exp(beta), "p": float(fit.pvalues[j]),
                       "ci_wald": [math.exp(beta - Z_95 * se), math.exp(beta + Z_95 * se)],
                       "ci_profile": profile_interval(outcome, exog, j, fit) if profile else None}
    return terms


def profile_interval(y: np.ndarray, exog: np.ndarray, j: int, fit) -> list[float]:
    """exp of the two roots of the profile deviance around the estimate of coefficient j."""
    others = np.delete(exog, j, axis=1)
    start = np.delete(np.asarray(fit.params), j)

    def excess(b: float) -> float:
        constrained = sm.GLM(y, others, family=sm.families.Binomial(), offset=b * exog[:, j])
        return 2 * (fit.llf - constrained.fit(start_params=start).llf) - CHI2_95

    beta, se = float(fit.params[j]), float(fit.bse[j])
    limits = []
    for direction in (-1, 1):
        inner, step = beta, se
        outer = beta + direction * step
        while excess(outer) < 0:  # widen until the profile has dropped past the cut-off
            inner, step = outer, step * 2
            outer = beta + direction * step
        low, high = sorted((inner, outer))
        limits.append(math.exp(optimize.brentq(excess, low, high, xtol=1e-12, rtol=1e-14)))
    return limits
