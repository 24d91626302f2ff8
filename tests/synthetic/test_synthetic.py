"""The synthetic study generator writes folders that pass every FORMAT.md rule and look like the papers.

The validity checker here is written from FORMAT.md alone (pandas, no registry code), so that it
checks the generator rather than agreeing with it.
"""
from __future__ import annotations

import ast
import csv
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry.synthetic import write_study

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "registry" / "demo_studies"
PACKAGE = ROOT / "registry" / "synthetic"
FILES = ("study.csv", "sites.csv", "patients.csv", "treatment_courses.csv", "ivig_doses.csv", "labs.csv",
         "infections.csv", "hospitalizations.csv", "responses.csv")

CODES = {
    ("study.csv", "population"): {"ADULT", "PEDIATRIC"},
    ("study.csv", "index_treatment"): {"BLINATUMOMAB", "MAINTENANCE"},
    ("patients.csv", "sex"): {"M", "F"},
    ("patients.csv", "race_ethnicity"): {"AFRICAN_AMERICAN", "ASIAN", "WHITE", "HISPANIC", "PACIFIC_ISLANDER",
                                         "OTHER", "UNKNOWN"},
    ("patients.csv", "disease_status"): {"MRD_POSITIVE", "RELAPSED_REFRACTORY", "CONSOLIDATION_MAINTENANCE",
                                         "FIRST_COMPLETE_REMISSION"},
    ("patients.csv", "mdr_organism"): {"NONE", "ESBL", "MRSE", "MRSA", "VRE", "CRE", "OTHER"},
    ("treatment_courses.csv", "kind"): {"BLINATUMOMAB", "INDUCTION", "CONSOLIDATION", "DELAYED_INTENSIFICATION",
                                        "DOUBLE_DELAYED_INTENSIFICATION", "HIGH_DOSE_METHOTREXATE",
                                        "CRANIAL_IRRADIATION", "MAINTENANCE", "HSCT", "ANTI_CD20",
                                        "OTHER_THERAPY"},
    ("ivig_doses.csv", "setting"): {"CLINIC", "INPATIENT", "UNKNOWN"},
    ("ivig_doses.csv", "indication"): {"PRE_EMPTIVE", "LOW_IGG", "INFECTION", "VIRAL_EXPOSURE", "OTHER"},
    ("labs.csv", "analyte"): {"IGG", "IGA", "IGM", "ANC"},
    ("infections.csv", "organism_class"): {"VIRAL", "BACTERIAL", "FUNGAL", "PARASITIC", "UNKNOWN"},
    ("infections.csv", "site"): {"BLOODSTREAM", "UPPER_RESPIRATORY", "LOWER_RESPIRATORY", "URINARY",
                                 "GASTROINTESTINAL", "BONE", "INTRA_ABDOMINAL", "MOUTH", "SKIN_SOFT_TISSUE",
                                 "OTHER", "UNKNOWN"},
    ("hospitalizations.csv", "reason"): {"INFECTION", "FEBRILE_NEUTROPENIA", "TREATMENT", "OTHER"},
    ("responses.csv", "response"): {"COMPLETE_RESPONSE", "COMPLETE_RESPONSE_MRD_POSITIVE", "MRD_NEGATIVE",
                                    "PARTIAL_RESPONSE", "NO_RESPONSE"},
}
REQUIRED_CODES = {("study.csv", "population"), ("study.csv", "index_treatment"), ("patients.csv", "sex"),
                  ("treatment_courses.csv", "kind"), ("ivig_doses.csv", "setting"),
                  ("ivig_doses.csv", "indication"), ("labs.csv", "analyte"), ("infections.csv", "organism_class"),
                  ("infections.csv", "site"), ("hospitalizations.csv", "reason"), ("responses.csv", "response")}
