"""Codes of the flat CSV format v1 (shared/validation/FORMAT.md), as TextChoices.

The value is the upper-case code written in the files; the label is what a clinician reads.
"""
from django.db import models


class Population(models.TextChoices):
    ADULT = "ADULT", "Adult"
    PEDIATRIC = "PEDIATRIC", "Pediatric"


class IndexTreatment(models.TextChoices):
    BLINATUMOMAB = "BLINATUMOMAB", "Blinatumomab (cohort window = blinatumomab therapy)"
    MAINTENANCE = "MAINTENANCE", "Maintenance chemotherapy (cohort window = maintenance)"


class Role(models.TextChoices):
    CLINICIAN = "CLINICIAN", "Clinician (enters data)"
    INVESTIGATOR = "INVESTIGATOR", "Investigator (reads, runs analyses)"
    ADMIN = "ADMIN", "Site administrator"


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"


class RaceEthnicity(models.TextChoices):
    AFRICAN_AMERICAN = "AFRICAN_AMERICAN", "African American"
    ASIAN = "ASIAN", "Asian"
    WHITE = "WHITE", "White"
    HISPANIC = "HISPANIC", "Hispanic"
    PACIFIC_ISLANDER = "PACIFIC_ISLANDER", "Pacific Islander"
    OTHER = "OTHER", "Other"
    UNKNOWN = "UNKNOWN", "Unknown"


class DiseaseStatus(models.TextChoices):
    MRD_POSITIVE = "MRD_POSITIVE", "MRD positive"
    RELAPSED_REFRACTORY = "RELAPSED_REFRACTORY", "Relapsed/refractory"
    CONSOLIDATION_MAINTENANCE = "CONSOLIDATION_MAINTENANCE", "Consolidation/maintenance"
    FIRST_COMPLETE_REMISSION = "FIRST_COMPLETE_REMISSION", "First complete remission (CR1)"


class MDROrganism(models.TextChoices):
    NONE = "NONE", "No history of MDR infection"
    ESBL = "ESBL", "ESBL"
    MRSE = "MRSE", "MRSE"
    MRSA = "MRSA", "MRSA"
    VRE = "VRE", "VRE"
    CRE = "CRE", "CRE"
    OTHER = "OTHER", "Other MDR organism"


class CourseKind(models.TextChoices):
    BLINATUMOMAB = "BLINATUMOMAB", "Blinatumomab"
    INDUCTION = "INDUCTION", "Induction"
    CONSOLIDATION = "CONSOLIDATION", "Consolidation"
    DELAYED_INTENSIFICATION = "DELAYED_INTENSIFICATION", "Delayed intensification"
    DOUBLE_DELAYED_INTENSIFICATION = "DOUBLE_DELAYED_INTENSIFICATION", "Double-delayed intensification"
    HIGH_DOSE_METHOTREXATE = "HIGH_DOSE_METHOTREXATE", "High-dose methotrexate"
    CRANIAL_IRRADIATION = "CRANIAL_IRRADIATION", "Cranial irradiation"
    MAINTENANCE = "MAINTENANCE", "Maintenance"
    HSCT = "HSCT", "Hematopoietic stem cell transplant"
    ANTI_CD20 = "ANTI_CD20", "Anti-CD20 therapy"
    OTHER_THERAPY = "OTHER_THERAPY", "Other line of therapy"


class DoseSetting(models.TextChoices):
    CLINIC = "CLINIC", "Clinic"
    INPATIENT = "INPATIENT", "Inpatient"
    UNKNOWN = "UNKNOWN", "Unknown"


class DoseIndication(models.TextChoices):
    PRE_EMPTIVE = "PRE_EMPTIVE", "Pre-emptive"
    LOW_IGG = "LOW_IGG", "Low IgG"
    INFECTION = "INFECTION", "Infection"
    VIRAL_EXPOSURE = "VIRAL_EXPOSURE", "Viral exposure"
    OTHER = "OTHER", "Other"


class Analyte(models.TextChoices):
    IGG = "IGG", "IgG"
    IGA = "IGA", "IgA"
    IGM = "IGM", "IgM"
    ANC = "ANC", "Absolute neutrophil count"


# FORMAT.md: immunoglobulins in mg/dL, neutrophils in cells/uL; no other unit is accepted.
UNIT_OF_ANALYTE = {
    Analyte.IGG: "mg/dL",
    Analyte.IGA: "mg/dL",
    Analyte.IGM: "mg/dL",
    Analyte.ANC: "cells/uL",
}


class Unit(models.TextChoices):
    MG_PER_DL = "mg/dL", "mg/dL"
    CELLS_PER_UL = "cells/uL", "cells/µL"


class Response(models.TextChoices):
    COMPLETE_RESPONSE = "COMPLETE_RESPONSE", "Complete response"
    COMPLETE_RESPONSE_MRD_POSITIVE = "COMPLETE_RESPONSE_MRD_POSITIVE", "Complete response, MRD positive"
    MRD_NEGATIVE = "MRD_NEGATIVE", "MRD negative"
    PARTIAL_RESPONSE = "PARTIAL_RESPONSE", "Partial response"
    NO_RESPONSE = "NO_RESPONSE", "No response"


class CTCAEGrade(models.IntegerChoices):
    """CTCAE v5 grades, with the general descriptions clinicians grade against."""

    MILD = 1, "1 – Mild; asymptomatic or mild symptoms; intervention not indicated"
    MODERATE = 2, "2 – Moderate; minimal, local or non-invasive intervention indicated"
    SEVERE = 3, "3 – Severe or medically significant; hospitalization indicated"
    LIFE_THREATENING = 4, "4 – Life-threatening consequences; urgent intervention indicated"
    DEATH = 5, "5 – Death related to the adverse event"
