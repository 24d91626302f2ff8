"""The adult blinatumomab study's Tables 1-4 and Results-text rows (Wo et al., Blood Res 2022),
written from DEFINITIONS.md with pandas, numpy and scipy only.

Every endpoint is one value per patient, in arrays aligned with `frames.patients`; `Rows` turns an
array into a row over the IVIG, control and all-patient cohorts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (Policy, Rows, count_figures, day_numbers, first_day, last_day, one_per_patient,
                     per_patient_count, sort_key, with_positions, yes)

IMMUNOGLOBULINS = {"IGA": 70.0, "IGM": 40.0, "IGG": 700.0}  # adult "< T" thresholds, mg/dL
LABELS = {"IGA": "IgA", "IGM": "IgM", "IGG": "IgG"}
SITES = ("BLOODSTREAM", "UPPER_RESPIRATORY", "LOWER_RESPIRATORY", "URINARY", "GASTROINTESTINAL", "BONE",
         "INTRA_ABDOMINAL", "MOUTH", "SKIN_SOFT_TISSUE")
ORGANISMS = ("VIRAL", "BACTERIAL", "FUNGAL", "PARASITIC")
OTHER_MDR_CODES = ("MRSA", "VRE", "CRE", "OTHER")
RESPONSE_OF = {"MRD_POSITIVE": ("MRD_NEGATIVE",),
               "RELAPSED_REFRACTORY": ("COMPLETE_RESPONSE", "COMPLETE_RESPONSE_MRD_POSITIVE")}


def below(values: np.ndarray, below_detection: np.ndarray, threshold: float) -> np.ndarray:
    """The "< T" rule: `<N` is below T when N <= T."""
    return np.where(below_detection, values <= threshold, values < threshold)


class AdultStudy:
    """Windows and cohorts of DEFINITIONS.md, "Adult blinatumomab study"."""

    def __init__(self, frames):
        self.frames = frames
        self.patients = frames.patients.reset_index(drop=True)
        self.n = len(self.patients)
        self.last_fu = np.fmin(day_numbers(self.patients["last_followup_date"]),
                               day_numbers(self.patients["death_date"]))
        courses = with_positions(frames.treatment_courses, self.patients)
        self.course_pos = courses["pos"].to_numpy()
        self.course_kind = courses["kind"].to_numpy(dtype=object)
        self.course_start = day_numbers(courses["start_date"])
        end = day_numbers(courses["end_date"])
        self.course_end = np.where(np.isnan(end), self.last_fu[self.course_pos], end)  # ongoing
        blina = self.course_kind == "BLINATUMOMAB"
        self.index = first_day(self.course_pos[blina], self.course_start[blina], self.n)
        self.blina_end = last_day(self.course_pos[blina], self.course_end[blina], self.n)
        self.blina_courses = per_patient_count(self.course_pos[blina], self.n)
        after = np.isin(self.course_kind, ("OTHER_THERAPY", "HSCT")) & (
            self.course_start > self.blina_end[self.course_pos])
        self.next_line = first_day(self.course_pos[after], self.course_start[after], self.n)
        self.fu_end = np.fmin(self.last_fu, self.blina_end + 365)
        self.doses = self._doses_in_exposure()
        labs = with_positions(frames.labs, self.patients)
        self.labs = pd.DataFrame({  # the analyte as a categorical: selecting one compares small codes
            "analyte": pd.Categorical(labs["analyte"]), "pos": labs["pos"].to_numpy(),
            "day": day_numbers(labs["collected_on"]), "value": labs["value"].to_numpy(dtype=float),
            "below": labs["below_detection"].to_numpy(dtype=bool), "row_order": labs["row_order"].to_numpy()})
        on_ivig = per_patient_count(self.doses["pos"].to_numpy(), self.n) > 0
        self.cohort = np.where(np.isnan(self.index), None, np.where(on_ivig, "IVIG", "CONTROL"))

    def _doses_in_exposure(self) -> pd.DataFrame:
        """Doses from 30 days before the index date until the next line starts (that day outside)
        or last follow-up (included)."""
        doses = with_positions(self.frames.ivig_doses, self.patients)
        pos, day = doses["pos"].to_numpy(), day_numbers(doses["given_on"])
        next_line, last_fu = self.next_line[pos], self.last_fu[pos]
        inside = (day >= self.index[pos] - 30) & np.where(np.isnan(next_line), day <= last_fu, day < next_line)
        return doses[inside]

    def in_followup(self, pos: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (day >= self.index[pos]) & (day <= self.fu_end[pos])


def adult_rows(frames, policy: Policy) -> tuple[AdultStudy, list[dict]]:
    study = AdultStudy(frames)
    rows = Rows(study.cohort, "ADULT", policy)
    table_1(study, rows)
    table_2(study, rows)
    table_3(study, rows)
    table_4(study, rows)
    results_text(study, rows)
    return study, rows.rows


def _completed_years(birth: pd.Series, on: pd.Series) -> np.ndarray:
    before_birthday = (on.dt.month * 100 + on.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    return (on.dt.year - birth.dt.year - before_birthday.astype(int)).to_numpy(dtype=float)


def _recorded(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A nullable yes/no column as (flag, recorded)."""
    return yes(values), values.notna().to_numpy()


