"""Adults given blinatumomab for B-ALL (Wo et al., Blood Res 2022), one chart at a time.

Blinatumomab runs as 28-day continuous infusions with at least 14 days between cycles; from 2018 the
centre gave IVIG 400 mg/kg the day before each cycle; patients then go on to HSCT or another line of
therapy. B-cell depletion drives IgG, IgA and IgM down towards a floor (each at its own half-life),
IVIG adds a bump that decays with IgG's half-life, and recovery starts months after therapy ends.
"""
from __future__ import annotations

import math

from ._adult_labs import adult_labs
from ._common import CUTOFF, Chart, Infection, Pick, between, day_of, logistic, number, poisson_days
from ._organisms import ADULT_ORGANISMS, ADULT_SITES, REACTION

INDEX_FIRST, INDEX_LAST = day_of(2015, 7, 1), day_of(2024, 6, 30)
PRACTICE_CHANGE = day_of(2018, 1, 1)  # paper, Methods: IVIG before each cycle from 2018

STATUS = Pick({"MRD_POSITIVE": .62, "RELAPSED_REFRACTORY": .25, "CONSOLIDATION_MAINTENANCE": .13})
RESPONSE_RATE = {"MRD_POSITIVE": .8, "RELAPSED_REFRACTORY": .75, "CONSOLIDATION_MAINTENANCE": .92}
RACE = Pick({"WHITE": .38, "HISPANIC": .18, "AFRICAN_AMERICAN": .14, "ASIAN": .12, "OTHER": .13,
             "PACIFIC_ISLANDER": .01, "UNKNOWN": .04})
MDR = Pick({"NONE": .74, "ESBL": .07, "MRSE": .1, "MRSA": .02, "VRE": .02, "CRE": .01, "OTHER": .01, "": .03})
CYCLES = Pick({1: .28, 2: .38, 3: .12, 4: .09, 5: .06, 6: .04, 7: .02, 8: .01})
LEAD_DAYS = Pick({1: .86, 0: .07, 2: .07})  # IVIG the day before the cycle, held if the cycle slips
SETTING = Pick({"CLINIC": .88, "INPATIENT": .1, "UNKNOWN": .02})
GRADE = Pick({1: .24, 2: .19, 3: .34, 4: .19, 5: .04})  # paper, Table 3: severity incidence
MILD_GRADE = Pick({1: .45, 2: .36, 3: .14, 4: .04, 5: .01})
BLOOD_GRADE = Pick({2: .06, 3: .52, 4: .35, 5: .07})
DOCUMENTED_CLASS = Pick({"VIRAL": .51, "BACTERIAL": .43, "FUNGAL": .04, "PARASITIC": .02})
ANTIVIRAL_TARGETS = frozenset({"Influenza A", "Influenza B", "Cytomegalovirus", "Herpes simplex virus",
                               "Varicella zoster virus", "SARS-CoV-2", "Respiratory syncytial virus"})


def adult_chart(rng, site) -> Chart:
    status = STATUS(rng)
    index = between(rng, INDEX_FIRST, INDEX_LAST)
    sex = "M" if rng.random() < .52 else "F"
    age_days = int(min(85.0, max(18.0, rng.gauss(52, 15))) * 365.25) + rng.randrange(365)
    years_ill = {"MRD_POSITIVE": 0.7, "RELAPSED_REFRACTORY": 2.0, "CONSOLIDATION_MAINTENANCE": 0.6}[status]
    since_diagnosis = min(int(120 + 365 * rng.expovariate(1 / years_ill)), 4000, age_days - 400)
    ph = rng.random() < .3
    cd20 = rng.random()
    anti_cd20 = "" if cd20 < .03 else ("0" if cd20 < .58 else str(between(rng, 1, 8)))  # paper: 43% had some
    chart = Chart(site.code, sex, index - age_days, index - since_diagnosis,
                  _details(rng, sex, status, ph, anti_cd20), last_followup=index)
    responded = rng.random() < RESPONSE_RATE[status]
    cycles = _blinatumomab(rng, chart, index, responded)
    last_end = cycles[-1][1]
    # Blinatumomab starts in hospital: 3 days for MRD, 9 for relapsed disease (label), often cycle 2 too.
    chart.admit(index, index + (9 if status == "RELAPSED_REFRACTORY" else 3), "TREATMENT")
    if len(cycles) > 1 and rng.random() < .3:
        chart.admit(cycles[1][0], cycles[1][0] + 2, "TREATMENT")
    _responses(rng, chart, status, ph, responded, cycles)
    next_line, hsct, other = _next_line(rng, chart, status, responded, last_end)
    chart.last_followup = min(last_end + between(rng, 60, 720), CUTOFF)
    dies = rng.random() < (.08 if responded else .3) + (.12 if status == "RELAPSED_REFRACTORY" else 0)
    if dies:
        chart.death = chart.last_followup
    window_end = min(next_line - 1 if next_line else chart.last_followup, chart.last_followup)
    doses = _ivig(rng, chart, site, index, cycles, window_end, next_line, hsct)
    _infections(rng, chart, status, index, last_end, hsct)
    chart.settle_infection_death(rng)
    adult_labs(rng, chart, site, index, cycles, hsct, other, doses, anti_cd20 not in ("", "0"))
    return chart


