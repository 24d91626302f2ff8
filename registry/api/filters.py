"""django-filter sets: by study, site, cohort, dates, and each record kind's codes (analyte, grade, ...).

`study` and `site` are always codes of a study and a medical centre; an infection's anatomical site is
`infection_site`. `cohort` is IVIG or CONTROL as assigned by the latest succeeded analysis run of the
patient's study that the caller may see; patients of a study without such a run match neither.
"""
from __future__ import annotations

import django_filters as filters
from django.db.models import Q

from cohorts.models import AnalysisResult, AnalysisRun, RunStatus
from cohorts.selectors import runs_visible_to
from infections.choices import AdmissionReason, InfectionSite, OrganismClass
from infections.models import Hospitalization, Infection
from registry.choices import (
    Analyte, CourseKind, CTCAEGrade, DiseaseStatus, DoseIndication, DoseSetting, Response, Sex,
)
from registry.models import ImportBatch, IVIGDose, LabResult, Patient, ResponseAssessment, TreatmentCourse

COHORTS = (("IVIG", "IVIG cohort"), ("CONTROL", "Control cohort"))


def latest_cohorts(user, study_ids=None) -> dict[int, dict[str, str]]:
    """study id → {patient_id: cohort} of the latest succeeded run of each study the user may see."""
    runs = runs_visible_to(user).filter(status=RunStatus.SUCCEEDED)
    if study_ids is not None:
        runs = runs.filter(study_id__in=study_ids)
    latest: dict[int, int] = {}
    for run_id, study_id in runs.order_by("study_id", "-finished_at", "-id").values_list("id", "study_id"):
        latest.setdefault(study_id, run_id)
    documents = AnalysisResult.objects.filter(run_id__in=latest.values()).values_list(
        "run__study_id", "document__cohort_of")
    return {study_id: cohort_of or {} for study_id, cohort_of in documents}


def cohort_q(user, cohort: str, prefix: str = "") -> Q:
    """Rows whose patient is in `cohort` (prefix "patient__" for records of a patient)."""
    condition = Q(pk__in=[])
    for study_id, cohort_of in latest_cohorts(user).items():
        members = [patient_id for patient_id, assigned in cohort_of.items() if assigned == cohort]
        if members:
            condition |= Q(**{f"{prefix}study_id": study_id, f"{prefix}patient_id__in": members})
    return condition


class SiteStudyFilters(filters.FilterSet):
    """`study`, `site`, `cohort`, `updated_since` for a patient (prefix "") or a patient's record."""

    prefix = ""

    cohort = filters.ChoiceFilter(choices=COHORTS, method="filter_cohort",
                                  help_text="IVIG or CONTROL, from the latest succeeded analysis of the study.")
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                              help_text="Only records changed at or after this time (UTC).")

    def filter_cohort(self, queryset, name, value):
        return queryset.filter(cohort_q(self.request.user, value, self.prefix))


def _scoped(prefix: str):
    study = filters.CharFilter(field_name=f"{prefix}study__code", help_text="Study code.")
    site = filters.CharFilter(field_name=f"{prefix}site__code", help_text="Site (medical centre) code.")
    return {"study": study, "site": site}


class PatientFilter(SiteStudyFilters):
    study = filters.CharFilter(field_name="study__code", help_text="Study code.")
    site = filters.CharFilter(field_name="site__code", help_text="Site (medical centre) code.")
    patient_id = filters.CharFilter(help_text="The patient's ID within the study.")
    sex = filters.ChoiceFilter(choices=Sex.choices, help_text="Sex.")
    disease_status = filters.ChoiceFilter(choices=DiseaseStatus.choices, help_text="Disease status.")
    diagnosed = filters.DateFromToRangeFilter(field_name="diagnosis_date",
                                              help_text="Diagnosis date range (both ends included).")

    class Meta:
        model = Patient
        fields = ("study", "site", "cohort", "patient_id", "sex", "disease_status", "diagnosed", "updated_since")


def record_filter(model, date_field: str, **extra):
    """A FilterSet of one record kind: patient, study, site, cohort, `date_after`/`date_before`, codes."""
    declared = {
        **_scoped("patient__"),
        "patient": filters.NumberFilter(field_name="patient_id", help_text="Registry id of the patient."),
        "patient_id": filters.CharFilter(field_name="patient__patient_id", help_text="The patient's ID in the study."),
        "date": filters.DateFromToRangeFilter(field_name=date_field,
                                              help_text=f"Range of `{date_field}` (both ends included)."),
        **extra,
    }
    meta = type("Meta", (), {"model": model, "fields": (*declared, "cohort", "updated_since")})
    return type(f"{model.__name__}Filter", (SiteStudyFilters,), {**declared, "prefix": "patient__", "Meta": meta})


def _grade(field: str, what: str):
    return filters.ChoiceFilter(field_name=field, choices=CTCAEGrade.choices, help_text=f"CTCAE v5 grade of {what}.")


def _codes(field: str, choices, what: str):
    return filters.ChoiceFilter(field_name=field, choices=choices, help_text=what)


TreatmentCourseFilter = record_filter(TreatmentCourse, "start_date", kind=_codes("kind", CourseKind.choices, "Kind."))
IVIGDoseFilter = record_filter(
    IVIGDose, "given_on", grade=_grade("reaction_grade", "the infusion reaction"),
    setting=_codes("setting", DoseSetting.choices, "Setting."),
    indication=_codes("indication", DoseIndication.choices, "Indication."),
)
LabResultFilter = record_filter(
    LabResult, "collected_on", analyte=_codes("analyte", Analyte.choices, "Analyte."),
    below_detection=filters.BooleanFilter(help_text="Only results below (true) or above (false) detection."),
)
InfectionFilter = record_filter(
    Infection, "onset_on", grade=_grade("ctcae_grade", "the infection"),
    organism_class=_codes("organism_class", OrganismClass.choices, "Organism class."),
    infection_site=_codes("site", InfectionSite.choices, "Anatomical site of the infection."),
)
HospitalizationFilter = record_filter(Hospitalization, "admitted_on",
                                      reason=_codes("reason", AdmissionReason.choices, "Reason for admission."))
ResponseAssessmentFilter = record_filter(ResponseAssessment, "assessed_on",
                                         response=_codes("response", Response.choices, "Response."))


class ImportBatchFilter(filters.FilterSet):
    study = filters.CharFilter(field_name="study__code", help_text="Study code.")

    class Meta:
        model = ImportBatch
        fields = ("study",)


class AnalysisRunFilter(filters.FilterSet):
    study = filters.CharFilter(field_name="study__code", help_text="Study code.")
    status = filters.ChoiceFilter(choices=RunStatus.choices, help_text="Status of the run.")

    class Meta:
        model = AnalysisRun
        fields = ("study", "status")
