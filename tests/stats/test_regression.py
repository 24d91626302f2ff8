"""Logistic regression for the pediatric Table 4 (DEFINITIONS.md, Statistics)."""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats
from statsmodels.datasets import spector

from cohorts.stats.regression import (
    CHI2_1_95,
    collinearity_check,
    events_per_variable,
    logistic_regression,
    stepwise_backward,
    stepwise_forward,
    univariate_screen,
)

STUDY = Path(__file__).resolve().parents[2] / "registry/demo_studies/pediatric-maintenance"
EXPECTED_JSON = json.loads((STUDY / "expected.json").read_text())
EXPECTED = {row["row"]: row for row in EXPECTED_JSON["rows"]}
TABLE4_MODEL = ("ddi", "bacteremia_fungemia_before", "high_risk")


def _csv(name: str, dates: list[str]) -> pd.DataFrame:
    return pd.read_csv(STUDY / name, parse_dates=dates, dtype={"patient_id": str})


def pediatric_candidates() -> tuple[pd.Series, pd.DataFrame]:
    """IVIG use (y) and DEFINITIONS.md's univariate candidates, derived here from the CSVs."""
    patients = _csv("patients.csv", ["birth_date", "diagnosis_date"]).set_index("patient_id")
    courses = _csv("treatment_courses.csv", ["start_date"])
    index = courses[courses.kind == "MAINTENANCE"].groupby("patient_id").start_date.min()
    diagnosis = patients.diagnosis_date

    def before_index(events: pd.DataFrame, on: str) -> pd.Series:
        e = events.assign(dx=events.patient_id.map(diagnosis), index=events.patient_id.map(index))
        e = e[(e[on] >= e.dx) & (e[on] < e["index"])]
        return e.groupby("patient_id").size().reindex(patients.index, fill_value=0)

    def course_before(kind: str) -> pd.Series:
        return (before_index(courses[courses.kind == kind], "start_date") > 0).astype(float)

    infections = _csv("infections.csv", ["onset_on"])
    admissions = _csv("hospitalizations.csv", ["admitted_on"])
    admissions = admissions[admissions.reason.isin(["INFECTION", "FEBRILE_NEUTROPENIA"])]
    candidates = pd.DataFrame({
        "ddi": course_before("DOUBLE_DELAYED_INTENSIFICATION"),
        "bacteremia_fungemia_before": (before_index(
            infections[infections.bacteremia_or_fungemia == "yes"], "onset_on") > 0).astype(float),
        "high_risk": (patients.high_risk_at_diagnosis == "yes").astype(float),
        "male": (patients.sex == "M").astype(float),
        "age_at_diagnosis": (diagnosis - patients.birth_date).dt.days / 365.25,
        "cns": (patients.cns_disease_at_diagnosis == "yes").astype(float),
        "cranial_irradiation": course_before("CRANIAL_IRRADIATION"),
        "hd_mtx": course_before("HIGH_DOSE_METHOTREXATE"),
        "hospitalizations_before": before_index(admissions, "admitted_on").astype(float),
        "days_before_maintenance": (index - diagnosis).dt.days / 30,
    })
    y = pd.Series({pid: float(c == "IVIG") for pid, c in EXPECTED_JSON["cohort_of"].items()})
    return y.reindex(candidates.index), candidates


@pytest.fixture(scope="module")
def pediatric():
    return pediatric_candidates()


def assert_matches_expected(term, row):
    """p is stored at full precision; odds ratios and limits are rounded to 6 decimals."""
    close = dict(rel=1e-6, abs=5e-7)
    assert term.p == pytest.approx(row["p"], rel=1e-6)
    assert term.odds_ratio == pytest.approx(row["odds_ratio"], **close)
    assert term.ci_wald == pytest.approx(tuple(row["ci_wald"]), **close)
    assert term.ci_profile == pytest.approx(tuple(row["ci_profile"]), **close)