def table_1(study: AdultStudy, rows: Rows) -> None:
    p = study.patients
    index_date = pd.Series(pd.to_datetime(study.index, unit="D"))
    rows.median("T1", "t1_age", "Age at blinatumomab initiation, years", _completed_years(p["birth_date"], index_date))
    rows.count("T1", "t1_male", "Male", (p["sex"] == "M").to_numpy(), p["sex"].notna().to_numpy())
    bmi = (p["weight_kg"] / (p["height_cm"] / 100) ** 2).to_numpy(dtype=float)
    rows.median("T1", "t1_bmi", "BMI, kg/m2", bmi)
    rows.median("T1", "t1_followup_days", "Total follow up from blinatumomab initiation, days",
                study.last_fu - study.index)
    status = p["disease_status"].to_numpy(dtype=object)
    indicated = np.isin(status, tuple(RESPONSE_OF))  # footnote a: not consolidation/maintenance
    rows.count("T1", "t1_mrd_positive", "MRD (+)", status == "MRD_POSITIVE", indicated)
    rows.count("T1", "t1_relapsed_refractory", "Relapsed/refractory", status == "RELAPSED_REFRACTORY", indicated)
    rows.median("T1", "t1_prior_lines", "Number lines of prior therapy", p["prior_therapy_lines"].to_numpy(dtype=float))
    rows.count("T1", "t1_ph_positive", "Philadelphia chromosome (+)", *_recorded(p["philadelphia_positive"]))
    rows.count("T1", "t1_prior_hsct", "HSCT prior to blinatumomab", *_recorded(p["prior_hsct"]))
    mdr = p["mdr_organism"].to_numpy(dtype=object)
    recorded = p["mdr_organism"].notna().to_numpy()
    rows.count("T1", "t1_mdr_history", "History of MDR infection", recorded & (mdr != "NONE"), recorded)
    present = set(p["mdr_organism"].dropna())
    for code in ("ESBL", "MRSE") + tuple(c for c in OTHER_MDR_CODES if c in present):
        rows.count("T1", f"t1_mdr_{code.lower()}", code, mdr == code)
    doses = p["prior_anti_cd20_doses"].to_numpy(dtype=float)
    rows.count("T1", "t1_prior_anti_cd20", "Prior anti-CD20 therapy", doses >= 1, ~np.isnan(doses))
    rows.median("T1", "t1_anti_cd20_doses", "Number of doses", np.where(doses >= 1, doses, np.nan))
    rows.count("T1", "t1_multiple_myeloma", "Multiple myeloma", *_recorded(p["multiple_myeloma"]))