BOOLEANS = {
    "patients.csv": ("philadelphia_positive", "prior_hsct", "multiple_myeloma", "chronic_lymphocytic_leukemia",
                     "high_risk_at_diagnosis", "cns_disease_at_diagnosis"),
    "infections.csv": ("microbiologically_documented", "bacteremia_or_fungemia", "febrile_neutropenia",
                       "treated_outpatient", "antibacterial_change", "antifungal_change", "antiviral_change",
                       "icu_admission", "infection_death"),
}
EVENT_DATES = {  # file: (required dates, optional dates)
    "treatment_courses.csv": (("start_date",), ("end_date",)),
    "ivig_doses.csv": (("given_on",), ()),
    "labs.csv": (("collected_on",), ()),
    "infections.csv": (("onset_on",), ()),
    "hospitalizations.csv": (("admitted_on",), ("discharged_on",)),
    "responses.csv": (("assessed_on",), ()),
}
UNIT = {"IGG": "mg/dL", "IGA": "mg/dL", "IGM": "mg/dL", "ANC": "cells/uL"}
NUMBER = re.compile(r"^\d+(\.\d+)?$")
MINIMAL_NUMBER = re.compile(r"^(0|[1-9]\d*)(\.\d*[1-9])?$")  # 400, 12.5; never 400.0 or 012
LAB_VALUE = re.compile(r"^(<)?(0|[1-9]\d*)(\.\d*[1-9])?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- the independent checker ---------------------------------------------------------------------

def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(folder / name, dtype=str, keep_default_na=False) for name in FILES}


def demo_header(name: str) -> list[str]:
    with open(DEMO / "adult-blinatumomab" / name, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def problems_in(folder: Path) -> list[str]:
    """Every FORMAT.md rule the folder breaks, as readable lines (empty when valid)."""
    problems: list[str] = []
    for name in FILES:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        if rows[0] != demo_header(name):
            problems.append(f"{name}: header {rows[0]}")
        problems += [f"{name}:{n}: {len(row)} fields" for n, row in enumerate(rows[1:], 2) if len(row) != len(rows[0])]
    if problems:
        return problems
    frames = read_folder(folder)
    for check in (_check_study_and_sites, _check_codes_and_booleans, _check_numbers, _check_patients,
                  _check_event_dates, _check_infection_deaths):
        problems += check(frames)
    return problems


def _bad(name: str, frame: pd.DataFrame, mask, column: str, reason: str) -> list[str]:
    mask = np.asarray(mask, dtype=bool)
    return [f"{name}:{line + 2}: {column}: {reason} ({value!r})"
            for line, value in zip(np.flatnonzero(mask)[:5], frame.loc[mask, column].head(5))]


def _check_study_and_sites(frames) -> list[str]:
    study, sites, patients = frames["study.csv"], frames["sites.csv"], frames["patients.csv"]
    problems = [] if len(study) == 1 else [f"study.csv: {len(study)} rows"]
    expected = {"ADULT": "BLINATUMOMAB", "PEDIATRIC": "MAINTENANCE"}
    if len(study) == 1 and expected.get(study.population[0]) != study.index_treatment[0]:
        problems.append("study.csv: index_treatment does not fit the population")
    problems += _bad("sites.csv", sites, sites.site_code.duplicated() | (sites.site_code == ""), "site_code",
                     "duplicate or empty")
    problems += _bad("patients.csv", patients, patients.patient_id.duplicated() | (patients.patient_id == ""),
                     "patient_id", "duplicate or empty")
    problems += _bad("patients.csv", patients, ~patients.site_code.isin(sites.site_code), "site_code", "unknown site")
    for name in FILES[3:]:
        frame = frames[name]
        problems += _bad(name, frame, ~frame.patient_id.isin(patients.patient_id), "patient_id", "unknown patient")
    return problems


def _check_codes_and_booleans(frames) -> list[str]:
    problems = []
    for (name, column), codes in CODES.items():
        values = frames[name][column]
        allowed = codes if (name, column) in REQUIRED_CODES else codes | {""}
        problems += _bad(name, frames[name], ~values.isin(allowed), column, "not a FORMAT.md code")
    for name, columns in BOOLEANS.items():
        for column in columns:
            frame = frames[name]
            problems += _bad(name, frame, ~frame[column].isin({"yes", "no", ""}), column, "not yes/no")
    return problems


def _check_numbers(frames) -> list[str]:
    problems = []
    numbers = (("patients.csv", "height_cm"), ("patients.csv", "weight_kg"), ("ivig_doses.csv", "dose_mg_per_kg"),
               ("labs.csv", "lower_limit_normal"))
    for name, column in numbers:
        values = frames[name][column]
        shaped = values.str.fullmatch(MINIMAL_NUMBER.pattern)
        positive = pd.to_numeric(values.where(shaped), errors="coerce") > 0
        required = column == "dose_mg_per_kg"
        problems += _bad(name, frames[name], ~(shaped & positive) & ((values != "") | required), column,
                         "not a positive number in minimal form")
    for name, column, low in (("patients.csv", "prior_therapy_lines", 0), ("patients.csv", "prior_anti_cd20_doses", 0),
                              ("treatment_courses.csv", "cycle_number", 1)):
        values = frames[name][column]
        whole = values.str.fullmatch(r"\d+") & (pd.to_numeric(values.where(values != ""), errors="coerce") >= low)
        problems += _bad(name, frames[name], ~whole & (values != ""), column, f"not a whole number >= {low}")
    labs = frames["labs.csv"]
    value = labs.value.str.extract(LAB_VALUE.pattern)
    magnitude = pd.to_numeric(labs.value.str.lstrip("<").where(value[1].notna()), errors="coerce")
    problems += _bad("labs.csv", labs, ~(magnitude > 0), "value", "not > 0 nor <N")
    problems += _bad("labs.csv", labs, labs.unit != labs.analyte.map(UNIT), "unit", "wrong unit")
    doses, infections = frames["ivig_doses.csv"], frames["infections.csv"]
    problems += _bad("ivig_doses.csv", doses, ~doses.reaction_grade.isin({"", "1", "2", "3", "4", "5"}),
                     "reaction_grade", "not a grade")
    problems += _bad("infections.csv", infections, ~infections.ctcae_grade.isin({"1", "2", "3", "4", "5"}),
                     "ctcae_grade", "not a grade 1-5")
    return problems


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values != ""), format="%Y-%m-%d", errors="coerce")


