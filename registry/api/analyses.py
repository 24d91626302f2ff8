"""Analysis runs: start one (investigators and site admins), poll its progress, read its results as
JSON (RESULTS.md's document), CSV (one row per figure) or XLSX.
"""
from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cohorts.models import AnalysisResult, AnalysisRun, RunStatus
from cohorts.selectors import runs_visible_to
from registry import access, selectors
from registry.deidentify import Deidentifier

from . import filters
from .downloads import CSV, XLSX, file_renderers, file_response
from .errors import NotReady
from .fields import CodeField, DescribedModelSerializer
from .permissions import AnalysesToStart
from .results import result_rows, result_workbook
from .viewsets import ScopedViewSet


class AnalysisRunSerializer(DescribedModelSerializer):
    study_code = serializers.CharField(source="study.code", read_only=True, help_text="The analysed study.")
    requested_by = serializers.CharField(source="requested_by.username", read_only=True,
                                         help_text="Who started the run.")
    sites = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True,
                                         help_text="The sites whose patients the run reads.")
    stale = serializers.SerializerMethodField(help_text="The study's data or the parameters' meaning changed "
                                                        "since the run: its results are out of date.")

    class Meta:
        model = AnalysisRun
        fields = ("id", "study_code", "status", "progress", "progress_message", "parameters",
                  "parameters_fingerprint", "requested_by", "sites", "data_revision", "stale", "snapshot_hash",
                  "timings", "error", "created_at", "started_at", "finished_at")
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "QUEUED, RUNNING, SUCCEEDED or FAILED."},
            "progress": {"help_text": "Percent done (0-100)."},
            "progress_message": {"help_text": "What the run is doing now."},
            "parameters": {"help_text": "Every analysis choice (cohorts.analysis.parameters), defaults filled in."},
            "parameters_fingerprint": {"help_text": "Short hash naming the parameter set."},
            "data_revision": {"help_text": "The study's data revision the results were computed from."},
            "snapshot_hash": {"help_text": "Hash of the records and parameters analysed."},
            "timings": {"help_text": "Seconds spent reading and computing, and whether the records were reused "
                                   "from the worker's memory (`records_reused`: same data revision, sites and database)."},
            "error": {"help_text": "Why a FAILED run failed."},
            "created_at": {"help_text": "When the run was requested (UTC)."},
            "started_at": {"help_text": "When a worker started it (UTC)."},
            "finished_at": {"help_text": "When it ended (UTC)."},
        }

    def get_stale(self, run) -> bool:
        from cohorts.services import run_is_stale

        return run_is_stale(run)


class AnalysisRequestSerializer(serializers.Serializer):
    study_code = CodeField(selectors.studies_visible_to, source="study", help_text="The study to analyse.")
    parameters = serializers.DictField(
        required=False, default=dict,
        help_text="Analysis choices to change from their defaults, by name (see a run's `parameters`).",
    )


def _result_of(run: AnalysisRun) -> dict:
    if run.status != RunStatus.SUCCEEDED:
        raise NotReady(f"The run is {run.get_status_display().lower()}; results exist once it has succeeded.")
    document = AnalysisResult.objects.filter(run=run).values_list("document", flat=True).first()
    if document is None:
        raise NotReady("The run has no stored results.")
    return document


def _deidentified(document: dict) -> dict:
    """Aggregates are not identifying; the patient → cohort map is, so its keys become pseudonyms."""
    who = Deidentifier(document.get("study", ""))
    cohort_of = {who.pseudonym(pid): cohort for pid, cohort in document.get("cohort_of", {}).items()}
    return {**document, "cohort_of": cohort_of}


@extend_schema_view(
    list=extend_schema(summary="List analysis runs you may see"),
    retrieve=extend_schema(summary="One analysis run: poll its status and progress"),
    create=extend_schema(summary="Start an analysis run", request=AnalysisRequestSerializer,
                         responses={202: AnalysisRunSerializer}),
)
class AnalysisRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         ScopedViewSet):
    """Analysis runs of studies you see, computed over no site you lack. Investigators and site admins
    start runs; a clinician gets a 403. A run is queued, computed by a worker, and its progress is
    polled here; its results are served once it has succeeded."""

    selector = runs_visible_to
    serializer_class = AnalysisRunSerializer
    permission_classes = (AnalysesToStart,)
    filterset_class = filters.AnalysisRunFilter
    ordering_fields = ("id", "created_at")
    ordering = ("-id",)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("sites")

    def get_serializer_class(self):
        return AnalysisRequestSerializer if self.action == "create" else AnalysisRunSerializer

    def create(self, request, *args, **kwargs):
        from cohorts.services import analysis_request

        serializer = AnalysisRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        run = analysis_request(user=request.user, **serializer.validated_data)
        run = self.get_queryset().get(pk=run.pk)
        location = request.build_absolute_uri(f"{run.pk}/")
        return Response(AnalysisRunSerializer(run).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": location})

    def _document(self) -> dict:
        document = _result_of(self.get_object())
        return _deidentified(document) if access.is_deidentified_only(self.request.user) else document

    @extend_schema(summary="Results as JSON (RESULTS.md document)", responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """The analysis document of a succeeded run (RESULTS.md); 409 while it is not ready."""
        return Response(self._document())

    @extend_schema(summary="Results as CSV", responses=file_response(CSV, "One row per figure (long)."))
    @action(detail=True, methods=["get"], url_path="result/csv", renderer_classes=file_renderers(CSV, "csv"))
    def result_csv(self, request, pk=None):
        """The results as a long CSV table: one row per table row, cohort and figure."""
        document = self._document()
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(result_rows(document))
        return _download(buffer.getvalue().encode(), CSV, f"analysis-{pk}.csv")

    @extend_schema(summary="Results as XLSX", responses=file_response(XLSX, "Workbook: results, cohorts, "
                                                                            "parameters."))
    @action(detail=True, methods=["get"], url_path="result/xlsx", renderer_classes=file_renderers(XLSX, "xlsx"))
    def result_xlsx(self, request, pk=None):
        """The results as an Excel workbook: the long results table, each patient's cohort, the parameters."""
        return _download(result_workbook(self._document()), XLSX, f"analysis-{pk}.xlsx")


def _download(body: bytes, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
