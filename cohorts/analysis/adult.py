"""Per-patient endpoints of the adult blinatumomab study (Wo et al., Tables 1-4 and Results text)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cohorts.analysis import events, labs, perpatient
from cohorts.analysis.context import Context
from cohorts.analysis.windows import days_between

MDR_ALWAYS = ("ESBL", "MRSE")  # Table 1 prints these two whatever the data
MDR_OTHER = ("MRSA", "VRE", "CRE", "OTHER")


def completed_years(birth: pd.Series, on: pd.Series) -> np.ndarray:
    """Age in completed years on a date (NaN when either date is missing)."""
    before_birthday = (on.dt.month < birth.dt.month) | ((on.dt.month == birth.dt.month) & (on.dt.day < birth.dt.day))
    return (on.dt.year - birth.dt.year - before_birthday.astype("float64")).to_numpy(dtype="float64")


def _boolean(patients: pd.DataFrame, column: str) -> np.ndarray:
    """A yes/no field as 1.0/0.0, NaN when not recorded."""
    return patients[column].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def mdr_codes_present(patients: pd.DataFrame) -> list[str]:
    """Table 1 organism rows: ESBL and MRSE always, any other code only when a patient has it."""
    present = set(patients["mdr_organism"].dropna())
    return list(MDR_ALWAYS) + [code for code in MDR_OTHER if code in present]


def baseline_characteristics(context: Context) -> dict[str, np.ndarray]:
    """Adult Table 1 (DEFINITIONS.md, Baseline characteristics (adults))."""
    patients, windows = context.frames.patients, context.windows
    status = patients["disease_status"].to_numpy(dtype=object)
    indication = np.isin(status, ["MRD_POSITIVE", "RELAPSED_REFRACTORY"])
    mdr = patients["mdr_organism"].to_numpy(dtype=object)
    recorded = pd.notna(mdr)
    doses = patients["prior_anti_cd20_doses"].to_numpy(dtype="float64")
    followup_end = windows["followup_end" if context.parameters.total_followup_truncated else "last_followup"]
    out = {
        "age": completed_years(patients["birth_date"].set_axis(windows.index), windows["index_date"]),
        "male": np.where(pd.notna(patients["sex"]).to_numpy(), patients["sex"].to_numpy() == "M", np.nan),
        "bmi": patients["weight_kg"].to_numpy() / (patients["height_cm"].to_numpy() / 100) ** 2,
        "followup_days": days_between(windows["index_date"], followup_end).to_numpy(),
        "mrd_positive": perpatient.flag(status == "MRD_POSITIVE", indication),
        "relapsed_refractory": perpatient.flag(status == "RELAPSED_REFRACTORY", indication),
        "prior_lines": patients["prior_therapy_lines"].to_numpy(dtype="float64"),
        "ph_positive": _boolean(patients, "philadelphia_positive"),
        "prior_hsct": _boolean(patients, "prior_hsct"),
        "mdr_history": perpatient.flag(recorded & (mdr != "NONE"), recorded),
        "prior_anti_cd20": np.where(np.isnan(doses), np.nan, doses >= 1),
        "anti_cd20_doses": np.where(doses >= 1, doses, np.nan),
        "multiple_myeloma": _boolean(patients, "multiple_myeloma"),
    }
    for code in mdr_codes_present(patients):
        out[f"mdr_{code.lower()}"] = (mdr == code).astype("float64")  # over all patients (Table 1)
    return out


def combined_deficiencies(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Results text: over the patients with all three baselines, how many immunoglobulins are low."""
    lows = np.vstack([out[f"baseline_{name}_low"] for name in labs.IMMUNOGLOBULINS])
    complete = ~np.isnan(lows).any(axis=0)
    number_low = np.nansum(lows, axis=0)
    return {"baseline_any_low": perpatient.flag(number_low >= 1, complete),
            "baseline_combined_low": perpatient.flag(number_low >= 2, complete),
            "baseline_all_three_low": perpatient.flag(number_low >= 3, complete)}


def adult_endpoints(context: Context, lab_arrays: labs.LabArrays, cohort: np.ndarray) -> dict[str, np.ndarray]:
    out = baseline_characteristics(context)
    out.update(labs.immunoglobulin_endpoints(context, lab_arrays))
    out.update(labs.anc_endpoints(context, lab_arrays))
    out.update(combined_deficiencies(out))
    out.update(events.adult_infection_endpoints(context))
    out.update(events.adult_response_endpoints(context))
    out.update(events.therapy_endpoints(context))
    out.update(events.adult_dose_endpoints(context, cohort))
    return out
