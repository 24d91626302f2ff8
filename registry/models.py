"""Core clinical records: sites, access, studies, patients, treatment courses, IVIG doses, labs, responses.

Field names follow the flat CSV format v1 (shared/validation/FORMAT.md) so that a column, a model
field and an API field are one name. Rules the database can enforce are named constraints; rules
across records (nothing before birth or after death) live in `registry.rules`.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from .choices import (
    Analyte,
    CourseKind,
    CTCAEGrade,
    DiseaseStatus,
    DoseIndication,
    DoseSetting,
    IndexTreatment,
    MDROrganism,
    Population,
    RaceEthnicity,
    Response,
    Role,
    Sex,
    Unit,
)


class Site(models.Model):
    """A medical centre. Every patient belongs to one; every user is granted some."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class SiteMembership(models.Model):
    """What a user may do at one site. Permission changes are audited like clinical data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    deidentified_only = models.BooleanField(
        default=False, help_text="Exports for this user are always de-identified."
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="sitemembership_one_role_per_site"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="sitemembership_role_known"),
        ]

    def __str__(self):
        return f"{self.user} – {self.site} ({self.role})"


class Study(models.Model):
    code = models.CharField(max_length=64, unique=True, verbose_name="study code")
    title = models.CharField(max_length=300)
    population = models.CharField(max_length=16, choices=Population.choices)
    index_treatment = models.CharField(max_length=16, choices=IndexTreatment.choices)
    # Bumped by every write to the study's clinical data: an analysis run of an older revision is stale.
    data_revision = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["data_revision"])

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(population__in=Population.values), name="study_population_known"),
            models.CheckConstraint(
                condition=Q(index_treatment__in=IndexTreatment.values), name="study_index_treatment_known"
            ),
        ]

    def __str__(self):
        return self.code


class VersionedRecord(models.Model):
    """An editable clinical row: `version` guards concurrent edits, history records every change."""

    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(inherit=True)

    # Names of the date fields that must fall between diagnosis (birth for the patient) and death.
    event_date_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True


class Patient(VersionedRecord):
    # No index of their own: `patient_unique_id_per_study` starts with study, `patient_site_study` with
    # site, and each serves lookups by its first column as well.
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="patients", db_index=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients", db_index=False)
    patient_id = models.CharField(max_length=64, verbose_name="patient ID")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField()
    diagnosis_date = models.DateField()
    race_ethnicity = models.CharField(max_length=20, choices=RaceEthnicity.choices, blank=True)
    height_cm = models.FloatField(null=True, blank=True)
    weight_kg = models.FloatField(null=True, blank=True)
    philadelphia_positive = models.BooleanField(null=True, blank=True)
    disease_status = models.CharField(max_length=32, choices=DiseaseStatus.choices, blank=True)
    prior_therapy_lines = models.PositiveSmallIntegerField(null=True, blank=True)
    prior_hsct = models.BooleanField(null=True, blank=True, verbose_name="prior HSCT")
    prior_anti_cd20_doses = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name="prior anti-CD20 doses")
    multiple_myeloma = models.BooleanField(null=True, blank=True)
    chronic_lymphocytic_leukemia = models.BooleanField(null=True, blank=True)
    mdr_organism = models.CharField(
        max_length=8, choices=MDROrganism.choices, blank=True, verbose_name="history of MDR organism"
    )
    high_risk_at_diagnosis = models.BooleanField(null=True, blank=True)
    cns_disease_at_diagnosis = models.BooleanField(null=True, blank=True, verbose_name="CNS disease at diagnosis")
    treatment_protocol = models.CharField(max_length=64, blank=True)
    last_followup_date = models.DateField(null=True, blank=True, verbose_name="last follow-up")
    death_date = models.DateField(null=True, blank=True)

    event_date_fields = ("diagnosis_date", "last_followup_date", "death_date")

    class Meta:
        ordering = ["study", "patient_id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "patient_id"], name="patient_unique_id_per_study"),
            models.CheckConstraint(condition=Q(diagnosis_date__gte=F("birth_date")), name="patient_diagnosis_after_birth"),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(death_date__gte=F("diagnosis_date")),
                name="patient_death_after_diagnosis",
            ),
            models.CheckConstraint(
                condition=Q(last_followup_date__isnull=True) | Q(last_followup_date__gte=F("diagnosis_date")),
                name="patient_followup_after_diagnosis",
            ),
            models.CheckConstraint(condition=Q(height_cm__isnull=True) | Q(height_cm__gt=0), name="patient_height_positive"),
            models.CheckConstraint(condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=0), name="patient_weight_positive"),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="patient_sex_known"),
        ]
        indexes = [models.Index(fields=["site", "study"], name="patient_site_study")]

    def __str__(self):
        return f"{self.patient_id} ({self.study.code})"


class PatientEvent(VersionedRecord):
    """A dated record of one patient."""

    # Each kind's Meta.indexes has an index starting with patient, which serves lookups by patient alone
    # too; a second index on patient only would be one more for every imported row to update.
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="%(class)ss", db_index=False)

    class Meta:
        abstract = True


class TreatmentCourse(PatientEvent):
    kind = models.CharField(max_length=32, choices=CourseKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty while the course is ongoing.")
    cycle_number = models.PositiveSmallIntegerField(null=True, blank=True)

    event_date_fields = ("start_date", "end_date")

    class Meta:
        ordering = ["patient_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="treatmentcourse_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(cycle_number__isnull=True) | Q(cycle_number__gte=1), name="treatmentcourse_cycle_positive"
            ),
            models.CheckConstraint(condition=Q(kind__in=CourseKind.values), name="treatmentcourse_kind_known"),
        ]
        indexes = [models.Index(fields=["patient", "kind", "start_date"], name="course_patient_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.start_date}"


class IVIGDose(PatientEvent):
    given_on = models.DateField()
    dose_mg_per_kg = models.FloatField(verbose_name="dose (mg/kg)")
    setting = models.CharField(max_length=16, choices=DoseSetting.choices)
    indication = models.CharField(max_length=16, choices=DoseIndication.choices)
    reaction_grade = models.PositiveSmallIntegerField(
        choices=CTCAEGrade.choices, null=True, blank=True, verbose_name="infusion reaction (CTCAE v5 grade)"
    )
    reaction = models.CharField(max_length=200, blank=True, verbose_name="reaction description")
    infusion_interrupted = models.BooleanField(null=True, blank=True)

    event_date_fields = ("given_on",)

    class Meta:
        verbose_name = "IVIG dose"
        ordering = ["patient_id", "given_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg_per_kg__gt=0), name="ivigdose_dose_positive"),
            models.CheckConstraint(
                condition=Q(reaction_grade__isnull=True) | Q(reaction_grade__gte=1, reaction_grade__lte=5),
                name="ivigdose_reaction_grade_1_to_5",
            ),
            models.CheckConstraint(condition=Q(setting__in=DoseSetting.values), name="ivigdose_setting_known"),
            models.CheckConstraint(condition=Q(indication__in=DoseIndication.values), name="ivigdose_indication_known"),
        ]
        indexes = [models.Index(fields=["patient", "given_on"], name="ivigdose_patient_date")]

    def __str__(self):
        return f"IVIG {self.dose_mg_per_kg:g} mg/kg on {self.given_on}"


class LabResult(PatientEvent):
    """One immunoglobulin or neutrophil result. `<5` is kept as value 5 with `below_detection`."""

    collected_on = models.DateField()
    analyte = models.CharField(max_length=8, choices=Analyte.choices)
    value = models.FloatField(help_text="The number, or the detection limit N of a `<N` result.")
    below_detection = models.BooleanField(default=False, help_text="The result was `<value`.")
    unit = models.CharField(max_length=16, choices=Unit.choices)
    lower_limit_normal = models.FloatField(null=True, blank=True)

    event_date_fields = ("collected_on",)

    class Meta:
        ordering = ["patient_id", "collected_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="labresult_value_positive"),
            models.CheckConstraint(
                condition=Q(lower_limit_normal__isnull=True) | Q(lower_limit_normal__gt=0),
                name="labresult_lower_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(analyte__in=["IGG", "IGA", "IGM"], unit="mg/dL") | Q(analyte="ANC", unit="cells/uL"),
                name="labresult_unit_of_analyte",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "analyte", "collected_on"], name="lab_patient_analyte_date"),
            # Kept beside the composite: that one lists a patient's labs analyte by analyte, so reading all
            # of them through it (the export's join by patient) visits their pages up to four times; this
            # one lists them as stored (measured at 100,000 patients: 1.7 times fewer buffer reads, 1.4
            # times faster than through the composite).
            models.Index(fields=["patient"], name="lab_patient"),
        ]

    @property
    def display_value(self) -> str:
        return lab_value_text(self.value, self.below_detection)

    def __str__(self):
        return f"{self.get_analyte_display()} {self.display_value} {self.unit} on {self.collected_on}"


def lab_value_text(value: float, below_detection: bool) -> str:
    """A result as labs.csv writes it (FORMAT.md): `12.5`, or `<5` below the detection limit 5."""
    number = f"{value:g}"
    return f"<{number}" if below_detection else number


class ResponseAssessment(PatientEvent):
    assessed_on = models.DateField()
    response = models.CharField(max_length=40, choices=Response.choices)

    event_date_fields = ("assessed_on",)

    class Meta:
        ordering = ["patient_id", "assessed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(response__in=Response.values), name="response_code_known"),
        ]
        indexes = [models.Index(fields=["patient"], name="response_patient")]

    def __str__(self):
        return f"{self.get_response_display()} on {self.assessed_on}"


class ImportBatch(models.Model):
    """One study import: who loaded which files, when; history rows of its records cite it."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="imports")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    replaced = models.BooleanField(default=False)
    file_sha256 = models.JSONField(default=dict)
    row_counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"Import of {self.study} at {self.imported_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------------------
