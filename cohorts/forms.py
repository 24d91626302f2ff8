"""The analysis launch form, generated from `AnalysisParameters`' fields.

Every *(choice)* of DEFINITIONS.md is a field of the dataclass; this form offers each one with its
default, so a parameter added to the engine appears here without touching the form. Labels and help
texts below only make known parameters read well; an unknown one still gets a sensible field.
"""
from __future__ import annotations

import dataclasses

from django import forms

from cohorts.analysis.parameters import CHOICES, PEDIATRIC_CANDIDATES, AnalysisParameters
from infections.choices import AdmissionReason

GROUPS = (
    ("Windows", ("baseline_lookback_days", "ivig_pre_window_days", "adult_followup_cap_days",
                 "total_followup_truncated", "responses_within_followup", "period_days")),
    ("Thresholds", ("igg_low_mg_dl", "iga_low_mg_dl", "igm_low_mg_dl", "igg_severe_mg_dl", "anc_low_cells_ul",
                    "pediatric_low_rule", "nadir_tie", "exclude_days_after_ivig")),
    ("Infections and hospitalizations", ("adult_documented_infections_only", "counted_admission_reasons",
                                         "outpatient_needs_antibacterial_change")),
    ("Tests and models", ("mwu_exact_max_cases", "pediatric_rate_test", "pediatric_categorical_test", "screening_p",
                          "univariate_candidates", "final_model_variables", "days_before_maintenance_unit",
                          "events_per_variable_warning")),
)
ADULT_ONLY = {"ivig_pre_window_days", "adult_followup_cap_days", "total_followup_truncated",
              "responses_within_followup", "igg_low_mg_dl", "iga_low_mg_dl", "igm_low_mg_dl", "igg_severe_mg_dl",
              "anc_low_cells_ul", "nadir_tie", "adult_documented_infections_only", "mwu_exact_max_cases",
              "baseline_lookback_days", "adult_min_age_years", "adult_fatal_infection_lookback_days"}
PEDIATRIC_ONLY = {"period_days", "pediatric_low_rule", "counted_admission_reasons",
                  "outpatient_needs_antibacterial_change", "pediatric_rate_test", "pediatric_categorical_test",
                  "screening_p", "univariate_candidates", "final_model_variables", "days_before_maintenance_unit",
                  "events_per_variable_warning", "pediatric_min_maintenance_days",
                  "pediatric_min_age_at_diagnosis_years", "pediatric_exclude_hsct"}
LABELS = {
    "baseline_lookback_days": ("Baseline lookback", "days", "Baseline = last result within this many days "
                                                            "before the index date."),
    "ivig_pre_window_days": ("IVIG window opens before index", "days", "A dose this many days before the first "
                                                                       "blinatumomab course puts the patient in the "
                                                                       "IVIG cohort."),
    "adult_followup_cap_days": ("Follow-up cap after last course", "days", ""),
    "total_followup_truncated": ("Truncate total follow-up at the cap", "", ""),
    "responses_within_followup": ("Count responses only within follow-up", "", ""),
    "period_days": ("Days in a period", "", "How the days before / during maintenance are counted."),
    "igg_low_mg_dl": ("IgG hypogammaglobulinemia below", "mg/dL", ""),
    "iga_low_mg_dl": ("IgA hypogammaglobulinemia below", "mg/dL", ""),
    "igm_low_mg_dl": ("IgM hypogammaglobulinemia below", "mg/dL", ""),
    "igg_severe_mg_dl": ("Severe IgG below", "mg/dL", ""),
    "anc_low_cells_ul": ("Neutropenia: ANC below", "cells/µL", ""),
    "pediatric_low_rule": ("Children’s low IgG rule", "", "Each result’s own lower limit, or the adult thresholds."),
    "nadir_tie": ("Time to nadir when the lowest value recurs", "", ""),
    "exclude_days_after_ivig": ("Leave out IgG drawn within N days after a dose", "days",
                                "0 = keep every result (the papers). An IgG just after a dose is mostly the "
                                "infused product."),
    "adult_documented_infections_only": ("Count only microbiologically documented infections", "", ""),
    "counted_admission_reasons": ("Admissions counted", "", ""),
    "outpatient_needs_antibacterial_change": ("Outpatient infection needs an antibacterial change", "", ""),
    "mwu_exact_max_cases": ("Exact Mann–Whitney up to", "cases", "Empty = always exact."),
    "pediatric_rate_test": ("Test of rates (Tables 2–3)", "", ""),
    "pediatric_categorical_test": ("Test of categories (Table 1)", "", ""),
    "screening_p": ("Univariate screening at p <", "", ""),
    "univariate_candidates": ("Univariate candidates", "", ""),
    "final_model_variables": ("Variables of the reported model", "", ""),
    "days_before_maintenance_unit": ("Days before maintenance per unit of OR", "days", ""),
    "events_per_variable_warning": ("Warn below events per variable", "", ""),
}
MULTIPLE_CHOICES = {
    "univariate_candidates": [(c, c.replace("_", " ")) for c in PEDIATRIC_CANDIDATES],
    "final_model_variables": [(c, c.replace("_", " ")) for c in PEDIATRIC_CANDIDATES],
    "counted_admission_reasons": list(AdmissionReason.choices),
}


