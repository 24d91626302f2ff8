"""Children with ALL in first remission through COG-style therapy to maintenance (Kaiser Permanente
study), one chart at a time.

Induction, consolidation, interim maintenance (with high-dose methotrexate on some protocols),
delayed intensification (double on some high-risk protocols), then maintenance until 2 years (girls)
or 3 years (boys) after interim maintenance began. About 30% receive monthly IVIG during maintenance;
the paper found that more likely after double-delayed intensification, after bacteremia or fungemia
before maintenance, for high-risk disease, and at some Medical Centers more than others.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._common import CUTOFF, Chart, Infection, Pick, between, day_of, logistic, number, poisson_days
from ._organisms import (CHILD_BACTEREMIA, CHILD_FUNGEMIA, CHILD_OUTPATIENT_CLINICAL_SITE,
                         CHILD_OUTPATIENT_DOCUMENTED, CHILD_VIRUSES, REACTION)
from ._pediatric_labs import pediatric_labs

DIAGNOSIS_FIRST, DIAGNOSIS_LAST = day_of(2008, 1, 1), day_of(2021, 6, 30)
RACE = Pick({"HISPANIC": .6, "WHITE": .25, "ASIAN": .07, "AFRICAN_AMERICAN": .05, "PACIFIC_ISLANDER": .015,
             "OTHER": .01, "UNKNOWN": .015})
SETTING = Pick({"CLINIC": .85, "INPATIENT": .13, "UNKNOWN": .02})
INDICATION = Pick({"LOW_IGG": .4, "INFECTION": .4, "VIRAL_EXPOSURE": .1, "PRE_EMPTIVE": .1})
REACTION_GRADE = Pick({1: .1, 2: .8, 3: .1})  # paper: 1 grade 1, 8 grade 2, 1 grade 3
GRADE_BACTEREMIA = Pick({3: .7, 4: .29, 5: .01})
GRADE_FUNGEMIA = Pick({3: .6, 4: .35, 5: .05})
GRADE_VIRAL = Pick({1: .4, 2: .55, 3: .05})
IVIG_LOG_ODDS = -1.75  # sets about 30% of children in the IVIG cohort (paper: 36 of 118)

# Events per patient-year before maintenance (intensive phases) and during it: the paper's Tables 2-3
# (bacteremia 0.26-0.89 per child before, 0.15-0.25 during; about 2 admissions before, 1.7 during;
# about 4.7 outpatient-treated infections during maintenance).
RATES_BEFORE = {"fn": 1.9, "bacteremia": .55, "fungemia": .03, "outpatient": .9, "viral": .35}
RATES_DURING = {"fn": .65, "bacteremia": .09, "fungemia": .004, "outpatient": 2.4, "viral": .6}
RATES_AFTER = {"fn": .02, "bacteremia": .01, "outpatient": 1.0, "viral": .5}  # off therapy


@dataclass(slots=True)
class Therapy:
    induction: int
    index: int  # first day of maintenance
    maintenance_end: int
    ddi: bool
    phases: list = field(default_factory=list)  # (kind, start, end) for the blood counts


def pediatric_chart(rng, site) -> Chart:
    diagnosis = between(rng, DIAGNOSIS_FIRST, DIAGNOSIS_LAST)
    age = _age_at_diagnosis(rng)
    sex = "M" if rng.random() < .53 else "F"
    t_cell = rng.random() < .1
    high_risk = t_cell or rng.random() < (.85 if age >= 10 or age < 1 else .25)
    cns = rng.random() < (.04 if high_risk else .01)
    chart = Chart(site.code, sex, diagnosis - int(age * 365.25), diagnosis,
                  _details(rng, diagnosis, high_risk, cns, t_cell), last_followup=diagnosis)
    therapy = _front_line(rng, chart, sex, high_risk, cns, t_cell)
    _follow_up(rng, chart, therapy)
    frailty = rng.gammavariate(2.0, .5) * (1.25 if high_risk else 1.0)
    before = frailty * (1.3 if therapy.ddi else 1.0)
    # Every child reaches maintenance (the study's inclusion rule), so none dies of infection before it.
    blood_before = _infections(rng, chart, diagnosis, therapy.index - 1, before, RATES_BEFORE, worst_grade=4)
    _infections(rng, chart, therapy.index, therapy.maintenance_end, frailty, RATES_DURING)
    _infections(rng, chart, therapy.maintenance_end + 1, chart.last_followup, frailty, RATES_AFTER)
    chart.settle_infection_death(rng)
    low_igg = rng.gauss(0, 1)  # how far this child's IgG falls; also moves clinicians to give IVIG
    log_odds = (IVIG_LOG_ODDS + 1.7 * therapy.ddi + 1.1 * (blood_before > 0) + .45 * high_risk + .75 * low_igg
                + site.ivig_log_odds)
    doses: list = []
    _infection_dose_before(rng, chart, therapy, doses)
    if rng.random() < logistic(log_odds):
        _maintenance_ivig(rng, chart, therapy, blood_before, doses)
    pediatric_labs(rng, chart, site, therapy, low_igg, doses)
    return chart


def _age_at_diagnosis(rng) -> float:
    """Childhood ALL peaks at 2-5 years; the study took 9 months to 19 years."""
    age = rng.lognormvariate(1.44, .45) if rng.random() < .55 else rng.uniform(1, 18.5)
    return min(19.8, max(.75, age))


def _protocol(rng, diagnosis: int, high_risk: bool, t_cell: bool) -> str:
    """The Children's Oncology Group trial open for the child's risk group when diagnosed."""
    if rng.random() < .08:
        return ""
    year = 2008 + (diagnosis - DIAGNOSIS_FIRST) / 365.25
    if t_cell:
        return "AALL0434" if year < 2014 else "AALL1231"
    if year < 2010.5:
        return "AALL0232" if high_risk else "AALL0331"
    if year < 2019:
        return "AALL1131" if high_risk else "AALL0932"
    return "AALL1732" if high_risk else "AALL1731"


def _details(rng, diagnosis: int, high_risk: bool, cns: bool, t_cell: bool) -> tuple:
    return (RACE(rng), "", "", "", "FIRST_COMPLETE_REMISSION", "", "no", "", "no", "no", "",
            "yes" if high_risk else "no", "yes" if cns else "no", _protocol(rng, diagnosis, high_risk, t_cell))


def _delay(rng) -> int:
    return 1 + int(rng.expovariate(1 / 12))


def _front_line(rng, chart: Chart, sex: str, high_risk: bool, cns: bool, t_cell: bool) -> Therapy:
    therapy = Therapy(induction=chart.diagnosis + between(rng, 1, 5), index=0, maintenance_end=0, ddi=False)

    def course(kind: str, start: int, days: int) -> int:
        chart.courses.append((kind, start, start + days, None))
        therapy.phases.append((kind, start, start + days))
        return start + days

    end = course("INDUCTION", therapy.induction, 28)
    end = course("CONSOLIDATION", end + _delay(rng), 56 if high_risk else 28)
    interim = end + _delay(rng)
    if rng.random() < (.55 if high_risk else .1):
        end = course("HIGH_DOSE_METHOTREXATE", interim, 56)
        for dose in range(4):  # four methotrexate infusions, two weeks apart, each a short admission
            chart.admit(interim + 14 * dose, interim + 14 * dose + 3, "TREATMENT")
    else:
        end = interim + 56  # Capizzi interim maintenance: not a course kind of FORMAT.md
    start = end + _delay(rng)
    end = course("DELAYED_INTENSIFICATION", start, 56)
    if cns or (t_cell and rng.random() < .5) or (high_risk and rng.random() < .04):
        course("CRANIAL_IRRADIATION", start + between(rng, 5, 14), 11)
    therapy.ddi = rng.random() < (.16 if high_risk else .02)
    if therapy.ddi:
        end = course("DOUBLE_DELAYED_INTENSIFICATION", end + _delay(rng) + 56 + _delay(rng), 56)
    therapy.index = end + _delay(rng)
    years = 2 if sex == "F" else 3
    therapy.maintenance_end = max(therapy.index + 200, interim + 365 * years + between(rng, -20, 20))
    return therapy


def _follow_up(rng, chart: Chart, therapy: Therapy) -> None:
    """Maintenance to its end (or relapse, then salvage therapy); last visit within months of it."""
    if rng.random() < .05:
        relapse = therapy.index + between(rng, 200, max(201, therapy.maintenance_end - therapy.index - 1))
        therapy.maintenance_end = relapse
        salvage = relapse + between(rng, 3, 14)
        chart.courses.append(("OTHER_THERAPY", salvage, salvage + between(rng, 90, 200), None))
        therapy.phases.append(("OTHER_THERAPY", salvage, salvage + 200))
        if rng.random() < .5:
            hsct = relapse + between(rng, 100, 180)
            chart.courses.append(("HSCT", hsct, hsct, None))
        chart.last_followup = min(relapse + between(rng, 150, 900), CUTOFF)
        if rng.random() < .35:
            chart.death = chart.last_followup
    else:
        chart.last_followup = min(therapy.maintenance_end + between(rng, 0, 180), CUTOFF)
    chart.courses.append(("MAINTENANCE", therapy.index, therapy.maintenance_end, None))


def _infections(rng, chart: Chart, start: int, end: int, frailty: float, rates: dict, worst_grade: int = 5) -> int:
    """Adds the period's infections (and their admissions); returns its bacteremias and fungemias."""
    blood = 0
    for kind, rate in rates.items():
        for day in poisson_days(rng, start, end, rate * frailty):
            infection = _INFECTION_MAKERS[kind](rng, day)
            infection.grade = min(infection.grade, worst_grade)
            chart.infections.append(infection)
            blood += infection.bacteremia_or_fungemia
            if not infection.treated_outpatient:
                stay = 2 + int(rng.expovariate(1 / 3)) if kind == "fn" else 4 + int(rng.expovariate(1 / 5))
                reason = "FEBRILE_NEUTROPENIA" if kind == "fn" else "INFECTION"
                chart.admit(day, day + min(stay, 40), reason)
    return blood


