"""The file specs (registry.flatfile.kinds) and the models describe one format: a column's codes, length
limit and number range are the ones the database keeps, so nothing the importer accepts is refused
by the database half way through a load.
"""
import pytest

from registry.flatfile.kinds import EVENT_FILES, FILES, PATIENTS, SITES, SMALL_INT_MAX, STUDY
from registry.models import Site, Study

# Columns of study.csv and sites.csv are named after the file, not the field.
FIELD_OF = {(STUDY, "study_code"): (Study, "code"), (STUDY, "title"): (Study, "title"),
            (STUDY, "population"): (Study, "population"), (STUDY, "index_treatment"): (Study, "index_treatment"),
            (SITES, "site_code"): (Site, "code"), (SITES, "name"): (Site, "name")}


def model_field(spec, column):
    if (spec, column.name) in FIELD_OF:
        model, name = FIELD_OF[spec, column.name]
        return model._meta.get_field(name)
    if column.kind == "ref_patient":
        return PATIENTS.model._meta.get_field("patient_id")
    return spec.model._meta.get_field(column.name)


def columns(*kinds):
    return [pytest.param(spec, column, id=f"{spec.file_name}:{column.name}")
            for spec in FILES for column in spec.columns if column.kind in kinds]


@pytest.mark.parametrize("spec, column", columns("text", "ref_patient"))
def test_a_text_column_is_limited_to_the_length_its_field_keeps(spec, column):
    assert column.max_length == model_field(spec, column).max_length


@pytest.mark.parametrize("spec, column", columns("code"))
def test_a_code_column_accepts_exactly_the_choices_of_its_field(spec, column):
    field = model_field(spec, column)
    assert set(column.codes) == {value for value, _ in field.choices}


@pytest.mark.parametrize("spec, column", columns("int"))
def test_a_whole_number_column_fits_a_small_integer(spec, column):
    assert model_field(spec, column).get_internal_type() == "PositiveSmallIntegerField"
    assert column.at_most == SMALL_INT_MAX


@pytest.mark.parametrize("spec", EVENT_FILES, ids=lambda spec: spec.file_name)
def test_every_column_of_an_event_file_is_a_field_of_its_model(spec):
    names = {field.name for field in spec.model._meta.concrete_fields}
    assert {column.name for column in spec.columns} - {"patient_id"} <= names