def _check_patients(frames) -> list[str]:
    patients, problems = frames["patients.csv"], []
    for column, required in (("birth_date", True), ("diagnosis_date", True), ("last_followup_date", False),
                             ("death_date", False)):
        values = patients[column]
        bad = ~values.str.fullmatch(ISO_DATE.pattern) | _dates(values).isna()
        problems += _bad("patients.csv", patients, bad & ((values != "") | required), column, "not an ISO date")
    birth, diagnosis = _dates(patients.birth_date), _dates(patients.diagnosis_date)
    follow_up, death = _dates(patients.last_followup_date), _dates(patients.death_date)
    problems += _bad("patients.csv", patients, diagnosis < birth, "diagnosis_date", "before birth")
    problems += _bad("patients.csv", patients, follow_up < diagnosis, "last_followup_date", "before diagnosis")
    problems += _bad("patients.csv", patients, death < diagnosis, "death_date", "before diagnosis")
    problems += _bad("patients.csv", patients, follow_up > death, "last_followup_date", "after death")
    return problems


def _check_event_dates(frames) -> list[str]:
    people = frames["patients.csv"].set_index("patient_id")
    bounds = pd.DataFrame({"birth": _dates(people.birth_date), "diagnosis": _dates(people.diagnosis_date),
                           "death": _dates(people.death_date)})
    problems = []
    for name, (required, optional) in EVENT_DATES.items():
        frame = frames[name]
        limits = bounds.reindex(frame.patient_id).reset_index(drop=True)
        for column in required + optional:
            values, day = frame[column], _dates(frame[column])
            problems += _bad(name, frame, day.isna() & ((values != "") | (column in required)), column, "not a date")
            problems += _bad(name, frame, day < limits.birth, column, "before birth")
            problems += _bad(name, frame, day < limits.diagnosis, column, "before diagnosis")
            problems += _bad(name, frame, day > limits.death, column, "after death")
        if optional:
            problems += _bad(name, frame, _dates(frame[optional[0]]) < _dates(frame[required[0]]), optional[0],
                             "before the start/admission")
    return problems


