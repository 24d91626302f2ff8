"""Infections (CTCAE v5 graded) and hospitalizations."""
from django.db import models
from django.db.models import F, Q

from registry.choices import CTCAEGrade
from registry.models import PatientEvent

from .choices import AdmissionReason, InfectionSite, OrganismClass


class Infection(PatientEvent):
    onset_on = models.DateField()
    ctcae_grade = models.PositiveSmallIntegerField(
        choices=CTCAEGrade.choices, null=True, blank=True, verbose_name="CTCAE v5 grade"
    )
    organism_class = models.CharField(max_length=16, choices=OrganismClass.choices)
    organism = models.CharField(max_length=200, blank=True)
    site = models.CharField(max_length=20, choices=InfectionSite.choices)
    microbiologically_documented = models.BooleanField(null=True, blank=True)
    bacteremia_or_fungemia = models.BooleanField(null=True, blank=True)
    febrile_neutropenia = models.BooleanField(null=True, blank=True)
    treated_outpatient = models.BooleanField(null=True, blank=True)
    antibacterial_change = models.BooleanField(null=True, blank=True)
    antifungal_change = models.BooleanField(null=True, blank=True)
    antiviral_change = models.BooleanField(null=True, blank=True)
    icu_admission = models.BooleanField(null=True, blank=True, verbose_name="ICU admission")
    infection_death = models.BooleanField(null=True, blank=True)

    event_date_fields = ("onset_on",)

    class Meta:
        ordering = ["patient_id", "onset_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ctcae_grade__isnull=True) | Q(ctcae_grade__gte=1, ctcae_grade__lte=5),
                name="infection_ctcae_grade_1_to_5",
            ),
            # CTCAE v5: grade 5 is death from the event. `isnull=False` makes an unrecorded death fail the
            # check: in SQL, NULL would otherwise leave the condition unknown, which a CHECK lets pass.
            models.CheckConstraint(
                condition=~Q(ctcae_grade=5) | Q(infection_death__isnull=False, infection_death=True),
                name="infection_grade5_is_death",
            ),
            models.CheckConstraint(
                condition=Q(organism_class__in=OrganismClass.values), name="infection_organism_class_known"
            ),
            models.CheckConstraint(condition=Q(site__in=InfectionSite.values), name="infection_site_known"),
        ]
        indexes = [models.Index(fields=["patient", "onset_on"], name="infection_patient_onset")]

    def __str__(self):
        return f"Grade {self.ctcae_grade} {self.get_organism_class_display().lower()} infection on {self.onset_on}"


class Hospitalization(PatientEvent):
    admitted_on = models.DateField()
    discharged_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=24, choices=AdmissionReason.choices)

    event_date_fields = ("admitted_on", "discharged_on")

    class Meta:
        ordering = ["patient_id", "admitted_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("admitted_on")),
                name="hospitalization_discharge_after_admission",
            ),
            models.CheckConstraint(condition=Q(reason__in=AdmissionReason.values), name="hospitalization_reason_known"),
        ]
        indexes = [models.Index(fields=["patient"], name="hospitalization_patient")]

    @property
    def days(self) -> int | None:
        return (self.discharged_on - self.admitted_on).days if self.discharged_on else None

    def __str__(self):
        return f"Admitted {self.admitted_on} ({self.get_reason_display().lower()})"