def _details(rng, sex: str, status: str, ph: bool, anti_cd20: str) -> tuple:
    height = rng.gauss(176, 7.5) if sex == "M" else rng.gauss(162, 7)
    weight = min(45.0, max(16.5, rng.gauss(26.5, 4.8))) * (height / 100) ** 2
    relapsed = status == "RELAPSED_REFRACTORY"
    lines = 1 + min(4, int(rng.expovariate(1 / (1.2 if relapsed else .5))))
    return (
        RACE(rng),
        "" if rng.random() < .03 else str(round(height)),
        "" if rng.random() < .03 else number(weight),
        "" if rng.random() < .02 else ("yes" if ph else "no"),
        status,
        str(lines),
        "yes" if rng.random() < (.25 if relapsed else .1) else "no",
        anti_cd20,
        "yes" if rng.random() < .02 else "no",
        "yes" if rng.random() < .01 else "no",
        MDR(rng),
        "", "", "",  # high risk, CNS disease and protocol are pediatric items
    )


def _blinatumomab(rng, chart: Chart, index: int, responded: bool) -> list[tuple[int, int]]:
    """28-day cycles (start .. start + 27) with a 14-day break or longer; some stop early."""
    count = CYCLES(rng) if responded else rng.choice((1, 1, 2))
    cycles, start = [], index
    for number_ in range(1, count + 1):
        stopped = rng.random() < .05
        end = start + (between(rng, 6, 26) if stopped else 27)
        cycles.append((start, end))
        chart.courses.append(("BLINATUMOMAB", start, end, number_))
        if stopped:
            break
        start = end + 15 + (0 if rng.random() < .6 else int(rng.expovariate(1 / 20)))
    return cycles


def _responses(rng, chart: Chart, status: str, ph: bool, responded: bool, cycles) -> None:
    """First assessment after cycle 1 (paper, Table 4: median about 5 weeks), then a few repeats."""
    day = cycles[0][1] + between(rng, 1, 20)
    if status == "RELAPSED_REFRACTORY":
        best = "COMPLETE_RESPONSE" if rng.random() < .6 else "COMPLETE_RESPONSE_MRD_POSITIVE"
    else:
        best = "MRD_NEGATIVE"
    if not responded:
        partial = status == "MRD_POSITIVE" and ph and rng.random() < .4
        chart.responses.append((day, "PARTIAL_RESPONSE" if partial else "NO_RESPONSE"))
        return
    if len(cycles) > 1 and rng.random() < .15:
        chart.responses.append((day, "NO_RESPONSE"))
        day = cycles[1][1] + between(rng, 1, 20)
    chart.responses.append((day, best))
    for _ in range(rng.choice((0, 1, 1, 2))):
        day += between(rng, 50, 70)
        chart.responses.append((day, "MRD_NEGATIVE" if best != "COMPLETE_RESPONSE" else best))


def _next_line(rng, chart: Chart, status: str, responded: bool, last_end: int):
    """HSCT or another line of therapy after blinatumomab (paper, Table 4); returns the day the next
    line starts (ends the exposure window), the HSCT day and the other therapy's (start, end)."""
    hsct = other = None
    p_hsct = (.35 if status == "CONSOLIDATION_MAINTENANCE" else .68) if responded else .2
    r = rng.random()
    if r < p_hsct:
        hsct = last_end + 14 + int(rng.expovariate(1 / 50))
        chart.courses.append(("HSCT", hsct, hsct, None))
        chart.admit(hsct - 8, hsct + between(rng, 18, 35), "TREATMENT")
        if rng.random() < .12:  # relapse after transplant
            start = hsct + between(rng, 90, 600)
            other = (start, start + between(rng, 60, 180))
    elif r < p_hsct + (.06 if responded else .55):
        start = last_end + 14 + int(rng.expovariate(1 / 90))
        other = (start, start + between(rng, 60, 180))
    if other is not None:
        chart.courses.append(("OTHER_THERAPY", other[0], other[1], None))
    starts = [day for day in (hsct, other[0] if other else None) if day is not None]
    return (min(starts) if starts else None), hsct, other


def _dose_text(rng) -> str:
    """400 mg/kg, rounded to the nearest vial size on ideal body weight now and then."""
    r = rng.random()
    return "400" if r < .94 else ("500" if r < .96 else number(400 * rng.uniform(.85, 1.1)))


def _dose(rng, chart: Chart, day: int, setting: str, indication: str, doses: list) -> None:
    text = _dose_text(rng)
    grade = reaction = None
    if rng.random() < .04:  # paper: reactions in 4 of 17 IVIG patients, all grade 2 (a few grade 1 here)
        grade, reaction = (2 if rng.random() < .85 else 1), REACTION(rng)
    chart.doses.append((day, text, setting, indication, grade, reaction or ""))
    doses.append((day, float(text)))