def _febrile_neutropenia(rng, day: int) -> Infection:
    grade = 3 if rng.random() < .92 else 4  # CTCAE v5: febrile neutropenia is grade 3 at least
    return Infection(day, grade, "UNKNOWN", "", "UNKNOWN", False, False, True, False, True,
                     rng.random() < .05, False, grade == 4 and rng.random() < .2)


def _bloodstream(rng, day: int, fungal: bool) -> Infection:
    grade = GRADE_FUNGEMIA(rng) if fungal else GRADE_BACTEREMIA(rng)
    organism = CHILD_FUNGEMIA(rng) if fungal else CHILD_BACTEREMIA(rng)
    return Infection(day, grade, "FUNGAL" if fungal else "BACTERIAL", organism, "BLOODSTREAM", True, True,
                     rng.random() < .75, False, True, fungal or rng.random() < .05, False,
                     rng.random() < {3: .02, 4: .3, 5: .8}[grade])


def _outpatient(rng, day: int) -> Infection:
    grade = 2 if rng.random() < .9 else 1
    if rng.random() < .45:
        site, organism = CHILD_OUTPATIENT_DOCUMENTED(rng)
        return Infection(day, grade, "BACTERIAL", organism, site, True, False, False, True, True, False, False, False)
    return Infection(day, grade, "UNKNOWN", "", CHILD_OUTPATIENT_CLINICAL_SITE(rng), False, False, False, True,
                     True, False, False, False)


