"""Read and validate a study folder in the flat CSV format v1, all of it, before anything is written.

Every problem is collected as `file:line: column: reason` (line 1 is the header). Each column is
held as categories (its distinct texts, and each row's code into them): a rule runs once per distinct
text, and its verdict reaches every row through the row's code. A labs file of millions of rows has a
few thousand distinct values and dates and one patient id per patient, so it validates in seconds.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from registry.choices import UNIT_OF_ANALYTE
from registry.errors import RegistryError
from registry.rules import event_date_error_masks, patient_date_error_masks

from .kinds import EVENT_FILES, FILES, ORDERED_DATES, PATIENTS, SITES, STUDY, Column, FileSpec
from .records import has_padded_cells, record_shapes

# Numbers are written as plain decimals (FORMAT.md); `1e3`, `1_000` or `inf` are refused.
DECIMAL_SHAPE = re.compile(r"-?\d+(\.\d+)?")
LAB_VALUE_SHAPE = re.compile(r"<?\s*\d+(\.\d+)?")



@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


class FolderInvalid(RegistryError):
    def __init__(self, problems: list[Problem]):
        # A row that breaks one rule twice (say, against a duplicated patient) is reported once.
        self.problems = sorted(set(problems))
        super().__init__(f"The study folder has {len(self.problems)} problem(s); nothing was imported.")


@dataclass
class ParsedStudy:
    study: dict
    sites: pd.DataFrame
    frames: dict[str, pd.DataFrame]  # file name -> typed columns, plus `line`
    file_sha256: dict[str, str] = field(default_factory=dict)

    def row_counts(self) -> dict[str, int]:
        return {"sites.csv": len(self.sites), **{name: len(frame) for name, frame in self.frames.items()}}


def read_study_folder(folder: Path) -> ParsedStudy:
    """Parse and check every file; raise FolderInvalid listing every problem found."""
    folder = Path(folder)
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    hashes: dict[str, str] = {}
    for spec in FILES:
        frame = _read_file(folder / spec.file_name, spec, problems, hashes)
        if frame is not None:
            raw[spec.file_name] = frame
    if problems:
        raise FolderInvalid(problems)
    parsed = _typed(raw, problems)
    _check_across_records(parsed, problems)
    if problems:
        raise FolderInvalid(problems)
    parsed.file_sha256 = hashes
    return parsed


def _read_file(path: Path, spec: FileSpec, problems: list[Problem], hashes: dict) -> pd.DataFrame | None:
    name = spec.file_name
    if not path.is_file():
        problems.append(Problem(name, 0, "-", "file is missing"))
        return None
    data = path.read_bytes()
    hashes[name] = hashlib.sha256(data).hexdigest()
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        problems.append(Problem(name, line, "-", f"not UTF-8 text (byte 0x{body[error.start]:02x}); save the file as UTF-8"))
        return None
    if not text or text.isspace():
        problems.append(Problem(name, 1, "-", "file is empty; it needs at least the header row"))
        return None
    header = [h.strip() for h in next(csv.reader([text.partition("\n")[0]]), [])]
    if not _header_ok(name, header, spec, problems):
        return None
    lines = _record_lines(name, body, text, len(header), problems)
    if lines is None:
        return None
    return _parse(name, body, lines, has_padded_cells(body), problems)


def _record_lines(name: str, body: bytes, text: str, width: int, problems: list[Problem]) -> np.ndarray | None:
    """The line of every record, or None (with a problem per line) when a row has the wrong number of fields."""
    try:
        lines, fields = record_shapes(body, text)
    except csv.Error as error:
        unclosed = "unexpected end of data" in str(error)
        problems.append(Problem(name, error.line, "-", "a quoted cell is never closed" if unclosed
                                else f"malformed CSV: {error}"))
        return None
    wrong = fields != width
    for line, count in zip(lines[wrong], fields[wrong]):
        fields_found = f"{count} field{'s' if count != 1 else ''}"
        problems.append(Problem(name, int(line), "-", f"row has {fields_found}; the header has {width}"))
    return None if wrong.any() else lines


def _parse(name: str, body: bytes, lines: np.ndarray, padded: bool, problems: list[Problem]) -> pd.DataFrame | None:
    try:
        # From the bytes: a StringIO of the text would hold a second, four-bytes-a-character copy.
        frame = pd.read_csv(io.BytesIO(body), encoding="utf-8", dtype=object, keep_default_na=False,
                            na_filter=False, index_col=False)
    except pd.errors.ParserError as error:
        problems.append(Problem(name, 0, "-", f"malformed CSV: {str(error).strip()}"))
        return None
    if len(frame) != len(lines):
        # The csv module and pandas read the quoting differently; rather refuse than misnumber lines.
        problems.append(Problem(name, 0, "-", "malformed CSV: quoted cells could not be read unambiguously"))
        return None
    frame.columns = [c.strip() for c in frame.columns]
    categories = _stripped if padded else _as_categories
    frame = pd.DataFrame({column: categories(frame[column]) for column in frame.columns}, index=frame.index)
    frame["line"] = lines
    return frame


def _as_categories(column: pd.Series) -> pd.Series:
    """The column as categories of its exact texts. (read_csv's own dtype="category" would read the
    categories of a numeric-looking column as numbers, making one of `007` and `7`, or of `1e3` and
    `1000`, which the rules must tell apart.)"""
    codes, texts = pd.factorize(column.to_numpy(dtype=object))
    return pd.Series(pd.Categorical.from_codes(codes, categories=texts), index=column.index)


def _stripped(column: pd.Series) -> pd.Series:
    return _as_categories(column.str.strip())


def _header_ok(name: str, header: list[str], spec: FileSpec, problems: list[Problem]) -> bool:
    before = len(problems)
    for column in header:
        if column not in spec.header:
            problems.append(Problem(name, 1, column or "(blank)", f"unknown column; expected {', '.join(spec.header)}"))
    for column in spec.header:
        if column not in header:
            problems.append(Problem(name, 1, column, "column is missing"))
    seen = set()
    for column in header:
        if column in seen:
            problems.append(Problem(name, 1, column, "column appears twice"))
        seen.add(column)
    return len(problems) == before


def _typed(raw: dict[str, pd.DataFrame], problems: list[Problem]) -> ParsedStudy:
    study_frame = raw[STUDY.file_name]
    if len(study_frame) != 1:
        problems.append(Problem(STUDY.file_name, 2, "-", f"needs exactly one study row, found {len(study_frame)}"))
    sites = raw[SITES.file_name]
    _report_duplicates(SITES.file_name, sites, "site_code", problems)
    patients = raw[PATIENTS.file_name]
    _report_duplicates(PATIENTS.file_name, patients, "patient_id", problems)
    known = {"ref_site": set(sites["site_code"]), "ref_patient": set(patients["patient_id"])}
    frames = {}
    for spec in FILES:
        frame = raw[spec.file_name]
        typed = pd.DataFrame({"line": frame["line"].to_numpy()})
        for column in spec.columns:
            _convert(spec.file_name, frame, typed, column, known, problems)
        frames[spec.file_name] = typed
    study = frames.pop(STUDY.file_name).iloc[0].to_dict() if len(study_frame) else {}
    return ParsedStudy(study=study, sites=frames.pop(SITES.file_name), frames=frames)


def _report_duplicates(name: str, frame: pd.DataFrame, column: str, problems: list[Problem]) -> None:
    duplicated = frame[column].duplicated(keep="first") & (frame[column] != "")
    first_line = frame.drop_duplicates(column).set_index(column)["line"]
    for value, line in zip(frame.loc[duplicated, column], frame.loc[duplicated, "line"]):
        problems.append(Problem(name, int(line), column, f"duplicate {column} '{value}' (first on line {first_line[value]})"))


def _convert(name: str, frame: pd.DataFrame, typed: pd.DataFrame, column: Column, known: dict, problems) -> None:
    """Check and type one column: the rule runs on each distinct text, rows take its verdict by code."""
    cells = frame[column.name].cat
    texts = pd.Series(cells.categories.to_numpy(dtype=object))
    codes = cells.codes.to_numpy()
    empty = (texts == "").to_numpy()
    if column.required:
        _add(problems, name, frame, empty[codes], column.name, lambda v: "is required")
    converter = CONVERTERS[column.kind]
    converted, bad, reason = converter(texts.where(~empty, None), column, known)
    _add(problems, name, frame, (_flags(bad) & ~empty)[codes], column.name, reason)
    if column.kind == "lab_value":
        numbers, below = converted
        typed["value"], typed["below_detection"] = _of_rows(numbers, codes), np.asarray(below, dtype=bool)[codes]
    elif column.kind in TEXT_KINDS:
        typed["site_code" if column.kind == "ref_site" else column.name] = _texts_of_rows(converted, codes)
    else:
        typed[column.name] = _of_rows(converted, codes)


def _flags(mask) -> np.ndarray:
    return np.asarray(pd.Series(mask).fillna(False), dtype=bool)


def _of_rows(values: pd.Series, codes: np.ndarray) -> pd.Series:
    """Each row's value, from the values of the distinct texts."""
    return values.iloc[codes].reset_index(drop=True)


