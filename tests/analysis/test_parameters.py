"""Analysis parameters: DEFINITIONS.md defaults, JSON round trip, strict keys, stable fingerprint."""
from __future__ import annotations

import json

import pytest

from cohorts.analysis.parameters import AnalysisParameters, ParameterError


def test_defaults_are_the_choices_written_in_definitions_md():
    parameters = AnalysisParameters()
    assert (parameters.baseline_lookback_days, parameters.adult_followup_cap_days, parameters.ivig_pre_window_days) == (
        90, 365, 30)
    assert (parameters.igg_low_mg_dl, parameters.iga_low_mg_dl, parameters.igm_low_mg_dl,
            parameters.igg_severe_mg_dl, parameters.anc_low_cells_ul) == (700, 70, 40, 500, 500)
    assert parameters.nadir_tie == "first" and parameters.pediatric_low_rule == "own_lower_limit"
    assert parameters.pediatric_rate_test == "poisson_log_days_offset" and parameters.screening_p == 0.25
    assert parameters.final_model_variables == ("ddi", "bacteremia_fungemia_before", "high_risk")
    assert parameters.exclude_days_after_ivig == 0 and parameters.eligibility_filter is False


def test_parameters_survive_a_json_round_trip():
    parameters = AnalysisParameters(exclude_days_after_ivig=14, nadir_tie="last", mwu_exact_max_cases=None,
                                    final_model_variables=("ddi", "male"))
    assert AnalysisParameters.from_dict(json.loads(json.dumps(parameters.to_dict()))) == parameters


def test_an_unknown_key_is_rejected_with_its_name():
    with pytest.raises(ParameterError, match="baseline_lookback"):
        AnalysisParameters.from_dict({"baseline_lookback": 60})


@pytest.mark.parametrize("data", [{"nadir_tie": "middle"}, {"baseline_lookback_days": "90"},
                                  {"eligibility_filter": 1}, {"final_model_variables": ["ddi", "shoe_size"]},
                                  {"baseline_lookback_days": 1.5}])
def test_a_wrong_value_is_rejected(data):
    with pytest.raises(ParameterError):
        AnalysisParameters.from_dict(data)


def test_missing_keys_take_their_defaults():
    assert AnalysisParameters.from_dict({}) == AnalysisParameters()


def test_the_fingerprint_is_stable_and_changes_with_any_parameter():
    assert AnalysisParameters().fingerprint() == AnalysisParameters.from_dict({}).fingerprint()
    assert AnalysisParameters(baseline_lookback_days=60).fingerprint() != AnalysisParameters().fingerprint()
