"""Rules across records: a patient's events fall between diagnosis and death (FORMAT.md, "Rules").

One definition, two shapes: `event_date_errors` and `patient_date_errors` check one record (forms,
API, services); `event_date_error_masks` and `patient_date_error_masks` check whole columns at once
(the importer). All use `DATE_RULES`, so a rule changed here changes everywhere, with the same message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class DateRule:
    bound: str  # the patient field the event date is compared with
    holds: Callable  # (event_date, bound_date) -> bool, for scalars and pandas Series alike
    message: str


DATE_RULES = (
    DateRule("birth_date", lambda event, bound: event >= bound, "is before the patient's birth date ({bound})"),
    DateRule("diagnosis_date", lambda event, bound: event >= bound, "is before the diagnosis date ({bound})"),
    DateRule("death_date", lambda event, bound: event <= bound, "is after the patient's death date ({bound})"),
)

PATIENT_RULES = (
    ("diagnosis_date", DATE_RULES[0]),
    ("last_followup_date", DATE_RULES[1]),
    ("death_date", DATE_RULES[1]),
)


def event_date_errors(patient, record_dates: dict[str, date | None]) -> dict[str, str]:
    """Field → message for every date of one record that breaks a rule against its patient."""
    errors: dict[str, str] = {}
    for field, value in record_dates.items():
        if value is None:
            continue
        for rule in DATE_RULES:
            bound = getattr(patient, rule.bound, None)
            if bound is not None and not rule.holds(value, bound):
                errors.setdefault(field, f"{value:%Y-%m-%d} {rule.message.format(bound=f'{bound:%Y-%m-%d}')}")
    return errors


def patient_date_errors(values: dict) -> dict[str, str]:
    """Field → message for a patient's own dates (all after birth and diagnosis).

Last follow-up may lie after death: DEFINITIONS.md takes the earlier of the two.
"""
    errors: dict[str, str] = {}
    for field, rule in PATIENT_RULES:
        value, bound = values.get(field), values.get(rule.bound)
        if value is not None and bound is not None and not rule.holds(value, bound):
            errors.setdefault(field, f"{value:%Y-%m-%d} {rule.message.format(bound=f'{bound:%Y-%m-%d}')}")
    return errors


def event_date_error_masks(events: pd.DataFrame, field: str) -> list[tuple[pd.Series, pd.Series]]:
    """(mask, messages) per rule for `events[field]` against the patient columns merged beside it.

    `events` carries the patient's `birth_date`, `diagnosis_date` and `death_date` as datetime columns.
    """
    found, reported = [], pd.Series(False, index=events.index)
    for rule in DATE_RULES:
        # Only the first rule a date breaks is reported, as `event_date_errors` does for one record.
        masks = _broken(events[field].where(~reported), events[rule.bound], rule)
        if masks is not None:
            found.append(masks)
            reported |= masks[0]
    return found


def patient_date_error_masks(patients: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
    """(field, mask, messages) per rule of PATIENT_RULES: `patient_date_errors` over whole columns."""
    found = ((field, _broken(patients[field], patients[rule.bound], rule)) for field, rule in PATIENT_RULES)
    return [(field, *masks) for field, masks in found if masks is not None]


def _broken(value: pd.Series, bound: pd.Series, rule: DateRule) -> tuple[pd.Series, pd.Series] | None:
    broken = value.notna() & bound.notna() & ~rule.holds(value, bound).fillna(True)
    if not broken.any():
        return None
    messages = (
        value[broken].dt.strftime("%Y-%m-%d")
        + " "
        + bound[broken].dt.strftime("%Y-%m-%d").map(lambda b: rule.message.format(bound=b))
    )
    return broken, messages
