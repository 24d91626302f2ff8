"""Shared pieces of the synthetic study generator: the files, the chart of one patient, formatting.

Days are proleptic ordinals (`date.toordinal()`) throughout: integer arithmetic is what makes
100,000 patients fast, and one lookup table turns a day into its ISO text.
"""
from __future__ import annotations

import math
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date

# FORMAT.md, in the column order of the demo folders (registry/demo_studies/).
HEADERS = {
    "study.csv": ("study_code", "title", "population", "index_treatment"),
    "sites.csv": ("site_code", "name"),
    "patients.csv": (
        "patient_id", "site_code", "sex", "birth_date", "diagnosis_date", "race_ethnicity", "height_cm",
        "weight_kg", "philadelphia_positive", "disease_status", "prior_therapy_lines", "prior_hsct",
        "prior_anti_cd20_doses", "multiple_myeloma", "chronic_lymphocytic_leukemia", "mdr_organism",
        "high_risk_at_diagnosis", "cns_disease_at_diagnosis", "treatment_protocol", "last_followup_date",
        "death_date",
    ),
    "treatment_courses.csv": ("patient_id", "kind", "start_date", "end_date", "cycle_number"),
    "ivig_doses.csv": (
        "patient_id", "given_on", "dose_mg_per_kg", "setting", "indication", "reaction_grade", "reaction",
    ),
    "labs.csv": ("patient_id", "collected_on", "analyte", "value", "unit", "lower_limit_normal"),
    "infections.csv": (
        "patient_id", "onset_on", "ctcae_grade", "organism_class", "organism", "site",
        "microbiologically_documented", "bacteremia_or_fungemia", "febrile_neutropenia", "treated_outpatient",
        "antibacterial_change", "antifungal_change", "antiviral_change", "icu_admission", "infection_death",
    ),
    "hospitalizations.csv": ("patient_id", "admitted_on", "discharged_on", "reason"),
    "responses.csv": ("patient_id", "assessed_on", "response"),
}
PATIENT_FILES = tuple(HEADERS)[2:]  # patients.csv and the files of their records

# Nothing is dated after the data cut-off: the records describe a finished chart review.
CUTOFF = date(2025, 6, 30).toordinal()
_FIRST_DAY = date(1900, 1, 1).toordinal()
_DATES = tuple(date.fromordinal(day).isoformat() for day in range(_FIRST_DAY, CUTOFF + 1))
_UNIT = {"IGG": "mg/dL", "IGA": "mg/dL", "IGM": "mg/dL", "ANC": "cells/uL"}
_YES_NO = ("no", "yes")


def day_of(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal()


def iso(day: int) -> str:
    return _DATES[day - _FIRST_DAY]


def number(value: float, decimals: int = 1) -> str:
    """Minimal decimal text: 400, 12.5, 76 (never 400.0)."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def lab_value(value: float, detection_limit: int = 0) -> str:
    """A lab result as reported: whole numbers from 20 up, one decimal below, `<N` under detection."""
    if value < detection_limit:
        return f"<{detection_limit}"
    if value >= 20:
        return str(max(1, round(value)))
    return number(max(value, 0.1))


class Pick:
    """Weighted choice from a fixed table, by bisection on cumulative weights (one random draw)."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, table: dict):
        self.values = tuple(table)
        running, self.cumulative = 0.0, []
        for weight in table.values():
            running += weight
            self.cumulative.append(running)
        self.total = running

    def __call__(self, rng):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


def poisson_days(rng, start: int, end: int, per_year: float) -> list[int]:
    """Days of a Poisson process of `per_year` events between start and end (both included)."""
    days: list[int] = []
    if per_year <= 0 or end < start:
        return days
    rate, t = per_year / 365.25, float(start)
    while True:
        t += rng.expovariate(rate)
        if t >= end + 1:
            return days
        days.append(int(t))


def between(rng, low: int, high: int) -> int:
    """A whole number from low to high, both included: `randint` without its argument checks, which
    cost more than the draw at millions of calls."""
    return low + int(rng.random() * (high - low + 1))


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True, slots=True)
class Site:
    """A centre and its local practice: the pediatric paper found IVIG use and IgG testing to vary
    between Medical Centers, so each synthetic site leans its own way."""

    code: str
    ivig_log_odds: float
    lab_frequency: float  # multiplies how often immunoglobulins are checked
    limit_offset: int  # the local laboratory's reference limits differ a little


@dataclass(slots=True)
class Infection:
    """One infections.csv row; flags in FORMAT.md order after `site`."""

    onset: int
    grade: int
    organism_class: str
    organism: str
    site: str
    documented: bool
    bacteremia_or_fungemia: bool
    febrile_neutropenia: bool
    treated_outpatient: bool
    antibacterial_change: bool
    antifungal_change: bool
    antiviral_change: bool
    icu_admission: bool
    infection_death: bool = False


