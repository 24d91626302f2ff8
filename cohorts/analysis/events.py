"""Per-patient endpoints from infections, hospitalizations, responses, courses and IVIG doses.

Each function returns a dict of per-patient numpy arrays (patients.csv order). Flags are 1.0/0.0
over the patients a row is about and NaN elsewhere, so a row's denominator is its non-missing
values (DEFINITIONS.md, Statistics). Windows, scopes and subgroups follow DEFINITIONS.md,
Infections and Response (adults).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis import perpatient
from cohorts.analysis.context import Context

ORGANISM_CLASSES = ("VIRAL", "BACTERIAL", "FUNGAL", "PARASITIC")
SITES = ("BLOODSTREAM", "UPPER_RESPIRATORY", "LOWER_RESPIRATORY", "URINARY", "GASTROINTESTINAL", "BONE",
         "INTRA_ABDOMINAL", "MOUTH", "SKIN_SOFT_TISSUE", "OTHER")
GRADES = (1, 2, 3, 4, 5)
UNKNOWN = "UNKNOWN"


def yes(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A yes/no column as bool, an empty cell counting as no; a copy, free to combine in place (without
    missing cells pandas would hand out the frame's own array)."""
    return frame[column].to_numpy(dtype=bool, na_value=False, copy=True)


def codes(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=object)


