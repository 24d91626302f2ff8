"""The pediatric paper's models, fitted by statsmodels (DEFINITIONS.md, Statistics):

- Tables 2-3: Poisson regression of a per-patient count on the IVIG indicator with log(days in the
  period) as offset; patients with 0 days are left out; no p when a cohort has no event.
- Table 4: logistic regression of IVIG use, odds ratios with Wald p, Wald 95% CIs and
  profile-likelihood 95% CIs, the exact roots of 2(l_hat - l_profile(b)) = chi2(1, 0.95).
  Patients with the same outcome and covariates are one row weighted by their number
  (`freq_weights`): the same likelihood, estimates and SEs, in a few hundred rows instead of 100,000,
  which is what makes the dozens of refits of the profile search cheap.
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
    patterns = candidates.assign(outcome=y).dropna().groupby(list(candidates.columns) + ["outcome"]).size()
    patterns = patterns.reset_index(name="patients")
    model = Grouped(patterns["outcome"].to_numpy(dtype=float), patterns["patients"].to_numpy(dtype=float),
                    sm.add_constant(patterns[list(candidates.columns)].to_numpy(dtype=float), has_constant="add"))
    fit = model.fit()
    terms = {}
    for j, name in enumerate(candidates.columns, start=1):
        beta, se = float(fit.params[j]), float(fit.bse[j])
        terms[name] = {"odds_ratio": math.exp(beta), "p": float(fit.pvalues[j]),
                       "ci_wald": [math.exp(beta - Z_95 * se), math.exp(beta + Z_95 * se)],
                       "ci_profile": profile_interval(model, j, fit) if profile else None}
    return terms


class Grouped:
    """A binomial GLM over covariate patterns, each weighted by its number of patients."""

    def __init__(self, outcome: np.ndarray, weights: np.ndarray, exog: np.ndarray):
        self.outcome, self.weights, self.exog = outcome, weights, exog

    def fit(self, exog: np.ndarray | None = None, offset: np.ndarray | None = None, start=None):
        model = sm.GLM(self.outcome, self.exog if exog is None else exog, family=sm.families.Binomial(),
                       freq_weights=self.weights, offset=offset)
        return model.fit(start_params=start)


def profile_interval(model: Grouped, j: int, fit) -> list[float]:
    """exp of the two roots of the profile deviance around the estimate of coefficient j."""
    others, x_j = np.delete(model.exog, j, axis=1), model.exog[:, j]
    start = np.delete(np.asarray(fit.params), j)

    def excess(b: float) -> float:
        return 2 * (fit.llf - model.fit(others, offset=b * x_j, start=start).llf) - CHI2_95

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
