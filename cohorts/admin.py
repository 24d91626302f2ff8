"""Admin of analysis runs: read-only, since runs are requested and computed by the services and workers."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import AnalysisRun
from .services import run_is_stale


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ("id", "study", "requested_by", "status", "progress", "created_at", "finished_at", "stale", "page")
    list_filter = ("status", "study")
    search_fields = ("study__code", "requested_by__username", "snapshot_hash")
    list_select_related = ("study", "requested_by")
    readonly_fields = ("study", "requested_by", "parameters", "parameters_fingerprint", "status", "progress",
                       "progress_message", "data_revision", "snapshot_hash", "timings", "error", "created_at",
                       "started_at", "finished_at", "site_codes")
    exclude = ("sites",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="stale")
    def stale(self, run):
        return run_is_stale(run)

    @admin.display(description="results")
    def page(self, run):
        return format_html('<a href="{}">open</a>', reverse("run-detail", args=[run.pk]))

    @admin.display(description="sites")
    def site_codes(self, run):
        return ", ".join(run.sites.values_list("code", flat=True))
