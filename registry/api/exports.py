"""Exports: a study as a flat CSV v1 zip (or its de-identified profile) and the data dictionary.

Every export is limited to the caller's sites, and a user whose membership says `deidentified_only`
always receives the de-identified profile (`registry.deidentify`), whatever URL they call.
"""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import access, selectors
from registry.deidentify import deidentify_folder
from registry.flatfile.services import study_export
from registry.models import Study

from .dictionary import data_dictionary, dictionary_rows
from .downloads import CSV, ZIP, file_renderers, file_response, streaming_csv

STUDY_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Study code.")


def visible_study(request, code: str) -> Study:
    return get_object_or_404(selectors.studies_visible_to(request.user), code=code)


def export_archive(study: Study, user, *, deidentified: bool):
    """A temporary file holding the zip of `study` at the user's sites; deleted when closed."""
    archive = tempfile.TemporaryFile()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "flat"
        study_export(user=user, study=study, folder=folder)
        if deidentified:
            deidentify_folder(folder, Path(scratch) / "deidentified", study.code)
            folder = Path(scratch) / "deidentified"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(folder.iterdir()):
                bundle.write(path, arcname=path.name)
    archive.seek(0)
    return archive


class StudyExportView(APIView):
    """The study as a flat CSV v1 zip (FORMAT.md), the same files `import_study` reads, limited to your
    sites. Users limited to de-identified data receive the de-identified profile instead."""

    renderer_classes = file_renderers(ZIP, "zip")
    deidentified = False

    @extend_schema(parameters=[STUDY_CODE], responses=file_response(ZIP, "Zip of the study's CSV files."),
                   summary="Export a study (flat CSV v1 zip)")
    def get(self, request, code: str):
        study = visible_study(request, code)
        deidentified = self.deidentified or access.is_deidentified_only(request.user)
        archive = export_archive(study, request.user, deidentified=deidentified)
        suffix = "deidentified" if deidentified else "flat-csv-v1"
        return FileResponse(archive, as_attachment=True, filename=f"{study.code}-{suffix}.zip", content_type=ZIP)


class DeidentifiedStudyExportView(StudyExportView):
    """The study in the de-identified profile: pseudonymous IDs, dates shifted per patient, ages instead
    of birth dates, no free text (see DEIDENTIFIED.txt inside the zip)."""

    deidentified = True

    @extend_schema(parameters=[STUDY_CODE], summary="Export a study, de-identified",
                   responses=file_response(ZIP, "Zip of the de-identified CSV files and DEIDENTIFIED.txt."))
    def get(self, request, code: str):
        return super().get(request, code)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The code as written in the files and the API.")
    label = serializers.CharField(help_text="What the code means.")


class DictionaryEntrySerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The flat CSV file of the field (empty: API only).")
    column = serializers.CharField(help_text="The column, which is also the API field name.")
    resource = serializers.CharField(help_text="The record kind (model) the field belongs to.")
    type = serializers.CharField(help_text="The value type.")
    required = serializers.BooleanField(help_text="The value may not be empty.")
    unit = serializers.CharField(help_text="The unit of a measurement, when it is not in the field name.")
    description = serializers.CharField(help_text="Label and explanation of the field.")
    codes = CodeSerializer(many=True, help_text="Every allowed code with its label (coded fields).")


class DictionarySerializer(serializers.Serializer):
    format = serializers.CharField(help_text="The interchange format described.")
    entries = DictionaryEntrySerializer(many=True, help_text="One entry per field.")


class DictionaryView(APIView):
    """The data dictionary: every field of every file and resource, its type, unit, codes and labels."""

    @extend_schema(summary="Data dictionary (JSON)", responses=DictionarySerializer)
    def get(self, request):
        return Response({"format": "flat CSV v1", "entries": data_dictionary()})


class DictionaryCSVView(APIView):
    """The data dictionary as CSV, one row per code (fields without codes: one row)."""

    renderer_classes = file_renderers(CSV, "csv")

    @extend_schema(summary="Data dictionary (CSV)", responses=file_response(CSV, "One row per field and code."))
    def get(self, request):
        return streaming_csv(dictionary_rows(data_dictionary()), "data-dictionary.csv")
