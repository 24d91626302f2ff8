"""Data preparation: complete cases, the design matrix, and patients grouped by covariate pattern.

Every model is fitted on the distinct (covariates, outcome) rows, each weighted by how many
patients share it (statsmodels' ``freq_weights``). The log-likelihood, its maximum and every IRLS
iterate are those of the patient-level model: a binomial GLM with frequency weights is the same
sum, and its IRLS starting value, mu = (y + 1/2)/2, is computed row by row, so the iteration path
(from which statsmodels takes the Wald SE) is the same too, to rounding (about 1e-15 relative on
the pediatric study). With categorical covariates the cost then no longer grows with the number
of patients. (Grouping by covariates alone, with an events/trials outcome, would start IRLS
elsewhere and move the Wald SE by parts per million.)
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

INTERCEPT = "(intercept)"
OUTCOME = "(outcome)"


def _floats(values) -> np.ndarray:
    """One column as floats, None and NaN (and pandas' NA) as NaN; ValueError if not numeric."""
    try:
        return np.asarray(values, dtype=float)
    except TypeError:
        column = pd.Series(np.asarray(values, dtype=object))
        return column.where(column.notna(), np.nan).astype(float).to_numpy()


def numeric(columns: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Columns as floats, complete cases only (missing = None or NaN)."""
    if len({len(v) for v in columns.values()}) != 1:
        raise ValueError("the outcome and every covariate need the same number of values")
    try:
        frame = pd.DataFrame({k: _floats(v) for k, v in columns.items()})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values must be numeric (0/1 for yes/no): {exc}") from exc
    return frame.dropna()


def outcome_frame(y: Sequence[float], X: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Outcome (column OUTCOME) and covariates, complete cases; the outcome must be 0/1."""
    if INTERCEPT in X or OUTCOME in X:
        raise ValueError(f"{INTERCEPT!r} and {OUTCOME!r} are reserved names")
    frame = numeric({OUTCOME: y, **X})
    if frame.empty:
        raise ValueError("no observation has the outcome and every covariate")
    outcome = frame[OUTCOME].to_numpy()
    if not np.isin(outcome, (0.0, 1.0)).all():
        raise ValueError("the outcome must be coded 0/1")
    if outcome.min() == outcome.max():
        raise ValueError("the outcome takes a single value: no logistic model can be fitted")
    return frame


@dataclass(frozen=True)
class Patterns:
    """Distinct (covariates, outcome) rows: ``exog`` (intercept first, columns ``names``), the
    0/1 outcome ``y`` and ``count``, the number of patients with that row (as floats)."""

    y: np.ndarray
    exog: np.ndarray
    count: np.ndarray
    names: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.count.sum())

    @property
    def events(self) -> int:
        return int(self.count[self.y == 1].sum())

    def limiting_events(self) -> int:
        """Patients with the less frequent outcome."""
        return min(self.events, self.n - self.events)

    def select(self, names: Sequence[str]) -> Patterns:
        """The design of the model with the intercept and ``names`` only, on the same rows."""
        columns = [0] + [self.names.index(n) for n in names]
        return Patterns(self.y, self.exog[:, columns], self.count, (INTERCEPT, *names))

    def check_identifiable(self) -> None:
        # Duplicated rows do not change the rank: the distinct rows span the same space.
        if np.linalg.matrix_rank(self.exog) < self.exog.shape[1]:
            raise ValueError(
                f"the covariates {list(self.names[1:])} are collinear with each other or the "
                "intercept (a single-valued or duplicated covariate): the model is not identifiable"
            )


def patterns(frame: pd.DataFrame, names: Sequence[str]) -> Patterns:
    """The patients of ``frame`` grouped by their values of ``names`` and the outcome, in order of
    first appearance."""
    table = np.column_stack([frame[OUTCOME].to_numpy()] + [frame[n].to_numpy() for n in names])
    group = np.zeros(len(table), dtype=np.int64)
    for column in table.T:  # hashing, column by column, keeps the codes below the row count
        codes, levels = pd.factorize(column)
        group = pd.factorize(group * len(levels) + codes)[0]
    _, first, count = np.unique(group, return_index=True, return_counts=True)
    rows = table[first]
    exog = np.column_stack([np.ones(len(rows)), rows[:, 1:]])
    return Patterns(rows[:, 0].copy(), exog, count.astype(float), (INTERCEPT, *names))
