"""Analysis runs: one investigator's request to compute a study's tables from a data snapshot."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.models import Site, Study


class RunStatus(models.TextChoices):
    QUEUED = "QUEUED", "Queued"
    RUNNING = "RUNNING", "Running"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"


class AnalysisRun(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="analysis_runs")
    # The sites whose patients the requester could see: a run never reads beyond them.
    sites = models.ManyToManyField(Site, related_name="analysis_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="analysis_runs")
    parameters = models.JSONField(default=dict)
    parameters_fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    # The Celery task id that claimed the run: a redelivery of that message after a lost worker may
    # take the run over; any other delivery finds it claimed.
    claimed_by = models.CharField(max_length=64, blank=True)
    data_revision = models.PositiveBigIntegerField(null=True, blank=True)
    snapshot_hash = models.CharField(max_length=64, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="analysisrun_progress_at_most_100"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="analysisrun_status_known"),
        ]

    def __str__(self):
        return f"Analysis #{self.pk} of {self.study} ({self.get_status_display().lower()})"


class AnalysisResult(models.Model):
    """The document of a succeeded run (shared/validation/RESULTS.md shape), one per run."""

    run = models.OneToOneField(AnalysisRun, on_delete=models.CASCADE, related_name="result")
    document = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
