"""The benchmark's hand-written baseline (bench/baseline/) is an independent implementation of
DEFINITIONS.md: it reproduces every figure of both demo studies' expected.json, to the precision
RESULTS.md states, using tests/tools/compare_analysis.py's own comparison."""
import importlib.util
import json
from pathlib import Path

import pytest

from bench.baseline import tables
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
