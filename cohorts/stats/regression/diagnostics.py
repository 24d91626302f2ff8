"""Checks around the logistic models: separation, events per variable, collinearity."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from statsmodels.stats.outliers_influence import variance_inflation_factor

from cohorts.stats.regression.design import Patterns, numeric

_LP_TOLERANCE = 1e-7
# Positive weights proving that there is no separation must stay above this fraction of the largest
# one, far above rounding (see ``separation``).
_CERTIFICATE_MARGIN = 1e-9


@dataclass(frozen=True)
class EventsPerVariable:
    """``limiting_events`` = count of the less frequent outcome (Peduzzi et al. 1996)."""

    limiting_events: int
    n_variables: int
    epv: float
    adequate: bool
    warning: str


@dataclass(frozen=True)
class VarianceInflation:
    name: str
    vif: float
    flagged: bool


@dataclass(frozen=True)
class CorrelatedPair:
    first: str
    second: str
    r: float


@dataclass(frozen=True)
class CollinearityCheck:
    """VIFs (each variable regressed on the others and an intercept), the Pearson correlation
    matrix in ``names`` order, and the pairs with |r| above the threshold."""

    names: tuple[str, ...]
    vifs: tuple[VarianceInflation, ...]
    correlation: tuple[tuple[float, ...], ...]
    correlated_pairs: tuple[CorrelatedPair, ...]
    n: int


# ----------------------------------------------------------------------------- separation


def separated_terms(y: np.ndarray, exog: np.ndarray) -> tuple[str, frozenset[int]]:
    """Kind of separation ("", "complete", "quasi-complete") and the columns whose MLE is infinite.

    The data are separated when a direction d != 0 has s_i x_i'd >= 0 for every patient
    (s_i = +1 for events, -1 otherwise): the likelihood then keeps rising along d (Albert &
    Anderson 1984; the linear program of Konis 2007). A coefficient is infinite when some such
    direction moves it. Columns are scaled so that one tolerance fits every covariate. Patients
    with the same row give the same constraint, so the distinct (covariates, outcome) rows are
    enough. A model whose columns are a subset of an unseparated model's is never separated (a
    direction of the smaller model is one of the larger), which stepwise selection relies on.
    """
    scale = np.abs(exog).max(axis=0)
    signed = np.where(y == 1, 1.0, -1.0)[:, None] * (exog / np.where(scale > 0, scale, 1.0))
    p = exog.shape[1]

    def best(objective: np.ndarray) -> float:
        res = optimize.linprog(objective, A_ub=-signed, b_ub=np.zeros(len(y)),
                               bounds=[(-1, 1)] * p, method="highs")
        return -res.fun if res.status == 0 else 0.0

    if best(-signed.sum(axis=0)) <= _LP_TOLERANCE:
        return "", frozenset()
    infinite = frozenset(j for j in range(p)
                         if max(best(-np.eye(p)[j]), best(np.eye(p)[j])) > _LP_TOLERANCE)
    # Complete separation: some direction puts every patient strictly on its own side (margin t).
    res = optimize.linprog(np.r_[np.zeros(p), -1.0], A_ub=np.c_[-signed, np.ones(len(y))],
                           b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * p + [(0, 1)], method="highs")
    kind = "complete" if res.status == 0 and -res.fun > _LP_TOLERANCE else "quasi-complete"
    return kind, infinite


def separation(data: Patterns, fitted: np.ndarray) -> tuple[str, frozenset[int]]:
    """``separated_terms``, without its linear programs when the fitted probabilities ``fitted``
    (of the model on ``data``) prove that there is no separation.

    By Stiemke's theorem of the alternative, no direction separates the data exactly when some
    strictly positive weights w have sum_i w_i s_i x_i = 0. At the maximum, w_i = n_i |y_i - mu_i|
    satisfy it up to the fit's tolerance (these are the score equations); the smallest change
    that makes the sum exactly zero leaves them positive, with room to spare, unless some
    probabilities approach 0 or 1, and then the linear programs decide.
    """
    signed = np.where(data.y == 1, 1.0, -1.0)[:, None] * data.exog
    weights = data.count * np.abs(data.y - fitted)
    try:
        change = signed @ np.linalg.solve(signed.T @ signed, signed.T @ weights)
    except np.linalg.LinAlgError:
        change = np.full_like(weights, np.inf)
    if (weights - change).min() > _CERTIFICATE_MARGIN * weights.max():
        return "", frozenset()
    return separated_terms(data.y, data.exog)


def separation_warning(kind: str, names: Sequence[str]) -> str:
    return (f"{kind} separation: the maximum-likelihood estimate is infinite for "
            f"{', '.join(names)}; their odds ratio, Wald CI and p are undefined (None) and only "
            "the finite profile-likelihood limit is given")


# ----------------------------------------------------------------------------- events per variable


def epv_check(limiting: int, n_variables: int, minimum: float) -> EventsPerVariable:
    if n_variables < 1:
        raise ValueError("n_variables must be at least 1")
    epv = limiting / n_variables
    adequate = epv >= minimum
    warning = "" if adequate else (
        f"events per variable {epv:.1f} < {minimum:g} ({limiting} events of the less frequent "
        f"outcome for {n_variables} variables): estimates may be unstable")
    return EventsPerVariable(limiting, n_variables, epv, adequate, warning)


def events_per_variable(y: Sequence[float], n_variables: int, *,
                        minimum: float = 10.0) -> EventsPerVariable:
    """Events per candidate variable, counting the less frequent outcome (Peduzzi et al. 1996:
    below 10 the coefficients and their Wald CIs become unreliable)."""
    values = numeric({"y": y})["y"].to_numpy()
    if values.size == 0:
        raise ValueError("no outcome values")
    return epv_check(int(min((values == 1).sum(), (values == 0).sum())), n_variables, minimum)


# ----------------------------------------------------------------------------- collinearity


def collinearity_check(X: Mapping[str, Sequence[float]], *, vif_threshold: float = 5.0,
                       r_threshold: float = 0.7) -> CollinearityCheck:
    """VIF of each variable (statsmodels, with an intercept in the design so that VIFs are the
    usual centred ones) and Pearson correlations, complete cases; flags VIF > ``vif_threshold``
    and |r| > ``r_threshold`` (the paper's cross-correlation table, Table 4 footnote a)."""
    if not X:
        raise ValueError("no variables")
    frame = numeric(X)
    if frame.empty:
        raise ValueError("no observation has every variable")
    names = tuple(X)
    design = np.column_stack([np.ones(len(frame)), frame[list(names)].to_numpy()])
    with np.errstate(divide="ignore", invalid="ignore"):
        vifs = tuple(VarianceInflation(n, float(variance_inflation_factor(design, j + 1)),
                                       False) for j, n in enumerate(names))
        corr = frame[list(names)].corr().to_numpy()
    vifs = tuple(VarianceInflation(v.name, v.vif, not v.vif <= vif_threshold) for v in vifs)
    pairs = tuple(CorrelatedPair(a, b, float(corr[i, k]))
                  for i, a in enumerate(names) for k, b in enumerate(names)
                  if i < k and abs(corr[i, k]) > r_threshold)
    return CollinearityCheck(names, vifs, tuple(tuple(float(v) for v in row) for row in corr),
                             pairs, len(frame))
