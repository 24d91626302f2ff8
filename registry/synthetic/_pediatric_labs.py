"""Pediatric laboratory results: blood counts through every phase, IgG against age-dependent limits.

Counts are checked every two weeks through the intensive phases and monthly in maintenance. IgG
falls through chemotherapy and keeps drifting down in maintenance (the paper: nearly all children
given IVIG were hypogammaglobulinemic first); IVIG adds a bump that decays with IgG's half-life.
The reporting laboratory's lower limit of normal depends on the child's age (paper: 501 to 757 mg/dL).
"""
from __future__ import annotations

import math
from bisect import bisect

from ._common import Chart, between, lab_value

IVIG_RISE_PER_MG_KG = 1.5  # mg/dL of IgG just after the infusion, per mg/kg given
IVIG_HALF_LIFE_DAYS = 24.0
_AGES = (0, 3, 6, 9, 12, 15, 18)
_LIMITS = {  # lower limit of normal by age in years (linear between the points)
    "IGG": (501, 520, 580, 640, 700, 740, 757),
    "IGA": (13, 24, 33, 45, 53, 58, 70),
    "IGM": (33, 36, 40, 40, 40, 40, 40),
}
# Counts by phase: (days from the phase start where the nadir begins, where it ends, nadir, otherwise)
_ANC_BY_PHASE = {
    "INDUCTION": (0, 21, 400, 1200),
    "CONSOLIDATION": (0, 0, 0, 1300),
    "HIGH_DOSE_METHOTREXATE": (0, 0, 0, 1500),
    "DELAYED_INTENSIFICATION": (10, 35, 450, 1300),
    "DOUBLE_DELAYED_INTENSIFICATION": (10, 35, 450, 1300),
    "CRANIAL_IRRADIATION": (0, 0, 0, 1300),
    "OTHER_THERAPY": (0, 200, 300, 300),
}


def _limit(analyte: str, age_years: float) -> float:
    points = _LIMITS[analyte]
    i = min(bisect(_AGES, age_years), len(_AGES) - 1)
    if i == 0 or age_years >= _AGES[-1]:
        return float(points[min(i, len(points) - 1)])
    share = (age_years - _AGES[i - 1]) / (_AGES[i] - _AGES[i - 1])
    return points[i - 1] + share * (points[i] - points[i - 1])


class ChildImmunoglobulins:
    __slots__ = ("birth", "diagnosis", "index", "end", "start_ratio", "index_ratio", "slope", "doses")

    def __init__(self, rng, chart: Chart, therapy, low_igg: float, doses: list):
        self.birth, self.diagnosis, self.doses = chart.birth, chart.diagnosis, doses
        self.index, self.end = therapy.index, therapy.maintenance_end
        self.start_ratio = 1.5 * math.exp(rng.gauss(-.05, .2))  # level / lower limit at diagnosis
        self.index_ratio = self.start_ratio * math.exp(-.45 - .3 * low_igg + rng.gauss(0, .1))
        self.slope = -.12 + rng.gauss(0, .05)  # log change per year of maintenance

    def ratio(self, day: int) -> float:
        """Level relative to the age-normal lower limit, without IVIG."""
        if day <= self.diagnosis:
            return self.start_ratio
        if day <= self.index:
            share = (day - self.diagnosis) / max(1, self.index - self.diagnosis)
            return self.start_ratio * (self.index_ratio / self.start_ratio) ** share
        on_therapy = (min(day, self.end) - self.index) / 365.25
        ratio = self.index_ratio * math.exp(self.slope * on_therapy)
        if day > self.end:  # recovery after chemotherapy
            ratio = min(self.start_ratio, ratio * math.exp(.6 * (day - self.end) / 365.25))
        return ratio

    def igg(self, day: int) -> float:
        level = self.ratio(day) * _limit("IGG", (day - self.birth) / 365.25)
        for given, dose in self.doses:
            if given <= day:
                level += IVIG_RISE_PER_MG_KG * dose * 2.0 ** (-(day - given) / IVIG_HALF_LIFE_DAYS)
        return level


def pediatric_labs(rng, chart: Chart, site, therapy, low_igg: float, doses: list) -> None:
    last = chart.death if chart.death is not None else chart.last_followup
    ig = ChildImmunoglobulins(rng, chart, therapy, low_igg, sorted(doses))
    for day, full in _igg_days(rng, site, therapy, chart.diagnosis, doses, last):
        _igg_panel(rng, chart, site, ig, day, full)
    for day in _count_days(rng, therapy, last):
        value = _anc_median(therapy, day) * math.exp(.55 * rng.gauss())
        chart.labs.append((day, "ANC", str(max(10, round(value))), ""))


def _igg_days(rng, site, therapy, diagnosis: int, doses: list, last: int) -> list:
    """A panel at diagnosis for some, checks in maintenance as often as the centre's habit, a trough
    before most IVIG starts and some repeat troughs before later doses."""
    days = []
    if rng.random() < .35:
        days.append((diagnosis + between(rng, 0, 3), True))
    if rng.random() < .1:
        days.append((between(rng, diagnosis + 30, therapy.index), False))
    frequency = site.lab_frequency
    day = therapy.index + between(rng, 20, 120)
    while day <= min(last, therapy.maintenance_end):
        if rng.random() < .5:
            days.append((day, rng.random() < .15))
        day += max(14, int(between(rng, 60, 150) / frequency))
    in_maintenance = [d for d, _ in sorted(doses) if therapy.index <= d <= therapy.maintenance_end]
    if in_maintenance and rng.random() < .86:
        days.append((in_maintenance[0] - between(rng, 1, 10), False))
    for dose_day in in_maintenance[1:]:
        if rng.random() < min(.9, .25 * frequency):
            days.append((dose_day - between(rng, 0, 3), False))
    return [(d, full) for d, full in days if d <= last]


def _igg_panel(rng, chart: Chart, site, ig: ChildImmunoglobulins, day: int, full: bool) -> None:
    age = (day - chart.birth) / 365.25
    for analyte in (("IGG", "IGA", "IGM") if full else ("IGG",)):
        limit = min(757, max(501, round(_limit(analyte, age)) + site.limit_offset)) if analyte == "IGG" \
            else round(_limit(analyte, age))
        if analyte == "IGG":
            value = ig.igg(day) * math.exp(rng.gauss(0, .08))
        else:
            value = ig.ratio(day) * limit * math.exp(rng.gauss(0, .3))
        limit_text = "" if rng.random() < .04 else str(limit)
        chart.labs.append((day, analyte, lab_value(value, 0 if analyte == "IGG" else 5), limit_text))


def _count_days(rng, therapy, last: int) -> list:
    days, day = [], therapy.induction
    while day < therapy.index and day <= last:
        if rng.random() < .92:
            days.append(day)
        day += 14 + between(rng, -3, 3)
    day = therapy.index
    while day <= min(last, therapy.maintenance_end):
        if rng.random() < .92:
            days.append(day)
        day += 28 + between(rng, -3, 3)
    day += between(rng, 30, 90)
    while day <= last:
        days.append(day)
        day += between(rng, 60, 120)
    return days


def _anc_median(therapy, day: int) -> float:
    for kind, start, end in reversed(therapy.phases):
        if start <= day <= end:
            nadir_from, nadir_to, nadir, otherwise = _ANC_BY_PHASE[kind]
            return nadir if nadir_from <= day - start < nadir_to else otherwise
    if therapy.index <= day <= therapy.maintenance_end:
        return 1500.0
    return 1400.0 if day < therapy.index else 3200.0
