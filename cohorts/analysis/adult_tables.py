"""The adult paper's tables (Wo et al., Blood Res 2022) as declarative rows.

Every patient-count row is Fisher's exact test, every continuous row SPSS's exact Mann-Whitney U;
the per-infection rows of Table 3 show N (%) of infections and test the number of such infections
per infected patient (DEFINITIONS.md, Statistics). Labels and keys are RESULTS.md's.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis.adult import mdr_codes_present
from cohorts.analysis.events import GRADES, ORGANISM_CLASSES, SITES
from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.tables import Row, count, median, per_record

IG_NAMES = {"iga": "IgA", "igm": "IgM", "igg": "IgG"}
DAY_LABEL = "day from blinatumomab initiation"


def table_1(frames: StudyFrames) -> list[Row]:
    rows = [
        median("t1_age", "Age at blinatumomab initiation, years", "T1", "age"),
        count("t1_male", "Male", "T1", "male"),
        median("t1_bmi", "BMI, kg/m2", "T1", "bmi"),
        median("t1_followup_days", "Total follow up from blinatumomab initiation, days", "T1", "followup_days"),
        # Footnote a: over the patients treated for MRD (+) or relapsed/refractory disease.
        count("t1_mrd_positive", "MRD (+)", "T1", "mrd_positive"),
        count("t1_relapsed_refractory", "Relapsed/refractory", "T1", "relapsed_refractory"),
        median("t1_prior_lines", "Number lines of prior therapy", "T1", "prior_lines"),
        count("t1_ph_positive", "Philadelphia chromosome (+)", "T1", "ph_positive"),
        count("t1_prior_hsct", "HSCT prior to blinatumomab", "T1", "prior_hsct"),
        count("t1_mdr_history", "History of MDR infection", "T1", "mdr_history"),
    ]
    rows += [count(f"t1_mdr_{code.lower()}", code, "T1", f"mdr_{code.lower()}") for code in mdr_codes_present(
        frames.patients)]
    return rows + [
        count("t1_prior_anti_cd20", "Prior anti-CD20 therapy", "T1", "prior_anti_cd20"),
        median("t1_anti_cd20_doses", "Number of doses", "T1", "anti_cd20_doses"),
        count("t1_multiple_myeloma", "Multiple myeloma", "T1", "multiple_myeloma"),
    ]


def _immunoglobulin_rows(ig: str) -> list[Row]:
    name = IG_NAMES[ig]
    rows = [
        median(f"t2_nadir_{ig}", f"{name} nadir", "T2", f"nadir_{ig}"),
        median(f"t2_nadir_{ig}_day", f"{name} time to nadir, days", "T2", f"nadir_{ig}_day"),
        median(f"t2_last_{ig}", f"Last available {name}", "T2", f"last_{ig}"),
        median(f"t2_last_{ig}_day", f"Last available {name}, {DAY_LABEL}", "T2", f"last_{ig}_day"),
    ]
    if ig == "igg":
        rows.insert(2, count("t2_nadir_igg_below_500", "IgG <500 mg/dL", "T2", "nadir_igg_severe"))
    return rows


def table_2() -> list[Row]:
    rows = []
    for ig, name in IG_NAMES.items():
        rows += [median(f"t2_baseline_{ig}", f"Baseline {name}, mg/dL", "T2", f"baseline_{ig}"),
                 count(f"t2_baseline_{ig}_low", f"Baseline {name} hypogammaglobulinemia", "T2",
                       f"baseline_{ig}_low")]
    for ig in IG_NAMES:
        rows += _immunoglobulin_rows(ig)
    return rows + [
        count("t2_anc_below_500", "ANC <500 cells/uL at any time point", "T2", "anc_low"),
        median("t2_anc_below_500_day", "Time to ANC <500 cells/uL, days", "T2", "anc_low_day"),
    ]


def _per_infection(key: str, label: str, endpoint: str, denominator: str) -> Row:
    return per_record(key, label, "T3", endpoint, denominator, records="infections_per_patient",
                      test="mwu_per_patient", unit="infections", subgroup="infected")


def table_3(endpoints: pd.DataFrame) -> list[Row]:
    rows = [
        count("t3_patients_with_infection", "N of patients with infection", "T3", "infected"),
        # Footnote e: any infection record in the window, documented or suspected.
        count("t3_antibacterial_change", "Change in antibacterial agent", "T3", "antibacterial_change"),
        count("t3_antifungal_change", "Change in antifungal agent", "T3", "antifungal_change"),
        count("t3_antiviral_change", "Change in antiviral agent", "T3", "antiviral_change"),
        median("t3_infections_per_patient", "N of infections per patient who had >=1 infection", "T3",
               "infections_per_patient"),
        median("t3_days_to_first_infection", "Time to first infection, days", "T3", "days_to_first_infection"),
    ]
    rows += [_per_infection(f"t3_organism_{c.lower()}", c.capitalize(), f"infections_{c.lower()}",
                            "infections_known_class") for c in ORGANISM_CLASSES]
    # RESULTS.md: `t3_site_other` only when a documented infection in the window has site OTHER.
    has_other = np.nansum(endpoints["infections_site_other"].to_numpy(dtype="float64")) > 0
    sites = [s for s in SITES if s != "OTHER" or has_other]
    rows += [_per_infection(f"t3_site_{s.lower()}", s.replace("_", " ").capitalize(),
                            f"infections_site_{s.lower()}", "infections_known_site") for s in sites]
    rows += [count(f"t3_patients_grade_{g}", f"Patients with infection of grade {g}", "T3",
                   f"patient_grade_{g}", subgroup="infected") for g in GRADES]
    rows.append(count("t3_patients_severe", "Patients with severe infection (grade >=3)", "T3", "patient_severe",
                      subgroup="infected"))
    rows += [_per_infection(f"t3_infections_grade_{g}", f"Infections of grade {g}", f"infections_grade_{g}",
                            "infections_graded") for g in GRADES]
    rows.append(_per_infection("t3_infections_severe", "Severe infections (grade >=3)", "infections_severe",
                               "infections_graded"))
    return rows + [
        count("t3_icu_admission", "Patients requiring ICU admission due to infection", "T3", "icu_admission"),
        count("t3_icu_on_blinatumomab", "ICU admission occurring while on blinatumomab", "T3",
              "icu_admission_on_blinatumomab", subgroup="icu_admission"),
        count("t3_infection_death", "Patients with infection related mortality", "T3", "infection_death"),
        count("t3_infection_death_on_blinatumomab", "Infection death occurring while on blinatumomab", "T3",
              "infection_death_on_blinatumomab", subgroup="infection_death"),
    ]


def table_4() -> list[Row]:
    return [
        count("t4_response", "Achieved disease response to blinatumomab", "T4", "response"),
        count("t4_hsct", "Proceeded to HSCT", "T4", "hsct"),
        median("t4_hsct_day", "Time to HSCT, days", "T4", "hsct_day"),
        count("t4_next_therapy", "Proceeded to other line of therapy", "T4", "next_therapy"),
        median("t4_next_therapy_day", "Time to next therapy, days", "T4", "next_therapy_day"),
        count("t4_mrd_negative", "If MRD (+) disease, achieved MRD (-)", "T4", "mrd_negative"),
        median("t4_mrd_negative_day", "Time to response, days", "T4", "mrd_negative_day"),
        count("t4_rr_complete_response", "If relapsed/refractory disease, achieved CR", "T4", "rr_complete_response"),
        count("t4_rr_cr_mrd_positive", "CR with MRD (+)", "T4", "rr_cr_mrd_positive"),
        median("t4_rr_response_day", "Time to result, days", "T4", "rr_response_day"),
    ]


def results_text() -> list[Row]:
    return [
        count("text_baseline_any_low", "Baseline: any hypogammaglobulinemia", "TEXT", "baseline_any_low"),
        count("text_baseline_combined_low", "Baseline: two or more immunoglobulins low", "TEXT",
              "baseline_combined_low"),
        count("text_baseline_all_three_low", "Baseline: IgG, IgA and IgM all low", "TEXT", "baseline_all_three_low"),
        median("text_blinatumomab_cycles", "Blinatumomab cycles per patient", "TEXT", "blinatumomab_cycles"),
        count("text_ivig_reaction_patients", "IVIG infusion-related reaction (IVIG cohort)", "TEXT",
              "ivig_reaction", test=None),
    ]


def adult_rows(frames: StudyFrames, endpoints: pd.DataFrame) -> list[Row]:
    return table_1(frames) + table_2() + table_3(endpoints) + table_4() + results_text()
