"""Broken copies of the demo folders, and a fingerprint of the database to prove nothing was written.

Each helper changes one thing in a copy under `tmp_path`, so a test says in one line what is wrong
with the folder it feeds to the importer.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from django.apps import apps

from tests.conftest import ADULT_FOLDER


def demo_copy(tmp_path: Path, source: Path = ADULT_FOLDER) -> Path:
    """The CSV files of a demo study, copied to a folder the test may break."""
    folder = tmp_path / source.name
    folder.mkdir()
    for path in source.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    return folder


def read_rows(folder: Path, file_name: str) -> list[list[str]]:
    with open(folder / file_name, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(folder: Path, file_name: str, rows: list[list[str]]) -> None:
    with open(folder / file_name, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, file_name: str, *, line: int, column: str, value: str) -> None:
    """Put `value` in `column` of the row on `line` (line 1 is the header)."""
    rows = read_rows(folder, file_name)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder, file_name, rows)


def cell(folder: Path, file_name: str, *, line: int, column: str) -> str:
    rows = read_rows(folder, file_name)
    return rows[line - 1][rows[0].index(column)]


def append_row(folder: Path, file_name: str, values: dict[str, str]) -> int:
    """Add a row (unnamed columns empty); return its line number."""
    rows = read_rows(folder, file_name)
    rows.append([values.get(column, "") for column in rows[0]])
    write_rows(folder, file_name, rows)
    return len(rows)


def copy_row(folder: Path, file_name: str, *, line: int) -> int:
    """Append a copy of the row on `line`; return the new row's line number."""
    rows = read_rows(folder, file_name)
    rows.append(list(rows[line - 1]))
    write_rows(folder, file_name, rows)
    return len(rows)


def keep_header_only(folder: Path, file_name: str) -> None:
    write_rows(folder, file_name, read_rows(folder, file_name)[:1])


def database_fingerprint() -> dict[str, int]:
    """Rows of every registry and infections model, history tables included."""
    models = [*apps.get_app_config("registry").get_models(), *apps.get_app_config("infections").get_models()]
    return {model._meta.label: model._base_manager.count() for model in models}
