"""Univariate screening and stepwise selection (pediatric Table 4 and its footnote b)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from cohorts.stats.regression.design import OUTCOME, numeric, outcome_frame, patterns
from cohorts.stats.regression.diagnostics import separation
from cohorts.stats.regression.logistic import LogisticTerm, converged, logistic_regression, logit_newton


@dataclass(frozen=True)
class ScreenedTerm:
    """A univariate model's term and whether it passes the screen (p < threshold)."""

    term: LogisticTerm
    screened: bool
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepRecord:
    """One line of a stepwise log: ``start``, ``enter``, ``remove`` or ``stop``.

    ``p`` is the p of the variable acted on (for ``stop``: the best candidate that failed the
    threshold, if any); ``aic`` is that of the model after the step."""

    step: int
    action: str
    variable: str | None
    p: float | None
    aic: float


@dataclass(frozen=True)
class StepwiseResult:
    selected: tuple[str, ...]
    steps: tuple[StepRecord, ...]
    criterion: str
    threshold: float
    n: int


def univariate_screen(y: Sequence[float], candidates: Mapping[str, Sequence[float]],
                      threshold: float = 0.25) -> tuple[ScreenedTerm, ...]:
    """One univariate model per candidate; screened = Wald p < threshold (Table 4 footnote b).

    A candidate with a single value among its complete cases (or with a single outcome there)
    gives no row (DEFINITIONS.md). An infinite estimate (separation) has no Wald p and is not
    screened; its row's warnings say why."""
    outcome_frame(y, {})  # the outcome itself must be valid
    rows = []
    for name, values in candidates.items():
        frame = numeric({OUTCOME: y, name: values})
        if frame[name].nunique() < 2 or frame[OUTCOME].nunique() < 2:
            continue
        fit = logistic_regression(frame[OUTCOME], {name: frame[name]}, epv_minimum=0)
        term = fit.terms[0]
        rows.append(ScreenedTerm(term, term.p is not None and term.p < threshold, fit.n,
                                 fit.warnings))
    return tuple(rows)


_CRITERIA = ("wald", "lr")


class _Models:
    """The models of one selection, on one set of patients (so that AIC and likelihood ratios
    compare like with like), each fitted once (`logit_newton`). Separation is checked once on the
    model with every candidate: when that one is not separated, no model of the selection is
    (diagnostics.py), and the linear programs are solved again only when it is."""

    def __init__(self, y, candidates: Mapping[str, Sequence[float]], criterion: str):
        if criterion not in _CRITERIA:
            raise ValueError(f"criterion must be one of {_CRITERIA}")
        if not candidates:
            raise ValueError("no candidate variables")
        self.criterion = criterion
        self.data = patterns(outcome_frame(y, candidates), list(candidates))
        self.n = self.data.n
        # When the model with every candidate is identifiable, so is each made of some of them.
        self._identifiable = np.linalg.matrix_rank(self.data.exog) == self.data.exog.shape[1]
        self._fits: dict[tuple[str, ...], object] = {}
        self._infinite: dict[tuple[str, ...], frozenset[int]] = {}

    def fit(self, names: Sequence[str]):
        key = tuple(names)
        if key not in self._fits:
            design = self.data.select(names)
            if not self._identifiable:
                design.check_identifiable()
            self._fits[key] = logit_newton(design, start=self._start(key))
        return self._fits[key]

    def _start(self, key: tuple[str, ...]):
        """The estimates of a fitted model with one variable more, without it: each step of a
        selection changes one variable, and Newton's method from there needs about half the steps."""
        for fitted, result in self._fits.items():
            if len(fitted) == len(key) + 1 and set(key) <= set(fitted) and converged(result):
                params = np.asarray(result.params)[[0] + [1 + fitted.index(name) for name in key]]
                return params if np.isfinite(params).all() else None
        return None

    def aic(self, names: Sequence[str]) -> float:
        return float(self.fit(names).aic)

    def infinite(self, names: Sequence[str]) -> frozenset[int]:
        """Columns of the model ``names`` whose estimate is infinite."""
        for key in (self.data.names[1:], tuple(names)):
            if key not in self._infinite:
                self._infinite[key] = separation(self.data.select(key), self.fit(key).mu)[1]
            if not self._infinite[key]:
                return frozenset()
        return self._infinite[tuple(names)]

    def p(self, names: list[str], variable: str) -> float | None:
        """p of ``variable`` in the model ``names`` (which contains it): its Wald p, or the
        likelihood-ratio p against the same model without it. Wald p is undefined (None) for an
        infinite estimate; such a variable is never the one entered or removed."""
        full = self.fit(names)
        j = 1 + names.index(variable)
        if self.criterion == "wald":
            return None if j in self.infinite(names) else float(full.pvalues[j])
        reduced = self.fit([n for n in names if n != variable])
        return float(stats.chi2.sf(max(2.0 * (float(full.llf) - float(reduced.llf)), 0.0), 1))


def _extreme(ps: dict[str, float | None], pick) -> tuple[str | None, float | None]:
    defined = {k: v for k, v in ps.items() if v is not None}
    if not defined:
        return None, None
    name = pick(defined, key=defined.get)
    return name, defined[name]


def stepwise_backward(y: Sequence[float], candidates: Mapping[str, Sequence[float]], *,
                      p_remove: float = 0.05, criterion: str = "wald") -> StepwiseResult:
    """Start from every candidate; remove the least significant while its p > ``p_remove``
    (SAS's SLSTAY, default 0.05). Complete cases over all candidates."""
    models, model = _Models(y, candidates, criterion), list(candidates)
    steps = [StepRecord(0, "start", None, None, models.aic(model))]
    while True:
        worst, p = _extreme({v: models.p(model, v) for v in model}, max)
        if worst is None or p <= p_remove:
            steps.append(StepRecord(len(steps), "stop", worst, p, models.aic(model)))
            return StepwiseResult(tuple(model), tuple(steps), criterion, p_remove, models.n)
        model.remove(worst)
        steps.append(StepRecord(len(steps), "remove", worst, p, models.aic(model)))


def stepwise_forward(y: Sequence[float], candidates: Mapping[str, Sequence[float]], *,
                     p_enter: float = 0.05, criterion: str = "wald") -> StepwiseResult:
    """Start from the intercept alone; enter the most significant candidate while its p <
    ``p_enter`` (SAS's SLENTRY, default 0.05). Complete cases over all candidates."""
    models, model = _Models(y, candidates, criterion), []
    steps = [StepRecord(0, "start", None, None, models.aic(model))]
    while True:
        ps = {v: models.p(model + [v], v) for v in candidates if v not in model}
        best, p = _extreme(ps, min)
        if best is None or p >= p_enter:
            steps.append(StepRecord(len(steps), "stop", best, p, models.aic(model)))
            return StepwiseResult(tuple(model), tuple(steps), criterion, p_enter, models.n)
        model.append(best)
        steps.append(StepRecord(len(steps), "enter", best, p, models.aic(model)))
