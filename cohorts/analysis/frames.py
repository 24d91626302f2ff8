"""`StudyFrames`: one study's records as pandas DataFrames, the only input of the analysis.

Contract (the Django side builds the same frames from the database, e.g. with one SQL query per
table, and passes them through `frames_from_tables`, which enforces it):

- `study`: dict with `study_code`, `title`, `population` (`ADULT`/`PEDIATRIC`), `index_treatment`.
- One DataFrame per FORMAT.md file, attribute named after the file (`patients`, `treatment_courses`,
  `ivig_doses`, `labs`, `infections`, `hospitalizations`, `responses`, `sites`), with exactly
  FORMAT.md's column names, in FORMAT.md's order, and these dtypes:
  - dates (`*_date`, `*_on`): `datetime64[ns]`, NaT when empty;
  - yes/no fields: pandas nullable `boolean`, <NA> when empty;
  - numbers (`height_cm`, `weight_kg`, `prior_therapy_lines`, `prior_anti_cd20_doses`,
    `cycle_number`, `dose_mg_per_kg`, `reaction_grade`, `ctcae_grade`, `lower_limit_normal`):
    `float64`, NaN when empty;
  - codes and free text (`patient_id`, `site_code`, `kind`, `analyte`, ...): `object` holding `str`,
    None when empty.
  - `labs` replaces the raw `value` string by `value` (`float64`: the number, or N for `<N`) and
    `below_detection` (`bool`), and adds `row_order` (`int64`, 0, 1, 2, ... in file order), because
    results of one analyte on one day keep their file order (DEFINITIONS.md: the later row is the
    "last"). Column order: patient_id, collected_on, analyte, value, below_detection, unit,
    lower_limit_normal, row_order.
- Rows keep the file (or primary key) order; no index beyond the default RangeIndex.

`read_folder` reads a valid folder of the flat CSV format; validation is the importer's job.
"""
from __future__ import annotations

import dataclasses

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from cohorts.stats.values import parse_values

CODE, TEXT, DATE, BOOL, NUMBER = "code", "text", "date", "bool", "number"

COLUMNS: dict[str, dict[str, str]] = {
    "sites": {"site_code": CODE, "name": TEXT},
    "patients": {
        "patient_id": CODE, "site_code": CODE, "sex": CODE, "birth_date": DATE,
        "diagnosis_date": DATE, "race_ethnicity": CODE, "height_cm": NUMBER, "weight_kg": NUMBER,
        "philadelphia_positive": BOOL, "disease_status": CODE, "prior_therapy_lines": NUMBER,
        "prior_hsct": BOOL, "prior_anti_cd20_doses": NUMBER, "multiple_myeloma": BOOL,
        "chronic_lymphocytic_leukemia": BOOL, "mdr_organism": CODE, "high_risk_at_diagnosis": BOOL,
        "cns_disease_at_diagnosis": BOOL, "treatment_protocol": TEXT, "last_followup_date": DATE,
        "death_date": DATE,
    },
    "treatment_courses": {"patient_id": CODE, "kind": CODE, "start_date": DATE, "end_date": DATE,
                          "cycle_number": NUMBER},
    "ivig_doses": {"patient_id": CODE, "given_on": DATE, "dose_mg_per_kg": NUMBER, "setting": CODE,
                   "indication": CODE, "reaction_grade": NUMBER, "reaction": TEXT},
    "labs": {"patient_id": CODE, "collected_on": DATE, "analyte": CODE, "value": TEXT, "unit": CODE,
             "lower_limit_normal": NUMBER},
    "infections": {
        "patient_id": CODE, "onset_on": DATE, "ctcae_grade": NUMBER, "organism_class": CODE,
        "organism": TEXT, "site": CODE, "microbiologically_documented": BOOL,
        "bacteremia_or_fungemia": BOOL, "febrile_neutropenia": BOOL, "treated_outpatient": BOOL,
        "antibacterial_change": BOOL, "antifungal_change": BOOL, "antiviral_change": BOOL,
        "icu_admission": BOOL, "infection_death": BOOL,
    },
    "hospitalizations": {"patient_id": CODE, "admitted_on": DATE, "discharged_on": DATE, "reason": CODE},
    "responses": {"patient_id": CODE, "assessed_on": DATE, "response": CODE},
}
LAB_COLUMNS = ["patient_id", "collected_on", "analyte", "value", "below_detection", "unit",
               "lower_limit_normal", "row_order"]
STUDY_FIELDS = ("study_code", "title", "population", "index_treatment")
_YES_NO = {"yes": True, "no": False, True: True, False: False}


@dataclass(frozen=True, eq=False)
class StudyFrames:
    study: dict
    sites: pd.DataFrame
    patients: pd.DataFrame
    treatment_courses: pd.DataFrame
    ivig_doses: pd.DataFrame
    labs: pd.DataFrame
    infections: pd.DataFrame
    hospitalizations: pd.DataFrame
    responses: pd.DataFrame

    @property
    def population(self) -> str:
        return self.study["population"]

    def restricted_to(self, patient_ids) -> StudyFrames:
        """The same study with only the given patients' records (sites unchanged)."""
        keep = pd.Index(patient_ids)
        tables = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("study", "sites")}
        restricted = {name: table[table["patient_id"].isin(keep)].reset_index(drop=True)
                      for name, table in tables.items()}
        return StudyFrames(study=self.study, sites=self.sites, **restricted)