def _field_for(name: str, default) -> forms.Field:
    label, unit, help_text = LABELS.get(name, (name.replace("_", " ").capitalize(), "", ""))
    shown_default = ", ".join(default) if isinstance(default, tuple) else default
    if isinstance(default, bool):
        shown_default = "on" if default else "off"
    help_text = f"{help_text} Default: {shown_default}.".strip()
    common = {"label": label, "help_text": help_text, "initial": default}
    if isinstance(default, bool):
        field = forms.BooleanField(required=False, **common)
    elif isinstance(default, tuple):
        choices = MULTIPLE_CHOICES.get(name, [(v, v) for v in default])
        field = forms.MultipleChoiceField(choices=choices, required=False, widget=forms.CheckboxSelectMultiple,
                                          **common)
    elif name in CHOICES:
        field = forms.ChoiceField(choices=[(c, c.replace("_", " ")) for c in CHOICES[name]], **common)
    elif isinstance(default, int) or name == "mwu_exact_max_cases":
        field = forms.IntegerField(required=name != "mwu_exact_max_cases", min_value=0, **common)
    elif isinstance(default, float):
        field = forms.FloatField(min_value=0, **common)
    else:
        field = forms.CharField(required=False, **common)
    field.unit = unit
    return field


class AnalysisParametersForm(forms.Form):
    """One field per parameter that matters for the study's population; the others keep their values."""

    def __init__(self, *args, population: str, initial_parameters: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        hidden = PEDIATRIC_ONLY if population == "ADULT" else ADULT_ONLY
        defaults = AnalysisParameters()
        self.kept = {}
        for spec in dataclasses.fields(AnalysisParameters):
            default = getattr(defaults, spec.name)
            if spec.name in hidden:
                self.kept[spec.name] = (initial_parameters or {}).get(spec.name, default)
                continue
            self.fields[spec.name] = _field_for(spec.name, default)
            if initial_parameters and spec.name in initial_parameters:
                self.initial[spec.name] = initial_parameters[spec.name]

    def groups(self):
        """(title, bound fields) in reading order; parameters of no known group come last."""
        placed = set()
        for title, names in GROUPS:
            bound = [self[name] for name in names if name in self.fields]
            placed.update(names)
            if bound:
                yield title, bound
        rest = [self[name] for name in self.fields if name not in placed]
        if rest:
            yield "Beyond the papers", rest

    def parameters(self) -> dict:
        """JSON values for `analysis_request` (lists for tuples, None for an empty optional number)."""
        values = {name: (list(value) if isinstance(value, tuple) else value) for name, value in self.kept.items()}
        for name, value in self.cleaned_data.items():
            values[name] = list(value) if isinstance(value, (list, tuple)) else value
        return values