def _texts_of_rows(texts: pd.Series, codes: np.ndarray) -> pd.Categorical:
    """Each row's text as a category (a missing text is NaN); the loader encodes each text once."""
    missing = texts.isna().to_numpy()
    return pd.Categorical.from_codes(np.where(missing[codes], -1, codes), categories=texts.fillna("").to_numpy())


def _add(problems, name, frame, mask, column_name, reason) -> None:
    if not mask.any():
        return
    for line, value in zip(frame.loc[mask, "line"], frame.loc[mask, column_name]):
        problems.append(Problem(name, int(line), column_name, reason(value)))


def _text(values, column, known):
    too_long = values.str.len() > column.max_length if column.max_length else pd.Series(False, index=values.index)
    return values.fillna(""), too_long.fillna(False), lambda v: f"is longer than {column.max_length} characters"


def _code(values, column, known):
    bad = values.notna() & ~values.isin(column.codes)
    expected = ", ".join(column.codes)
    return values, bad, lambda v: f"unknown code '{v}' (expected one of {expected})"


def _date(values, column, known):
    # ISO 8601 days only: exactly ten characters (so not 2020-1-1) that parse as %Y-%m-%d (so not
    # 2020-13-01 or 2020-02-30). Both checks run in C; a regex per cell is seconds on millions of labs.
    ten = np.strings.str_len(values.fillna("").to_numpy(dtype="U11")) == 10
    dates = pd.to_datetime(values.where(ten), format="%Y-%m-%d", errors="coerce")
    return dates, values.notna() & dates.isna(), lambda v: f"'{v}' is not a date (YYYY-MM-DD)"


