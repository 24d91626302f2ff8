"""Poisson rate ratios with a log(days) offset (pediatric Tables 2-3, DEFINITIONS.md Statistics)."""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from cohorts.stats.rates import RateRatioResult, poisson_rate_ratio

STUDY = Path(__file__).resolve().parents[2] / "registry/demo_studies/pediatric-maintenance"
EXPECTED = {row["row"]: row for row in json.loads((STUDY / "expected.json").read_text())["rows"]}


def _csv(name: str, dates: list[str]) -> pd.DataFrame:
    return pd.read_csv(STUDY / name, parse_dates=dates, dtype={"patient_id": str})


def pediatric_periods() -> tuple[pd.DataFrame, dict[str, tuple[pd.Series, pd.Series]]]:
    """Per-patient windows and counts following DEFINITIONS.md (independent of production code).

    Before maintenance = [diagnosis, index); during = [index, latest maintenance end or last
    follow-up if ongoing], both ends included; days = end - start; events placed by their date.
    """
    patients = _csv("patients.csv", ["diagnosis_date", "last_followup_date", "death_date"])
    patients = patients.set_index("patient_id")
    last_followup = patients[["last_followup_date", "death_date"]].min(axis=1)
    courses = _csv("treatment_courses.csv", ["start_date", "end_date"])
    maintenance = courses[courses.kind == "MAINTENANCE"].copy()
    maintenance["end_date"] = maintenance.end_date.fillna(maintenance.patient_id.map(last_followup))
    by_patient = maintenance.groupby("patient_id")
    windows = pd.DataFrame({"diagnosis": patients.diagnosis_date, "index": by_patient.start_date.min(),
                            "end": by_patient.end_date.max()})
    windows["days_before"] = (windows["index"] - windows.diagnosis).dt.days
    windows["days_during"] = (windows.end - windows["index"]).dt.days

    def per_period(events: pd.DataFrame, on: str, value: str | None = None):
        e = events.join(windows, on="patient_id")
        before = e[(e[on] >= e.diagnosis) & (e[on] < e["index"])]
        during = e[(e[on] >= e["index"]) & (e[on] <= e.end)]
        total = (lambda f: f.groupby("patient_id").size()) if value is None else (
            lambda f: f.groupby("patient_id")[value].sum())
        return tuple(total(f).reindex(windows.index, fill_value=0) for f in (before, during))

    doses = _csv("ivig_doses.csv", ["given_on"])
    windows["ivig"] = per_period(doses, "given_on")[1] > 0
    infections = _csv("infections.csv", ["onset_on"])
    admissions = _csv("hospitalizations.csv", ["admitted_on", "discharged_on"])
    admissions = admissions[admissions.reason.isin(["INFECTION", "FEBRILE_NEUTROPENIA"])].copy()
    admissions["days"] = (admissions.discharged_on - admissions.admitted_on).dt.days
    outpatient = infections[(infections.treated_outpatient == "yes")
                            & (infections.antibacterial_change == "yes")]
    counts = {
        "bacteremia_fungemia": per_period(infections[infections.bacteremia_or_fungemia == "yes"],
                                          "onset_on"),
        "hospitalizations": per_period(admissions, "admitted_on"),
        "hospital_days": per_period(admissions, "admitted_on", "days"),
        "outpatient_infections": per_period(outpatient, "onset_on"),
    }
    return windows, counts


@pytest.fixture(scope="module")
def pediatric():
    return pediatric_periods()


ROWS = [("t2", "bacteremia_fungemia"), ("t2", "hospitalizations"), ("t2", "hospital_days"),
        ("t3", "bacteremia_fungemia"), ("t3", "hospitalizations"), ("t3", "hospital_days"),
        ("t3", "outpatient_infections")]


def test_derived_cohorts_and_totals_match_expected_json(pediatric):
    windows, counts = pediatric
    cohort_of = json.loads((STUDY / "expected.json").read_text())["cohort_of"]
    assert windows.ivig.to_dict() == {pid: c == "IVIG" for pid, c in cohort_of.items()}
    for table, name in ROWS:
        per_patient = counts[name][0 if table == "t2" else 1]
        cohorts = EXPECTED[f"{table}_{name}"]["cohorts"]
        assert per_patient[windows.ivig].sum() == cohorts["IVIG"]["total"]
        assert per_patient[~windows.ivig].sum() == cohorts["CONTROL"]["total"]


@pytest.mark.parametrize(("table", "name"), ROWS)
def test_pediatric_rate_ratio_and_p_reproduce_expected_json(pediatric, table, name):
    windows, counts = pediatric
    before = table == "t2"
    result = poisson_rate_ratio(counts[name][0 if before else 1].tolist(),
                                windows["days_before" if before else "days_during"].tolist(),
                                windows.ivig.tolist())
    expected = EXPECTED[f"{table}_{name}"]
    assert expected["method"] == result.method == "poisson_log_days_offset"
    assert result.p == pytest.approx(expected["p"], rel=1e-9)
    # expected.json keeps rate ratios to 6 decimals
    assert result.rate_ratio == pytest.approx(expected["rate_ratio"], rel=1e-6, abs=5e-7)
    assert result.n == 118


