"""Laboratory values that may be below the detection limit.

A result printed `<N` is kept as such (DEFINITIONS.md, Immunoglobulins; FORMAT.md, labs.csv): never
as 0 and never as N. Its place in every ordering is fixed by DEFINITIONS.md:

- `<N` sorts just below N, above any numeric result below N (so `4 < <5 < 5`);
- equal `<N` results tie with each other;
- against a threshold T (a "< T" rule) `<N` is below T when N <= T.

`Measurement` is the scalar form (one value, for display and tests); the `*_codes` and
`below_threshold` helpers are the vectorised form used on pandas columns (a float column `value`
and a bool column `below_detection`), so millions of results are ranked without Python loops.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import total_ordering

import numpy as np
import pandas as pd

BELOW_DETECTION_PREFIX = "<"


@total_ordering
@dataclass(frozen=True)
class Measurement:
    """One result: `value` is the number, or the detection limit N when `below_detection`."""

    value: float
    below_detection: bool = False

    @classmethod
    def parse(cls, text: str) -> Measurement:
        """Read `"12.5"` or `"<5"` as written in labs.csv."""
        cleaned = text.strip()
        if cleaned.startswith(BELOW_DETECTION_PREFIX):
            return cls(float(cleaned[1:].strip()), below_detection=True)
        return cls(float(cleaned))

    @property
    def sort_key(self) -> tuple[float, int]:
        # `<N` (flag 0) sorts just below a numeric N (flag 1), equal `<N` tie.
        return (self.value, 0 if self.below_detection else 1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Measurement):
            return NotImplemented
        return self.sort_key < other.sort_key

    def is_below(self, threshold: float) -> bool:
        """The "< T" rule: a numeric v is below T when v < T; `<N` is below T when N <= T."""
        if self.below_detection:
            return self.value <= threshold
        return self.value < threshold

    def __str__(self) -> str:
        prefix = BELOW_DETECTION_PREFIX if self.below_detection else ""
        return f"{prefix}{plain_number(self.value)}"

    def to_json(self) -> float | str:
        """A number stays a number; a below-detection value is the string `"<N"` (RESULTS.md)."""
        return str(self) if self.below_detection else self.value


def plain_number(value: float) -> str:
    """Shortest decimal form without a trailing `.0` (`5.0` -> `"5"`, `6.5` -> `"6.5"`)."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(float(value))


def parse_values(raw) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised `Measurement.parse` of strings: (value float64, below_detection bool).

    Empty or missing cells give NaN and False. Lab values repeat a lot, so each distinct string is
    parsed once (`pandas.factorize` does the hashing in C): millions of rows take about a second.
    """
    codes, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    parsed = [Measurement.parse(str(text)) if str(text).strip() else None for text in uniques]
    unique_values = np.array([m.value if m else np.nan for m in parsed] + [np.nan], dtype="float64")
    unique_below = np.array([m.below_detection if m else False for m in parsed] + [False], dtype=bool)
    # code -1 (missing) indexes the trailing NaN / False
    return unique_values[codes], unique_below[codes]


def order_codes(value: np.ndarray, below_detection: np.ndarray) -> np.ndarray:
    """Dense ranks (0, 1, 2, ...) in the DEFINITIONS.md order; equal results get equal codes.

    Rank tests depend only on this order and its ties, so the codes can be handed to scipy in
    place of the values. NaN values get code -1.
    """
    value = np.asarray(value, dtype=float)
    flag = np.where(np.asarray(below_detection, dtype=bool), 0, 1)
    codes = np.full(len(value), -1, dtype=np.int64)
    present = ~np.isnan(value)
    if not present.any():
        return codes
    v, f = value[present], flag[present]
    order = np.lexsort((f, v))
    sorted_v, sorted_f = v[order], f[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (sorted_v[1:] != sorted_v[:-1]) | (sorted_f[1:] != sorted_f[:-1])
    dense = np.cumsum(new_group) - 1
    present_codes = np.empty(len(order), dtype=np.int64)
    present_codes[order] = dense
    codes[present] = present_codes
    return codes


def sort_order(value: np.ndarray, below_detection: np.ndarray) -> np.ndarray:
    """Indices that sort the results in the DEFINITIONS.md order (stable; NaN last)."""
    value = np.asarray(value, dtype=float)
    flag = np.where(np.asarray(below_detection, dtype=bool), 0, 1)
    return np.lexsort((flag, value))


def below_threshold(value: np.ndarray, below_detection: np.ndarray, threshold: float) -> np.ndarray:
    """Vectorised `Measurement.is_below`; NaN values are not below."""
    value = np.asarray(value, dtype=float)
    below_detection = np.asarray(below_detection, dtype=bool)
    return np.where(below_detection, value <= threshold, value < threshold)