def table(a: int, b: int, c: int, d: int) -> tuple[list[float], dict[str, list[float]]]:
    """Patients of a 2 x 2 table: exposed a events / b non-events, unexposed c / d."""
    y = [1.0] * a + [0.0] * b + [1.0] * c + [0.0] * d
    return y, {"x": [1.0] * (a + b) + [0.0] * (c + d)}


def profile_loglik_2x2(a, b, c, d, beta):
    """Independent profile log-likelihood of the log odds ratio: maximise over the intercept."""
    def negative(alpha):
        exposed, unexposed = alpha + beta, alpha
        return -(a * -np.logaddexp(0, -exposed) + b * -np.logaddexp(0, exposed)
                 + c * -np.logaddexp(0, -unexposed) + d * -np.logaddexp(0, unexposed))
    return -optimize.minimize_scalar(negative, bounds=(-60, 60), method="bounded",
                                     options={"xatol": 1e-12}).fun


# ----------------------------------------------------------------------------- hand-computable


def test_two_by_two_odds_ratio_is_ad_over_bc_with_woolf_standard_error():
    fit = logistic_regression(*table(7, 29, 3, 79))
    term = fit.term("x")
    assert term.odds_ratio == pytest.approx(7 * 79 / (29 * 3), rel=1e-9)
    assert term.se == pytest.approx(math.sqrt(1 / 7 + 1 / 29 + 1 / 3 + 1 / 79), rel=1e-6)
    assert (fit.n, fit.events, fit.converged, fit.separation) == (118, 10, True, False)


def test_ddi_from_table1_counts_gives_the_definitions_figures():
    # DEFINITIONS.md: OR 6.36 (Wald 1.54-26.24, profile likelihood 1.65-31.04).
    term = logistic_regression(*table(7, 29, 3, 79)).term("x")
    assert round(term.odds_ratio, 2) == 6.36
    assert tuple(round(v, 2) for v in term.ci_wald) == (1.54, 26.24)
    assert tuple(round(v, 2) for v in term.ci_profile) == (1.65, 31.04)


def test_wald_ci_is_exp_beta_plus_minus_1_959964_se():
    term = logistic_regression(*table(7, 29, 3, 79)).term("x")
    expected = tuple(math.exp(term.coefficient + s * 1.959964 * term.se) for s in (-1, 1))
    assert term.ci_wald == pytest.approx(expected, rel=1e-7)


def test_profile_limits_are_exact_roots_of_the_independent_profile_likelihood():
    a, b, c, d = 7, 29, 3, 79
    term = logistic_regression(*table(a, b, c, d)).term("x")
    top = profile_loglik_2x2(a, b, c, d, term.coefficient)
    for limit in term.ci_profile:
        drop = 2 * (top - profile_loglik_2x2(a, b, c, d, math.log(limit)))
        assert drop == pytest.approx(CHI2_1_95, abs=1e-6)
    assert CHI2_1_95 == pytest.approx(stats.chi2.ppf(0.95, 1))


# ----------------------------------------------------------------------------- textbook


def test_spector_mazzeo_logit_matches_greene_and_statsmodels():
    # Greene, Econometric Analysis (Spector & Mazzeo 1980 data, shipped with statsmodels):
    # constant -13.021 (4.931), GPA 2.826 (1.263), TUCE 0.095 (0.142), PSI 2.379 (1.065).
    data = spector.load_pandas()
    fit = logistic_regression(data.endog, {k: data.exog[k] for k in ("GPA", "TUCE", "PSI")})
    published = {"GPA": (2.826, 1.263), "TUCE": (0.095, 0.142), "PSI": (2.379, 1.065)}
    reference = sm.Logit(data.endog, sm.add_constant(data.exog)).fit(disp=False)
    for name, (coefficient, se) in published.items():
        term = fit.term(name)
        assert (term.coefficient, term.se) == pytest.approx((coefficient, se), abs=6e-4)
        assert term.coefficient == pytest.approx(reference.params[name], rel=1e-6)
        # The fit is statsmodels' IRLS with default tolerance, like the expected.json reference;
        # its SE comes from the last-but-one weights, a few parts in 1e5 from Newton's here.
        assert term.p == pytest.approx(reference.pvalues[name], rel=1e-4)
    assert fit.log_likelihood == pytest.approx(reference.llf, rel=1e-9)
    assert fit.aic == pytest.approx(reference.aic, rel=1e-9)


