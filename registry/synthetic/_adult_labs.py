"""Adult laboratory results: immunoglobulins through blinatumomab, ANC through cycles and HSCT.

Blinatumomab depletes CD19+ B cells within days (paper, Discussion), so production stops and each
immunoglobulin decays towards a floor at its own serum half-life (IgG about 3 weeks, IgA and IgM
about a week); recovery takes more than a year. An IVIG dose adds to IgG and decays with IgG's
half-life, which gives the post-IVIG bumps of the paper's Figure 1.
"""
from __future__ import annotations

import math

from ._common import Chart, between, lab_value

HALF_LIFE_DAYS = {"IGG": 21.0, "IGA": 6.0, "IGM": 5.0}
IVIG_RISE_PER_MG_KG = 1.4  # mg/dL of IgG just after the infusion, per mg/kg given
IVIG_HALF_LIFE_DAYS = 24.0  # paper, Discussion: IVIG half-life 21 to 33 days
LIMITS = {"IGG": "700", "IGA": "70", "IGM": "40"}  # DEFINITIONS.md: adult thresholds, fixed
DETECTION_LIMIT = {"IGG": 0, "IGA": 5, "IGM": 5}  # paper, Table 2: "<5" below detection


class AdultImmunoglobulins:
    __slots__ = ("baseline", "floor", "index", "recovery", "doses")

    def __init__(self, rng, index: int, recovery: int, doses: list, anti_cd20: bool):
        self.index, self.recovery, self.doses = index, recovery, doses
        self.baseline = {
            "IGG": min(2600.0, max(150.0, rng.lognormvariate(math.log(730), .38) * (.8 if anti_cd20 else 1))),
            "IGA": min(700.0, max(8.0, rng.lognormvariate(math.log(125), .5))),
            "IGM": min(300.0, max(4.0, rng.lognormvariate(math.log(48), .6))),
        }
        self.floor = {"IGG": rng.uniform(.3, .65), "IGA": rng.uniform(.03, .35), "IGM": rng.uniform(.02, .3)}

    def level(self, analyte: str, day: int) -> float:
        level = base = self.baseline[analyte]
        if day > self.index:
            floor = self.floor[analyte]
            remaining = 2.0 ** (-(day - self.index) / HALF_LIFE_DAYS[analyte])
            recovered = .9 * min(1.0, max(0.0, (day - self.recovery) / 400))
            level = base * (floor + (1 - floor) * max(remaining, recovered))
        if analyte == "IGG":
            for given, dose in self.doses:
                if given <= day:
                    level += IVIG_RISE_PER_MG_KG * dose * 2.0 ** (-(day - given) / IVIG_HALF_LIFE_DAYS)
        return level


def adult_labs(rng, chart: Chart, site, index: int, cycles, hsct, other, doses: list, anti_cd20: bool) -> None:
    last = chart.death if chart.death is not None else chart.last_followup
    last_end = cycles[-1][1]
    recovery = (hsct + 200) if hsct is not None else last_end + between(rng, 90, 240)
    ig = AdultImmunoglobulins(rng, index, recovery, sorted(doses), anti_cd20)
    panels, anc_days = _schedule(rng, site, index, cycles, hsct, last)
    for day, full in panels:
        if day <= last:
            _panel(rng, chart, ig, day, full)
    anc_base = rng.lognormvariate(math.log(2800), .4)
    for day in anc_days:
        if day <= last:
            value = anc_base * _neutrophil_factor(rng, day, cycles, hsct, other)
            chart.labs.append((day, "ANC", str(max(10, round(value))), ""))


def _schedule(rng, site, index: int, cycles, hsct, last: int):
    """Immunoglobulin panels (day, with IgA/IgM) and ANC days: a baseline within the 90 days before
    blinatumomab, weekly counts and a mid-cycle panel on therapy, then every 3-7 weeks in the year of
    follow-up (DEFINITIONS.md) and every 1.5-3 months after it."""
    panels, anc_days = [], []
    if rng.random() < .92:
        panels.append((index - between(rng, 0, 45), True))
    if rng.random() < .2:
        panels.append((index - between(rng, 60, 120), True))
    for start, end in cycles:
        anc_days += [start + offset for offset in (0, 7, 14, 21) if start + offset <= end and rng.random() < .85]
        if end - start >= 14 and rng.random() < .9:
            panels.append((start + 14 + between(rng, -2, 2), rng.random() < .75))
    follow_end = cycles[-1][1] + 365
    stretch = 1 / min(1.4, max(.7, site.lab_frequency))
    day = cycles[-1][1] + between(rng, 14, 35)
    while day <= last:
        panels.append((day, rng.random() < .7))
        anc_days.append(day + rng.choice((0, 0, 0, 1, 2)))
        day += int(between(rng, 21, 49) * stretch) if day <= follow_end else between(rng, 45, 100)
    if hsct is not None:
        anc_days += [hsct + offset for offset in (3, 7, 14, 21, 28) if rng.random() < .9]
    return panels, anc_days


def _panel(rng, chart: Chart, ig: AdultImmunoglobulins, day: int, full: bool) -> None:
    analytes = ("IGG", "IGA", "IGM") if full else ("IGG",)
    for analyte in analytes:
        if analyte != "IGG" and rng.random() < .08:
            continue
        value = ig.level(analyte, day) * math.exp(rng.gauss(0, .07))
        limit = "" if rng.random() < .04 else LIMITS[analyte]
        chart.labs.append((day, analyte, lab_value(value, DETECTION_LIMIT[analyte]), limit))
        if analyte == "IGG" and rng.random() < .005:  # a repeat sample the same day
            repeat = ig.level(analyte, day) * math.exp(rng.gauss(0, .07))
            chart.labs.append((day, analyte, lab_value(repeat), limit))


def _neutrophil_factor(rng, day: int, cycles, hsct, other) -> float:
    """Aplasia for about 18 days after HSCT, then engraftment; chemotherapy of a next line; mild
    neutropenia on blinatumomab."""
    if hsct is not None and hsct <= day <= hsct + 18:
        return rng.uniform(.002, .12)
    if hsct is not None and hsct < day <= hsct + 35:
        return rng.uniform(.2, 1.0)
    if other is not None and other[0] <= day <= other[1]:
        return .3 * math.exp(rng.gauss())
    for start, end in cycles:
        if start <= day <= end:
            return .8 * math.exp(.6 * rng.gauss())
    return math.exp(.45 * rng.gauss())
