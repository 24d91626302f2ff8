"""The methods paragraph of an analysis, written from what was actually computed.

It names every test that produced a p-value (from the rows' `method` and `variant`), the windows
and thresholds in force (from the parameters) and the software versions, so that a printed table
can always say how it was made.
"""
from __future__ import annotations

import platform
import re

import numpy as np
import pandas as pd
import scipy
import statsmodels

from cohorts.analysis.parameters import AnalysisParameters

METHOD_NAMES = {
    "fisher_exact": "two-sided Fisher's exact test",
    "mann_whitney_u_exact": "exact Mann-Whitney U test (ties ignored, as SPSS computes it)",
    "mann_whitney_u_exact_per_patient": "exact Mann-Whitney U test on the number of such infections per "
                                        "infected patient",
    "mann_whitney_u_asymptotic": "asymptotic Mann-Whitney U test (tie-corrected), used where a comparison had "
                                 "more cases than the exact limit",
    "mann_whitney_u_asymptotic_per_patient": "asymptotic Mann-Whitney U test on the number of such infections "
                                             "per infected patient",
    "chi_square": "Pearson chi-square test",
    "wilcoxon_rank_sum": "Wilcoxon rank-sum test (normal approximation, tie-corrected, continuity 0.5)",
    "poisson_log_days_offset": "Poisson regression of the count on cohort with log(days in the period) as "
                               "offset (Wald z)",
    "logistic_univariate_wald": "univariate logistic regression (Wald p; Wald and profile-likelihood 95% CIs)",
    "logistic_multivariable_wald": "multivariable logistic regression (Wald p; profile-likelihood 95% CIs)",
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9.-]+", text.lower())


def software_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
            "scipy": scipy.__version__, "statsmodels": statsmodels.__version__}


def _tests_used(rows: list[dict]) -> list[str]:
    used = {}
    for row in rows:
        method = row.get("method")
        if method and row.get("p") is not None:
            used.setdefault(method, set()).add(row.get("variant") or "")
    return [_named(METHOD_NAMES.get(method, method), variants) for method, variants in sorted(used.items())]


def _named(name: str, variants: set[str]) -> str:
    """The test's name, with the variants its name does not already say ("two-sided" twice reads badly)."""
    said = set(_words(name))
    extra = sorted(v for v in variants if v and not set(_words(v)) <= said)
    return f"{name} [{'; '.join(extra)}]" if extra else name


def _windows(population: str, parameters: AnalysisParameters) -> str:
    if population == "ADULT":
        return (f"The index date was the start of the first blinatumomab course. Patients with an IVIG dose "
                f"from {parameters.ivig_pre_window_days} days before the index date until the start of the next "
                f"line of therapy formed the IVIG cohort, the others the control cohort. Outcomes were counted "
                f"from the index date to the earliest of last follow-up, death and "
                f"{parameters.adult_followup_cap_days} days after the last blinatumomab course. Baseline "
                f"immunoglobulins were the last result within {parameters.baseline_lookback_days} days before "
                f"the index date; hypogammaglobulinemia was IgG < {parameters.igg_low_mg_dl:g}, IgA < "
                f"{parameters.iga_low_mg_dl:g} and IgM < {parameters.igm_low_mg_dl:g} mg/dL, severe IgG < "
                f"{parameters.igg_severe_mg_dl:g} mg/dL, neutropenia ANC < {parameters.anc_low_cells_ul:g} "
                f"cells/uL.")
    return ("The index date was the start of maintenance chemotherapy. Patients with an IVIG dose during "
            "maintenance formed the IVIG cohort. Events from diagnosis until the day before maintenance counted "
            "as before maintenance, events during the maintenance course as during it; days in a period were "
            f"counted as {parameters.period_days.replace('_', ' ')}. Logistic candidates were screened at "
            f"p < {parameters.screening_p:g}; the reported model holds "
            f"{', '.join(parameters.final_model_variables)}.")


def methods_text(population: str, rows: list[dict], parameters: AnalysisParameters) -> str:
    extra = []
    if parameters.exclude_days_after_ivig > 0:
        extra.append(f"IgG results drawn 1-{parameters.exclude_days_after_ivig} days after an IVIG dose were "
                     "left out of the IgG nadir.")
    if parameters.eligibility_filter:
        extra.append("Patients failing the inclusion criteria were excluded before analysis.")
    versions = ", ".join(f"{name} {version}" for name, version in software_versions().items())
    tests = "; ".join(_tests_used(rows)) or "none"
    return " ".join([_windows(population, parameters), *extra,
                     "Lab results below the detection limit (<N) were kept as such and ranked just below N.",
                     f"Tests: {tests}.", f"Parameters fingerprint {parameters.fingerprint()}.",
                     f"Computed with {versions}."])
