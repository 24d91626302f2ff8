"""The data dictionary: every field of the flat CSV files and the API, its type, unit, codes and labels.

Generated from `registry.flatfile.kinds` (files and columns) and the models (labels, help texts,
choices), so it cannot drift from what the importer accepts. The API serializers take their field
descriptions from `describe_field` here too: one wording in the dictionary and the OpenAPI schema.
"""
from __future__ import annotations

from django.db import models

from registry.flatfile.kinds import FILES, Column, FileSpec
from registry.models import Site, Study

# FORMAT.md puts units in field names; these are the fields whose unit is not in their name.
LAB_UNIT = "the row's `unit`: mg/dL for IGG, IGA, IGM; cells/uL for ANC"
UNITS = {
    "height_cm": "cm",
    "weight_kg": "kg",
    "dose_mg_per_kg": "mg/kg",
    "value": LAB_UNIT,
    "lower_limit_normal": LAB_UNIT,
    "prior_therapy_lines": "lines of therapy",
    "prior_anti_cd20_doses": "doses",
    "cycle_number": "cycle",
}
TYPES = {
    "text": "text", "code": "code", "date": "date (YYYY-MM-DD)", "bool": "boolean (yes/no)",
    "int": "integer", "float": "number", "grade": "CTCAE v5 grade (integer 1-5)",
    "lab_value": "lab value (number, or <N below the detection limit N)",
    "ref_site": "site code (sites.csv)", "ref_patient": "patient ID (patients.csv)",
}
# Fields of study.csv and sites.csv, whose column names differ from their model fields.
HEADER_FIELDS = {("study.csv", "study_code"): (Study, "code"), ("sites.csv", "site_code"): (Site, "code")}
BOOKKEEPING = {"id", "version", "updated_at", "patient", "study", "site", "below_detection", "data_revision",
               "created_at"}


BOOKKEEPING_TEXT = {
    "id": "The record's identifier in the registry.",
    "version": "Version of the record, incremented by every edit; its ETag. Send it in If-Match to edit.",
    "updated_at": "When the record last changed (UTC).",
    "created_at": "When the record was created (UTC).",
}


def describe_field(field: models.Field) -> str:
    """A sentence for one model field: its label, help text and unit."""
    if field.name in BOOKKEEPING_TEXT:
        return BOOKKEEPING_TEXT[field.name]
    text = str(field.verbose_name)
    text = text[:1].upper() + text[1:]
    if field.help_text:
        text += f". {field.help_text}"
    unit = UNITS.get(field.name)
    if unit:
        text += f" Unit: {unit}."
    return text


def codes_of(field: models.Field | None, column: Column | None = None) -> list[dict]:
    """Every code of a field with its label (labels from the model's TextChoices)."""
    labels = {str(code): str(label) for code, label in (field.flatchoices if field is not None else [])}
    codes = column.codes if column is not None and column.codes else tuple(labels)
    return [{"code": code, "label": labels.get(code, code)} for code in codes]


def _model_field(spec: FileSpec, column: Column) -> models.Field | None:
    if (spec.file_name, column.name) in HEADER_FIELDS:
        model, name = HEADER_FIELDS[(spec.file_name, column.name)]
        return model._meta.get_field(name)
    model = {"study.csv": Study, "sites.csv": Site}.get(spec.file_name) or spec.model
    if column.kind == "ref_site":
        return model._meta.get_field("site")
    if column.kind == "ref_patient":
        return None
    try:
        return model._meta.get_field(column.name)
    except Exception:  # noqa: BLE001 — a column without a model field is described by its kind alone
        return None


def _entry(spec: FileSpec, column: Column) -> dict:
    field = _model_field(spec, column)
    if column.kind == "ref_patient":
        description = "The patient's ID in patients.csv (unique within the study)."
    else:
        description = describe_field(field) if field is not None else column.name
    has_codes = column.kind in {"code", "grade"}
    return {
        "file": spec.file_name, "column": column.name, "resource": _resource(spec),
        "type": TYPES[column.kind], "required": column.required, "unit": UNITS.get(column.name, ""),
        "description": description, "codes": codes_of(field, column) if has_codes else [],
    }


def _resource(spec: FileSpec) -> str:
    return spec.model._meta.model_name if spec.model is not None else spec.file_name.removesuffix(".csv")


def _api_only_entries(spec: FileSpec) -> list[dict]:
    """Model fields the API carries that the flat file does not (e.g. `infusion_interrupted`)."""
    if spec.model is None:
        return []
    in_file = {column.name for column in spec.columns}
    entries = []
    for field in spec.model._meta.concrete_fields:
        if field.name in in_file or field.name in BOOKKEEPING:
            continue
        entries.append({
            "file": "", "column": field.name, "resource": _resource(spec),
            "type": TYPES["bool"] if isinstance(field, models.BooleanField) else field.get_internal_type(),
            "required": not field.blank, "unit": UNITS.get(field.name, ""),
            "description": describe_field(field), "codes": codes_of(field) if field.choices else [],
        })
    return entries


def data_dictionary() -> list[dict]:
    """One entry per field, in FORMAT.md's file and column order, API-only fields after their file's."""
    entries = []
    for spec in FILES:
        entries += [_entry(spec, column) for column in spec.columns]
        entries += _api_only_entries(spec)
    return entries


CSV_HEADER = ("file", "column", "resource", "type", "required", "unit", "description", "code", "label")


def dictionary_rows(entries: list[dict]):
    """The dictionary as long CSV rows: one per code, or one per field without codes."""
    yield CSV_HEADER
    for entry in entries:
        base = [entry["file"], entry["column"], entry["resource"], entry["type"],
                "yes" if entry["required"] else "no", entry["unit"], entry["description"]]
        for code in entry["codes"] or [{"code": "", "label": ""}]:
            yield (*base, code["code"], code["label"])