def _dates(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    # A study has far fewer distinct dates than rows: parse each distinct text once.
    codes, uniques = pd.factorize(values)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), format="%Y-%m-%d").to_numpy(dtype="datetime64[ns]")
    dates = np.append(parsed, np.datetime64("NaT", "ns"))[codes]  # code -1 (empty) takes the NaT
    return pd.Series(dates, index=values.index)


def _booleans(values: pd.Series) -> pd.Series:
    """`yes`/`no` text (or True/False from a database) as nullable booleans."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    codes, uniques = pd.factorize(values)
    meaning = [_YES_NO.get(value) for value in uniques] + [None]
    if any(m is None for m in meaning[:-1]):
        raise ValueError(f"expected yes/no, got {sorted(map(str, set(uniques) - set(_YES_NO)))}")
    true = np.array([m is True for m in meaning])[codes]
    known = np.array([m is not None for m in meaning])[codes]
    return pd.Series(pd.arrays.BooleanArray(true, ~known), index=values.index)


def _numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    raw = values.to_numpy(dtype=object)
    # numpy's own float parsing is several times faster than pandas.to_numeric on text.
    return pd.Series(np.where(pd.isna(raw), np.nan, raw).astype("float64"), index=values.index)


def _codes(values: pd.Series) -> pd.Series:
    raw = values.to_numpy(dtype=object)
    missing = pd.isna(raw)
    if missing.any():
        raw = np.where(missing, None, raw)
    return pd.Series(raw, index=values.index, dtype=object)


_COERCE = {DATE: _dates, BOOL: _booleans, NUMBER: _numbers, CODE: _codes, TEXT: _codes}


def _coerce_table(name: str, table: pd.DataFrame) -> pd.DataFrame:
    spec = COLUMNS[name]
    missing = [column for column in spec if column not in table.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    data = {}
    for column, kind in spec.items():
        try:
            data[column] = _COERCE[kind](table[column].reset_index(drop=True))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name}.{column}: {error}") from error
    return pd.DataFrame(data)


def _coerce_labs(table: pd.DataFrame) -> pd.DataFrame:
    """Labs arrive either raw (`value` strings) or already split (`value` + `below_detection`)."""
    if "below_detection" in table.columns:
        split = table.reset_index(drop=True)
        values = _numbers(split["value"]).to_numpy()
        below = split["below_detection"].fillna(False).to_numpy(dtype=bool)
    else:
        split = table.reset_index(drop=True)
        values, below = parse_values(split["value"])
    coerced = _coerce_table("labs", split.assign(value=None))
    coerced["value"] = values
    coerced["below_detection"] = below
    order = split["row_order"] if "row_order" in split.columns else np.arange(len(split))
    coerced["row_order"] = np.asarray(order, dtype=np.int64)
    return coerced[LAB_COLUMNS]


# FORMAT.md analytes no endpoint of a population's study reads (DEFINITIONS.md): the pediatric study has
# no ANC endpoint, and ANC is most of its lab results. The analysis drops them before reading any lab
# (context.py), and `cohorts.selectors.study_frames` does not read them from the database at all.
UNREAD_ANALYTES = {"ADULT": (), "PEDIATRIC": ("ANC",)}


def without_unread_labs(frames: StudyFrames) -> StudyFrames:
    """The frames without the lab results of UNREAD_ANALYTES."""
    unread = UNREAD_ANALYTES.get(frames.population, ())
    if not unread:
        return frames
    read = ~frames.labs["analyte"].isin(unread).to_numpy()
    return frames if read.all() else dataclasses.replace(frames, labs=frames.labs[read].reset_index(drop=True))


def frames_from_tables(study: Mapping[str, str], tables: Mapping[str, pd.DataFrame]) -> StudyFrames:
    """Build `StudyFrames` from one DataFrame per FORMAT.md file, coercing to the contract."""
    record = {name: study[name] for name in STUDY_FIELDS}
    coerced = {name: _coerce_table(name, tables[name]) for name in COLUMNS if name != "labs"}
    return StudyFrames(study=record, labs=_coerce_labs(tables["labs"]), **coerced)


def read_folder(path: str | Path) -> StudyFrames:
    """Read a folder of the flat CSV format (FORMAT.md); the folder is assumed valid."""
    folder = Path(path)
    study = _read_csv(folder / "study.csv").iloc[0].to_dict()
    tables = {name: _read_csv(folder / f"{name}.csv") for name in COLUMNS}
    return frames_from_tables(study, tables)


def _read_csv(path: Path) -> pd.DataFrame:
    # Every cell as text first: only an empty cell is "not recorded" (FORMAT.md), never "NA".
    return pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[""], encoding="utf-8")
