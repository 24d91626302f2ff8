"""Logistic regression on large cohorts: patients grouped by covariate pattern, cheap profiles and
separation checks, with the same results as the patient-level fit (DEFINITIONS.md, Statistics)."""
import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, special

from cohorts.stats.regression import (
    CHI2_1_95,
    logistic_regression,
    stepwise_backward,
    stepwise_forward,
)
from cohorts.stats.regression import diagnostics
from cohorts.stats.regression.design import outcome_frame, patterns
from cohorts.stats.regression.logistic import converged, logit, logit_newton


def table(a: int, b: int, c: int, d: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Patients of a 2 x 2 table: exposed a events / b non-events, unexposed c / d."""
    y = np.r_[np.ones(a), np.zeros(b), np.ones(c), np.zeros(d)]
    return y, {"x": np.r_[np.ones(a + b), np.zeros(c + d)]}


def profile_loglik_2x2(a, b, c, d, beta):
    """Independent profile log-likelihood of the log odds ratio: maximise over the intercept."""
    def negative(alpha):
        return -(a * -np.logaddexp(0, -(alpha + beta)) + b * -np.logaddexp(0, alpha + beta)
                 + c * -np.logaddexp(0, -alpha) + d * -np.logaddexp(0, alpha))
    return -optimize.minimize_scalar(negative, bounds=(-60, 60), method="bounded",
                                     options={"xatol": 1e-12}).fun


def categorical_cohort(n: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    X = {"ddi": (rng.random(n) < .3).astype(float), "high_risk": (rng.random(n) < .4).astype(float),
         "admissions": rng.poisson(1.2, n).astype(float)}
    eta = -1.0 + 1.4 * X["ddi"] + 0.5 * X["high_risk"] + 0.1 * X["admissions"]
    return (rng.random(n) < special.expit(eta)).astype(float), X


def test_a_table_of_118000_patients_has_the_woolf_se_and_exact_profile_limits():
    a, b, c, d = 7000, 29000, 3000, 79000
    # Four covariate patterns whatever the number of patients (speed is measured in bench/analysis.py).
    term = logistic_regression(*table(a, b, c, d)).term("x")
    assert term.odds_ratio == pytest.approx(a * d / (b * c), rel=1e-9)
    assert term.se == pytest.approx(math.sqrt(1 / a + 1 / b + 1 / c + 1 / d), rel=1e-6)
    top = profile_loglik_2x2(a, b, c, d, term.coefficient)
    for limit in term.ci_profile:
        assert 2 * (top - profile_loglik_2x2(a, b, c, d, math.log(limit))) == pytest.approx(
            CHI2_1_95, abs=1e-5)


def test_patients_grouped_by_pattern_give_the_patient_level_fit():
    y, X = categorical_cohort(5000)
    fit = logistic_regression(y, X)
    exog = np.column_stack([np.ones(len(y))] + list(X.values()))
    reference = sm.GLM(y, exog, family=sm.families.Binomial()).fit()  # statsmodels' defaults
    for j, term in enumerate(fit.terms, start=1):
        assert term.coefficient == pytest.approx(reference.params[j], rel=1e-12)
        assert term.se == pytest.approx(reference.bse[j], rel=1e-12)
        assert term.p == pytest.approx(reference.pvalues[j], rel=1e-9)
    assert (fit.log_likelihood, fit.aic) == pytest.approx((reference.llf, reference.aic), rel=1e-12)
    assert (fit.n, fit.events) == (5000, int(y.sum()))
    assert len(patterns(outcome_frame(y, X), list(X)).y) < 100


def test_profile_limits_of_a_continuous_covariate_are_roots_of_the_patient_level_profile():
    rng = np.random.default_rng(8)
    age = rng.uniform(1, 18, 20000)
    y = (rng.random(20000) < special.expit(-1 + 0.04 * age)).astype(float)
    term = logistic_regression(y, {"age": age}).term("age")
    ones = np.ones((len(y), 1))

    def profile(beta):
        model = sm.GLM(y, ones, family=sm.families.Binomial(), offset=beta * age)
        return model.fit(tol=1e-13, maxiter=200).llf

    top = sm.GLM(y, np.column_stack([ones, age]), family=sm.families.Binomial()).fit(tol=1e-13).llf
    for limit in term.ci_profile:
        assert 2 * (top - profile(math.log(limit))) == pytest.approx(CHI2_1_95, abs=1e-6)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning",
                            "ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_the_fitted_model_proves_the_absence_of_separation_as_the_linear_programs_do():
    # About half of these small samples are separated, half are not (and are proven so).
    rng = np.random.default_rng(2024)
    for _ in range(150):
        n = int(rng.integers(6, 40))
        X = {"binary": (rng.random(n) < rng.uniform(.1, .9)).astype(float),
             "score": np.round(rng.normal(size=n), int(rng.integers(0, 3)))}
        eta = rng.uniform(0, 6) * (X["binary"] - .5) + X["score"]
        y = (rng.random(n) < special.expit(eta)).astype(float)
        if y.min() == y.max():
            continue
        data = patterns(outcome_frame(y, X), list(X))
        if np.linalg.matrix_rank(data.exog) < data.exog.shape[1]:
            continue
        fitted = sm.GLM(data.y, data.exog, family=sm.families.Binomial(),
                        freq_weights=data.count).fit().mu
        expected = diagnostics.separated_terms(data.y, data.exog)
        assert diagnostics.separation(data, fitted) == expected


def _count_linear_programs(monkeypatch) -> list:
    calls = []
    solve = diagnostics.optimize.linprog
    monkeypatch.setattr(diagnostics.optimize, "linprog",
                        lambda *args, **kwargs: calls.append(1) or solve(*args, **kwargs))
    return calls


def test_unseparated_models_and_selections_solve_no_linear_program(monkeypatch):
    calls = _count_linear_programs(monkeypatch)
    y, X = categorical_cohort(3000)
    logistic_regression(y, X)
    stepwise_backward(y, X)
    stepwise_forward(y, X)
    assert calls == []


def test_a_separated_candidate_has_no_wald_p_and_is_never_removed(monkeypatch):
    calls = _count_linear_programs(monkeypatch)
    y, X = table(5, 3, 0, 7)
    X["noise"] = np.tile([0.0, 1.0], 8)[: len(y)]
    result = stepwise_backward(y, X)
    assert result.selected == ("x",)
    assert [(s.action, s.variable) for s in result.steps] == [("start", None), ("remove", "noise"),
                                                               ("stop", None)]
    assert calls  # separated: the linear programs say which estimate is infinite


def test_stepwise_fits_by_newton_reach_the_irls_estimates_and_p_values():
    # Stepwise selection reads each model's Wald p to choose; Newton's method is IRLS for the logit
    # link, solved on the k x k Hessian, its SE taken at the maximum rather than the last weights.
    rng = np.random.default_rng(9)
    y, X = categorical_cohort(20_000)
    X["age"] = rng.normal(8.0, 4.0, len(y))  # continuous: as many patterns as patients
    data = patterns(outcome_frame(y, X), list(X))
    irls = logit(data)
    for start in (None, irls.params + 0.05):
        newton = logit_newton(data, start=start)
        assert newton.method == "newton" and converged(newton)
        assert newton.params == pytest.approx(irls.params, rel=1e-7)
        assert newton.pvalues == pytest.approx(irls.pvalues, rel=1e-6)
        assert newton.aic == pytest.approx(irls.aic, rel=1e-12)


def test_a_separated_model_is_fitted_by_irls_when_newton_does_not_converge():
    y, X = table(5, 3, 0, 7)
    data = patterns(outcome_frame(y, X), list(X))
    fit = logit_newton(data)  # the estimate runs off to infinity: Newton's steps never settle
    assert fit.method == "IRLS"
    assert fit.params.tolist() == logit(data).params.tolist()
