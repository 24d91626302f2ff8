"""The audit history (django-simple-history tables), readable and exportable by investigators and site
admins for their sites: who changed what, when, old → new, and why, permission changes included.

Rows are never written here (STYLE.md, rule 8). A record's site is read from the history itself, so
the history of a removed patient or record stays visible to the people of its site.
"""
from __future__ import annotations

from itertools import batched

import django_filters as filters
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from infections.models import Hospitalization, Infection
from registry.selectors import history_visible_to
from registry.models import (
    IVIGDose, LabResult, Patient, ResponseAssessment, Site, SiteMembership, Study, TreatmentCourse,
)

from .downloads import CSV, file_renderers, file_response, streaming_csv
from .permissions import ReadsAudit
from .viewsets import ScopedViewSet

KINDS = {
    "sites": Site, "memberships": SiteMembership, "studies": Study, "patients": Patient,
    "treatment-courses": TreatmentCourse, "ivig-doses": IVIGDose, "lab-results": LabResult,
    "infections": Infection, "hospitalizations": Hospitalization, "responses": ResponseAssessment,
}
TYPES = {"+": "created", "~": "changed", "-": "deleted"}
UNTRACKED = {"version", "updated_at"}
KIND = OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(KINDS),
                        description="The kind of record whose history is read.")


def with_previous(rows: QuerySet) -> QuerySet:
    """Each row annotated with the history id of the same record's previous row (None for the first)."""
    earlier = rows.model._default_manager.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    return rows.annotate(previous_id=Subquery(earlier.order_by("-history_id").values("history_id")[:1]))


def tracked(model) -> list[tuple[str, str]]:
    """(name, attribute) of every audited field; a relation's value is the related row's id."""
    return [(f.name, f.attname) for f in model.history.model.tracked_fields
            if f.name not in UNTRACKED and not f.primary_key]


def changes(row, previous, fields: list[tuple[str, str]]) -> list[dict]:
    """Field, old and new value of every field the change touched (every field of a creation or removal)."""
    found = []
    for name, attribute in fields:
        if row.history_type == "-":
            old, new = getattr(row, attribute), None
        else:
            old = getattr(previous, attribute) if previous is not None else None
            new = getattr(row, attribute)
        if old != new:
            found.append({"field": name, "old": old, "new": new})
    return found


def previous_rows(model, rows) -> dict:
    wanted = [row.previous_id for row in rows if row.previous_id]
    return {h.history_id: h for h in model.history.filter(history_id__in=wanted)}


def entries(model, kind: str, rows) -> list[dict]:
    """The entries of one page of history rows, their previous rows fetched in one query."""
    previous = previous_rows(model, rows)
    fields = tracked(model)
    return [{
        "history_id": row.history_id, "kind": kind, "record_id": row.id, "when": row.history_date,
        "who": row.history_user.username if row.history_user else None, "type": TYPES[row.history_type],
        "reason": row.history_change_reason or "",
        "changes": changes(row, previous.get(row.previous_id), fields),
    } for row in rows]


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field changed.")
    old = serializers.JSONField(help_text="Its value before (null for a creation).")
    new = serializers.JSONField(help_text="Its value after (null for a removal).")


class AuditEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField(help_text="Identifier of the history row.")
    kind = serializers.CharField(help_text="The kind of record.")
    record_id = serializers.IntegerField(help_text="Registry id of the record.")
    when = serializers.DateTimeField(help_text="When the change was saved (UTC).")
    who = serializers.CharField(allow_null=True, help_text="Who made it (null: the command line).")
    type = serializers.ChoiceField(choices=list(TYPES.values()), help_text="created, changed or deleted.")
    reason = serializers.CharField(help_text="The reason given with the change.")
    changes = ChangeSerializer(many=True, help_text="Every field the change touched, old → new.")


class AuditFilter(filters.FilterSet):
    record = filters.NumberFilter(field_name="id", help_text="Only the history of this record id.")
    since = filters.IsoDateTimeFilter(field_name="history_date", lookup_expr="gte", help_text="Changes from (UTC).")
    until = filters.IsoDateTimeFilter(field_name="history_date", lookup_expr="lte", help_text="Changes up to (UTC).")
    type = filters.ChoiceFilter(field_name="history_type", choices=[(k, v) for k, v in TYPES.items()],
                                help_text="+ created, ~ changed, - deleted.")
    user = filters.CharFilter(field_name="history_user__username", help_text="Changes by this username.")


@extend_schema_view(list=extend_schema(summary="Audit history of one kind of record", parameters=[KIND]))
class AuditViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Who changed what, when, from which value to which, and why, newest first; for investigators and
    site admins, limited to their sites. `memberships` holds the permission changes."""

    serializer_class = AuditEntrySerializer
    permission_classes = (ReadsAudit,)
    filterset_class = AuditFilter
    ordering = ("-history_id",)
    ordering_fields = ("history_id",)

    @property
    def model(self):
        model = KINDS.get(self.kwargs.get("kind", ""))
        if model is None:
            raise Http404
        return model

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patient.history.none()
        return with_previous(history_visible_to(self.request.user, self.model))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = AuditEntrySerializer(entries(self.model, self.kwargs["kind"], page), many=True).data
        return self.get_paginated_response(data)

    @extend_schema(summary="Audit history as CSV", parameters=[KIND],
                   responses=file_response(CSV, "One row per changed field, oldest first."))
    @action(detail=False, methods=["get"], url_path="csv", renderer_classes=file_renderers(CSV, "csv"),
            pagination_class=None)
    def export(self, request, *args, **kwargs):
        """The same history as CSV, one row per changed field (streamed, oldest first)."""
        rows = self.filter_queryset(self.get_queryset()).order_by("history_id")
        return streaming_csv(audit_csv_rows(self.model, self.kwargs["kind"], rows), f"audit-{kwargs['kind']}.csv")


CSV_HEADER = ("history_id", "kind", "record_id", "when", "who", "type", "reason", "field", "old", "new")


def audit_csv_rows(model, kind: str, rows: QuerySet):
    yield CSV_HEADER
    for chunk in batched(rows.iterator(chunk_size=2_000), 2_000):
        for entry in entries(model, kind, chunk):
            base = (entry["history_id"], kind, entry["record_id"], entry["when"].isoformat(), entry["who"] or "",
                    entry["type"], entry["reason"])
            for change in entry["changes"] or [{"field": "", "old": None, "new": None}]:
                yield (*base, change["field"], _text(change["old"]), _text(change["new"]))


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
