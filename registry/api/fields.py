"""Serializer building blocks: documented model fields, the `<N` lab value, scoped relations."""
from __future__ import annotations

import copy
import re
from operator import attrgetter

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

from registry.selectors import patients_visible_to

from .dictionary import describe_field

# FORMAT.md, labs.csv: "a number, or `<N` for a result below the detection limit N".
LAB_VALUE_SHAPE = r"^<?\s*[0-9]+(\.[0-9]+)?$"
LAB_VALUE = re.compile(LAB_VALUE_SHAPE)


class DescribedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose fields carry the data dictionary's description (label, unit, codes).

    Its fields are built from the model once per class and copied for each use: DRF rebuilds them for
    every serializer instance, which was a third of the time of a patient detail with its records.
    """

    def get_fields(self):
        prototype = type(self).__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()
            type(self)._prototype_fields = prototype
        return copy.deepcopy(prototype)

    def to_representation(self, instance):
        """DRF's to_representation, minus its per-field overhead: a record of a patient detail is
        rendered ~70 times per request. Attributes are read with one `attrgetter` each; a missing
        relation (None on the way) falls back to the field's own `get_attribute`, as DRF does."""
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self._readers = [_reader(field) for field in self._readable_fields]
        ret = {}
        for name, read, field in readers:
            try:
                attribute = read(instance)
            except (AttributeError, KeyError):
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
            if isinstance(attribute, PKOnlyObject):
                attribute = attribute if attribute.pk is not None else None
            ret[name] = None if attribute is None else field.to_representation(attribute)
        return ret

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        text = describe_field(model_field)
        if model_field.choices:
            text += " Codes: " + "; ".join(f"{code} = {label}" for code, label in model_field.flatchoices) + "."
        kwargs["help_text"] = text
        return field_class, kwargs


def _reader(field) -> tuple:
    """(name, attribute reader, field) of one readable field: an `attrgetter` where the field reads
    its attribute the default way; the field's own `get_attribute` where it has one (relations)."""
    if type(field).get_attribute is not Field.get_attribute or any(
            a.startswith("get_") for a in field.source_attrs):
        return field.field_name, field.get_attribute, field
    if not field.source_attrs:
        return field.field_name, (lambda instance: instance), field  # source="*"
    return field.field_name, attrgetter(".".join(field.source_attrs)), field


@extend_schema_field({"type": "string", "pattern": LAB_VALUE_SHAPE, "example": "<5"})
class LabValueField(serializers.Field):
    """A lab value as FORMAT.md writes it: `"12.5"`, or `"<5"` for a result below the detection limit 5."""

    default_error_messages = {
        "invalid": "Enter a positive number, or <N for a result below the detection limit N (e.g. <5).",
    }

    def __init__(self, **kwargs):
        kwargs["source"] = "*"  # reads `display_value`, writes both `value` and `below_detection`
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> dict:
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        text = str(data).strip()
        if not LAB_VALUE.fullmatch(text):
            self.fail("invalid")
        number = float(text.lstrip("<").strip())
        if not number > 0 or number == float("inf"):
            self.fail("invalid")
        return {"value": number, "below_detection": text.startswith("<")}

    def to_representation(self, instance) -> str:
        return instance.display_value


class VisiblePatientField(serializers.PrimaryKeyRelatedField):
    """A patient of the caller's sites, by registry id; another site's patient does not exist here."""

    def get_queryset(self):
        return patients_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.STR)
class CodeField(serializers.SlugRelatedField):
    """A related study or site named by its code, from a queryset chosen per request."""

    def __init__(self, queryset_of=None, **kwargs):
        self.queryset_of = queryset_of
        kwargs.setdefault("slug_field", "code")
        if queryset_of is None:
            kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.queryset_of(self.context["request"].user)
