"""Data completeness agrees with the analysis: a patient the dashboard calls complete is one the tables count."""
import json

from registry.completeness import completeness, filter_lacking
from tests.conftest import ADULT_FOLDER


def test_patients_lacking_a_baseline_igg_are_those_the_adult_table_2_leaves_out(imported_studies):
    patients = imported_studies["adult"].patients.all()
    expected = json.loads((ADULT_FOLDER / "expected.json").read_text())
    with_baseline = next(r for r in expected["rows"] if r["row"] == "t2_baseline_igg")["cohorts"]["ALL"]["n"]

    counts = {row["check"].key: row["missing"] for row in completeness(patients, "ADULT")}

    assert counts["no_baseline_igg"] == patients.count() - with_baseline == 2
    assert filter_lacking(patients, "no_baseline_igg").count() == 2