def _masks_by_code(values: np.ndarray, wanted: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The rows of each wanted code, and the rows whose code is known: a class or site is known unless
    empty or UNKNOWN (DEFINITIONS.md; site OTHER is known). The column is coded as integers once (one
    hash per row) rather than compared as text once per code."""
    coded, uniques = pd.factorize(values)
    code_of = {code: i for i, code in enumerate(uniques)}
    masks = {code: coded == code_of.get(code, -2) for code in wanted}  # -2: no row has the code
    return masks, (coded >= 0) & (coded != code_of.get(UNKNOWN, -2))


def _within_blinatumomab(context: Context, mask: np.ndarray) -> np.ndarray:
    """Patients with a `mask` infection whose onset lies in a blinatumomab course, ends included."""
    infections = context.events["infections"]
    onsets = pd.DataFrame({"position": infections.position[mask], "onset": infections.day[mask]})
    courses = context.frames.treatment_courses
    rows = context.events["treatment_courses"]
    is_blina = courses["kind"].to_numpy(dtype=object) == "BLINATUMOMAB"
    ongoing_end = context.spread("treatment_courses", context.day["last_followup"])
    ends = perpatient.day_numbers(courses["end_date"])
    spans = pd.DataFrame({"position": rows.position[is_blina], "start": rows.day[is_blina],
                          "end": np.where(np.isnan(ends), ongoing_end, ends)[is_blina]})
    pairs = onsets.merge(spans, on="position")
    inside = pairs[(pairs["onset"] >= pairs["start"]) & (pairs["onset"] <= pairs["end"])]
    hit = np.zeros(context.n_patients, dtype=bool)
    hit[inside["position"].to_numpy(dtype=np.int64)] = True
    return hit


def _per_infection_counts(context: Context, counted: np.ndarray, infected: np.ndarray) -> dict:
    """Infections per patient by class, site and grade, kept only for infected patients."""
    frame, position, n = context.frames.infections, context.events["infections"].position, context.n_patients
    classes, known_class = _masks_by_code(codes(frame, "organism_class"), ORGANISM_CLASSES)
    sites, known_site = _masks_by_code(codes(frame, "site"), SITES)
    grade = frame["ctcae_grade"].to_numpy()
    masks = {f"infections_{c.lower()}": classes[c] for c in ORGANISM_CLASSES}
    masks["infections_known_class"] = known_class
    masks.update({f"infections_site_{s.lower()}": sites[s] for s in SITES})
    masks["infections_known_site"] = known_site
    masks.update({f"infections_grade_{g}": grade == g for g in GRADES})
    masks["infections_severe"] = grade >= 3
    masks["infections_graded"] = ~np.isnan(grade)
    with np.errstate(invalid="ignore"):
        return {name: np.where(infected, perpatient.count(position, counted & mask, n), np.nan)
                for name, mask in masks.items()}


def adult_infection_endpoints(context: Context) -> dict[str, np.ndarray]:
    """Adult Table 3: documented infections in the follow-up window (the paper's scope)."""
    frame, rows, n = context.frames.infections, context.events["infections"], context.n_patients
    in_window = context.window_mask("infections", "index_date", "followup_end")
    documented = yes(frame, "microbiologically_documented") | (
        not context.parameters.adult_documented_infections_only)
    counted = in_window & documented
    number = perpatient.count(rows.position, counted, n)
    infected = number > 0
    out = {"infected": perpatient.flag(infected, context.has_index),
           "infections_per_patient": np.where(infected, number, np.nan)}
    first = perpatient.earliest(rows.position, rows.day, counted, n)
    out["days_to_first_infection"] = perpatient.take(context.relative_day("infections"), first)
    out.update(_per_infection_counts(context, counted, infected))
    for grade in GRADES:
        out[f"patient_grade_{grade}"] = perpatient.flag(out[f"infections_grade_{grade}"] > 0, infected)
    out["patient_severe"] = perpatient.flag(out["infections_severe"] > 0, infected)
    for change in ("antibacterial", "antifungal", "antiviral"):
        # Footnote e: any infection record in the window, documented or suspected.
        changed = perpatient.count(rows.position, in_window & yes(frame, f"{change}_change"), n)
        out[f"{change}_change"] = perpatient.flag(changed > 0, context.has_index)
    for name in ("icu_admission", "infection_death"):
        event = counted & yes(frame, name)
        has_event = perpatient.count(rows.position, event, n) > 0
        out[name] = perpatient.flag(has_event, context.has_index)
        out[f"{name}_on_blinatumomab"] = perpatient.flag(_within_blinatumomab(context, event), has_event)
    return out


def adult_response_endpoints(context: Context) -> dict[str, np.ndarray]:
    """Adult Table 4: the earliest qualifying response from the index date on."""
    status = codes(context.frames.patients, "disease_status")
    responses, rows, n = context.frames.responses, context.events["responses"], context.n_patients
    response = codes(responses, "response")
    row_status = perpatient.take(status, rows.position, missing=None)
    qualifies = ((row_status == "MRD_POSITIVE") & (response == "MRD_NEGATIVE")) | (
        (row_status == "RELAPSED_REFRACTORY")
        & np.isin(response, ["COMPLETE_RESPONSE", "COMPLETE_RESPONSE_MRD_POSITIVE"]))
    with np.errstate(invalid="ignore"):
        qualifies &= context.relative_day("responses") >= 0
    if context.parameters.responses_within_followup:
        qualifies &= context.window_mask("responses", "index_date", "followup_end")
    first = perpatient.earliest(rows.position, rows.day, qualifies, n)
    achieved, day = first >= 0, perpatient.take(context.relative_day("responses"), first)
    mrd, rr = status == "MRD_POSITIVE", status == "RELAPSED_REFRACTORY"
    first_response = perpatient.take(response, first, missing=None)
    return {
        "response": perpatient.flag(achieved, mrd | rr),
        "mrd_negative": perpatient.flag(achieved, mrd),
        "mrd_negative_day": np.where(mrd, day, np.nan),
        "rr_complete_response": perpatient.flag(achieved, rr),
        "rr_cr_mrd_positive": perpatient.flag(first_response == "COMPLETE_RESPONSE_MRD_POSITIVE", rr & achieved),
        "rr_response_day": np.where(rr, day, np.nan),
    }


def therapy_endpoints(context: Context) -> dict[str, np.ndarray]:
    """HSCT and next line of therapy after the index date, and the number of index courses."""
    kinds, rows, n = codes(context.frames.treatment_courses, "kind"), context.events["treatment_courses"], context.n_patients
    relative = context.relative_day("treatment_courses")
    out = {}
    for name, kind in (("hsct", "HSCT"), ("next_therapy", "OTHER_THERAPY")):
        with np.errstate(invalid="ignore"):
            later = (kinds == kind) & (relative > 0)  # strictly after the index date
        first = perpatient.earliest(rows.position, rows.day, later, n)
        out[name] = perpatient.flag(first >= 0, context.has_index)
        out[f"{name}_day"] = perpatient.take(relative, first)
    out["blinatumomab_cycles"] = np.where(
        context.has_index, perpatient.count(rows.position, kinds == "BLINATUMOMAB", n), np.nan)
    return out


def adult_dose_endpoints(context: Context, cohort: np.ndarray) -> dict[str, np.ndarray]:
    """Results text: IVIG-cohort patients with an infusion reaction to a dose in the exposure window."""
    doses, rows = context.frames.ivig_doses, context.events["ivig_doses"]
    reacted = context.window_mask("ivig_doses", "exposure_start", "exposure_end") & ~np.isnan(
        doses["reaction_grade"].to_numpy(dtype="float64"))
    has = perpatient.count(rows.position, reacted, context.n_patients) > 0
    return {"ivig_reaction": perpatient.flag(has, cohort == "IVIG")}
