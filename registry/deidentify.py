"""The de-identified export profile: what leaves the registry for a user limited to de-identified data.

Rules (HIPAA safe harbor in spirit; the registry keeps no names, addresses or record numbers):
- patient IDs become pseudonyms, `P` + 12 hex digits of an HMAC of (study, patient ID) under a secret
  key: stable from one export to the next, different in each study, not reversible without the key;
- no birth dates: `birth_date` is replaced by `age_at_diagnosis_years` (whole years, 90 for anyone
  aged 90 or more);
- every other date of a patient moves by the same number of days (1 to 182, earlier or later, from the
  same HMAC), so intervals between a patient's events, which the analyses use, are kept exactly;
- no free text: `treatment_protocol`, `organism` and `reaction` are left out;
- codes, numbers and site codes are kept (a site is a hospital, not a person).

The key is `settings.REGISTRY_DEIDENTIFY_KEY` when set, else one derived from `SECRET_KEY`; changing
it changes every pseudonym and offset.
"""
from __future__ import annotations

import csv
import hmac
from datetime import date, timedelta
from functools import lru_cache
from hashlib import sha256
from pathlib import Path

from django.conf import settings

from registry.flatfile.kinds import FILES, Column, FileSpec

MAX_SHIFT_DAYS = 182
OLDEST_AGE = 90
README = "DEIDENTIFIED.txt"


def _secret() -> bytes:
    explicit = getattr(settings, "REGISTRY_DEIDENTIFY_KEY", "")
    base = explicit or f"registry.deidentify:{settings.SECRET_KEY}"
    return base.encode()


@lru_cache(maxsize=200_000)
def _digest(secret: bytes, study_code: str, patient_id: str) -> bytes:
    return hmac.new(secret, f"{study_code}\x1f{patient_id}".encode(), sha256).digest()


class Deidentifier:
    """Pseudonyms and date offsets of one study's patients."""

    def __init__(self, study_code: str):
        self.study_code = study_code
        self.secret = _secret()

    def pseudonym(self, patient_id: str) -> str:
        return "P" + _digest(self.secret, self.study_code, patient_id)[:6].hex().upper()

    def shift_days(self, patient_id: str) -> int:
        digest = _digest(self.secret, self.study_code, patient_id)
        magnitude = 1 + int.from_bytes(digest[6:10], "big") % MAX_SHIFT_DAYS
        return magnitude if digest[10] & 1 else -magnitude

    def shift(self, patient_id: str, value: str | date | None) -> str:
        """An ISO date (text or date) moved by the patient's offset; empty stays empty."""
        if value in (None, ""):
            return ""
        day = value if isinstance(value, date) else date.fromisoformat(value)
        return (day + timedelta(days=self.shift_days(patient_id))).isoformat()


def age_in_years(birth: str, on: str) -> str:
    if not birth or not on:
        return ""
    born, then = date.fromisoformat(birth), date.fromisoformat(on)
    years = then.year - born.year - ((then.month, then.day) < (born.month, born.day))
    return str(min(years, OLDEST_AGE))


def is_free_text(spec: FileSpec, column: Column) -> bool:
    """Free text of a patient's records (protocol, organism, reaction): never exported de-identified."""
    return spec.model is not None and column.kind == "text" and column.name != "patient_id"


def header_of(spec: FileSpec) -> list[str]:
    """The columns of a file in the de-identified profile."""
    columns = []
    for column in spec.columns:
        if is_free_text(spec, column):
            continue
        columns.append("age_at_diagnosis_years" if column.name == "birth_date" else column.name)
    return columns


def deidentify_row(spec: FileSpec, row: dict, deidentifier: Deidentifier) -> list[str]:
    """One row (column → text, as the flat CSV export writes it) in the de-identified profile."""
    patient_id = row.get("patient_id", "")
    cells = []
    for column in spec.columns:
        if is_free_text(spec, column):
            continue
        value = row.get(column.name, "")
        if column.name == "birth_date":
            value = age_in_years(value, row.get("diagnosis_date", ""))
        elif column.kind == "date":
            value = deidentifier.shift(patient_id, value)
        elif column.name == "patient_id":
            value = deidentifier.pseudonym(patient_id)
        cells.append(value)
    return cells


def deidentify_folder(source: Path, target: Path, study_code: str) -> dict[str, int]:
    """Write the de-identified profile of an exported flat CSV folder; returns rows per file."""
    target.mkdir(parents=True, exist_ok=True)
    deidentifier = Deidentifier(study_code)
    counts = {}
    for spec in FILES:
        with open(source / spec.file_name, newline="", encoding="utf-8") as raw, \
                open(target / spec.file_name, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header_of(spec))
            counts[spec.file_name] = 0
            for row in csv.DictReader(raw):
                writer.writerow(deidentify_row(spec, row, deidentifier))
                counts[spec.file_name] += 1
    (target / README).write_text(__doc__, encoding="utf-8")
    return counts