def test_spector_profile_limits_bracket_the_estimate_asymmetrically():
    data = spector.load_pandas()
    term = logistic_regression(data.endog, {"PSI": data.exog["PSI"], "GPA": data.exog["GPA"],
                                            "TUCE": data.exog["TUCE"]}).term("PSI")
    low, high = term.ci_profile
    assert low < term.odds_ratio < high
    assert math.log(high) - term.coefficient != pytest.approx(term.coefficient - math.log(low))


# ----------------------------------------------------------------------------- pediatric Table 4


def test_pediatric_univariate_rows_reproduce_expected_json(pediatric):
    y, candidates = pediatric
    rows = univariate_screen(y, {name: candidates[name] for name in candidates})
    assert [r.term.name for r in rows] == list(candidates)
    for row in rows:
        expected = EXPECTED[f"t4_univariate_{row.term.name}"]
        assert_matches_expected(row.term, expected)
        assert row.screened == expected["screened"]
        assert row.n == 118


def test_pediatric_fixed_multivariable_model_reproduces_expected_json(pediatric):
    y, candidates = pediatric
    fit = logistic_regression(y, {name: candidates[name] for name in TABLE4_MODEL})
    assert [t.name for t in fit.terms] == list(TABLE4_MODEL)
    for term in fit.terms:
        assert_matches_expected(term, EXPECTED[f"t4_multivariable_{term.name}"])
    assert (fit.n, fit.events, fit.converged, fit.separation, fit.warnings) == (
        118, 36, True, False, ())


def test_pediatric_multivariable_model_prints_as_the_published_table4(pediatric):
    # Table 4: DDI 5.36 (1.3-27.49) p 0.026; bacteremia/fungemia 3.04 (1.25-7.51) p 0.015;
    # high risk 1.7 (0.72-4.01) p 0.22. SAS printed p to 4 decimals, which the paper rounded
    # again (0.0145 -> 0.015, DEFINITIONS.md Formatting: the formatting module's job).
    y, candidates = pediatric
    fit = logistic_regression(y, {name: candidates[name] for name in TABLE4_MODEL})
    printed = [(round(t.odds_ratio, 2), round(t.ci_profile[0], 2), round(t.ci_profile[1], 2),
                round(t.p, 4)) for t in fit.terms]
    assert printed == [(5.36, 1.30, 27.49, 0.0261), (3.04, 1.25, 7.51, 0.0145),
                       (1.70, 0.72, 4.01, 0.2197)]


def test_stepwise_selection_at_025_reaches_the_papers_final_model(pediatric):
    y, candidates = pediatric
    screened = [r.term.name for r in univariate_screen(y, {n: candidates[n] for n in candidates})
                if r.screened]
    X = {name: candidates[name] for name in screened}
    for criterion in ("wald", "lr"):
        backward = stepwise_backward(y, X, p_remove=0.25, criterion=criterion)
        forward = stepwise_forward(y, X, p_enter=0.25, criterion=criterion)
        assert set(backward.selected) == set(forward.selected) == set(TABLE4_MODEL)
    strict = stepwise_backward(y, X)
    assert set(strict.selected) == {"ddi", "bacteremia_fungemia_before"}


# ----------------------------------------------------------------------------- stepwise mechanics


def _stepwise_data():
    rng = np.random.default_rng(20240501)
    n = 300
    X = {"strong": rng.normal(size=n), "medium": rng.normal(size=n), "noise": rng.normal(size=n)}
    eta = -0.3 + 1.2 * X["strong"] + 0.45 * X["medium"]
    y = (rng.random(n) < special.expit(eta)).astype(float)
    return y, X


