"""What changes when a study is too large for the exact and refitting methods, and how it is said."""
from __future__ import annotations

from pathlib import Path

import pytest

from cohorts.analysis.document import analyse
from cohorts.analysis.frames import read_folder
from cohorts.analysis.parameters import AnalysisParameters

DEMO = Path(__file__).resolve().parents[2] / "registry" / "demo_studies"


@pytest.fixture(scope="module")
def pediatric():
    return read_folder(DEMO / "pediatric-maintenance")


def test_above_the_refit_limit_table_4_gives_wald_intervals_and_says_so(pediatric):
    document = analyse(pediatric, AnalysisParameters(logistic_refit_max_cases=100))
    row = next(r for r in document["rows"] if r["row"] == "t4_multivariable_ddi")
    assert row["ci_profile"] is None and row["ci_wald"] is not None
    assert row["display"]["model"] == "5.36 (1.22-23.56)"
    assert any("Wald CIs only" in warning for warning in document["warnings"])
    assert "model_selection" not in document


def test_above_the_exact_limit_mann_whitney_is_asymptotic_and_named_so():
    document = analyse(read_folder(DEMO / "adult-blinatumomab"), AnalysisParameters(mwu_exact_max_cases=10))
    row = next(r for r in document["rows"] if r["row"] == "t1_age")
    assert row["method"] == "mann_whitney_u_asymptotic" and "asymptotic" in row["variant"]
    per_infection = next(r for r in document["rows"] if r["row"] == "t3_site_bone")
    assert per_infection["method"] == "mann_whitney_u_asymptotic_per_patient"
    assert any("asymptotic Mann-Whitney" in warning for warning in document["warnings"])
    assert "asymptotic Mann-Whitney U test" in document["methods"]
