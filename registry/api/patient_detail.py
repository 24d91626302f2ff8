"""The patient detail (`GET /api/patients/<pk>/`): the patient and every record, read from rows straight
into the document `PatientDetailSerializer` describes.

The serializers stay the schema (drf-spectacular documents the detail from them) and the write path;
this module only reads. Through them a detail cost 12 ms of CPU, most of it the ORM compiling ten
queries and DRF rendering some sixty records field by field; here it is seven prepared reads in one
round trip (`registry.prepared`) and a dict per row. Fields, their order and their columns come from the
serializers, and a test holds the two documents equal (tests/api/test_patient_detail.py). A program's
plain read of the detail is answered with the same document built by PostgreSQL (`plain_read`).
"""
from __future__ import annotations

from functools import cache
from operator import itemgetter

import orjson
from django.utils import timezone
from rest_framework import fields as drf
from rest_framework.relations import PrimaryKeyRelatedField, SlugRelatedField
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import ListSerializer
from rest_framework.utils.encoders import JSONEncoder

from infections.models import Hospitalization, Infection
from registry import selectors
from registry.models import IVIGDose, LabResult, Patient, ResponseAssessment, TreatmentCourse, lab_value_text
from registry.prepared import PreparedRead, read_together

from .serializers import PatientDetailSerializer

# Each kind of record by its date, then id, as a timeline reads: not by the models' default order,
# which starts with the patient and so joins patient and study.
LISTED_BY = {TreatmentCourse: "start_date", IVIGDose: "given_on", LabResult: "collected_on",
             Infection: "onset_on", Hospitalization: "admitted_on", ResponseAssessment: "assessed_on"}
# Fields every record repeats from its patient (RecordSerializer): the patient's, not joined per row.
FROM_PATIENT = {"patient": "id", "patient_id": "patient_id", "study_code": "study_code", "site_code": "site_code"}
# LabResultSerializer's computed fields (LabValueField, a SerializerMethodField), and their columns.
LAB_COMPUTED = ("value", "days_since_last_ivig")
LAB_INPUTS = ("value", "below_detection", "collected_on", "last_ivig_on")
# Fields whose representation is the column's value as read (a ChoiceField's is its code; a date is
# written in ISO 8601 by the JSON renderer, as DRF writes it); datetimes are converted as DRF does.
AS_READ = (drf.IntegerField, drf.FloatField, drf.BooleanField, drf.CharField, drf.ChoiceField, drf.DateField,
           PrimaryKeyRelatedField, SlugRelatedField)
NO_PATIENT = -1  # the placeholder of the prepared reads: no patient has this id

def patient_document(user, pk) -> dict | None:
    """The detail of patient `pk`, or None when `user` may not read it (another site's patient is a 404)."""
    number = registry_id(pk)
    if number is None:
        return None
    patient, records = shapes()
    # The patient and their records in one round trip; the records are dropped unread when the
    # patient is not the user's to see.
    rows, *record_rows = read_together(*((shape.read, (number,)) for shape in (patient, *records.values())))
    if not rows or not selectors.patient_site_visible_to(user, rows[0][patient.read.columns.index("site_id")]):
        return None
    zone = timezone.get_current_timezone()
    document = patient.documents(rows, (), zone)[0]
    shared = tuple(document[name] for name in FROM_PATIENT.values())
    for (name, shape), rows_of_kind in zip(records.items(), record_rows, strict=True):
        document[name] = shape.documents(rows_of_kind, shared, zone)
    return document


