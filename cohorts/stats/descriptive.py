"""Descriptive summaries of one cohort's values: N (%), median (range), median [IQR], mean (SEM).

Inputs are plain arrays where NaN means "not recorded" (FORMAT.md: an empty cell is never zero);
every summary reports how many values were missing. Lab values may carry a below-detection flag:
medians and ranges then follow DEFINITIONS.md (`<N` sorts just below N; a median that involves a
`<N` result is reported as `<m`, computed with N).

Each summary's `figures()` gives the RESULTS.md figure dictionary of its kind.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cohorts.stats.values import Measurement, sort_order


@dataclass(frozen=True)
class CountSummary:
    """`n` of `denominator` non-missing values; `missing` values left out of the denominator."""

    n: int
    denominator: int
    missing: int = 0

    @property
    def percent(self) -> float | None:
        return 100.0 * self.n / self.denominator if self.denominator else None

    def figures(self) -> dict:
        return {"n": self.n, "denominator": self.denominator, "percent": self.percent,
                "missing": self.missing}


@dataclass(frozen=True)
class MedianRange:
    n: int
    median: Measurement | None
    minimum: Measurement | None
    maximum: Measurement | None
    missing: int = 0

    def figures(self) -> dict:
        return {"n": self.n, "median": _json(self.median), "min": _json(self.minimum),
                "max": _json(self.maximum), "missing": self.missing}


@dataclass(frozen=True)
class MedianIQR:
    n: int
    median: Measurement | None
    q1: Measurement | None
    q3: Measurement | None
    missing: int = 0

    def figures(self) -> dict:
        return {"n": self.n, "median": _json(self.median), "q1": _json(self.q1),
                "q3": _json(self.q3), "missing": self.missing}


@dataclass(frozen=True)
class MeanSummary:
    """Mean with SEM (sample SD / sqrt(n), ddof = 1; None when n < 2), range and total."""

    n: int
    mean: float | None
    sem: float | None
    minimum: float | None
    maximum: float | None
    total: float | None
    missing: int = 0

    def figures(self) -> dict:
        return {"n": self.n, "mean": self.mean, "sem": self.sem, "min": self.minimum,
                "max": self.maximum, "total": self.total, "missing": self.missing}


@dataclass(frozen=True)
class TotalSummary:
    """A plain total (`n` = sum of the values), e.g. IVIG doses during maintenance."""

    n: float
    missing: int = 0

    def figures(self) -> dict:
        return {"n": self.n, "missing": self.missing}


def _json(value: Measurement | None) -> float | str | None:
    return None if value is None else value.to_json()


def _present(values: ArrayLike, below_detection: ArrayLike | None) -> tuple[np.ndarray, np.ndarray, int]:
    values = np.asarray(values, dtype=float)
    flags = np.zeros(len(values), dtype=bool) if below_detection is None else np.asarray(
        below_detection, dtype=bool)
    present = ~np.isnan(values)
    return values[present], flags[present], int((~present).sum())


def count_summary(flags: ArrayLike) -> CountSummary:
    """Patients (or records) with the feature among those where it is recorded (NaN = missing)."""
    values = np.asarray(flags, dtype=float)
    present = ~np.isnan(values)
    return CountSummary(n=int(values[present].sum()), denominator=int(present.sum()),
                        missing=int((~present).sum()))


def count_of_totals(n: int, denominator: int, missing: int = 0) -> CountSummary:
    """N (%) from totals already summed, e.g. infections of a class over infections of known class."""
    return CountSummary(n=int(n), denominator=int(denominator), missing=int(missing))


def _sorted_measurements(values: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = sort_order(values, flags)
    return values[order], flags[order]


def _interpolated(values: np.ndarray, flags: np.ndarray, position: float) -> Measurement:
    """The value at a fractional position of the sorted results, `<` when a `<N` result takes part."""
    low, high = math.floor(position), math.ceil(position)
    weight = position - low
    if weight == 0.5:
        value = (values[low] + values[high]) / 2  # the middle pair's average, as SPSS prints it
    else:
        value = values[low] + (values[high] - values[low]) * weight
    involved = flags[low] or (weight > 0 and flags[high])
    return Measurement(float(value), below_detection=bool(involved))


def median_range(values: ArrayLike, below_detection: ArrayLike | None = None) -> MedianRange:
    """Median (an even count averages the middle pair) with minimum and maximum."""
    present, flags, missing = _present(values, below_detection)
    if len(present) == 0:
        return MedianRange(n=0, median=None, minimum=None, maximum=None, missing=missing)
    middle = (len(present) - 1) / 2
    if not flags.any():
        # Plain numbers: the middle pair's places in the order are found without sorting the rest.
        pair = np.partition(present, (math.floor(middle), math.ceil(middle)))
        return MedianRange(n=len(present), median=_interpolated(pair, flags, middle),
                           minimum=Measurement(float(present.min())), maximum=Measurement(float(present.max())),
                           missing=missing)
    ordered, ordered_flags = _sorted_measurements(present, flags)
    return MedianRange(
        n=len(ordered),
        median=_interpolated(ordered, ordered_flags, middle),
        minimum=Measurement(float(ordered[0]), bool(ordered_flags[0])),
        maximum=Measurement(float(ordered[-1]), bool(ordered_flags[-1])),
        missing=missing,
    )


def median_iqr(values: ArrayLike, below_detection: ArrayLike | None = None) -> MedianIQR:
    """Median with the quartiles by linear interpolation between order statistics (numpy's default)."""
    present, flags, missing = _present(values, below_detection)
    if len(present) == 0:
        return MedianIQR(n=0, median=None, q1=None, q3=None, missing=missing)
    ordered, ordered_flags = _sorted_measurements(present, flags)
    last = len(ordered) - 1
    return MedianIQR(
        n=len(ordered),
        median=_interpolated(ordered, ordered_flags, last / 2),
        q1=_interpolated(ordered, ordered_flags, last * 0.25),
        q3=_interpolated(ordered, ordered_flags, last * 0.75),
        missing=missing,
    )


def mean_summary(values: ArrayLike) -> MeanSummary:
    """Mean (SEM), range and total; serves both `mean_sem` and `mean_range` rows."""
    present, _, missing = _present(values, None)
    n = len(present)
    if n == 0:
        return MeanSummary(n=0, mean=None, sem=None, minimum=None, maximum=None, total=None,
                           missing=missing)
    sem = float(np.std(present, ddof=1) / math.sqrt(n)) if n >= 2 else None
    return MeanSummary(n=n, mean=float(np.mean(present)), sem=sem, minimum=float(present.min()),
                       maximum=float(present.max()), total=float(present.sum()), missing=missing)


def total_summary(values: ArrayLike) -> TotalSummary:
    present, _, missing = _present(values, None)
    return TotalSummary(n=_whole(float(present.sum())), missing=missing)


def _whole(value: float) -> float | int:
    return int(value) if value == int(value) else value