def _bool(values, column, known):
    mapped = values.map({"yes": True, "no": False}).astype("boolean")
    return mapped, values.notna() & mapped.isna(), lambda v: f"'{v}' is not yes or no"


def _int(values, column, known):
    numbers = pd.to_numeric(values.where(values.fillna("").str.fullmatch(r"-?\d+")), errors="coerce")
    bad = values.notna() & ~numbers.between(column.at_least, column.at_most)
    reason = lambda v: f"'{v}' is not a whole number from {column.at_least} to {column.at_most}"  # noqa: E731
    return numbers.astype("Int64"), bad, reason


def _float(values, column, known):
    numbers = _to_float(values)
    bad = values.notna() & (numbers.isna() | ~np.isfinite(numbers) | (numbers <= column.minimum))
    bad |= ~_shaped_like(values, DECIMAL_SHAPE)
    return numbers, bad, lambda v: f"'{v}' is not a number greater than {column.minimum:g}"


def _shaped_like(values: pd.Series, shape: re.Pattern) -> pd.Series:
    """True where a cell is empty or written as plain decimals (no `1e3`, `1_000`, `inf`).

    The pattern runs on the distinct texts only: a lab column of millions of rows has a few thousand.
    """
    distinct = pd.unique(values.dropna())
    well_formed = [text for text in distinct if shape.fullmatch(text)]
    return values.isna() | values.isin(well_formed)


def _to_float(values: pd.Series) -> pd.Series:
    """pd.to_numeric(errors="coerce"), but when every cell is a number (a valid file) numpy's own
    conversion does it several times faster: seconds saved on millions of lab values."""
    try:
        numbers = np.array(values.to_numpy(dtype=object, na_value=None), dtype=np.float64)
    except (TypeError, ValueError):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    return pd.Series(numbers, index=values.index)


def _grade(values, column, known):
    numbers = pd.to_numeric(values.where(values.fillna("").str.fullmatch(r"-?\d+")), errors="coerce")
    bad = values.notna() & ~numbers.between(1, 5)
    return numbers.astype("Int64"), bad, lambda v: f"CTCAE v5 grade must be 1 to 5, got '{v}'"