def test_backward_step_removes_the_largest_wald_p_of_the_full_model():
    y, X = _stepwise_data()
    result = stepwise_backward(y, X, p_remove=0.05)
    full = sm.Logit(y, sm.add_constant(pd.DataFrame(X))).fit(disp=False)
    worst = full.pvalues.drop("const").idxmax()
    assert result.steps[0].action == "start" and result.steps[0].aic == pytest.approx(full.aic)
    assert (result.steps[1].action, result.steps[1].variable) == ("remove", worst)
    assert result.steps[1].p == pytest.approx(full.pvalues[worst], rel=1e-5)
    assert result.steps[-1].action == "stop"
    assert result.selected == ("strong", "medium")


def test_forward_step_with_likelihood_ratio_enters_the_best_candidate_first():
    y, X = _stepwise_data()
    result = stepwise_forward(y, X, p_enter=0.05, criterion="lr")
    null = sm.Logit(y, np.ones((len(y), 1))).fit(disp=False)
    alone = sm.Logit(y, sm.add_constant(X["strong"])).fit(disp=False)
    assert [s.action for s in result.steps] == ["start", "enter", "enter", "stop"]
    assert result.steps[1].variable == "strong"
    assert result.steps[1].p == pytest.approx(stats.chi2.sf(2 * (alone.llf - null.llf), 1),
                                              rel=1e-6)
    assert result.steps[-1].variable == "noise" and result.steps[-1].p >= 0.05
    assert [s.step for s in result.steps] == [0, 1, 2, 3]


def test_unknown_stepwise_criterion_is_refused():
    y, X = _stepwise_data()
    with pytest.raises(ValueError, match="criterion"):
        stepwise_forward(y, X, criterion="score")


# ----------------------------------------------------------------------------- separation


def test_quasi_complete_separation_is_reported_with_a_finite_profile_limit():
    # No event among the unexposed: the odds ratio is infinite, its lower limit is not.
    a, b, c, d = 5, 3, 0, 7
    fit = logistic_regression(*table(a, b, c, d))
    term = fit.term("x")
    assert fit.separation and not fit.converged
    assert "quasi-complete separation" in fit.warnings[0]
    assert (term.coefficient, term.se, term.odds_ratio, term.ci_wald, term.p) == (None,) * 5
    low, high = term.ci_profile
    assert high is None
    top = profile_loglik_2x2(a, b, c, d, 40.0)  # the supremum, reached as beta -> infinity
    root = optimize.brentq(lambda beta: 2 * (top - profile_loglik_2x2(a, b, c, d, beta))
                           - CHI2_1_95, -10, 10, xtol=1e-12)
    assert low == pytest.approx(math.exp(root), rel=1e-5)


def test_complete_separation_is_reported_not_raised():
    fit = logistic_regression(*table(5, 0, 0, 10))
    assert fit.separation and "complete separation" in fit.warnings[0]
    assert not fit.warnings[0].startswith("quasi")
    assert fit.term("x").ci_profile[0] > 1 and fit.term("x").ci_profile[1] is None


def test_other_terms_stay_estimable_under_separation():
    y, X = table(5, 3, 0, 7)
    X["z"] = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1]
    fit = logistic_regression(y, X)
    assert fit.term("x").p is None
    z = fit.term("z")
    assert z.p is not None and z.ci_wald is not None and None not in z.ci_profile


def test_negative_separation_leaves_the_upper_limit():
    fit = logistic_regression(*table(0, 7, 5, 3))
    low, high = fit.term("x").ci_profile
    assert low is None and 0 < high < 1


# ----------------------------------------------------------------------------- screening and input


def test_single_valued_candidate_gives_no_screening_row():
    y, X = table(7, 29, 3, 79)
    X["everyone"] = [1.0] * len(y)
    X["with_missing"] = [None] * 10 + [2.0] * (len(y) - 10)
    X["never_recorded"] = [None] * len(y)
    X["only_in_non_events"] = [None] * 7 + [0.0, 1.0] * 14 + [0.0] + [None] * 3 + [1.0] * 79
    rows = univariate_screen(y, X)
    assert [r.term.name for r in rows] == ["x"]
    with pytest.raises(ValueError, match="0/1"):
        univariate_screen([2] * len(y), X)