@dataclass(slots=True)
class Chart:
    """Everything recorded about one patient, in days, before it is written out."""

    site_code: str
    sex: str
    birth: int
    diagnosis: int
    details: tuple  # race_ethnicity .. treatment_protocol, already as text
    last_followup: int
    death: int | None = None
    courses: list = field(default_factory=list)  # (kind, start, end | None, cycle | None)
    doses: list = field(default_factory=list)  # (day, dose text, setting, indication, grade | None, reaction)
    labs: list = field(default_factory=list)  # (day, analyte, value text, lower limit text)
    infections: list = field(default_factory=list)  # Infection
    admissions: list = field(default_factory=list)  # (admitted, discharged, reason)
    responses: list = field(default_factory=list)  # (day, response)

    def admit(self, admitted: int, discharged: int, reason: str) -> bool:
        """Record an admission unless the patient is already in hospital then (one stay, one row)."""
        for start, end, _ in self.admissions:
            if admitted <= end and start <= discharged:
                return False
        self.admissions.append((admitted, discharged, reason))
        return True

    def settle_infection_death(self, rng) -> None:
        """CTCAE v5 grade 5 is death: the first grade-5 infection sets the death date (same day or
        within a week, never after the cut-off); a later grade-5 row would be a second death."""
        fatal = None
        for infection in sorted(self.infections, key=lambda i: i.onset):
            if infection.grade == 5 and fatal is None and (self.death is None or infection.onset <= self.death):
                fatal = infection
                infection.infection_death = True
            elif infection.grade == 5:
                infection.grade, infection.infection_death = 4, False
        if fatal is not None:
            death = min(fatal.onset + rng.choice((0, 0, 1, 2, 3, 5, 7)), CUTOFF)
            self.death = death if self.death is None else min(self.death, death)
            self.last_followup = self.death


class Rows:
    """Text lines per file for a chunk of patients; `write_chart` clips every event to the chart's
    life (diagnosis .. death or last follow-up), which is how FORMAT.md's date rules are kept."""

    def __init__(self):
        self.lines = {name: [] for name in PATIENT_FILES}

    def write_chart(self, patient_id: str, chart: Chart) -> None:
        first = chart.diagnosis
        last = chart.death if chart.death is not None else chart.last_followup
        self._patient(patient_id, chart, last)
        self._courses(patient_id, chart, first, last)
        self._doses(patient_id, chart, first, last)
        self._labs(patient_id, chart, first, last)
        self._infections(patient_id, chart, first, last)
        self._admissions(patient_id, chart, first, last)
        out = self.lines["responses.csv"]
        for day, response in sorted(chart.responses):
            if first <= day <= last:
                out.append(f"{patient_id},{iso(day)},{response}\n")

    def _patient(self, patient_id: str, chart: Chart, last: int) -> None:
        death = iso(chart.death) if chart.death is not None else ""
        self.lines["patients.csv"].append(
            f"{patient_id},{chart.site_code},{chart.sex},{iso(chart.birth)},{iso(chart.diagnosis)},"
            f"{','.join(chart.details)},{iso(min(chart.last_followup, last))},{death}\n"
        )

    def _courses(self, patient_id: str, chart: Chart, first: int, last: int) -> None:
        out = self.lines["treatment_courses.csv"]
        dead = chart.death is not None
        for kind, start, end, cycle in sorted(chart.courses, key=lambda c: c[1]):
            if not first <= start <= last:
                continue
            if end is None or end > last:
                end = last if dead else None  # still running at the last visit: FORMAT.md's empty end
            out.append(f"{patient_id},{kind},{iso(start)},{'' if end is None else iso(end)},"
                       f"{'' if cycle is None else cycle}\n")

    def _doses(self, patient_id: str, chart: Chart, first: int, last: int) -> None:
        out = self.lines["ivig_doses.csv"]
        for day, dose, setting, indication, grade, reaction in sorted(chart.doses, key=lambda d: d[0]):
            if first <= day <= last:
                out.append(f"{patient_id},{iso(day)},{dose},{setting},{indication},"
                           f"{'' if grade is None else grade},{reaction}\n")

    def _labs(self, patient_id: str, chart: Chart, first: int, last: int) -> None:
        out = self.lines["labs.csv"]
        chart.labs.sort(key=lambda lab: lab[0])  # stable: same-day results keep their drawing order
        for day, analyte, value, limit in chart.labs:
            if first <= day <= last:
                out.append(f"{patient_id},{iso(day)},{analyte},{value},{_UNIT[analyte]},{limit}\n")

    def _infections(self, patient_id: str, chart: Chart, first: int, last: int) -> None:
        out = self.lines["infections.csv"]
        for i in sorted(chart.infections, key=lambda i: i.onset):
            if first <= i.onset <= last:
                flags = (i.documented, i.bacteremia_or_fungemia, i.febrile_neutropenia, i.treated_outpatient,
                         i.antibacterial_change, i.antifungal_change, i.antiviral_change, i.icu_admission,
                         i.infection_death)
                out.append(f"{patient_id},{iso(i.onset)},{i.grade},{i.organism_class},{i.organism},{i.site},"
                           f"{','.join([_YES_NO[f] for f in flags])}\n")

    def _admissions(self, patient_id: str, chart: Chart, first: int, last: int) -> None:
        out = self.lines["hospitalizations.csv"]
        for admitted, discharged, reason in sorted(chart.admissions):
            if first <= admitted <= last:
                out.append(f"{patient_id},{iso(admitted)},{iso(min(discharged, last))},{reason}\n")
