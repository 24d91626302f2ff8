"""The benchmark's hand-written baseline (bench/baseline/) is an independent implementation of
DEFINITIONS.md: it reproduces every figure of both demo studies' expected.json, to the precision
RESULTS.md states, using tests/tools/compare_analysis.py's own comparison."""
import importlib.util
import json
from pathlib import Path

import pytest

from bench.baseline import Policy, tables
from cohorts.analysis.frames import read_folder
from tests.conftest import ADULT_FOLDER, PEDIATRIC_FOLDER

COMPARE = Path(__file__).resolve().parents[1] / "tools" / "compare_analysis.py"


def _compare_module():
    spec = importlib.util.spec_from_file_location("compare_analysis", COMPARE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=[ADULT_FOLDER, PEDIATRIC_FOLDER], ids=["adult", "pediatric"])
def study(request):
    expected = json.loads((request.param / "expected.json").read_text(encoding="utf-8"))
    return expected, tables(read_folder(request.param))


def test_baseline_assigns_every_patient_to_the_expected_cohort(study):
    expected, document = study
    assert document["cohort_sizes"] == expected["cohort_sizes"]
    assert document["cohort_of"] == expected["cohort_of"]


def test_baseline_reproduces_every_row_of_expected_json(study):
    expected, document = study
    matched, rows, figures, report = _compare_module().compare(expected, document)
    assert matched == rows, f"matched {matched}/{rows} rows ({figures} figures):\n" + "\n".join(report)


def test_baseline_writes_no_row_that_expected_json_lacks(study):
    expected, document = study
    assert {r["row"] for r in document["rows"]} == {r["row"] for r in expected["rows"]}


def test_baseline_document_is_plain_json(study):
    _, document = study
    assert json.loads(json.dumps(document, allow_nan=False)) == document


def test_beyond_its_policy_limits_the_baseline_gives_asymptotic_mann_whitney_and_wald_only_intervals():
    adult = {r["row"]: r for r in tables(read_folder(ADULT_FOLDER), Policy(mwu_exact_max_cases=10))["rows"]}
    pediatric = {r["row"]: r for r in tables(read_folder(PEDIATRIC_FOLDER), Policy(profile_max_cases=100))["rows"]}
    # t1_age: 17 IVIG and 6 control patients, 23 cases > 10.
    assert adult["t1_age"]["method"] == "mann_whitney_u_asymptotic"
    assert adult["t1_age"]["p"] == pytest.approx(0.3092, abs=1e-4)
    assert pediatric["t4_multivariable_ddi"]["ci_profile"] is None
    assert pediatric["t4_multivariable_ddi"]["ci_wald"] == pytest.approx([1.221141, 23.558633], abs=1e-6)