def _ivig(rng, chart: Chart, site, index: int, cycles, window_end: int, next_line, hsct) -> list:
    doses: list = []
    p = .4 if index < PRACTICE_CHANGE else .88
    if rng.random() < logistic(math.log(p / (1 - p)) + site.ivig_log_odds):
        _pre_cycle_doses(rng, chart, cycles, window_end, doses)
    else:
        _control_doses(rng, chart, index, next_line, hsct, doses)
    return doses


def _pre_cycle_doses(rng, chart: Chart, cycles, window_end: int, doses: list) -> None:
    covered = [True] * len(cycles) if rng.random() < .76 else [rng.random() < .5 for _ in cycles]
    if not any(covered):
        covered[rng.randrange(len(covered))] = True
    extra_mid_cycle = rng.random() < .12
    for number_, ((start, end), given) in enumerate(zip(cycles, covered), start=1):
        if given:
            setting = ("INPATIENT" if rng.random() < .8 else "CLINIC") if number_ == 1 else SETTING(rng)
            _dose(rng, chart, start - LEAD_DAYS(rng), setting, "PRE_EMPTIVE" if rng.random() < .92 else "LOW_IGG",
                  doses)
            if extra_mid_cycle and end - start > 20:
                _dose(rng, chart, start + between(rng, 14, 20), "CLINIC", "LOW_IGG", doses)
    if rng.random() < .1:  # monthly repletion after the last cycle, up to the next line of therapy
        day = cycles[-1][1] + between(rng, 14, 30)
        for _ in range(between(rng, 1, 6)):
            if day > window_end:
                break
            _dose(rng, chart, day, SETTING(rng), "LOW_IGG", doses)
            day += between(rng, 28, 35)


def _control_doses(rng, chart: Chart, index: int, next_line, hsct, doses: list) -> None:
    """IVIG outside the exposure window: a month before it, after transplant, or on the day the next
    line starts (DEFINITIONS.md counts that day as outside)."""
    if rng.random() < .04:
        _dose(rng, chart, index - between(rng, 31, 75), "CLINIC", "LOW_IGG", doses)
    if hsct is not None and rng.random() < .1:
        day = hsct + between(rng, 30, 90)
        for _ in range(between(rng, 1, 4)):
            _dose(rng, chart, day, "CLINIC", "LOW_IGG", doses)
            day += between(rng, 28, 35)
    elif next_line is not None and rng.random() < .02:
        _dose(rng, chart, next_line, "INPATIENT", "OTHER", doses)


def _infections(rng, chart: Chart, status: str, index: int, last_end: int, hsct) -> None:
    rate = rng.gammavariate(1.3, 3.4 / 1.3) * (1.4 if status == "RELAPSED_REFRACTORY" else 1.0)
    last = chart.last_followup
    days = poisson_days(rng, index, min(last, last_end + 365), rate)
    days += poisson_days(rng, last_end + 366, last, rate * .3)
    if hsct is not None:
        days += poisson_days(rng, hsct, min(last, hsct + 100), 3.0)
    for day in days:
        _add_infection(rng, chart, day, before_index=False)
    if rng.random() < .1:
        _add_infection(rng, chart, index - between(rng, 1, 60), before_index=True)


def _add_infection(rng, chart: Chart, day: int, before_index: bool) -> None:
    documented = rng.random() < .93  # the paper collected documented infections; a few suspected ones
    if documented:
        kind = DOCUMENTED_CLASS(rng)
        site = ADULT_SITES[kind](rng)
        organism = ADULT_ORGANISMS[(kind, site)](rng)
    else:
        kind, organism = "UNKNOWN", ""
        site = "UNKNOWN" if rng.random() < .7 else "LOWER_RESPIRATORY"
    blood = site == "BLOODSTREAM" and kind in ("BACTERIAL", "FUNGAL")
    grade = (BLOOD_GRADE if blood else MILD_GRADE if site == "UPPER_RESPIRATORY" else GRADE)(rng)
    if before_index:
        grade = min(grade, 4)
    fn = rng.random() < (.4 if blood else .7 if not documented else .05)
    outpatient = grade <= 2 and rng.random() < .6
    chart.infections.append(Infection(
        day, grade, kind, organism, site, documented, blood, fn, outpatient,
        rng.random() < (.92 if kind in ("BACTERIAL", "UNKNOWN") else .1),
        rng.random() < (.95 if kind == "FUNGAL" else .03),
        organism in ANTIVIRAL_TARGETS and rng.random() < .7,
        rng.random() < {3: .05, 4: .35, 5: .75}.get(grade, 0.0),
    ))
    if grade >= 3 and not outpatient:
        stay = {3: between(rng, 3, 10), 4: between(rng, 7, 25)}.get(grade, 30)
        chart.admit(day, day + stay, "FEBRILE_NEUTROPENIA" if fn else "INFECTION")

