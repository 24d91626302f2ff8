"""Browser forms of the clinical records: shape only (STYLE.md, rule 4).

Each form lists its writable fields explicitly; `site`, `created_by` and `version` are never among
them (`version` travels as a hidden field so that a conflicting edit is detected, not overwritten).
The row and cross-record rules are checked once, by the services; a form never saves itself.
"""
from __future__ import annotations

import re

from django import forms

from .choices import UNIT_OF_ANALYTE, Analyte, CTCAEGrade
from .models import IVIGDose, LabResult, Patient, ResponseAssessment, Site, Study, TreatmentCourse

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BELOW_DETECTION = re.compile(r"^<\s*(\d+(?:\.\d+)?)$")
GRADE_ERROR = "Choose a CTCAE v5 grade from 1 to 5, or “Not graded”."


class YesNoUnknown(forms.NullBooleanSelect):
    """FORMAT.md: an empty cell means "not recorded", never "no"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Not recorded"), ("true", "Yes"), ("false", "No")]


def grade_field(label: str, help_text: str = "") -> forms.TypedChoiceField:
    """A CTCAE v5 grade with each grade's description beside it (CTCAEGrade labels carry them)."""
    return forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None, help_text=help_text,
        choices=[("", "Not graded")] + list(CTCAEGrade.choices), widget=forms.RadioSelect,
        error_messages={"invalid_choice": GRADE_ERROR},
    )


class ClinicalRecordForm(forms.ModelForm):
    """Common shape of every clinical record form: units beside inputs, a version, a reason."""

    units: dict[str, str] = {}
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Reason for the change", required=False, max_length=200,
        help_text="Kept with the record’s audit history (for example “corrected from the lab report”).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.unit = self.units.get(name, "")
            if isinstance(field, forms.NullBooleanField):
                field.widget = YesNoUnknown()
            if isinstance(field, forms.DateField):
                field.widget = DATE_INPUT
                field.error_messages["invalid"] = "Enter a date as YYYY-MM-DD."
            if isinstance(field, forms.TypedChoiceField) and not isinstance(field.widget, forms.RadioSelect):
                self._name_empty_choice(field)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    @staticmethod
    def _name_empty_choice(field) -> None:
        """An empty choice reads "Not recorded" (FORMAT.md: empty is not recorded), or asks for a choice."""
        choices = list(field.choices)
        if choices and choices[0][0] == "":
            field.choices = [("", "Choose…" if field.required else "Not recorded")] + choices[1:]

    def main_fields(self):
        """Fields laid out in the form's grid; yes/no answers and the reason come in their own blocks."""
        return [f for f in self.visible_fields() if f.name != "reason" and not isinstance(f.field.widget, YesNoUnknown)]

    def yes_no_fields(self):
        return [f for f in self.visible_fields() if isinstance(f.field.widget, YesNoUnknown)]

    def _post_clean(self):
        """Skip the model's validation here: the service runs it, with the rules across records, once."""

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class PatientForm(ClinicalRecordForm):
    units = {"height_cm": "cm", "weight_kg": "kg", "prior_therapy_lines": "lines",
             "prior_anti_cd20_doses": "doses"}

    class Meta:
        model = Patient
        fields = [
            "patient_id", "sex", "birth_date", "diagnosis_date", "race_ethnicity", "height_cm", "weight_kg",
            "disease_status", "philadelphia_positive", "prior_therapy_lines", "prior_hsct",
            "prior_anti_cd20_doses", "multiple_myeloma", "chronic_lymphocytic_leukemia", "mdr_organism",
            "high_risk_at_diagnosis", "cns_disease_at_diagnosis", "treatment_protocol",
            "last_followup_date", "death_date",
        ]
        labels = {"race_ethnicity": "Race / ethnicity", "height_cm": "Height", "weight_kg": "Weight",
                  "mdr_organism": "History of MDR infection", "last_followup_date": "Last follow-up",
                  "philadelphia_positive": "Philadelphia chromosome positive"}
        help_texts = {
            "patient_id": "The study’s pseudonymous ID, never a medical record number.",
            "disease_status": "At the start of the index treatment.",
            "mdr_organism": "Leave empty when the history was not recorded.",
        }


class PatientRegisterForm(PatientForm):
    """Registration also chooses the study and one of the sites where the user enters data."""

    study = forms.ModelChoiceField(queryset=Study.objects.none())
    site = forms.ModelChoiceField(queryset=Site.objects.none(), help_text="Only sites where you enter data.")

    field_order = ["study", "site"]

    def __init__(self, *args, studies, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = studies
        self.fields["site"].queryset = sites
        for name, choices in (("study", studies), ("site", sites)):
            only = list(choices[:2])
            if len(only) == 1:
                self.initial.setdefault(name, only[0].pk)


class TreatmentCourseForm(ClinicalRecordForm):
    class Meta:
        model = TreatmentCourse
        fields = ["kind", "start_date", "end_date", "cycle_number"]
        labels = {"kind": "Treatment"}
        help_texts = {"cycle_number": "1, 2, … for repeated courses of one kind; empty otherwise."}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", f"The end date ({end:%Y-%m-%d}) is before the start date ({start:%Y-%m-%d}): "
                                       "enter an end on or after the start, or leave it empty while the course "
                                       "is ongoing.")
        return cleaned


