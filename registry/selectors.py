"""Scoped reads: every queryset that reaches a user goes through one of these."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .access import READS, site_ids_where
from .models import ImportBatch, ImportJob, LabResult, Patient, ResponseAssessment, Site, Study, TreatmentCourse, IVIGDose


def sites_visible_to(user) -> QuerySet[Site]:
    return Site.objects.filter(id__in=site_ids_where(user, READS))


def studies_visible_to(user) -> QuerySet[Study]:
    visible_patients = Patient.objects.filter(study=OuterRef("pk"), site_id__in=site_ids_where(user, READS))
    return Study.objects.filter(Exists(visible_patients))


def patients_visible_to(user) -> QuerySet[Patient]:
    return Patient.objects.filter(site_id__in=site_ids_where(user, READS)).select_related("study", "site")


def records_visible_to(user, model) -> QuerySet:
    """Rows of a patient-event model (courses, doses, labs, infections, ...) of the user's sites."""
    return model.objects.filter(patient__site_id__in=site_ids_where(user, READS)).select_related(
        "patient", "patient__study", "patient__site"
    )


def courses_visible_to(user) -> QuerySet[TreatmentCourse]:
    return records_visible_to(user, TreatmentCourse)


def ivig_doses_visible_to(user) -> QuerySet[IVIGDose]:
    return records_visible_to(user, IVIGDose)


def lab_results_visible_to(user) -> QuerySet[LabResult]:
    return records_visible_to(user, LabResult)


def responses_visible_to(user) -> QuerySet[ResponseAssessment]:
    return records_visible_to(user, ResponseAssessment)


def imports_visible_to(user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(study__in=studies_visible_to(user))


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """A job is its uploader's (superusers see all): the files in it are not yet anyone's records."""
    jobs = ImportJob.objects.select_related("batch__study")
    return jobs if user.is_superuser else jobs.filter(uploaded_by=user)
