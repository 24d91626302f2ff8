"""The admin start page's overview: the registry at a glance, and what needs attention."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from cohorts.models import AnalysisRun, RunStatus
from registry.models import ImportBatch, ImportJob, Patient, Site, SiteMembership, Study


def admin_overview() -> dict:
    week_ago = timezone.now() - timedelta(days=7)
    runs = AnalysisRun.objects.select_related("study", "requested_by")
    return {"overview": {
        "counts": [("Sites", Site.objects.count()), ("Users", get_user_model().objects.filter(is_active=True).count()),
                   ("Studies", Study.objects.count()), ("Patients", Patient.objects.count())],
        "studies": Study.objects.annotate(patient_total=Count("patients")).order_by("code"),
        "roles": SiteMembership.objects.values("role").annotate(n=Count("id")).order_by("role"),
        "active_runs": list(runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).order_by("-created_at")[:5]),
        "failed_runs": list(runs.filter(status=RunStatus.FAILED, created_at__gte=week_ago).order_by("-created_at")[:5]),
        "recent_imports": list(ImportBatch.objects.select_related("study", "imported_by")[:5]),
        "failed_imports": ImportJob.objects.filter(status__in=["INVALID", "FAILED"], uploaded_at__gte=week_ago).count(),
    }}
