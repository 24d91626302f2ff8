"""The pediatric paper's tables (Kaiser Permanente maintenance study) as declarative rows.

Table 1 is categorical variables with Pearson chi-square (no continuity correction) and the age
with the Wilcoxon rank-sum test; Tables 2-3 are mean (SEM) with Poisson rate tests for counts and
the rank-sum test for days; Table 4 is the logistic block (`models.py`). The paper prints each
row's means and SEMs with its own decimals; `style` records them so the display matches.
"""
from __future__ import annotations

from cohorts.analysis.frames import StudyFrames
from cohorts.analysis.models import Candidate
from cohorts.analysis.pediatric import DOSE_SETTINGS
from cohorts.analysis.tables import Row, Variable, count, mean, per_record, total

RACES = ("AFRICAN_AMERICAN", "ASIAN", "WHITE", "HISPANIC", "PACIFIC_ISLANDER", "OTHER", "UNKNOWN")
YES_NO = ((0.0, "no", "no"), (1.0, "yes", "yes"))
CANDIDATES = {
    "ddi": Candidate("ddi", "Received double-delayed intensification", "ddi"),
    "bacteremia_fungemia_before": Candidate(
        "bacteremia_fungemia_before", "Had episode of bacteremia or fungemia before maintenance",
        "bacteremia_fungemia_before_any"),
    "high_risk": Candidate("high_risk", "High risk at diagnosis", "high_risk"),
    "male": Candidate("male", "Male", "male"),
    "age_at_diagnosis": Candidate("age_at_diagnosis", "Age at diagnosis, per year", "age_at_diagnosis"),
    "cns": Candidate("cns", "CNS disease at presentation", "cns"),
    "cranial_irradiation": Candidate("cranial_irradiation", "Received cranial irradiation", "cranial_irradiation"),
    "hd_mtx": Candidate("hd_mtx", "Received high-dose methotrexate", "hd_mtx"),
    "hospitalizations_before": Candidate("hospitalizations_before", "Hospitalizations before maintenance",
                                         "hospitalizations_before"),
    "days_before_maintenance": Candidate("days_before_maintenance", "Days from diagnosis to maintenance, per 30 days",
                                         "days_before_maintenance", per="days_before_maintenance_unit"),
}


def _key(code: str) -> str:
    """RESULTS.md: a data code in a key is lower case with `-` as `_` (`MC-A` -> `mc_a`)."""
    return code.lower().replace("-", "_")


def table_1(frames: StudyFrames) -> list[Row | Variable]:
    patients = frames.patients
    races = [r for r in RACES if r != "OTHER" or (patients["race_ethnicity"] == "OTHER").any()]
    sites = frames.sites["site_code"].tolist()
    protocols = sorted(set(patients["treatment_protocol"].dropna()))
    yes_no = (("high_risk", "High risk at diagnosis"), ("cns", "Central nervous system disease at presentation"),
              ("cranial_irradiation", "Received cranial irradiation"),
              ("ddi", "Received double-delayed intensification"), ("hd_mtx", "Received high-dose methotrexate"))
    return [
        mean("t1_age_at_diagnosis", "Mean age at diagnosis, years (range)", "T1", "age_at_diagnosis",
             test="wilcoxon", sem=False),
        Variable("t1_sex", "Sex", "T1", "sex", (("F", "female", "female"), ("M", "male", "male"))),
        Variable("t1_race", "Race/ethnicity", "T1", "race", tuple((r, _key(r), r.lower()) for r in races)),
        Variable("t1_site", "Medical Center", "T1", "site", tuple((s, _key(s), s) for s in sites)),
        Variable("t1_protocol", "Treatment protocol", "T1", "protocol", tuple((p, _key(p), p) for p in protocols)),
    ] + [Variable(f"t1_{name}", label, "T1", name, YES_NO) for name, label in yes_no]


def _rate(key: str, label: str, table: str, endpoint: str, days: str, decimals: tuple[int, int]) -> Row:
    return mean(key, label, table, endpoint, test="rate", days=days,
                style={"mean_decimals": decimals[0], "sem_decimals": decimals[1]})


