"""Endpoints of patients and their records: treatment courses, IVIG doses, lab results, responses.

Every queryset comes from the model's scoping function in `registry.selectors`; every write goes
through `registry.services`.
"""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from registry import selectors
from registry.models import IVIGDose, LabResult, ResponseAssessment, TreatmentCourse
from registry.services import patient_register, patient_update

from . import filters, serializers
from .concurrency import version_etag
from .patient_detail import DocumentRenderer, patient_document
from .viewsets import RecordViewSet, VersionedViewSet


@extend_schema_view(
    list=extend_schema(summary="List patients of your sites"),
    retrieve=extend_schema(summary="One patient with every record", description=(
        "The patient and all their records. The `ETag` header is the patient's version; send it back "
        "in `If-Match` to edit or remove the patient.")),
    create=extend_schema(summary="Register a patient", request=serializers.PatientSerializer),
    update=extend_schema(summary="Edit a patient"),
    partial_update=extend_schema(summary="Edit some fields of a patient"),
    destroy=extend_schema(summary="Remove a patient and their records (a reason is required)"),
)
class PatientViewSet(VersionedViewSet):
    """Patients of the caller's sites. Another site's patient is a 404."""

    selector = selectors.patients_visible_to
    serializer_class = serializers.PatientSerializer
    update_serializer_class = serializers.PatientUpdateSerializer
    filterset_class = filters.PatientFilter
    ordering_fields = ("id", "patient_id", "diagnosis_date", "birth_date", "updated_at")

    def retrieve(self, request, *args, **kwargs):
        # Read from rows into PatientDetailSerializer's document (patient_detail): through the
        # serializer, a patient with sixty records cost eight times the CPU.
        document = patient_document(request.user, kwargs[self.lookup_url_kwarg or self.lookup_field])
        if document is None:
            raise Http404
        return Response(document, headers={"ETag": version_etag(document["version"])})

    def get_renderers(self):
        if self.action == "retrieve":
            return [DocumentRenderer() if type(renderer) is JSONRenderer else renderer
                    for renderer in super().get_renderers()]
        return super().get_renderers()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PatientDetailSerializer
        return super().get_serializer_class()

    def perform_add(self, data: dict, reason: str):
        study, site = data.pop("study"), data.pop("site")
        return patient_register(user=self.request.user, study=study, site=site, data=data, reason=reason)

    def perform_edit(self, instance, data: dict, version: int, reason: str):
        return patient_update(user=self.request.user, patient=instance, data=data, expected_version=version,
                              reason=reason)


def _summaries(noun: str, plural: str) -> dict:
    return {
        "list": extend_schema(summary=f"List {plural} of your sites' patients"),
        "retrieve": extend_schema(summary=f"One {noun}", description=(
            f"The {noun}; the `ETag` header is its version, to send back in `If-Match` when editing.")),
        "create": extend_schema(summary=f"Record a {noun}"),
        "update": extend_schema(summary=f"Edit a {noun}"),
        "partial_update": extend_schema(summary=f"Edit some fields of a {noun}"),
        "destroy": extend_schema(summary=f"Remove a {noun} (a reason is required)"),
    }


def record_viewset(model, serializer, filterset, selector, date_field: str, noun: str, plural: str):
    """The endpoint of one record kind: scoped by `selector`, written by the clinical-record services."""
    attributes = {
        "__doc__": f"{plural.capitalize()} of the patients of the caller's sites. Another site's {noun} is a 404; "
                   "investigators read, clinicians and site admins write.",
        "__module__": __name__,
        "model": model,
        "selector": staticmethod(selector),
        "serializer_class": serializer,
        "update_serializer_class": serializers.update_serializer(serializer),
        "filterset_class": filterset,
        "ordering_fields": ("id", date_field, "updated_at"),
    }
    viewset = type(f"{model.__name__}ViewSet", (RecordViewSet,), attributes)
    return extend_schema_view(**_summaries(noun, plural))(viewset)


TreatmentCourseViewSet = record_viewset(
    TreatmentCourse, serializers.TreatmentCourseSerializer, filters.TreatmentCourseFilter,
    selectors.courses_visible_to, "start_date", "treatment course", "treatment courses")
IVIGDoseViewSet = record_viewset(
    IVIGDose, serializers.IVIGDoseSerializer, filters.IVIGDoseFilter, selectors.ivig_doses_visible_to,
    "given_on", "IVIG dose", "IVIG doses")
LabResultViewSet = record_viewset(
    LabResult, serializers.LabResultSerializer, filters.LabResultFilter, selectors.lab_results_visible_to,
    "collected_on", "lab result", "lab results")
ResponseAssessmentViewSet = record_viewset(
    ResponseAssessment, serializers.ResponseAssessmentSerializer, filters.ResponseAssessmentFilter,
    selectors.responses_visible_to, "assessed_on", "response assessment", "response assessments")
