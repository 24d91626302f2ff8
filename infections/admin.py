"""Admin of infections and hospitalizations: written through the registry's services like every record."""
from django.contrib import admin

from registry.admin import EventAdmin

from .models import Hospitalization, Infection


@admin.register(Infection)
class InfectionAdmin(EventAdmin):
    list_display = ("patient", "study", "onset_on", "ctcae_grade", "organism_class", "organism", "site",
                    "microbiologically_documented", "icu_admission", "infection_death")
    list_filter = ("ctcae_grade", "organism_class", "site", "microbiologically_documented", "bacteremia_or_fungemia",
                   "icu_admission", "infection_death", "patient__study")
    search_fields = ("patient__patient_id", "organism")
    date_hierarchy = "onset_on"


@admin.register(Hospitalization)
class HospitalizationAdmin(EventAdmin):
    list_display = ("patient", "study", "admitted_on", "discharged_on", "days", "reason")
    list_filter = ("reason", "patient__study")
    date_hierarchy = "admitted_on"
