"""Infection and hospitalization codes of the flat CSV format v1."""
from django.db import models


class OrganismClass(models.TextChoices):
    VIRAL = "VIRAL", "Viral"
    BACTERIAL = "BACTERIAL", "Bacterial"
    FUNGAL = "FUNGAL", "Fungal"
    PARASITIC = "PARASITIC", "Parasitic"
    UNKNOWN = "UNKNOWN", "Unknown"


class InfectionSite(models.TextChoices):
    BLOODSTREAM = "BLOODSTREAM", "Bloodstream"
    UPPER_RESPIRATORY = "UPPER_RESPIRATORY", "Upper respiratory tract"
    LOWER_RESPIRATORY = "LOWER_RESPIRATORY", "Lower respiratory tract"
    URINARY = "URINARY", "Urinary"
    GASTROINTESTINAL = "GASTROINTESTINAL", "Gastrointestinal"
    BONE = "BONE", "Bone"
    INTRA_ABDOMINAL = "INTRA_ABDOMINAL", "Intra-abdominal"
    MOUTH = "MOUTH", "Mouth"
    SKIN_SOFT_TISSUE = "SKIN_SOFT_TISSUE", "Skin and soft tissue"
    OTHER = "OTHER", "Other"
    UNKNOWN = "UNKNOWN", "Unknown"


class AdmissionReason(models.TextChoices):
    INFECTION = "INFECTION", "Infection"
    FEBRILE_NEUTROPENIA = "FEBRILE_NEUTROPENIA", "Febrile neutropenia"
    TREATMENT = "TREATMENT", "Treatment"
    OTHER = "OTHER", "Other"
