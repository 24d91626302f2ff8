"""Browser forms of infections and hospitalizations: shape only; the services check the rules."""
from __future__ import annotations

from registry.forms import ClinicalRecordForm, grade_field

from .models import Hospitalization, Infection

FLAGS = ("microbiologically_documented", "bacteremia_or_fungemia", "febrile_neutropenia", "treated_outpatient",
         "antibacterial_change", "antifungal_change", "antiviral_change", "icu_admission", "infection_death")


class InfectionForm(ClinicalRecordForm):
    ctcae_grade = grade_field("CTCAE v5 grade", "Grade 5 is death from the infection.")

    class Meta:
        model = Infection
        fields = ["onset_on", "ctcae_grade", "organism_class", "organism", "site", *FLAGS]
        labels = {"onset_on": "Onset date", "antibacterial_change": "Change of antibacterial agent",
                  "antifungal_change": "Change of antifungal agent",
                  "antiviral_change": "Change of antiviral agent"}
        help_texts = {"organism": "As reported, for example “Klebsiella pneumoniae”.",
                      "antibacterial_change": "Or an antibiotic started, to treat a known or suspected infection."}

    def clean(self):
        cleaned = super().clean()
        # CTCAE v5: grade 5 is death related to the adverse event, so the two answers must agree.
        if cleaned.get("ctcae_grade") == 5 and cleaned.get("infection_death") is not True:
            self.add_error("infection_death", "CTCAE v5 grade 5 means death from the infection: set “Infection "
                                              "death” to Yes, or choose a lower grade.")
        return cleaned


class HospitalizationForm(ClinicalRecordForm):
    class Meta:
        model = Hospitalization
        fields = ["admitted_on", "discharged_on", "reason"]
        labels = {"admitted_on": "Admission date", "discharged_on": "Discharge date", "reason": "Reason for admission"}
        help_texts = {"discharged_on": "Empty while the patient is still in hospital."}

    def clean(self):
        cleaned = super().clean()
        admitted, discharged = cleaned.get("admitted_on"), cleaned.get("discharged_on")
        if admitted and discharged and discharged < admitted:
            self.add_error("discharged_on", f"The discharge date ({discharged:%Y-%m-%d}) is before the admission "
                                            f"date ({admitted:%Y-%m-%d}).")
        return cleaned