# API access tokens (registry/api). Kept here because models live in an app's models.py.
# ---------------------------------------------------------------------------------------------------


class ApiToken(models.Model):
    """A program's credential for the REST API. Only a SHA-256 digest of the key is stored.

    A user may hold several tokens (one per script or pipeline); revoking one leaves the row with who
    revoked it and when, so the audit trail of credentials is never lost.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for, e.g. 'REDCap sync'.")
    key_prefix = models.CharField(max_length=8, help_text="The first characters of the key, to recognise it.")
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.key_prefix}… ({self.user})"


# ---------------------------------------------------------------------------------------------------
# Study imports started in the browser (registry/views/imports.py, registry/tasks.py).
# ---------------------------------------------------------------------------------------------------


class ImportJob(models.Model):
    """One uploaded study folder: its dry run, then the import a worker runs, and how it went.

    The import itself is `flatfile.services.study_import` (all or nothing); this row only lets the
    browser show the dry run's problems and a progress bar, and lets an admin see who uploaded what.
    """

    class Status(models.TextChoices):
        INVALID = "INVALID", "Problems found"
        CHECKED = "CHECKED", "Ready to import"
        QUEUED = "QUEUED", "Queued"
        RUNNING = "RUNNING", "Importing"
        SUCCEEDED = "SUCCEEDED", "Imported"
        FAILED = "FAILED", "Failed"

    token = models.UUIDField(unique=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    folder = models.CharField(max_length=500, help_text="Where the uploaded files wait for the import.")
    study_code = models.CharField(max_length=64, blank=True)
    replace = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices)
    problems = models.JSONField(default=list, blank=True, help_text="The dry run's problems: file, line, column, reason.")
    row_counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["INVALID", "CHECKED", "QUEUED", "RUNNING", "SUCCEEDED",
                                                           "FAILED"]), name="importjob_status_known"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display().lower()})"