class Labs:
    """One analyte's results: patient, day, value, `<N` flag and file order, as numpy arrays."""

    def __init__(self, study: AdultStudy, analyte: str):
        labs = study.labs[study.labs["analyte"] == analyte]
        self.pos, self.day = labs["pos"].to_numpy(), labs["day"].to_numpy()
        self.value, self.below = labs["value"].to_numpy(), labs["below"].to_numpy()
        self.row_order = labs["row_order"].to_numpy()
        self.study = study

    def per_patient(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(value, below, day from index) of the rows `chosen` (one per patient), NaN elsewhere."""
        n, pos = self.study.n, self.pos[chosen]
        value, below_detection, day = np.full(n, np.nan), np.zeros(n, dtype=bool), np.full(n, np.nan)
        value[pos], below_detection[pos] = self.value[chosen], self.below[chosen]
        day[pos] = self.day[chosen] - self.study.index[pos]
        return value, below_detection, day

    def baseline(self, lookback: int = 90):
        """The last result on or before the index date, within `lookback` days before it."""
        index = self.study.index[self.pos]
        inside = np.flatnonzero((self.day >= index - lookback) & (self.day <= index))
        return self.per_patient(inside[one_per_patient(self.pos[inside], self.day[inside],
                                                       self.row_order[inside], last=True)])

    def followup(self) -> np.ndarray:
        return np.flatnonzero(self.study.in_followup(self.pos, self.day))

    def nadir(self):
        """The lowest result of the follow-up window, the first one when it recurs."""
        inside = self.followup()
        rank = sort_key(self.value[inside], self.below[inside])
        return self.per_patient(inside[one_per_patient(self.pos[inside], rank, self.day[inside],
                                                       self.row_order[inside])])

    def last(self):
        inside = self.followup()
        return self.per_patient(inside[one_per_patient(self.pos[inside], self.day[inside],
                                                       self.row_order[inside], last=True)])


def table_2(study: AdultStudy, rows: Rows) -> None:
    low_at_baseline, has_baseline = {}, {}
    for analyte, threshold in IMMUNOGLOBULINS.items():
        labs, name, key = Labs(study, analyte), LABELS[analyte], analyte.lower()
        value, below_detection, _ = labs.baseline()
        has_baseline[analyte] = ~np.isnan(value)
        low_at_baseline[analyte] = below(value, below_detection, threshold) & has_baseline[analyte]
        rows.median("T2", f"t2_baseline_{key}", f"Baseline {name}, mg/dL", value, below_detection)
        rows.count("T2", f"t2_baseline_{key}_low", f"Baseline {name} hypogammaglobulinemia",
                   low_at_baseline[analyte], has_baseline[analyte])
        value, below_detection, day = labs.nadir()
        rows.median("T2", f"t2_nadir_{key}", f"{name} nadir", value, below_detection)
        rows.median("T2", f"t2_nadir_{key}_day", f"{name} time to nadir, days", day)
        if analyte == "IGG":
            rows.count("T2", "t2_nadir_igg_below_500", "IgG <500 mg/dL", below(value, below_detection, 500.0),
                       ~np.isnan(value))
        value, below_detection, day = labs.last()
        rows.median("T2", f"t2_last_{key}", f"Last available {name}", value, below_detection)
        rows.median("T2", f"t2_last_{key}_day", f"Last available {name}, day from blinatumomab initiation", day)
    anc = Labs(study, "ANC")
    low = anc.followup()
    low = low[below(anc.value[low], anc.below[low], 500.0)]
    first = first_day(anc.pos[low], anc.day[low], study.n)
    rows.count("T2", "t2_anc_below_500", "ANC <500 cells/uL at any time point", ~np.isnan(first))
    rows.median("T2", "t2_anc_below_500_day", "Time to ANC <500 cells/uL, days", first - study.index)
    combined_low(rows, low_at_baseline, has_baseline)


def combined_low(rows: Rows, low: dict, has: dict) -> None:
    """Adult Results text: over the patients with all three baselines."""
    all_three = has["IGG"] & has["IGA"] & has["IGM"]
    lows = low["IGG"].astype(int) + low["IGA"] + low["IGM"]
    rows.count("TEXT", "text_baseline_any_low", "Baseline: any hypogammaglobulinemia", lows >= 1, all_three)
    rows.count("TEXT", "text_baseline_combined_low", "Baseline: two or more immunoglobulins low", lows >= 2, all_three)
    rows.count("TEXT", "text_baseline_all_three_low", "Baseline: IgG, IgA and IgM all low", lows == 3, all_three)


def table_3(study: AdultStudy, rows: Rows) -> None:
    infections = with_positions(study.frames.infections, study.patients)
    infections = infections.assign(day=day_numbers(infections["onset_on"]))
    window = infections[study.in_followup(infections["pos"].to_numpy(), infections["day"].to_numpy())]
    documented = window[yes(window["microbiologically_documented"])]  # the paper's scope
    pos = documented["pos"].to_numpy()
    per_patient = per_patient_count(pos, study.n)
    infected = per_patient > 0
    rows.count("T3", "t3_patients_with_infection", "N of patients with infection", infected)
    for kind in ("antibacterial", "antifungal", "antiviral"):  # footnote e: documented or suspected
        changed = window[yes(window[f"{kind}_change"])]
        rows.count("T3", f"t3_{kind}_change", f"Change in {kind} agent",
                   per_patient_count(changed["pos"].to_numpy(), study.n) > 0)
    rows.median("T3", "t3_infections_per_patient", "N of infections per patient who had >=1 infection",
                np.where(infected, per_patient, np.nan))
    rows.median("T3", "t3_days_to_first_infection", "Time to first infection, days",
                first_day(pos, documented["day"].to_numpy(), study.n) - study.index)
    per_infection = PerInfection(study, rows, documented, infected)
    organism = documented["organism_class"].to_numpy(dtype=object)
    known = documented["organism_class"].notna().to_numpy() & (organism != "UNKNOWN")
    for code in ORGANISMS:
        per_infection.row(f"t3_organism_{code.lower()}", code.capitalize(), organism == code, known)
    site = documented["site"].to_numpy(dtype=object)
    known = documented["site"].notna().to_numpy() & (site != "UNKNOWN")
    for code in SITES + (("OTHER",) if (site == "OTHER").any() else ()):
        per_infection.row(f"t3_site_{code.lower()}", code.replace("_", " ").capitalize(), site == code, known)
    grades(study, rows, documented, infected, per_infection)
    on_therapy_rows(study, rows, documented)


class PerInfection:
    """Rows counted per infection whose p is the Mann-Whitney U (exact, SPSS) on the number of such
    infections per infected patient (DEFINITIONS.md, Statistics)."""

    def __init__(self, study: AdultStudy, rows: Rows, documented: pd.DataFrame, infected: np.ndarray):
        self.study, self.rows, self.infected = study, rows, infected
        self.pos = documented["pos"].to_numpy()
        self.masks = {name: mask[self.pos] for name, mask in rows.masks.items()}  # per infection

    def row(self, key: str, label: str, is_it: np.ndarray, known: np.ndarray) -> None:
        cohorts = {name: count_figures(int((is_it & known & mine).sum()), int((known & mine).sum()))
                   for name, mine in self.masks.items()}
        counts = np.where(self.infected, per_patient_count(self.pos[is_it], self.study.n), np.nan)
        p, method = self.rows.mann_whitney(counts)
        self.rows.add("T3", key, label, "count", cohorts, p, f"{method}_per_patient", unit="infections")


def grades(study: AdultStudy, rows: Rows, documented: pd.DataFrame, infected: np.ndarray,
           per_infection: PerInfection) -> None:
    """Patients by grade (over infected patients, a patient in several grades) and infections by
    grade (over infections with a recorded grade); severe = grade >= 3."""
    grade = documented["ctcae_grade"].to_numpy(dtype=float)
    pos = documented["pos"].to_numpy()
    groups = [(f"grade_{g}", f"grade {g}", grade == g) for g in range(1, 6)]
    groups.append(("severe", "severe infection (grade >=3)", grade >= 3))
    for key, label, is_it in groups:
        rows.count("T3", f"t3_patients_{key}", f"Patients with {label}",
                   per_patient_count(pos[is_it], study.n) > 0, infected)
    for key, label, is_it in groups:
        per_infection.row(f"t3_infections_{key}", f"Infections: {label}", is_it, ~np.isnan(grade))


def on_therapy_rows(study: AdultStudy, rows: Rows, documented: pd.DataFrame) -> None:
    """ICU admission and infection death per patient, and whether one had its onset during a
    blinatumomab course (both ends included), over the patients with such an event."""
    blina = study.course_kind == "BLINATUMOMAB"
    courses = pd.DataFrame({"pos": study.course_pos[blina], "start": study.course_start[blina],
                            "end": study.course_end[blina]})
    for column, key, on_key, label in (
            ("icu_admission", "t3_icu_admission", "t3_icu_on_blinatumomab",
             "Patients requiring ICU admission due to infection"),
            ("infection_death", "t3_infection_death", "t3_infection_death_on_blinatumomab",
             "Patients with infection related mortality")):
        events = documented[yes(documented[column])][["pos", "day"]]
        had = per_patient_count(events["pos"].to_numpy(), study.n) > 0
        during = events.merge(courses, on="pos")
        during = during[(during["day"] >= during["start"]) & (during["day"] <= during["end"])]
        rows.count("T3", key, label, had)
        rows.count("T3", on_key, "Occurring while on blinatumomab",
                   per_patient_count(during["pos"].to_numpy(), study.n) > 0, had)


def table_4(study: AdultStudy, rows: Rows) -> None:
    status = study.patients["disease_status"].to_numpy(dtype=object)
    day, response = _first_response(study, status)
    responded = ~np.isnan(day)
    mrd, rr = status == "MRD_POSITIVE", status == "RELAPSED_REFRACTORY"
    rows.count("T4", "t4_response", "Achieved disease response to blinatumomab", responded, mrd | rr)
    for kind, key, label in (("HSCT", "t4_hsct", "HSCT"),
                             ("OTHER_THERAPY", "t4_next_therapy", "other line of therapy")):
        after = (study.course_kind == kind) & (study.course_start > study.index[study.course_pos])
        start = first_day(study.course_pos[after], study.course_start[after], study.n)
        rows.count("T4", key, f"Proceeded to {label}", ~np.isnan(start))
        rows.median("T4", f"{key}_day", f"Time to {label}, days", start - study.index)
    rows.count("T4", "t4_mrd_negative", "If MRD (+) disease, achieved MRD (-)", responded, mrd)
    rows.median("T4", "t4_mrd_negative_day", "Time to response, days", np.where(mrd, day, np.nan))
    rows.count("T4", "t4_rr_complete_response", "If relapsed/refractory disease, achieved CR", responded, rr)
    rows.count("T4", "t4_rr_cr_mrd_positive", "CR with MRD (+)", response == "COMPLETE_RESPONSE_MRD_POSITIVE",
               rr & responded)
    rows.median("T4", "t4_rr_response_day", "Time to result, days", np.where(rr, day, np.nan))


def _first_response(study: AdultStudy, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day from index and kind of the earliest qualifying assessment, from the index date on."""
    responses = with_positions(study.frames.responses, study.patients)
    pos, day = responses["pos"].to_numpy(), day_numbers(responses["assessed_on"])
    kind = responses["response"].to_numpy(dtype=object)
    qualifies = np.zeros(len(pos), dtype=bool)
    for disease, answers in RESPONSE_OF.items():
        qualifies |= (status[pos] == disease) & np.isin(kind, answers)
    inside = np.flatnonzero(qualifies & (day >= study.index[pos]))
    chosen = inside[one_per_patient(pos[inside], day[inside], np.arange(len(inside)))]
    first, what = np.full(study.n, np.nan), np.full(study.n, None, dtype=object)
    first[pos[chosen]] = day[chosen] - study.index[pos[chosen]]
    what[pos[chosen]] = kind[chosen]
    return first, what


def results_text(study: AdultStudy, rows: Rows) -> None:
    rows.median("TEXT", "text_blinatumomab_cycles", "Blinatumomab cycles per patient",
                np.where(np.isnan(study.index), np.nan, study.blina_courses))
    reacted = study.doses[study.doses["reaction_grade"].notna()]
    had = per_patient_count(reacted["pos"].to_numpy(), study.n) > 0
    rows.count("TEXT", "text_ivig_reaction_patients", "IVIG infusion-related reaction (IVIG cohort)", had,
               study.cohort == "IVIG", test=None)