def tables_2_3() -> list[Row]:
    before, during = "days_before_maintenance", "days_of_maintenance"
    return [
        mean("t2_days_before_maintenance", "Days of treatment from induction to maintenance chemotherapy", "T2",
             before, test="wilcoxon", style={"mean_decimals": 0}),
        _rate("t2_bacteremia_fungemia", "Episodes of bacteremia or fungemia", "T2", "bacteremia_fungemia_before",
              before, (2, 1)),
        _rate("t2_hospitalizations", "Hospitalizations", "T2", "hospitalizations_before", before, (1, 1)),
        _rate("t2_hospital_days", "Days of hospitalization", "T2", "hospital_days_before", before, (1, 1)),
        mean("t3_days_of_maintenance", "Days of maintenance chemotherapy", "T3", during, test="wilcoxon",
             style={"mean_decimals": 0}),
        _rate("t3_bacteremia_fungemia", "Episodes of bacteremia", "T3", "bacteremia_fungemia_during", during, (2, 2)),
        _rate("t3_hospitalizations", "Hospitalizations", "T3", "hospitalizations_during", during, (1, 1)),
        _rate("t3_hospital_days", "Days of hospitalization", "T3", "hospital_days_during", during, (1, 1)),
        _rate("t3_outpatient_infections", "Number of infections treated with antibiotics on an outpatient basis",
              "T3", "outpatient_infections_during", during, (1, 1)),
    ]


def _doses_by_site(frames: StudyFrames, ivig_sites: set[str]) -> list[Row]:
    counts = {"range_decimals": 0}
    sites = [s for s in frames.sites["site_code"] if s in ivig_sites]
    return [mean(f"text_ivig_doses_site_{_key(s)}", f"IVIG doses per patient at {s}", "TEXT", "ivig_doses",
                 sem=False, where=("site", s), cohorts=("IVIG",), style=counts) for s in sites]


def _igg_results_by_site(frames: StudyFrames) -> list[Row]:
    # The paper prints these means to two significant figures (4.7, 1.4, 13).
    style = {"range_decimals": 0, "mean_significant": 2}
    return [mean(f"text_igg_results_site_{_key(s)}", f"IgG results per patient at {s} (all patients)", "TEXT",
                 "igg_results", sem=False, where=("site", s), cohorts=("ALL",), style=style)
            for s in frames.sites["site_code"]]


def results_text(frames: StudyFrames, ivig_sites: set[str]) -> list[Row]:
    ivig = {"cohorts": ("IVIG",)}
    rows = [
        total("text_ivig_doses_total", "IVIG doses during maintenance", "TEXT", "ivig_doses", **ivig),
        mean("text_ivig_doses_per_patient", "IVIG doses per patient", "TEXT", "ivig_doses", sem=False,
             style={"range_decimals": 0}, **ivig),
    ]
    rows += [per_record(f"text_ivig_doses_{s.lower()}", f"IVIG doses given: {s}", "TEXT", f"ivig_doses_{s.lower()}",
                        "ivig_doses", style={"show_percent": False}, **ivig) for s in DOSE_SETTINGS]
    rows.append(per_record("text_clinic_doses_without_reaction", "Clinic doses without reaction", "TEXT",
                           "clinic_doses_without_reaction", "ivig_doses_clinic", style={"percent_decimals": 1},
                           **ivig))
    rows += [total(f"text_reaction_grade_{g}_patients", f"Patients with a grade {g} reaction (clinic)", "TEXT",
                   f"clinic_reaction_grade_{g}", **ivig) for g in range(1, 6)]
    rows += _doses_by_site(frames, ivig_sites)
    rows += [
        total("text_igg_results_ivig_total", "IgG results of IVIG patients", "TEXT", "igg_results", **ivig),
        mean("text_igg_results_ivig_per_patient", "IgG results per IVIG patient", "TEXT", "igg_results", sem=False,
             style={"mean_decimals": 0, "range_decimals": 0}, **ivig),
    ]
    rows += _igg_results_by_site(frames)
    return rows + [
        mean("text_igg_before_ivig", "Last IgG before the first IVIG dose, mg/dL", "TEXT", "igg_before_ivig",
             style={"mean_decimals": 0, "range_decimals": 0}, **ivig),
        count("text_igg_below_lln_at_ivig_start", "IgG below the lower limit of normal at IVIG start", "TEXT",
              "igg_below_lln_at_ivig_start", test=None, **ivig),
        count("text_igg_low_before_ivig", "Any IgG below the lower limit of normal before IVIG", "TEXT",
              "igg_low_before_ivig", test=None, **ivig),
    ]


def table_rows(frames: StudyFrames) -> list[Row | Variable]:
    """Tables 1-3; Table 4 is the logistic block (`models.logistic_block` with `CANDIDATES`)."""
    return table_1(frames) + tables_2_3()