def _check_infection_deaths(frames) -> list[str]:
    infections = frames["infections.csv"]
    death = infections.patient_id.map(frames["patients.csv"].set_index("patient_id").death_date)
    fatal = infections.ctcae_grade == "5"
    problems = _bad("infections.csv", infections, fatal & (infections.infection_death != "yes"), "infection_death",
                    "grade 5 without infection_death = yes")
    no_death_after = (death == "") | (_dates(death) < _dates(infections.onset_on))
    problems += _bad("infections.csv", infections, fatal & no_death_after, "onset_on",
                     "grade 5 but no death on or after onset")
    return problems


# ---- the analysis windows (DEFINITIONS.md), for plausibility -----------------------------------------

def ivig_cohort(frames) -> pd.Series:
    """patient_id -> True when at least one IVIG dose falls in the cohort window of DEFINITIONS.md."""
    patients, courses = frames["patients.csv"], frames["treatment_courses.csv"].copy()
    adult = frames["study.csv"].population[0] == "ADULT"
    last = pd.concat([_dates(patients.last_followup_date), _dates(patients.death_date)], axis=1).min(axis=1)
    last.index = patients.patient_id
    courses["start"], courses["end"] = _dates(courses.start_date), _dates(courses.end_date)
    courses["end"] = courses.end.fillna(courses.patient_id.map(last))
    index_kind = "BLINATUMOMAB" if adult else "MAINTENANCE"
    index = courses[courses.kind == index_kind].groupby("patient_id").agg(first=("start", "min"),
                                                                         last_end=("end", "max"))
    if adult:
        nxt = courses[courses.kind.isin(["HSCT", "OTHER_THERAPY"])].join(index, on="patient_id")
        nxt = nxt[nxt.start > nxt.last_end].groupby("patient_id").start.min()
        index["lo"] = index["first"] - pd.Timedelta(days=30)
        index["hi"] = (nxt.reindex(index.index) - pd.Timedelta(days=1)).fillna(last.reindex(index.index))
    else:
        index["lo"], index["hi"] = index["first"], index["last_end"]
    doses = frames["ivig_doses.csv"].join(index, on="patient_id")
    given = _dates(doses.given_on)
    inside = doses[(given >= doses.lo) & (given <= doses.hi)].patient_id.unique()
    return pd.Series(patients.patient_id.isin(inside).to_numpy(), index=patients.patient_id)


# ---- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["ADULT", "PEDIATRIC"])
def study(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param.lower())
    counts = write_study(folder, patients=200, seed=7, population=request.param)
    return request.param, folder, counts


# ---- tests ---------------------------------------------------------------------------------------

def test_a_small_study_passes_every_format_rule(study):
    _, folder, _ = study
    assert problems_in(folder) == []


def test_headers_are_those_of_the_demo_folders_in_their_order(study):
    _, folder, _ = study
    for name in FILES:
        for demo in ("adult-blinatumomab", "pediatric-maintenance"):
            expected = (DEMO / demo / name).read_text(encoding="utf-8").splitlines()[0]
            assert (folder / name).read_text(encoding="utf-8").splitlines()[0] == expected, name


def test_returned_counts_are_the_data_rows_of_each_file(study):
    _, folder, counts = study
    assert set(counts) == set(FILES)
    for name in FILES:
        assert counts[name] == len((folder / name).read_text(encoding="utf-8").splitlines()) - 1, name
    assert counts["patients.csv"] == 200


def test_the_study_row_names_the_population_and_its_index_treatment(study):
    population, folder, _ = study
    row = read_folder(folder)["study.csv"].iloc[0]
    assert row.population == population
    assert row.index_treatment == {"ADULT": "BLINATUMOMAB", "PEDIATRIC": "MAINTENANCE"}[population]


