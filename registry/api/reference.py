"""Read-only endpoints of sites, studies and import batches."""
from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins

from registry import access, selectors
from registry.models import Patient

from . import filters, serializers
from .viewsets import ScopedViewSet


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The code.")


@extend_schema_view(list=extend_schema(summary="Your sites"),
                    retrieve=extend_schema(summary="One site", parameters=[CODE]))
class SiteViewSet(ReadOnlyViewSet):
    """The medical centres where you hold a role. Looked up by code."""

    selector = selectors.sites_visible_to
    serializer_class = serializers.SiteSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_fields = ()
    ordering_fields = ("id", "code")


@extend_schema_view(list=extend_schema(summary="Studies with patients at your sites"),
                    retrieve=extend_schema(summary="One study", parameters=[CODE]))
class StudyViewSet(ReadOnlyViewSet):
    """Studies with patients at your sites, with the number of those patients. Looked up by code;
    exports, long tables and per-patient endpoints hang below a study (`/studies/{code}/export/`, ...)."""

    selector = selectors.studies_visible_to
    serializer_class = serializers.StudySerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_fields = ("population", "index_treatment")
    ordering_fields = ("id", "code", "created_at")

    def get_queryset(self):
        site_ids = access.site_ids_where(self.request.user)
        counts = (Patient.objects.filter(study=OuterRef("pk"), site_id__in=site_ids).order_by()
                  .values("study").annotate(n=Count("id")).values("n"))
        return super().get_queryset().annotate(
            patient_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


@extend_schema_view(list=extend_schema(summary="Imports of studies you see"),
                    retrieve=extend_schema(summary="One import batch"))
class ImportBatchViewSet(ReadOnlyViewSet):
    """Who imported which study files, when (read-only; the history rows of imported records cite the
    batch as their reason)."""

    selector = selectors.imports_visible_to
    serializer_class = serializers.ImportBatchSerializer
    filterset_class = filters.ImportBatchFilter
    ordering_fields = ("id", "imported_at")

    def get_queryset(self):
        return super().get_queryset().select_related("study", "imported_by")