def test_two_group_poisson_equals_the_ratio_of_pooled_rates_with_textbook_wald_se():
    # With one indicator the Poisson MLE is closed-form: RR = (E1/T1)/(E0/T0),
    # SE(log RR) = sqrt(1/E1 + 1/E0).
    counts, days = [3, 0, 5, 2, 1, 4, 0], [100, 50, 200, 80, 120, 300, 40]
    ivig = [True, True, True, False, False, False, False]
    result = poisson_rate_ratio(counts, days, ivig)
    rr = (8 / 350) / (7 / 540)
    z = math.log(rr) / math.sqrt(1 / 8 + 1 / 7)
    assert result.rate_ratio == pytest.approx(rr, rel=1e-9)
    # statsmodels' IRLS (default tolerance, as in the expected.json reference) takes the SE from
    # its last-but-one weights: a few parts per million on p.
    assert result.p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_the_fit_on_cohort_totals_takes_the_patient_level_irls_iterates(seed):
    # rates._fit steps once over the patients and then over the two cohort totals; statsmodels'
    # patient-level IRLS is the reference, whose SE (from its last weights) is not the exact one.
    rng = np.random.default_rng(seed)
    n = (40, 400, 4000, 20_000, 60, 900)[seed]
    ivig = rng.random(n) < rng.uniform(0.2, 0.8)
    days = rng.integers(1, 900, n).astype(float)
    rate = rng.uniform(0.001, 0.02)
    counts = rng.poisson(days * np.where(ivig, rate * rng.uniform(0.3, 3.0), rate)).astype(float)
    reference = sm.GLM(counts, np.column_stack([np.ones(n), ivig]), family=sm.families.Poisson(),
                       offset=np.log(days)).fit()
    result = poisson_rate_ratio(counts, days, ivig)
    assert result.p == pytest.approx(float(reference.pvalues[1]), rel=1e-10)
    assert result.rate_ratio == pytest.approx(math.exp(reference.params[1]), rel=1e-12)


def test_patients_without_days_at_risk_are_left_out_of_the_model():
    kept = poisson_rate_ratio([3, 5, 2, 1], [100, 200, 80, 120], [True, True, False, False])
    result = poisson_rate_ratio([3, 9, 5, 2, 1, 4], [100, 0, 200, 80, 120, None],
                                [True, True, True, False, False, False])
    assert (result.rate_ratio, result.p, result.n) == (kept.rate_ratio, kept.p, 4)
    assert "2 patient(s)" in result.note


def test_a_cohort_without_events_has_no_p():
    result = poisson_rate_ratio([0, 0, 2, 1], [10, 20, 30, 40], [1, 1, 0, 0])
    assert result == RateRatioResult(None, None, note="no IVIG event", n=4)


def test_a_cohort_without_patients_has_no_p():
    result = poisson_rate_ratio([1, 2], [10, 20], [False, False])
    assert (result.p, result.rate_ratio) == (None, None)
    assert "no IVIG patient" in result.note


def test_numpy_and_pandas_inputs_are_accepted():
    counts = pd.Series([3, 5, 2, 1])
    result = poisson_rate_ratio(counts, np.array([100.0, 200, 80, 120]), np.array([1, 1, 0, 0]))
    assert result.rate_ratio == pytest.approx((8 / 300) / (3 / 200))


def test_unknown_cohort_given_as_none_nan_or_pandas_na_leaves_the_patient_out():
    kept = poisson_rate_ratio([3, 5, 2, 1], [100, 200, 80, 120], [True, True, False, False])
    for unknown in (None, np.nan, pd.NA):
        result = poisson_rate_ratio([3, 9, 5, 2, 1], [100, 50, 200, 80, 120],
                                    pd.array([True, unknown, True, False, False], dtype=object))
        assert (result.rate_ratio, result.p, result.n) == (kept.rate_ratio, kept.p, 4)
        assert "1 patient(s)" in result.note


def test_a_cohort_of_200000_patients_gives_the_pooled_rate_ratio():
    rng = np.random.default_rng(4)
    ivig = rng.random(200_000) < 0.3
    days = rng.integers(1, 900, 200_000).astype(float)
    counts = rng.poisson(days * np.where(ivig, 0.002, 0.004)).astype(float)
    result = poisson_rate_ratio(counts, days, ivig)
    pooled = (counts[ivig].sum() / days[ivig].sum()) / (counts[~ivig].sum() / days[~ivig].sum())
    assert result.rate_ratio == pytest.approx(pooled, rel=1e-9)
    assert result.n == 200_000


@pytest.mark.parametrize(("counts", "days", "ivig", "message"), [
    ([], [], [], "no patients"),
    ([1, 2], [10], [True, False], "one value per patient"),
    ([1, 2], [10, 20], ["yes", "no"], "True/False"),
    ([1, -2], [10, 20], [True, False], "negative"),
    ([1, "two"], [10, 20], [True, False], "numbers"),
])
def test_invalid_input_raises_a_clear_value_error(counts, days, ivig, message):
    with pytest.raises(ValueError, match=message):
        poisson_rate_ratio(counts, days, ivig)
