"""Serializers of sites, studies, patients and their clinical records.

Writable fields are listed one by one (STYLE.md, rule 4): `site`, `created_by` and `version` are never
writable, and a record's patient is chosen once, at creation. Shape is checked here; rules of one row
and across records are checked by the services, which every write goes through.
"""
from __future__ import annotations

from rest_framework import serializers

from infections.models import Hospitalization, Infection
from registry import access
from registry.choices import UNIT_OF_ANALYTE
from registry.models import (
    ImportBatch, IVIGDose, LabResult, Patient, ResponseAssessment, Site, Study, TreatmentCourse,
)
from registry.selectors import days_since_last_ivig

from .fields import CodeField, DescribedModelSerializer, LabValueField, VisiblePatientField

RECORD_FIELDS = ("id", "patient", "patient_id", "study_code", "site_code", "version", "updated_at")
READ_ONLY = ("version", "updated_at")


class SiteSerializer(DescribedModelSerializer):
    class Meta:
        model = Site
        fields = ("id", "code", "name")
        read_only_fields = fields


class StudySerializer(DescribedModelSerializer):
    patient_count = serializers.IntegerField(read_only=True, help_text="Patients of this study at your sites.")

    class Meta:
        model = Study
        fields = ("id", "code", "title", "population", "index_treatment", "data_revision", "created_at",
                  "patient_count")
        read_only_fields = fields
        extra_kwargs = {"data_revision": {"help_text": "Incremented by every change to the study's records; "
                                                       "an analysis run of an older revision is stale."}}


class ImportBatchSerializer(DescribedModelSerializer):
    study_code = serializers.CharField(source="study.code", read_only=True, help_text="The imported study.")
    imported_by = serializers.CharField(source="imported_by.username", read_only=True, allow_null=True,
                                        help_text="Who imported it (empty for the command line).")

    class Meta:
        model = ImportBatch
        fields = ("id", "study_code", "imported_by", "imported_at", "replaced", "file_sha256", "row_counts")
        read_only_fields = fields
        extra_kwargs = {
            "imported_at": {"help_text": "When the import ran (UTC)."},
            "replaced": {"help_text": "The import replaced the study's earlier records."},
            "file_sha256": {"help_text": "SHA-256 of each imported file, by file name."},
            "row_counts": {"help_text": "Data rows of each imported file, by file name."},
        }


def _data_entry_sites(user):
    return Site.objects.filter(id__in=access.site_ids_where(user, access.ENTERS_DATA))


def _any_study(user):
    # A study is shared by its sites; a clinician registers the first patient of their site in it.
    return Study.objects.all()


class PatientSerializer(DescribedModelSerializer):
    study_code = CodeField(_any_study, source="study", help_text="The study's code (set at registration).")
    site_code = CodeField(
        _data_entry_sites, source="site", required=False,
        help_text="The patient's site (set at registration); may be omitted when you enter data at one site.",
    )

    class Meta:
        model = Patient
        fields = ("id", "study_code", "site_code", "patient_id", "sex", "birth_date", "diagnosis_date",
                  "race_ethnicity", "height_cm", "weight_kg", "philadelphia_positive", "disease_status",
                  "prior_therapy_lines", "prior_hsct", "prior_anti_cd20_doses", "multiple_myeloma",
                  "chronic_lymphocytic_leukemia", "mdr_organism", "high_risk_at_diagnosis",
                  "cns_disease_at_diagnosis", "treatment_protocol", "last_followup_date", "death_date",
                  "version", "updated_at")
        read_only_fields = READ_ONLY
        validators = []  # one patient ID per study is checked by the service, with the same message

    def validate(self, attrs):
        if self.instance is None and "site" not in attrs:
            sites = list(_data_entry_sites(self.context["request"].user)[:2])
            if len(sites) != 1:
                raise serializers.ValidationError({"site_code": ["Say at which of your sites the patient is."]})
            attrs["site"] = sites[0]
        return attrs


class PatientUpdateSerializer(PatientSerializer):
    study_code = CodeField(source="study", help_text="The study's code.")
    site_code = CodeField(source="site", help_text="The patient's site.")


class RecordSerializer(DescribedModelSerializer):
    """Fields every patient record shares: its patient, study and site, and its version."""

    patient = VisiblePatientField(help_text="Registry id of the patient (one of your sites' patients).")
    patient_id = serializers.CharField(source="patient.patient_id", read_only=True,
                                       help_text="The patient's ID within the study.")
    study_code = serializers.CharField(source="patient.study.code", read_only=True, help_text="The study's code.")
    site_code = serializers.CharField(source="patient.site.code", read_only=True, help_text="The patient's site.")