def _viral(rng, day: int) -> Infection:
    site, organism = CHILD_VIRUSES(rng)
    grade = GRADE_VIRAL(rng)
    antiviral = organism in ("Influenza A", "Influenza B", "Varicella zoster virus") and rng.random() < .8
    return Infection(day, grade, "VIRAL", organism, site, True, False, False, grade <= 2, rng.random() < .1,
                     False, antiviral, False)


_INFECTION_MAKERS = {
    "fn": _febrile_neutropenia,
    "bacteremia": lambda rng, day: _bloodstream(rng, day, fungal=False),
    "fungemia": lambda rng, day: _bloodstream(rng, day, fungal=True),
    "outpatient": _outpatient,
    "viral": _viral,
}


def _dose(rng, chart: Chart, day: int, setting: str, indication: str, doses: list) -> None:
    text = "400" if rng.random() < .97 else number(400 * rng.uniform(.9, 1.25))  # COG: 400 mg/kg
    grade = reaction = None
    if setting == "CLINIC" and rng.random() < .03:  # paper: 96.8% of clinic doses without reaction
        grade, reaction = REACTION_GRADE(rng), REACTION(rng)
    chart.doses.append((day, text, setting, indication, grade, reaction or ""))
    doses.append((day, float(text)))


def _infection_dose_before(rng, chart: Chart, therapy: Therapy, doses: list) -> None:
    """A single inpatient dose for a bloodstream infection before maintenance (outside the window)."""
    for infection in chart.infections:
        if infection.bacteremia_or_fungemia and infection.onset < therapy.index - 5 and rng.random() < .08:
            _dose(rng, chart, infection.onset + between(rng, 1, 4), "INPATIENT", "INFECTION", doses)
            return


def _maintenance_ivig(rng, chart: Chart, therapy: Therapy, blood_before: int, doses: list) -> None:
    """Monthly doses from a start during maintenance until chemotherapy ends, IgG recovers, a single
    dose suffices, or the family declines (paper: 10.5 doses on average, 1 to 31)."""
    indication = "PRE_EMPTIVE" if blood_before and rng.random() < .4 else INDICATION(rng)
    last = min(therapy.maintenance_end, chart.last_followup)
    if last <= therapy.index:  # died before maintenance
        return
    start = therapy.index + between(rng, 7, max(8, int(.5 * (last - therapy.index))))
    if indication == "INFECTION":
        serious = [i.onset for i in chart.infections if i.grade >= 3 and therapy.index <= i.onset < last - 21]
        if serious:
            start = rng.choice(serious) + between(rng, 3, 21)
    count = 1 if indication == "VIRAL_EXPOSURE" or rng.random() < .08 else 2 + int(rng.expovariate(1 / 16))
    later = indication if indication != "INFECTION" else ("PRE_EMPTIVE" if rng.random() < .5 else "LOW_IGG")
    day = min(start, last)
    for number_ in range(min(count, 36)):
        if day > last:
            break
        _dose(rng, chart, day, SETTING(rng), indication if number_ == 0 else later, doses)
        day += 28 + between(rng, -2, 3)