def test_missing_values_leave_the_patient_out_of_the_model():
    y, X = table(7, 29, 3, 79)
    X["x"][0] = None
    fit = logistic_regression(y, X)
    assert (fit.n, fit.events) == (117, 9)
    assert fit.term("x").odds_ratio == pytest.approx(6 * 79 / (29 * 3))


@pytest.mark.parametrize(("y", "X", "message"), [
    ([], {"x": []}, "no observation"),
    ([0, 1, 1], {"x": [1, 2]}, "same number"),
    ([0, 1, 2], {"x": [1, 2, 3]}, "0/1"),
    ([1, 1, 1], {"x": [1, 2, 3]}, "single value"),
    ([0, 1, 0, 1], {"x": [1, 2, 3, 4], "twice": [2, 4, 6, 8]}, "collinear"),
    ([0, 1, 0, 1], {"x": ["a", "b", "c", "d"]}, "numeric"),
])
def test_invalid_input_raises_a_clear_value_error(y, X, message):
    with pytest.raises(ValueError, match=message):
        logistic_regression(y, X)


# ----------------------------------------------------------------------------- EPV and collinearity


def test_events_per_variable_counts_the_less_frequent_outcome():
    check = events_per_variable([1] * 36 + [0] * 82, 5)
    assert (check.limiting_events, check.epv, check.adequate) == (36, 7.2, False)
    assert "7.2 < 10" in check.warning
    assert events_per_variable([1] * 90 + [0] * 40, 3).limiting_events == 40


def test_low_events_per_variable_is_a_warning_of_the_fit():
    y, X = table(4, 20, 3, 30)
    X["z"] = list(np.tile([0.0, 1.0], 29)[: len(y)])
    fit = logistic_regression(y, X)
    assert any("events per variable 3.5" in w for w in fit.warnings)
    assert logistic_regression(y, X, epv_minimum=3).warnings == ()


def test_vif_is_one_over_one_minus_r_squared_and_collinear_pairs_are_flagged():
    rng = np.random.default_rng(7)
    a = rng.normal(size=200)
    X = {"a": a, "b": a + rng.normal(scale=0.3, size=200), "c": rng.normal(size=200)}
    check = collinearity_check(X)
    for vif in check.vifs:
        others = sm.add_constant(np.column_stack([X[k] for k in X if k != vif.name]))
        r2 = sm.OLS(X[vif.name], others).fit().rsquared
        assert vif.vif == pytest.approx(1 / (1 - r2), rel=1e-9)
    assert [v.flagged for v in check.vifs] == [True, True, False]
    assert [(p.first, p.second) for p in check.correlated_pairs] == [("a", "b")]
    assert check.correlation[0][1] == pytest.approx(np.corrcoef(X["a"], X["b"])[0, 1])
    assert check.correlation[2][2] == 1.0 and check.n == 200


def test_collinearity_thresholds_are_parameters(pediatric):
    _, candidates = pediatric
    X = {n: candidates[n] for n in ("ddi", "days_before_maintenance")}
    assert collinearity_check(X).correlated_pairs == ()
    loose = collinearity_check(X, r_threshold=0.6, vif_threshold=1.5)
    assert [(p.first, p.second) for p in loose.correlated_pairs] == [("ddi",
                                                                      "days_before_maintenance")]
    assert all(v.flagged for v in loose.vifs)


def test_profile_limits_do_not_depend_on_where_a_covariate_is_centred():
    rng = np.random.default_rng(11)
    year = rng.integers(2008, 2015, size=120).astype(float)
    y = (rng.random(120) < special.expit(0.15 * (year - 2011))).astype(float)
    centred = logistic_regression(y, {"year": year - 2011}).term("year")
    calendar = logistic_regression(y, {"year": year}).term("year")
    assert calendar.ci_profile == pytest.approx(centred.ci_profile, rel=1e-6)
    assert None not in calendar.ci_profile