def test_the_same_seed_writes_identical_bytes_and_another_seed_does_not(tmp_path):
    for population in ("ADULT", "PEDIATRIC"):
        first, again, other = (tmp_path / population / name for name in ("first", "again", "other"))
        write_study(first, patients=60, seed=11, population=population)
        write_study(again, patients=60, seed=11, population=population)
        write_study(other, patients=60, seed=12, population=population)
        for name in FILES:
            assert (first / name).read_bytes() == (again / name).read_bytes(), name
        assert (first / "labs.csv").read_bytes() != (other / "labs.csv").read_bytes()
        assert (first / "patients.csv").read_bytes() != (other / "patients.csv").read_bytes()


def test_a_smaller_study_is_the_first_patients_of_a_larger_one_with_the_same_seed(tmp_path):
    write_study(tmp_path / "small", patients=40, seed=3, population="PEDIATRIC", sites=5)
    write_study(tmp_path / "large", patients=120, seed=3, population="PEDIATRIC", sites=5)
    small = (tmp_path / "small" / "labs.csv").read_text(encoding="utf-8")
    large = (tmp_path / "large" / "labs.csv").read_text(encoding="utf-8")
    assert large.startswith(small)


def test_study_code_and_sites_can_be_chosen(tmp_path):
    counts = write_study(tmp_path, patients=30, seed=1, population="ADULT", study_code="MY-STUDY", sites=7)
    frames = read_folder(tmp_path)
    assert frames["study.csv"].study_code[0] == "MY-STUDY"
    assert counts["sites.csv"] == 7 and frames["sites.csv"].site_code.is_unique


@pytest.mark.parametrize("arguments", [{"population": "ELDERLY"}, {"patients": 0}, {"sites": 0}])
def test_nonsense_arguments_are_refused(tmp_path, arguments):
    with pytest.raises(ValueError):
        write_study(tmp_path, **{"patients": 10, "seed": 1, **arguments})


def test_every_patient_has_the_index_treatment_and_so_a_cohort(study):
    population, folder, _ = study
    frames = read_folder(folder)
    index_kind = {"ADULT": "BLINATUMOMAB", "PEDIATRIC": "MAINTENANCE"}[population]
    courses = frames["treatment_courses.csv"]
    assert set(courses[courses.kind == index_kind].patient_id) == set(frames["patients.csv"].patient_id)


def test_the_ivig_cohort_has_the_share_of_the_papers(study):
    population, folder, _ = study
    share = ivig_cohort(read_folder(folder)).mean()
    low, high = (.6, .85) if population == "ADULT" else (.2, .4)  # papers: 74% of adults, 30% of children
    assert low <= share <= high


def test_labs_are_drawn_every_few_weeks(study):
    _, folder, counts = study
    assert 30 <= counts["labs.csv"] / counts["patients.csv"] <= 60
    labs = read_folder(folder)["labs.csv"]
    assert set(labs.analyte) == {"IGG", "IGA", "IGM", "ANC"}
    assert labs.lower_limit_normal.eq("").any()  # some limits not recorded, as in real reports


def test_adult_limits_are_fixed_and_some_iga_igm_are_below_detection(tmp_path):
    write_study(tmp_path, patients=300, seed=5, population="ADULT")
    labs = read_folder(tmp_path)["labs.csv"]
    limits = labs[labs.lower_limit_normal != ""].groupby("analyte").lower_limit_normal.unique()
    assert {analyte: list(values) for analyte, values in limits.items()} == {
        "IGG": ["700"], "IGA": ["70"], "IGM": ["40"]}
    assert labs.value.eq("<5").any()
    assert labs.value.str.contains(r"\.", regex=True).any()  # 12.5-like results exist


def test_pediatric_igg_limits_depend_on_age_within_the_papers_range(tmp_path):
    write_study(tmp_path, patients=300, seed=5, population="PEDIATRIC")
    frames = read_folder(tmp_path)
    igg = frames["labs.csv"].query("analyte == 'IGG' and lower_limit_normal != ''")
    limits = igg.lower_limit_normal.astype(int)
    assert limits.between(501, 757).all() and limits.nunique() > 50
    birth = frames["patients.csv"].set_index("patient_id").birth_date
    age = (_dates(igg.collected_on) - _dates(igg.patient_id.map(birth))).dt.days / 365.25
    assert np.corrcoef(age, limits)[0, 1] > .8


