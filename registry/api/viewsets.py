"""The generic clinical-record endpoint: scoped reads, writes through the services, ETag / If-Match.

Each view is thin (STYLE.md, rule 3): parse with the serializer → scoped lookup (another site's record
is a 404) → service → render. No ORM write happens here.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from registry.services import clinical_record_add, clinical_record_remove, clinical_record_update

from .concurrency import CHANGE_REASON, DELETE_REASON, IF_MATCH, change_reason, etag_of, expected_version
from .errors import envelope
from .permissions import EntersDataToWrite, ReadsIdentifiedData


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose queryset is always `selector(user)`, the model's one scoping function."""

    selector = None  # callable(user) -> QuerySet, from registry/infections selectors
    ordering = ("id",)

    def get_queryset(self):
        return type(self).selector(self.request.user)

    def filter_queryset(self, queryset):
        # Filters and ordering choose the rows of a list; a record is looked up by its id alone, and
        # building the filter set for it cost a tenth of a patient detail.
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)


class VersionedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Read, create, edit and remove versioned clinical rows."""

    permission_classes = (ReadsIdentifiedData, EntersDataToWrite)
    update_serializer_class = None
    http_method_names = ("get", "post", "put", "patch", "delete", "head", "options")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class
        return self.serializer_class

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response(self.get_serializer(instance).data, headers={"ETag": etag_of(instance)})

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_add(serializer.validated_data, change_reason(request))
        output = self.get_serializer(instance)
        return Response(output.data, status=status.HTTP_201_CREATED, headers={"ETag": etag_of(instance)})

    @extend_schema(parameters=[IF_MATCH, CHANGE_REASON])
    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        version = expected_version(request, instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_edit(instance, serializer.validated_data, version, change_reason(request))
        return Response(self.get_serializer(instance).data, headers={"ETag": etag_of(instance)})

    @extend_schema(parameters=[IF_MATCH, CHANGE_REASON])
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(parameters=[IF_MATCH, CHANGE_REASON, DELETE_REASON], responses={204: None})
    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        version = expected_version(request, instance)
        reason = change_reason(request)
        if not reason:
            body = envelope("invalid", "Say why the record is removed.", {"reason": ["This field is required."]})
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        clinical_record_remove(user=request.user, record=instance, expected_version=version, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_add(self, data: dict, reason: str):
        raise NotImplementedError

    def perform_edit(self, instance, data: dict, version: int, reason: str):
        raise NotImplementedError


class RecordViewSet(VersionedViewSet):
    """Records of a patient: courses, IVIG doses, labs, infections, hospitalizations, responses."""

    model = None

    def perform_add(self, data: dict, reason: str):
        patient = data.pop("patient")
        return clinical_record_add(user=self.request.user, patient=patient, model=self.model, data=data,
                                   reason=reason)

    def perform_edit(self, instance, data: dict, version: int, reason: str):
        return clinical_record_update(user=self.request.user, record=instance, data=data,
                                      expected_version=version, reason=reason)