class TreatmentCourseSerializer(RecordSerializer):
    class Meta:
        model = TreatmentCourse
        fields = (*RECORD_FIELDS, "kind", "start_date", "end_date", "cycle_number")
        read_only_fields = READ_ONLY


class IVIGDoseSerializer(RecordSerializer):
    class Meta:
        model = IVIGDose
        fields = (*RECORD_FIELDS, "given_on", "dose_mg_per_kg", "setting", "indication", "reaction_grade",
                  "reaction", "infusion_interrupted")
        read_only_fields = READ_ONLY


class LabResultSerializer(RecordSerializer):
    value = LabValueField(help_text='The result as written in labs.csv: "12.5", or "<5" below the detection '
                                    "limit 5. Unit: the row's `unit`.")
    value_number = serializers.FloatField(source="value", read_only=True,
                                          help_text="The number, or the detection limit N of a `<N` result.")
    days_since_last_ivig = serializers.SerializerMethodField(
        help_text="Days from the patient's last IVIG dose before the collection day (null: none before). "
                  "Results soon after a dose reflect the infused IgG, not the patient's own.")

    class Meta:
        model = LabResult
        fields = (*RECORD_FIELDS, "collected_on", "analyte", "value", "value_number", "below_detection", "unit",
                  "lower_limit_normal", "days_since_last_ivig")
        read_only_fields = (*READ_ONLY, "below_detection")
        # The unit follows from the analyte (FORMAT.md); a client may send it, but only the right one.
        extra_kwargs = {"unit": {"required": False}}

    def get_days_since_last_ivig(self, lab) -> int | None:
        return days_since_last_ivig(lab.collected_on, getattr(lab, "last_ivig_on", None))

    def validate(self, attrs):
        analyte = attrs.get("analyte") or getattr(self.instance, "analyte", None)
        expected = UNIT_OF_ANALYTE.get(analyte)
        if "unit" in attrs and expected and attrs["unit"] != expected:
            raise serializers.ValidationError({"unit": [f"{analyte} is reported in {expected}."]})
        if expected and ("analyte" in attrs or self.instance is None):
            attrs["unit"] = expected
        return attrs


class ResponseAssessmentSerializer(RecordSerializer):
    class Meta:
        model = ResponseAssessment
        fields = (*RECORD_FIELDS, "assessed_on", "response")
        read_only_fields = READ_ONLY


class InfectionSerializer(RecordSerializer):
    class Meta:
        model = Infection
        fields = (*RECORD_FIELDS, "onset_on", "ctcae_grade", "organism_class", "organism", "site",
                  "microbiologically_documented", "bacteremia_or_fungemia", "febrile_neutropenia",
                  "treated_outpatient", "antibacterial_change", "antifungal_change", "antiviral_change",
                  "icu_admission", "infection_death")
        read_only_fields = READ_ONLY


class HospitalizationSerializer(RecordSerializer):
    class Meta:
        model = Hospitalization
        fields = (*RECORD_FIELDS, "admitted_on", "discharged_on", "reason")
        read_only_fields = READ_ONLY


def update_serializer(serializer_class: type[RecordSerializer]) -> type[RecordSerializer]:
    """The same fields, with the patient fixed: a record never moves to another patient."""
    name = serializer_class.__name__.replace("Serializer", "UpdateSerializer")
    patient = serializers.PrimaryKeyRelatedField(read_only=True, help_text="Registry id of the patient.")
    return type(name, (serializer_class,), {"patient": patient, "__module__": __name__})


class PatientDetailSerializer(PatientSerializer):
    """A patient with every record, as one document."""

    treatment_courses = TreatmentCourseSerializer(source="treatmentcourses", many=True, read_only=True,
                                                  help_text="The patient's treatment courses.")
    ivig_doses = IVIGDoseSerializer(source="ivigdoses", many=True, read_only=True,
                                    help_text="The patient's IVIG doses.")
    lab_results = LabResultSerializer(source="labresults", many=True, read_only=True,
                                      help_text="The patient's lab results.")
    infections = InfectionSerializer(many=True, read_only=True, help_text="The patient's infections.")
    hospitalizations = HospitalizationSerializer(many=True, read_only=True,
                                                 help_text="The patient's hospitalizations.")
    responses = ResponseAssessmentSerializer(source="responseassessments", many=True, read_only=True,
                                             help_text="The patient's response assessments.")

    class Meta(PatientSerializer.Meta):
        fields = (*PatientSerializer.Meta.fields, "treatment_courses", "ivig_doses", "lab_results",
                  "infections", "hospitalizations", "responses")
