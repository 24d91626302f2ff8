"""The logistic model: odds ratios, Wald p and CIs, profile-likelihood CIs, separation reported."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import HessianInversionWarning

from cohorts.stats.regression.design import Patterns, outcome_frame, patterns
from cohorts.stats.regression.diagnostics import epv_check, separation, separation_warning
from cohorts.stats.regression.profile import QUIET, profile_ci, profile_ci_infinite

Z_975 = float(stats.norm.ppf(0.975))  # 1.959964 (DEFINITIONS.md: Wald CI = exp(b +/- 1.959964 SE))


@dataclass(frozen=True)
class LogisticTerm:
    """One covariate of a fitted model. None where the estimate or a limit is undefined
    (an infinite maximum-likelihood estimate under separation)."""

    name: str
    coefficient: float | None
    se: float | None
    odds_ratio: float | None
    ci_wald: tuple[float, float] | None
    ci_profile: tuple[float | None, float | None] | None
    p: float | None


@dataclass(frozen=True)
class LogisticFit:
    """A fitted model; ``terms`` excludes the intercept, which every model has."""

    terms: tuple[LogisticTerm, ...]
    n: int
    events: int
    converged: bool
    separation: bool
    warnings: tuple[str, ...]
    log_likelihood: float
    aic: float

    def term(self, name: str) -> LogisticTerm:
        return next(t for t in self.terms if t.name == name)


def logit(data: Patterns, start=None):
    """The logistic model as statsmodels' binomial GLM fitted by IRLS, each step's weighted least
    squares solved by QR (statsmodels' `wls_method="qr"`, faster than its SVD default on
    100,000 patterns, the estimates equal to 1e-12).

    This is the fit the independent reference computation in expected.json made: its Wald SE
    comes from the weights of the last IRLS step, within about 1e-6 (relative) of the SE at the
    exact maximum (2x2 of Table 1's DDI row: 0.7234162 vs sqrt(1/a+1/b+1/c+1/d) = 0.7234165),
    which moves Wald p-values by up to ~4e-6 relative; matching it keeps both computations
    comparable to 1e-6 on every other figure. IRLS also degrades gracefully under separation.
    The patients grouped by pattern give the same iterates (design.py). `start`: coefficients to
    start IRLS from (`logit_newton`'s fallback), else statsmodels' own start.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QUIET)
        return sm.GLM(data.y, data.exog, family=sm.families.Binomial(),
                      freq_weights=data.count).fit(wls_method="qr", start_params=start)


def logit_newton(data: Patterns, start=None):
    """The same model fitted by statsmodels' Newton-Raphson, for stepwise selection, which reads only
    each model's Wald p (and AIC) to choose. For the logit link IRLS is Newton's method; solving each
    step with the k x k Hessian instead of a QR of every covariate pattern makes a fit of 100,000
    patterns two to three times cheaper. Its SE is taken at the maximum rather than at the last
    IRLS weights (about 1e-9 apart, relative, on the pediatric study from a nearby start): no
    choice at p = 0.05 turns on that. Where Newton does not converge (separation pushes the
    estimates away) the IRLS fit of ``logit`` is returned instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QUIET + (HessianInversionWarning,))
        result = sm.GLM(data.y, data.exog, family=sm.families.Binomial(), freq_weights=data.count).fit(
            method="newton", start_params=np.zeros(data.exog.shape[1]) if start is None else start, disp=False)
    if result.mle_retvals["converged"] and np.isfinite(result.bse).all():
        return result
    return logit(data, start=start)


def converged(result) -> bool:
    """Whether a fit of ``logit`` or ``logit_newton`` reached the maximum."""
    return bool(result.converged if result.method == "IRLS" else result.mle_retvals["converged"])


def _term(name: str, j: int, result, infinite: frozenset[int], profile) -> LogisticTerm:
    if j in infinite:
        return LogisticTerm(name, None, None, None, None, profile, None)
    beta, se = float(result.params[j]), float(result.bse[j])
    wald = (math.exp(beta - Z_975 * se), math.exp(beta + Z_975 * se))
    return LogisticTerm(name, beta, se, math.exp(beta), wald, profile, float(result.pvalues[j]))


def _terms(data: Patterns, result, infinite: frozenset[int], profile: bool):
    terms = []
    llf_hat = float(result.llf)
    for j, name in enumerate(data.names[1:], start=1):
        beta = float(result.params[j])
        if not profile:
            ci = None
        elif j in infinite:
            ci = profile_ci_infinite(data, j, beta, llf_hat)
        else:
            others = [k for k in range(len(data.names)) if k != j]
            ci = profile_ci(data, j, beta, float(result.bse[j]), llf_hat, result.params[others])
        terms.append(_term(name, j, result, infinite, ci))
    return tuple(terms)


def logistic_regression(y: Sequence[float], X: Mapping[str, Sequence[float]], *,
                        profile: bool = True, epv_minimum: float = 10.0) -> LogisticFit:
    """Logit of y (0/1) on an intercept and the covariates of X, complete cases.

    Odds ratios with Wald p, Wald CIs exp(b +/- 1.959964 SE) and profile-likelihood CIs.
    Separation never raises: it is reported (``separation``, ``warnings``) and the terms whose
    estimate is infinite carry None except for their finite profile limit. ``converged`` is
    False under separation (no finite maximum exists).
    """
    data = patterns(outcome_frame(y, X), list(X))
    data.check_identifiable()
    return fit_patterns(data, profile=profile, epv_minimum=epv_minimum)


def fit_patterns(data: Patterns, *, profile: bool, epv_minimum: float) -> LogisticFit:
    """The fit of an identifiable design (``logistic_regression`` without the data preparation)."""
    result = logit(data)
    kind, infinite = separation(data, result.mu)
    notes = [separation_warning(kind, [data.names[j] for j in sorted(infinite)])] if kind else []
    n_variables = len(data.names) - 1
    epv = epv_check(data.limiting_events(), n_variables, epv_minimum) if n_variables else None
    notes += [] if epv is None or epv.adequate else [epv.warning]
    converged = bool(result.converged) and not kind
    return LogisticFit(_terms(data, result, infinite, profile), data.n, data.events, converged,
                       bool(kind), tuple(notes), float(result.llf), float(result.aic))