def registry_id(pk) -> int | None:
    """The URL's id as a patient id; None for text, or for a number no bigint column holds (a 404)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@cache
def shapes() -> tuple[Shape, dict[str, Shape]]:
    """The shapes of the patient and of each nested list of PatientDetailSerializer, built on first use."""
    detail = PatientDetailSerializer()
    nested = {name: field for name, field in detail.fields.items() if isinstance(field, ListSerializer)}
    patient = Shape(detail, lambda pk: Patient.objects.filter(pk=pk).order_by(), skip=nested, extra=("site_id",))
    return patient, {name: _record_shape(field.child) for name, field in nested.items()}


def _record_shape(serializer) -> Shape:
    model = serializer.Meta.model
    ordering = (LISTED_BY[model], "id")
    if model is LabResult:
        labs = selectors.with_last_ivig_dose(LabResult.objects)
        return Shape(serializer, lambda pk: labs.filter(patient_id=pk).order_by(*ordering),
                     shared=tuple(FROM_PATIENT), computed=LAB_COMPUTED, extra=LAB_INPUTS, ordering=ordering)
    return Shape(serializer, lambda pk: model.objects.filter(patient_id=pk).order_by(*ordering),
                 shared=tuple(FROM_PATIENT), ordering=ordering)


class Shape:
    """The rows of one model as one serializer's dicts. A field is the value of a column of the row, a
    value `shared` by every row (their patient's), or one of LAB_COMPUTED, from the LAB_INPUTS columns.
    `registry.api.plain_read` writes the same dicts as SQL."""

    def __init__(self, serializer, rows_of, *, skip=(), shared=(), computed=(), extra=(), ordering=()):
        fields = {name: field for name, field in serializer.fields.items() if name not in skip}
        plain = {name: _column(field) for name, field in fields.items() if name not in (*shared, *computed)}
        wanted = [*dict.fromkeys([*plain.values(), *extra, *ordering])]
        self.read = PreparedRead(lambda pk: rows_of(pk).values_list(*wanted), NO_PATIENT)
        self.fields, self.plain, self.shared, self.computed, self.ordering = fields, plain, shared, computed, ordering
        # Positions in a row followed by the shared values and a None, which computed fields hold
        # until they are computed.
        sources = [*self.read.columns, *shared, None]
        self.names = tuple(fields)
        self.pick = itemgetter(*(sources.index(plain.get(name, name)) if name not in computed else len(sources) - 1
                                 for name in fields))
        self.datetimes = [name for name, field in fields.items() if isinstance(field, drf.DateTimeField)]
        self.lab_inputs = itemgetter(*map(self.read.columns.index, LAB_INPUTS)) if computed else None

    def documents(self, rows, shared: tuple, zone) -> list[dict]:
        end = (*shared, None)
        documents = []
        for row in rows:
            document = dict(zip(self.names, self.pick(row + end)))
            for name in self.datetimes:
                document[name] = _datetime_text(document[name], zone)
            if self.lab_inputs:
                # LabValueField and LabResultSerializer.get_days_since_last_ivig.
                value, below_detection, collected_on, last_ivig_on = self.lab_inputs(row)
                document["value"] = lab_value_text(value, below_detection)
                document["days_since_last_ivig"] = selectors.days_since_last_ivig(collected_on, last_ivig_on)
            documents.append(document)
        return documents


def _datetime_text(value, zone) -> str | None:
    """DRF's DateTimeField in ISO 8601: in the current time zone, UTC written `Z`."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _column(field) -> str:
    """The `values_list` name of the column a plain serializer field shows."""
    if not isinstance(field, (*AS_READ, drf.DateTimeField)) or not field.source_attrs:
        raise TypeError(f"{field.field_name} is not a column's value: compute it as LAB_COMPUTED are.")
    return "__".join([*field.source_attrs, *([field.slug_field] if isinstance(field, SlugRelatedField) else [])])


class DocumentRenderer(JSONRenderer):
    """DRF's JSON of a document of plain values, written by orjson: json's encoder took 0.2 ms for a
    detail's 20 kB, orjson 0.015.

    What orjson does not know (lazy translations of error messages) goes to DRF's encoder, and a
    pretty-printing request (`application/json; indent=4`) to DRF's renderer."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF's renderer: JSON that is also JavaScript (U+2028 and U+2029 escaped).
        return javascript_safe(orjson.dumps(data, default=JSONEncoder().default))


def javascript_safe(body: bytes) -> bytes:
    # As DRF's renderer: JSON that is also JavaScript (U+2028 and U+2029 escaped).
    return body.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
