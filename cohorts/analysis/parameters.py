"""Every choice of an analysis, as one frozen dataclass with the DEFINITIONS.md defaults.

DEFINITIONS.md marks where the papers are vague with *(choice)*; each such choice is a field here,
its default the value DEFINITIONS.md wrote down, so the defaults reproduce expected.json. The fields
after those are options beyond the papers (off by default). `to_dict()` / `from_dict()` round-trip
through JSON (an analysis run stores them), and `fingerprint()` names one set of parameters.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

PEDIATRIC_CANDIDATES = (
    "ddi", "bacteremia_fungemia_before", "high_risk", "male", "age_at_diagnosis", "cns",
    "cranial_irradiation", "hd_mtx", "hospitalizations_before", "days_before_maintenance",
)

CHOICES: dict[str, tuple[str, ...]] = {
    "nadir_tie": ("first", "last"),
    "pediatric_low_rule": ("own_lower_limit", "adult_thresholds"),
    "period_days": ("end_minus_start", "inclusive"),
    "pediatric_rate_test": ("poisson_log_days_offset", "wilcoxon_rank_sum"),
    "pediatric_categorical_test": ("chi_square", "chi_square_yates"),
}


class ParameterError(ValueError):
    """A parameter set that cannot be used (unknown key, wrong type or value)."""


@dataclass(frozen=True)
class AnalysisParameters:
    # Windows (DEFINITIONS.md, Index window and cohorts; Immunoglobulins).
    baseline_lookback_days: int = 90
    adult_followup_cap_days: int = 365
    ivig_pre_window_days: int = 30
    total_followup_truncated: bool = False
    period_days: str = "end_minus_start"
    responses_within_followup: bool = False
    # Thresholds, mg/dL and cells/uL (adults); children use each result's own lower limit.
    igg_low_mg_dl: float = 700.0
    iga_low_mg_dl: float = 70.0
    igm_low_mg_dl: float = 40.0
    igg_severe_mg_dl: float = 500.0
    anc_low_cells_ul: float = 500.0
    pediatric_low_rule: str = "own_lower_limit"
    nadir_tie: str = "first"
    # Infections and hospitalizations.
    adult_documented_infections_only: bool = True
    counted_admission_reasons: tuple[str, ...] = ("INFECTION", "FEBRILE_NEUTROPENIA")
    outpatient_needs_antibacterial_change: bool = True
    # Tests.
    mwu_exact_max_cases: int | None = 400
    pediatric_rate_test: str = "poisson_log_days_offset"
    pediatric_categorical_test: str = "chi_square"
    screening_p: float = 0.25
    univariate_candidates: tuple[str, ...] = PEDIATRIC_CANDIDATES
    final_model_variables: tuple[str, ...] = ("ddi", "bacteremia_fungemia_before", "high_risk")
    days_before_maintenance_unit: float = 30.0
    events_per_variable_warning: float = 10.0
    # Profile-likelihood CIs and stepwise selection refit the model many times; above this many
    # patients Table 4 gives Wald CIs only (None: never). cohorts.stats.regression fits patients
    # grouped by covariate pattern, and all of Table 4 takes about 2 s at 100,000 patients, so the
    # limit is only a guard against registries far beyond the papers' size.
    logistic_refit_max_cases: int | None = 1_000_000
    # Beyond the papers: off by default so the defaults reproduce the published tables.
    exclude_days_after_ivig: int = 0
    eligibility_filter: bool = False
    adult_min_age_years: int = 18
    adult_fatal_infection_lookback_days: int = 30
    pediatric_min_maintenance_days: int = 365
    pediatric_min_age_at_diagnosis_years: float = 0.5
    pediatric_exclude_hsct: bool = True

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ParameterError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        unknown = set(self.univariate_candidates) - set(PEDIATRIC_CANDIDATES)
        unknown |= set(self.final_model_variables) - set(PEDIATRIC_CANDIDATES)
        if unknown:
            raise ParameterError(f"unknown logistic candidates: {', '.join(sorted(unknown))}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (tuples become lists), sorted by name."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {name: list(v) if isinstance(v, tuple) else v for name, v in sorted(values.items())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisParameters:
        """Inverse of `to_dict`; missing keys take their defaults, unknown keys are an error."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ParameterError(f"unknown analysis parameter(s): {', '.join(unknown)}; "
                                 f"known: {', '.join(sorted(known))}")
        values = {}
        for name, value in data.items():
            default = getattr(cls(), name)
            values[name] = _coerce(name, value, default)
        return cls(**values)

    def fingerprint(self) -> str:
        """Stable short hash of the full parameter set (same parameters, same fingerprint)."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def threshold(self, analyte: str) -> float:
        """The adult "< T" hypogammaglobulinemia threshold of an immunoglobulin."""
        return {"IGG": self.igg_low_mg_dl, "IGA": self.iga_low_mg_dl, "IGM": self.igm_low_mg_dl}[analyte]


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Check one JSON value against the type of its default."""
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ParameterError(f"{name} must be a list of strings")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ParameterError(f"{name} must be true or false")
        return value
    if name in ("mwu_exact_max_cases", "logistic_refit_max_cases") and value is None:
        return None
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{name} must be a number")
        if isinstance(default, int) and not float(value).is_integer():
            raise ParameterError(f"{name} must be a whole number")
        return type(default)(value)
    if isinstance(default, str) and not isinstance(value, str):
        raise ParameterError(f"{name} must be a string")
    return value
