"""Logistic regression for the pediatric Table 4 (IVIG use on pre-maintenance variables).

statsmodels fits every model: a binomial GLM (the logit model) and, for the profile likelihood,
the same GLM with the profiled coefficient fixed through an offset. Ours on top of it: the
profile-likelihood limits as exact ``brentq`` roots of 2(l_hat - l_profile(b)) = chi2(1, 0.95)
(DEFINITIONS.md, Statistics: the published Table 4 intervals are asymmetric, as profile intervals
are), separation detection by linear programming, univariate screening, stepwise selection, and
the collinearity and events-per-variable checks the paper's methods section describes.

- ``design``: complete cases, and the patients grouped by (covariates, outcome) pattern, on which
  every model is fitted (same likelihood and IRLS iterates, a cost that does not grow with the
  number of patients for categorical covariates).
- ``logistic``: ``logistic_regression`` and its results.
- ``profile``: the profile-likelihood limits.
- ``selection``: ``univariate_screen``, ``stepwise_backward``, ``stepwise_forward``.
- ``diagnostics``: separation, ``events_per_variable``, ``collinearity_check``.
"""
from cohorts.stats.regression.design import INTERCEPT, OUTCOME
from cohorts.stats.regression.diagnostics import (
    CollinearityCheck,
    CorrelatedPair,
    EventsPerVariable,
    VarianceInflation,
    collinearity_check,
    events_per_variable,
)
from cohorts.stats.regression.logistic import Z_975, LogisticFit, LogisticTerm, logistic_regression
from cohorts.stats.regression.profile import CHI2_1_95
from cohorts.stats.regression.selection import (
    ScreenedTerm,
    StepRecord,
    StepwiseResult,
    stepwise_backward,
    stepwise_forward,
    univariate_screen,
)

__all__ = [
    "CHI2_1_95", "INTERCEPT", "OUTCOME", "Z_975",
    "CollinearityCheck", "CorrelatedPair", "EventsPerVariable", "LogisticFit", "LogisticTerm",
    "ScreenedTerm", "StepRecord", "StepwiseResult", "VarianceInflation",
    "collinearity_check", "events_per_variable", "logistic_regression", "stepwise_backward",
    "stepwise_forward", "univariate_screen",
]