class IVIGDoseForm(ClinicalRecordForm):
    units = {"dose_mg_per_kg": "mg/kg"}
    reaction_grade = grade_field("Infusion reaction (CTCAE v5 grade)", "“Not graded” when there was no reaction.")

    class Meta:
        model = IVIGDose
        fields = ["given_on", "dose_mg_per_kg", "setting", "indication", "reaction_grade", "reaction",
                  "infusion_interrupted"]
        labels = {"given_on": "Date given", "dose_mg_per_kg": "Dose"}
        help_texts = {"dose_mg_per_kg": "The usual dose is 400 mg/kg."}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reaction") and cleaned.get("reaction_grade") is None and "reaction_grade" not in self.errors:
            self.add_error("reaction_grade", "A reaction is described: give its CTCAE v5 grade.")
        return cleaned


class LabResultForm(ClinicalRecordForm):
    """The value is typed as written on the lab report: a number, or `<N` below the detection limit."""

    value = forms.CharField(
        label="Value", max_length=20,
        help_text="A number, or <N for a result below the detection limit N (for example <5).",
    )
    units = {"value": "mg/dL", "lower_limit_normal": "mg/dL"}

    class Meta:
        model = LabResult
        fields = ["collected_on", "analyte", "value", "lower_limit_normal"]
        labels = {"collected_on": "Date collected", "lower_limit_normal": "Lower limit of normal"}
        help_texts = {"lower_limit_normal": "The reporting laboratory’s limit for this sample, when known."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["value"] = self.instance.display_value
        self.fields["value"].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.fields["analyte"].widget.attrs["data-units"] = ",".join(
            f"{code}={unit.replace('cells/uL', 'cells/µL')}" for code, unit in UNIT_OF_ANALYTE.items())
        analyte = self.data.get(self.add_prefix("analyte")) or self.initial.get("analyte") or self.instance.analyte
        unit = UNIT_OF_ANALYTE.get(analyte, "mg/dL").replace("cells/uL", "cells/µL")
        self.fields["value"].unit = self.fields["lower_limit_normal"].unit = unit

    def clean_value(self):
        text = self.cleaned_data["value"].strip().replace(",", ".")
        below = BELOW_DETECTION.match(text)
        try:
            number = float(below.group(1) if below else text)
        except ValueError:
            raise forms.ValidationError(
                f"“{text}” is not a number. Enter a number such as 412, or <5 for a result below detection.")
        if number <= 0:
            raise forms.ValidationError("The value must be greater than 0 (a result below detection is written <5).")
        return number, bool(below)

    def service_data(self) -> dict:
        data = super().service_data()
        data["value"], data["below_detection"] = self.cleaned_data["value"]
        data["unit"] = UNIT_OF_ANALYTE[Analyte(data["analyte"])]
        return data


class ResponseForm(ClinicalRecordForm):
    class Meta:
        model = ResponseAssessment
        fields = ["assessed_on", "response"]
        labels = {"assessed_on": "Date assessed"}


class RemoveForm(forms.Form):
    """Removal keeps the record's last values in the history, with who removed it and why."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why is this record being removed?", max_length=200, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. Kept in the audit history with the removed values.",
        error_messages={"required": "Give a reason: the audit history keeps it with the removed record."},
    )


class PatientFilterForm(forms.Form):
    q = forms.CharField(label="Search patient ID", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. A012"}))
    study = forms.ModelChoiceField(queryset=Study.objects.none(), required=False, empty_label="All studies")
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All sites")
    cohort = forms.ChoiceField(required=False, choices=[
        ("", "Any cohort"), ("IVIG", "IVIG"), ("CONTROL", "Control"), ("NONE", "Not in a cohort")],
        help_text="From the latest analysis of the study.")
    missing = forms.ChoiceField(required=False, label="Missing data")

    def __init__(self, *args, studies, sites, checks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = studies
        self.fields["site"].queryset = sites
        self.fields["missing"].choices = [("", "—")] + [(c.key, c.label) for c in checks]


class ImportUploadForm(forms.Form):
    archive = forms.FileField(
        label="Study folder as a .zip",
        help_text="The flat CSV v1 files (study.csv, sites.csv, patients.csv, …), at the top of the zip or "
                  "in one folder inside it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    replace = forms.BooleanField(
        required=False, label="Replace the study if it is already in the registry",
        help_text="Its current records are swapped for the new ones in one step; the old ones stay in the "
                  "audit history.",
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError("Upload a .zip file of the study folder.")
        return archive
