"""Scoped reads: every queryset that reaches a user goes through one of these."""
from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from .access import ANALYSES, READS, site_ids_where
from .choices import Role
from .models import (
    ImportBatch, ImportJob, IVIGDose, LabResult, Patient, ResponseAssessment, Site, SiteMembership, Study,
    TreatmentCourse,
)


def sites_visible_to(user) -> QuerySet[Site]:
    return Site.objects.filter(id__in=site_ids_where(user, READS))


def studies_visible_to(user) -> QuerySet[Study]:
    visible_patients = Patient.objects.filter(study=OuterRef("pk"), site_id__in=site_ids_where(user, READS))
    return Study.objects.filter(Exists(visible_patients))


def patients_visible_to(user) -> QuerySet[Patient]:
    return Patient.objects.filter(site_id__in=site_ids_where(user, READS)).select_related("study", "site")


def patient_site_visible_to(user, site_id: int) -> bool:
    """The rule of `patients_visible_to` for one patient's site, for a read that fetched the row first."""
    return site_id in site_ids_where(user, READS)


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
    return with_last_ivig_dose(records_visible_to(user, LabResult))


def with_last_ivig_dose(lab_results: QuerySet[LabResult]) -> QuerySet[LabResult]:
    """Annotate `last_ivig_on`: the patient's latest IVIG dose strictly before the collection day.

    A result drawn on a dosing day is taken as the pre-infusion trough, as the analysis does
    (cohorts.analysis.labs); a post-infusion peak is not the patient's own IgG.
    """
    last_dose = IVIGDose.objects.filter(
        patient=OuterRef("patient"), given_on__lt=OuterRef("collected_on")
    ).order_by("-given_on").values("given_on")[:1]
    return lab_results.annotate(last_ivig_on=Subquery(last_dose))


def days_since_last_ivig(collected_on: date, last_ivig_on: date | None) -> int | None:
    """Days from the dose `with_last_ivig_dose` found to the collection day; None without one."""
    return (collected_on - last_ivig_on).days if last_ivig_on else None


def responses_visible_to(user) -> QuerySet[ResponseAssessment]:
    return records_visible_to(user, ResponseAssessment)


def imports_visible_to(user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(study__in=studies_visible_to(user))


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """A job is its uploader's (superusers see all): the files in it are not yet anyone's records."""
    jobs = ImportJob.objects.select_related("batch__study")
    return jobs if user.is_superuser else jobs.filter(uploaded_by=user)


def memberships_visible_to(user) -> QuerySet[SiteMembership]:
    """Memberships at the sites where `user` is site admin (all of them for a superuser)."""
    memberships = SiteMembership.objects.select_related("user", "site")
    if user.is_superuser:
        return memberships
    return memberships.filter(site_id__in=site_ids_where(user, (Role.ADMIN,)))


def history_visible_to(user, model) -> QuerySet:
    """History rows of `model` at the sites where `user` investigates or administers."""
    rows = model.history.all().select_related("history_user")
    if user.is_superuser:
        return rows
    sites = site_ids_where(user, ANALYSES)
    patients_there = Patient.history.filter(site_id__in=sites).values("id")
    if model is Site:
        return rows.filter(id__in=sites)
    if model in (SiteMembership, Patient):
        return rows.filter(site_id__in=sites)
    if model is Study:
        return rows.filter(id__in=Patient.history.filter(site_id__in=sites).values("study_id"))
    return rows.filter(patient_id__in=patients_there)