def _lab_value(values, column, known):
    """A positive number, or `<N` (below the detection limit N), kept as N with the flag."""
    below = values.str.startswith("<").fillna(False).astype(bool)
    numbers = _to_float(values.where(~below))
    if below.any():
        numbers[below] = _to_float(values[below].str[1:].str.strip())
    bad = values.notna() & ~(np.isfinite(numbers) & (numbers > 0))
    bad |= ~_shaped_like(values, LAB_VALUE_SHAPE)
    reason = lambda v: f"'{v}' is not a positive number or a below-detection value such as <5"  # noqa: E731
    return (numbers, below.to_numpy()), bad, reason


def _reference(kind: str, source: str):
    def convert(values, column, known):
        bad = values.notna() & ~values.isin(known[kind])
        return values, bad, lambda v: f"unknown {column.name} '{v}' (not in {source})"
    return convert


TEXT_KINDS = {"text", "code", "ref_site", "ref_patient"}
CONVERTERS = {
    "text": _text, "code": _code, "date": _date, "bool": _bool, "int": _int, "float": _float,
    "grade": _grade, "lab_value": _lab_value,
    "ref_site": _reference("ref_site", "sites.csv"), "ref_patient": _reference("ref_patient", "patients.csv"),
}


def _check_across_records(parsed: ParsedStudy, problems: list[Problem]) -> None:
    frames = parsed.frames
    for spec, earlier, later, message in ORDERED_DATES:
        frame = frames[spec.file_name]
        _add_typed(problems, spec.file_name, frame, frame[later] < frame[earlier], later, message)
    infections = frames["infections.csv"]
    not_dead = (infections["ctcae_grade"] == 5).fillna(False) & ~infections["infection_death"].fillna(False)
    _add_typed(problems, "infections.csv", infections, not_dead, "infection_death",
               "a grade 5 infection (CTCAE v5: death) requires infection_death = yes")
    labs = frames["labs.csv"]
    units = {analyte.value: unit for analyte, unit in UNIT_OF_ANALYTE.items()}
    expected_unit = labs["analyte"].astype(object).map(units)
    wrong_unit = labs["unit"].notna() & expected_unit.notna() & (labs["unit"].astype(object) != expected_unit)
    _add_typed(problems, "labs.csv", labs, wrong_unit, "unit", "unit does not fit the analyte (IgG/IgA/IgM in mg/dL, ANC in cells/uL)")
    _check_patient_dates(frames[PATIENTS.file_name], problems)
    _check_event_dates(frames, problems)


def _dates_of_patients(patient_ids: pd.Series, dates: pd.DataFrame) -> pd.DataFrame:
    """Each row's patient dates: looked up once per distinct patient id, then taken by category code
    (an id missing or unknown to patients.csv gets none)."""
    ids = patient_ids.cat
    per_id = dates.reindex([*ids.categories, None])
    codes = ids.codes.to_numpy()
    return per_id.iloc[np.where(codes < 0, len(ids.categories), codes)].reset_index(drop=True)


def _add_typed(problems, name, frame, mask, column, message) -> None:
    mask = mask.fillna(False).astype(bool)
    for line in frame.loc[mask, "line"]:
        problems.append(Problem(name, int(line), column, message))


def _check_patient_dates(patients: pd.DataFrame, problems: list[Problem]) -> None:
    for field_name, mask, messages in patient_date_error_masks(patients):
        for line, message in zip(patients.loc[mask, "line"], messages):
            problems.append(Problem(PATIENTS.file_name, int(line), field_name, message))


def _check_event_dates(frames: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    patients = frames[PATIENTS.file_name]
    dates = patients[["birth_date", "diagnosis_date", "death_date"]].set_axis(patients["patient_id"].astype(object))
    dates = dates[~dates.index.duplicated()]  # a duplicated patient is refused already; its first row counts
    for spec in EVENT_FILES:
        frame = frames[spec.file_name]
        events = pd.concat([frame, _dates_of_patients(frame["patient_id"], dates)], axis=1)
        for column in spec.columns:
            if column.kind != "date":
                continue
            for mask, messages in event_date_error_masks(events, column.name):
                for line, message in zip(events.loc[mask, "line"], messages):
                    problems.append(Problem(spec.file_name, int(line), column.name, message))
