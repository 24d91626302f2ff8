"""A patient's records as one chronological story for the patient page.

Labs of one day are one line (a panel: IgG, IgA, IgM, ANC), because a clinician reads them together
and a patient can have hundreds of results.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

ORDER = {"course": 0, "hospitalization": 1, "infection": 2, "ivig-dose": 3, "lab": 4, "response": 5}
KIND_LABELS = {"course": "Course", "hospitalization": "Hospital", "infection": "Infection", "ivig-dose": "IVIG",
               "lab": "Labs", "response": "Response"}


@dataclass
class Entry:
    day: date
    kind: str
    title: str
    detail: str = ""
    grade: int | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) of records in the entry
    values: list[dict] = field(default_factory=list)  # lab panel: {"text", "edit", "remove"}

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _links(kind: str, record) -> list[tuple[str, str]]:
    return [("Edit", reverse("record-edit", args=[kind, record.pk])),
            ("Remove", reverse("record-remove", args=[kind, record.pk]))]


def _course(course) -> Entry:
    end = f"until {course.end_date:%Y-%m-%d}" if course.end_date else "ongoing"
    cycle = f", cycle {course.cycle_number}" if course.cycle_number else ""
    return Entry(course.start_date, "course", f"{course.get_kind_display()}{cycle}", end,
                 links=_links("course", course))


def _dose(dose) -> Entry:
    detail = f"{dose.get_setting_display()}, {dose.get_indication_display().lower()}"
    if dose.reaction_grade:
        detail += f"; reaction grade {dose.reaction_grade}" + (f" ({dose.reaction})" if dose.reaction else "")
    return Entry(dose.given_on, "ivig-dose", f"IVIG {dose.dose_mg_per_kg:g} mg/kg", detail, grade=dose.reaction_grade,
                 links=_links("ivig-dose", dose))


def _infection(infection) -> Entry:
    flags = [label for flag, label in (("microbiologically_documented", "documented"),
                                       ("bacteremia_or_fungemia", "bacteremia/fungemia"),
                                       ("icu_admission", "ICU"), ("infection_death", "death"))
             if getattr(infection, flag)]
    if infection.organism:
        what = f"Infection: {infection.organism}"
    elif infection.organism_class == "UNKNOWN":
        what = "Infection, organism unknown"
    else:
        what = f"{infection.get_organism_class_display()} infection"
    detail = f"{infection.get_site_display()}" + (f" · {', '.join(flags)}" if flags else "")
    return Entry(infection.onset_on, "infection", what, detail, grade=infection.ctcae_grade,
                 links=_links("infection", infection))


def _hospitalization(stay) -> Entry:
    detail = f"{stay.days} days, until {stay.discharged_on:%Y-%m-%d}" if stay.discharged_on else "still admitted"
    return Entry(stay.admitted_on, "hospitalization", f"Admitted: {stay.get_reason_display().lower()}", detail,
                 links=_links("hospitalization", stay))


def _response(response) -> Entry:
    return Entry(response.assessed_on, "response", response.get_response_display(), links=_links("response", response))


def _lab_panels(labs) -> list[Entry]:
    by_day = defaultdict(list)
    for lab in labs:
        by_day[lab.collected_on].append(lab)
    entries = []
    for day, results in by_day.items():
        values = [{"text": f"{'ANC' if lab.analyte == 'ANC' else lab.get_analyte_display()} "
                           f"{lab.display_value} {lab.get_unit_display()}",
                   "low": lab.lower_limit_normal is not None and lab.value < lab.lower_limit_normal,
                   "edit": reverse("record-edit", args=["lab", lab.pk]),
                   "remove": reverse("record-remove", args=["lab", lab.pk])} for lab in results]
        entries.append(Entry(day, "lab", "Labs", values=values))
    return entries


def timeline(*, courses, doses, labs, infections, hospitalizations, responses, with_labs: bool = True) -> list[Entry]:
    entries = [*map(_course, courses), *map(_dose, doses), *map(_infection, infections),
               *map(_hospitalization, hospitalizations), *map(_response, responses)]
    if with_labs:
        entries += _lab_panels(labs)
    return sorted(entries, key=lambda e: (e.day, ORDER[e.kind]))


GRADE_NAMES = {1: "Mild", 2: "Moderate", 3: "Severe", 4: "Life-threatening", 5: "Death"}  # CTCAE v5


def grade_summary(infections) -> list[dict]:
    """Infections per CTCAE v5 grade, the ungraded last."""
    counts = defaultdict(int)
    for infection in infections:
        counts[infection.ctcae_grade] += 1
    rows = [{"grade": g, "name": GRADE_NAMES[g], "n": counts.get(g, 0)} for g in (1, 2, 3, 4, 5)]
    if counts.get(None):
        rows.append({"grade": None, "n": counts[None]})
    return rows
