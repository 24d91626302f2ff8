"""The files of the flat CSV format v1 and how each column maps to a model field.

The order of files is the order of import (parents first); the order of columns is FORMAT.md's and
the export's.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps

from registry import choices
from infections import choices as infection_choices


# Whole-number columns are PositiveSmallIntegerFields: PostgreSQL refuses anything above this.
SMALL_INT_MAX = 32767


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, code, date, bool, int, float, grade, lab_value, ref_site, ref_patient
    required: bool = False
    codes: tuple[str, ...] = ()
    minimum: float | None = None  # numbers must be > minimum (strictly) when set
    at_least: int = 0  # whole numbers lie in at_least..at_most
    at_most: int = SMALL_INT_MAX
    max_length: int | None = None  # text: the model field's max_length (tests/registry check they agree)


@dataclass(frozen=True)
class FileSpec:
    file_name: str
    model_label: str | None  # app_label.Model of the rows; None for study.csv / sites.csv
    columns: tuple[Column, ...]
    order_by: tuple[str, ...] = ()  # export order (after patient_id); id keeps same-day order

    @property
    def model(self):
        return apps.get_model(self.model_label) if self.model_label else None

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _codes(text_choices) -> tuple[str, ...]:
    return tuple(text_choices.values)


PATIENT = Column("patient_id", "ref_patient", required=True, max_length=64)

STUDY = FileSpec("study.csv", None, (
    Column("study_code", "text", required=True, max_length=64),
    Column("title", "text", required=True, max_length=300),
    Column("population", "code", required=True, codes=_codes(choices.Population)),
    Column("index_treatment", "code", required=True, codes=_codes(choices.IndexTreatment)),
))
SITES = FileSpec("sites.csv", None, (
    Column("site_code", "text", required=True, max_length=32),
    Column("name", "text", required=True, max_length=200),
))
PATIENTS = FileSpec("patients.csv", "registry.Patient", (
    Column("patient_id", "text", required=True, max_length=64),
    Column("site_code", "ref_site", required=True),
    Column("sex", "code", required=True, codes=_codes(choices.Sex)),
    Column("birth_date", "date", required=True),
    Column("diagnosis_date", "date", required=True),
    Column("race_ethnicity", "code", codes=_codes(choices.RaceEthnicity)),
    Column("height_cm", "float", minimum=0),
    Column("weight_kg", "float", minimum=0),
    Column("philadelphia_positive", "bool"),
    Column("disease_status", "code", codes=_codes(choices.DiseaseStatus)),
    Column("prior_therapy_lines", "int"),
    Column("prior_hsct", "bool"),
    Column("prior_anti_cd20_doses", "int"),
    Column("multiple_myeloma", "bool"),
    Column("chronic_lymphocytic_leukemia", "bool"),
    Column("mdr_organism", "code", codes=_codes(choices.MDROrganism)),
    Column("high_risk_at_diagnosis", "bool"),
    Column("cns_disease_at_diagnosis", "bool"),
    Column("treatment_protocol", "text", max_length=64),
    Column("last_followup_date", "date"),
    Column("death_date", "date"),
))
COURSES = FileSpec("treatment_courses.csv", "registry.TreatmentCourse", (
    PATIENT,
    Column("kind", "code", required=True, codes=_codes(choices.CourseKind)),
    Column("start_date", "date", required=True),
    Column("end_date", "date"),
    Column("cycle_number", "int", at_least=1),
), order_by=("start_date",))
IVIG_DOSES = FileSpec("ivig_doses.csv", "registry.IVIGDose", (
    PATIENT,
    Column("given_on", "date", required=True),
    Column("dose_mg_per_kg", "float", required=True, minimum=0),
    Column("setting", "code", required=True, codes=_codes(choices.DoseSetting)),
    Column("indication", "code", required=True, codes=_codes(choices.DoseIndication)),
    Column("reaction_grade", "grade"),
    Column("reaction", "text", max_length=200),
), order_by=("given_on",))
LABS = FileSpec("labs.csv", "registry.LabResult", (
    PATIENT,
    Column("collected_on", "date", required=True),
    Column("analyte", "code", required=True, codes=_codes(choices.Analyte)),
    Column("value", "lab_value", required=True),
    Column("unit", "code", required=True, codes=_codes(choices.Unit)),
    Column("lower_limit_normal", "float", minimum=0),
), order_by=("collected_on",))
_FLAGS = ("microbiologically_documented", "bacteremia_or_fungemia", "febrile_neutropenia", "treated_outpatient",
          "antibacterial_change", "antifungal_change", "antiviral_change", "icu_admission", "infection_death")
INFECTIONS = FileSpec("infections.csv", "infections.Infection", (
    PATIENT,
    Column("onset_on", "date", required=True),
    Column("ctcae_grade", "grade"),
    Column("organism_class", "code", required=True, codes=_codes(infection_choices.OrganismClass)),
    Column("organism", "text", max_length=200),
    Column("site", "code", required=True, codes=_codes(infection_choices.InfectionSite)),
    *(Column(flag, "bool") for flag in _FLAGS),
), order_by=("onset_on",))
HOSPITALIZATIONS = FileSpec("hospitalizations.csv", "infections.Hospitalization", (
    PATIENT,
    Column("admitted_on", "date", required=True),
    Column("discharged_on", "date"),
    Column("reason", "code", required=True, codes=_codes(infection_choices.AdmissionReason)),
), order_by=("admitted_on",))
RESPONSES = FileSpec("responses.csv", "registry.ResponseAssessment", (
    PATIENT,
    Column("assessed_on", "date", required=True),
    Column("response", "code", required=True, codes=_codes(choices.Response)),
), order_by=("assessed_on",))

FILES = (STUDY, SITES, PATIENTS, COURSES, IVIG_DOSES, LABS, INFECTIONS, HOSPITALIZATIONS, RESPONSES)
EVENT_FILES = (COURSES, IVIG_DOSES, LABS, INFECTIONS, HOSPITALIZATIONS, RESPONSES)

# Row rules within one record: (file, earlier date, later date, message). A patient's own dates
# follow registry.rules.PATIENT_RULES, as in the services.
ORDERED_DATES = (
    (COURSES, "start_date", "end_date", "end_date is before start_date"),
    (HOSPITALIZATIONS, "admitted_on", "discharged_on", "discharged_on is before admitted_on"),
)


def event_models() -> list:
    """Every model of dated patient records, for rules that look across them."""
    return [spec.model for spec in EVENT_FILES]
