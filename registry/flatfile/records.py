"""Where each record of a CSV file starts and how many fields it has, before pandas parses it.

pandas fills a short row with empty cells, turns the first column into an index when the first data
row is one field too long, and skips blank lines without saying so (so later line numbers drift).
Counting fields first lets the importer name every malformed line and keep line numbers true.
Files without quotes (labs and most others) are counted with numpy over the raw bytes, in
milliseconds for millions of rows; a file with quotes goes through the csv module.
"""
from __future__ import annotations

import csv
import io

import numpy as np

COMMA, NEWLINE, RETURN, SPACE, TAB = (ord(c) for c in ",\n\r \t")


def record_shapes(body: bytes, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(first line, fields) of every record after the header; blank lines are left out.

    Raises csv.Error (with `line`) for a quote left open at the end of the file.
    """
    lines, fields = _quoted_shapes(text) if b'"' in body else _plain_shapes(body)
    data = (lines > 1) & (fields > 0)
    return lines[data], fields[data]


def _plain_shapes(body: bytes) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(raw == NEWLINE)
    if len(raw) and raw[-1] != NEWLINE:
        ends = np.append(ends, len(raw))  # the last line has no newline
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    commas_at = np.flatnonzero(raw == COMMA)
    commas = np.searchsorted(commas_at, ends) - np.searchsorted(commas_at, starts)
    lengths = ends - starts
    carriage = (lengths > 0) & (raw[np.maximum(ends - 1, 0)] == RETURN)
    blank = (lengths - carriage) == 0
    fields = np.where(blank, 0, commas + 1)
    return np.arange(1, len(starts) + 1), fields


def _quoted_shapes(text: str) -> tuple[np.ndarray, np.ndarray]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines, fields, previous = [], [], 0
    try:
        for row in reader:
            lines.append(previous + 1)
            fields.append(len(row))
            previous = reader.line_num
    except csv.Error as error:
        error.line = previous + 1
        raise
    return np.array(lines, dtype=np.int64), np.array(fields, dtype=np.int64)


def has_padded_cells(body: bytes) -> bool:
    """Whether any cell starts or ends with a space or tab (only then are cells stripped: it is slow)."""
    raw = np.frombuffer(body, dtype=np.uint8)
    spaces = np.flatnonzero((raw == SPACE) | (raw == TAB))
    if not len(spaces):
        return False
    before = np.where(spaces > 0, raw[np.maximum(spaces - 1, 0)], NEWLINE)
    after = np.where(spaces < len(raw) - 1, raw[np.minimum(spaces + 1, len(raw) - 1)], NEWLINE)
    edges = (COMMA, NEWLINE, RETURN)
    return bool(np.isin(before, edges).any() or np.isin(after, edges).any())
