"""The kinds of clinical record a patient has: one table that the record views, the timeline and the
history page share, so adding a kind is one line here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from infections.forms import HospitalizationForm, InfectionForm
from infections.models import Hospitalization, Infection
from infections.selectors import hospitalizations_visible_to, infections_visible_to
from registry.forms import IVIGDoseForm, LabResultForm, ResponseForm, TreatmentCourseForm
from registry.models import IVIGDose, LabResult, ResponseAssessment, TreatmentCourse
from registry.selectors import courses_visible_to, ivig_doses_visible_to, lab_results_visible_to, responses_visible_to


@dataclass(frozen=True)
class RecordKind:
    slug: str
    model: type
    form: type
    label: str
    date_field: str
    visible_to: Callable
    related_name: str

    @property
    def with_article(self) -> str:
        """"an IVIG dose", "an infection", "a lab result"."""
        return f"{'an' if self.label[0].lower() in 'aeiou' else 'a'} {self.label}"


KINDS = {
    kind.slug: kind
    for kind in (
        RecordKind("course", TreatmentCourse, TreatmentCourseForm, "treatment course", "start_date",
                   courses_visible_to, "treatmentcourses"),
        RecordKind("ivig-dose", IVIGDose, IVIGDoseForm, "IVIG dose", "given_on", ivig_doses_visible_to, "ivigdoses"),
        RecordKind("lab", LabResult, LabResultForm, "lab result", "collected_on", lab_results_visible_to,
                   "labresults"),
        RecordKind("infection", Infection, InfectionForm, "infection", "onset_on", infections_visible_to,
                   "infections"),
        RecordKind("hospitalization", Hospitalization, HospitalizationForm, "hospitalization", "admitted_on",
                   hospitalizations_visible_to, "hospitalizations"),
        RecordKind("response", ResponseAssessment, ResponseForm, "response assessment", "assessed_on",
                   responses_visible_to, "responseassessments"),
    )
}
KIND_OF_MODEL = {kind.model: kind for kind in KINDS.values()}