def test_adult_igg_falls_after_blinatumomab_and_rises_after_ivig(tmp_path):
    write_study(tmp_path, patients=300, seed=9, population="ADULT")
    frames = read_folder(tmp_path)
    igg = _igg_with_days(frames, "BLINATUMOMAB")
    baseline = igg[igg.day.between(-90, 0)].groupby("patient_id").value.last()
    nadir = igg[igg.day > 0].groupby("patient_id").value.min()
    both = pd.concat([baseline, nadir], axis=1, keys=["baseline", "nadir"]).dropna()
    assert (both.nadir < both.baseline).mean() > .85
    assert _median_rise_after_a_dose(frames, igg) > 100


def test_pediatric_igg_drifts_down_through_maintenance(tmp_path):
    write_study(tmp_path, patients=400, seed=9, population="PEDIATRIC")
    frames = read_folder(tmp_path)
    igg = _igg_with_days(frames, "MAINTENANCE")
    untreated = igg[~igg.patient_id.map(ivig_cohort(frames))]
    early, late = untreated[untreated.day.between(0, 180)].value, untreated[untreated.day.between(450, 900)].value
    assert late.median() < early.median()
    assert _median_rise_after_a_dose(frames, igg) > 100


def test_infections_follow_the_papers_distribution(study):
    population, folder, _ = study
    infections = read_folder(folder)["infections.csv"]
    classes = infections.organism_class.value_counts(normalize=True)
    if population == "ADULT":  # Table 3: viral 53%, bacterial 42%
        assert .4 < classes["VIRAL"] < .65 and .3 < classes["BACTERIAL"] < .55
        assert infections.microbiologically_documented.eq("yes").mean() > .85
    else:  # febrile neutropenia without an organism, outpatient bacterial infections, bacteremia
        assert infections.febrile_neutropenia.eq("yes").mean() > .2
        assert infections.treated_outpatient.eq("yes").mean() > .4
        assert infections.bacteremia_or_fungemia.eq("yes").any()


def test_the_package_imports_no_django():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(name.split(".")[0] == "django" for name in names), path.name


@pytest.mark.parametrize("population", ["ADULT", "PEDIATRIC"])
def test_ten_thousand_patients_are_written(tmp_path, population):
    started = time.perf_counter()
    counts = write_study(tmp_path, patients=10_000, seed=2024, population=population)
    seconds = time.perf_counter() - started
    print(f"\n{population}: 10,000 patients in {seconds:.1f} s: {counts}")
    assert counts["patients.csv"] == 10_000
    assert problems_in(tmp_path) == []


# ---- helpers -------------------------------------------------------------------------------------

def _igg_with_days(frames, index_kind: str) -> pd.DataFrame:
    courses = frames["treatment_courses.csv"]
    index = _dates(courses[courses.kind == index_kind].groupby("patient_id").start_date.min())
    igg = frames["labs.csv"].query("analyte == 'IGG'").copy()
    igg["when"] = _dates(igg.collected_on)
    igg["day"] = (igg.when - igg.patient_id.map(index)).dt.days
    igg["value"] = pd.to_numeric(igg.value.str.lstrip("<"))
    return igg.dropna(subset=["day"])


def _median_rise_after_a_dose(frames, igg: pd.DataFrame) -> float:
    """IgG in the 2 weeks after a dose minus IgG in the 3 weeks before it, same patient."""
    doses = frames["ivig_doses.csv"][["patient_id", "given_on"]].copy()
    doses["given"] = _dates(doses.given_on)
    pairs = doses.merge(igg[["patient_id", "when", "value"]], on="patient_id")
    offset = (pairs.when - pairs.given).dt.days
    before = pairs[offset.between(-21, -1)].groupby(["patient_id", "given"]).value.last()
    after = pairs[offset.between(1, 14)].groupby(["patient_id", "given"]).value.first()
    rise = (after - before).dropna()
    assert len(rise) >= 10
    return float(rise.median())
