"""Logistic regression for the pediatric Table 4 (IVIG use on pre-maintenance variables).

statsmodels fits every model: a binomial GLM (the logit model) and, for the profile likelihood,
the same GLM with the profiled coefficient fixed through an offset. Ours on top of it: the
profile-likelihood limits as exact ``brentq`` roots of 2(l_hat - l_profile(b)) = chi2(1, 0.95)
(DEFINITIONS.md, Statistics: the published Table 4 intervals are asymmetric, as profile intervals
are), separation detection by linear programming, univariate screening, stepwise selection, and
the collinearity and events-per-variable checks the paper's methods section describes.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

Z_975 = float(stats.norm.ppf(0.975))  # 1.959964 (DEFINITIONS.md: Wald CI = exp(b +/- 1.959964 SE))
CHI2_1_95 = float(stats.chi2.ppf(0.95, 1))  # 3.841459, the profile-likelihood cut-off
INTERCEPT = "(intercept)"
OUTCOME = "(outcome)"
_LP_TOLERANCE = 1e-7
# A profile limit is searched while the fixed coefficient moves two patients' log-odds apart by at
# most this much (the intercept absorbs a common shift): an odds ratio of e^30 ~ 1e13, where
# double-precision probabilities saturate. A profile that has not dropped by chi2/2 by then has no
# limit on that side (None), as under separation.
_PROFILE_SPAN = 30.0
_QUIET = (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning)


@dataclass(frozen=True)
class LogisticTerm:
    """One covariate of a fitted model. None where the estimate or a limit is undefined
    (an infinite maximum-likelihood estimate under separation)."""

    name: str
    coefficient: float | None
    se: float | None
    odds_ratio: float | None
    ci_wald: tuple[float, float] | None
    ci_profile: tuple[float | None, float | None] | None
    p: float | None


@dataclass(frozen=True)
class LogisticFit:
    """A fitted model; ``terms`` excludes the intercept, which every model has."""

    terms: tuple[LogisticTerm, ...]
    n: int
    events: int
    converged: bool
    separation: bool
    warnings: tuple[str, ...]
    log_likelihood: float
    aic: float

    def term(self, name: str) -> LogisticTerm:
        return next(t for t in self.terms if t.name == name)


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


@dataclass(frozen=True)
class EventsPerVariable:
    """``limiting_events`` = count of the less frequent outcome (Peduzzi et al. 1996)."""

    limiting_events: int
    n_variables: int
    epv: float
    adequate: bool
    warning: str


# ----------------------------------------------------------------------------- data preparation


def _numeric(columns: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Columns as floats, complete cases only (missing = None or NaN)."""
    if len({len(v) for v in columns.values()}) != 1:
        raise ValueError("the outcome and every covariate need the same number of values")
    try:
        frame = pd.DataFrame({k: list(v) for k, v in columns.items()}, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values must be numeric (0/1 for yes/no): {exc}") from exc
    return frame.dropna()


def _frame(y: Sequence[float], X: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Outcome (column OUTCOME) and covariates, complete cases; the outcome must be 0/1."""
    if INTERCEPT in X or OUTCOME in X:
        raise ValueError(f"{INTERCEPT!r} and {OUTCOME!r} are reserved names")
    frame = _numeric({OUTCOME: y, **X})
    if frame.empty:
        raise ValueError("no observation has the outcome and every covariate")
    if not frame[OUTCOME].isin((0.0, 1.0)).all():
        raise ValueError("the outcome must be coded 0/1")
    if frame[OUTCOME].nunique() < 2:
        raise ValueError("the outcome takes a single value: no logistic model can be fitted")
    return frame


def _exog(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    exog = pd.DataFrame({INTERCEPT: 1.0, **{n: frame[n] for n in names}}, index=frame.index)
    if np.linalg.matrix_rank(exog.to_numpy()) < exog.shape[1]:
        raise ValueError(
            f"the covariates {list(names)} are collinear with each other or the intercept "
            "(a single-valued or duplicated covariate): the model is not identifiable"
        )
    return exog


def _logit(y: np.ndarray, exog: pd.DataFrame):
    """The logistic model as statsmodels' binomial GLM fitted by IRLS with its default settings.

    This is the fit the independent reference computation in expected.json made: its Wald SE
    comes from the weights of the last IRLS step, within about 1e-6 (relative) of the SE at the
    exact maximum (2x2 of Table 1's DDI row: 0.7234162 vs sqrt(1/a+1/b+1/c+1/d) = 0.7234165),
    which moves Wald p-values by up to ~4e-6 relative; matching it keeps both computations
    comparable to 1e-6 on every other figure. IRLS also degrades gracefully under separation.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _QUIET)
        return sm.GLM(y, exog, family=sm.families.Binomial()).fit()


# ----------------------------------------------------------------------------- separation


def _separated_terms(y: np.ndarray, exog: np.ndarray) -> tuple[str, frozenset[int]]:
    """Kind of separation ("", "complete", "quasi-complete") and the columns whose MLE is infinite.

    The data are separated when a direction d != 0 has s_i x_i'd >= 0 for every patient
    (s_i = +1 for events, -1 otherwise): the likelihood then keeps rising along d (Albert &
    Anderson 1984; the linear program of Konis 2007). A coefficient is infinite when some such
    direction moves it. Columns are scaled so that one tolerance fits every covariate.
    """
    signed = np.where(y == 1, 1.0, -1.0)[:, None] * (exog / np.abs(exog).max(axis=0))
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


# ----------------------------------------------------------------------------- profile likelihood


def _constrained_llf(y: np.ndarray, others: np.ndarray, offset: np.ndarray) -> float:
    """Maximum log-likelihood over the other coefficients with one coefficient fixed (offset).

    IRLS is fast and exact in regular cases but overshoots without step-halving when the offset
    pushes probabilities towards 0 or 1 (separation); a trust-region Newton fit of the same
    statsmodels model does not. Each attempt is a log-likelihood actually attained, so the larger
    is the better approximation of the maximum.
    """
    model = sm.GLM(y, others, family=sm.families.Binomial(), offset=offset)
    attempts = (
        lambda: model.fit(tol=1e-12, maxiter=200),
        lambda: model.fit(method="minimize", min_method="trust-exact", maxiter=500, gtol=1e-10,
                          start_params=np.zeros(others.shape[1])),
    )
    best = -math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _QUIET)
        for attempt in attempts:
            try:
                llf = float(attempt().llf)
            except (np.linalg.LinAlgError, ValueError):
                continue
            best = max(best, llf) if math.isfinite(llf) else best
    return best


def _profile_deviance(y: np.ndarray, exog: np.ndarray, j: int, llf_hat: float) -> Callable:
    """b -> 2(l_hat - l_profile(b)) - chi2(1, 0.95); its roots are the profile limits."""
    others, x_j = np.delete(exog, j, axis=1), exog[:, j]
    return lambda b: 2.0 * (llf_hat - _constrained_llf(y, others, b * x_j)) - CHI2_1_95


def _root_from(deviance: Callable, start: float, step: float, direction: int,
               span: float) -> float | None:
    """Move from ``start`` by doubling steps until the deviance changes sign, then solve exactly
    between the last two points; None when it keeps its sign over the whole span."""
    positive = deviance(start) > 0
    inner, distance = start, step
    while distance <= span:
        outer = start + direction * distance
        if (deviance(outer) > 0) != positive:
            return optimize.brentq(deviance, inner, outer, xtol=1e-12, rtol=1e-14)
        inner, distance = outer, distance * 2
    return None


def _exp(b: float | None) -> float | None:
    return None if b is None else math.exp(b)


def _profile_ci(y, exog, j, beta, se, llf_hat) -> tuple[float | None, float | None]:
    deviance = _profile_deviance(y, exog, j, llf_hat)
    span = _PROFILE_SPAN / np.ptp(exog[:, j])
    step = se if 0 < se < span else span / 64
    return (_exp(_root_from(deviance, beta, step, -1, span)),
            _exp(_root_from(deviance, beta, step, +1, span)))


def _profile_ci_infinite(y, exog, j, beta_fit, llf_hat) -> tuple[float | None, float | None]:
    """Under separation the profile only rises towards the infinite side (no limit there); the
    finite limit is searched from b = 0, away from where the optimiser merely stopped."""
    deviance = _profile_deviance(y, exog, j, llf_hat)
    span = _PROFILE_SPAN / np.ptp(exog[:, j])
    towards = 1 if beta_fit > 0 else -1
    side = towards if deviance(0.0) > 0 else -towards
    finite = _exp(_root_from(deviance, 0.0, span / 64, side, span))
    return (finite, None) if towards > 0 else (None, finite)


# ----------------------------------------------------------------------------- the model


def _term(name: str, j: int, result, infinite: frozenset[int], profile) -> LogisticTerm:
    if j in infinite:
        return LogisticTerm(name, None, None, None, None, profile, None)
    beta, se = float(result.params.iloc[j]), float(result.bse.iloc[j])
    wald = (math.exp(beta - Z_975 * se), math.exp(beta + Z_975 * se))
    p = float(result.pvalues.iloc[j])
    return LogisticTerm(name, beta, se, math.exp(beta), wald, profile, p)


def _terms(yv, xv, names, result, infinite, profile: bool) -> tuple[LogisticTerm, ...]:
    terms = []
    for j, name in enumerate(names, start=1):
        beta, llf_hat = float(result.params.iloc[j]), float(result.llf)
        if not profile:
            ci = None
        elif j in infinite:
            ci = _profile_ci_infinite(yv, xv, j, beta, llf_hat)
        else:
            ci = _profile_ci(yv, xv, j, beta, float(result.bse.iloc[j]), llf_hat)
        terms.append(_term(name, j, result, infinite, ci))
    return tuple(terms)


def logistic_regression(y: Sequence[float], X: Mapping[str, Sequence[float]], *,
                        profile: bool = True, epv_minimum: float = 10.0) -> LogisticFit:
    """Logit of y (0/1) on an intercept and the covariates of X, complete cases.

    Odds ratios with Wald p, Wald CIs exp(b +/- 1.959964 SE) and profile-likelihood CIs.
    Separation never raises: it is reported (``separation``, ``warnings``) and the terms whose
    estimate is infinite carry None except for their finite profile limit. ``converged`` is
    False under separation (no finite maximum exists).
    """
    frame = _frame(y, X)
    names = list(X)
    exog = _exog(frame, names)
    yv, xv = frame[OUTCOME].to_numpy(), exog.to_numpy()
    result = _logit(yv, exog)
    kind, infinite = _separated_terms(yv, xv)
    notes = [_separation_warning(kind, [exog.columns[j] for j in sorted(infinite)])] if kind else []
    epv = events_per_variable(yv, len(names), minimum=epv_minimum) if names else None
    notes += [] if epv is None or epv.adequate else [epv.warning]
    converged = bool(result.converged) and not kind
    return LogisticFit(_terms(yv, xv, names, result, infinite, profile), len(yv),
                       int(yv.sum()), converged, bool(kind), tuple(notes),
                       float(result.llf), float(result.aic))


def _separation_warning(kind: str, names: list[str]) -> str:
    return (f"{kind} separation: the maximum-likelihood estimate is infinite for "
            f"{', '.join(names)}; their odds ratio, Wald CI and p are undefined (None) and only "
            "the finite profile-likelihood limit is given")


def events_per_variable(y: Sequence[float], n_variables: int, *,
                        minimum: float = 10.0) -> EventsPerVariable:
    """Events per candidate variable, counting the less frequent outcome (Peduzzi et al. 1996:
    below 10 the coefficients and their Wald CIs become unreliable)."""
    values = np.asarray([v for v in y if v is not None and not pd.isna(v)], dtype=float)
    if values.size == 0:
        raise ValueError("no outcome values")
    if n_variables < 1:
        raise ValueError("n_variables must be at least 1")
    limiting = int(min((values == 1).sum(), (values == 0).sum()))
    epv = limiting / n_variables
    adequate = epv >= minimum
    warning = "" if adequate else (
        f"events per variable {epv:.1f} < {minimum:g} ({limiting} events of the less frequent "
        f"outcome for {n_variables} variables): estimates may be unstable")
    return EventsPerVariable(limiting, n_variables, epv, adequate, warning)


# ----------------------------------------------------------------------------- screening


def univariate_screen(y: Sequence[float], candidates: Mapping[str, Sequence[float]],
                      threshold: float = 0.25) -> tuple[ScreenedTerm, ...]:
    """One univariate model per candidate; screened = Wald p < threshold (Table 4 footnote b).

    A candidate with a single value among its complete cases (or with a single outcome there)
    gives no row (DEFINITIONS.md). An infinite estimate (separation) has no Wald p and is not
    screened; its row's warnings say why."""
    _frame(y, {})  # the outcome itself must be valid
    rows = []
    for name, values in candidates.items():
        frame = _numeric({OUTCOME: y, name: values})
        if frame[name].nunique() < 2 or frame[OUTCOME].nunique() < 2:
            continue
        fit = logistic_regression(frame[OUTCOME], {name: frame[name]}, epv_minimum=0)
        term = fit.terms[0]
        rows.append(ScreenedTerm(term, term.p is not None and term.p < threshold, fit.n,
                                 fit.warnings))
    return tuple(rows)


# ----------------------------------------------------------------------------- stepwise selection

_CRITERIA = ("wald", "lr")


def _model_aic_llf(yv: np.ndarray, frame: pd.DataFrame, names: Sequence[str]) -> tuple:
    result = _logit(yv, _exog(frame, names))
    return result, float(result.aic), float(result.llf)


def _p_of(yv, frame, names: list[str], variable: str, criterion: str) -> float | None:
    """p of ``variable`` in the model ``names`` (which contains it): its Wald p, or the
    likelihood-ratio p against the same model without it. Wald p is undefined (None) for an
    infinite estimate; such a variable is never the one entered or removed."""
    full, _, llf_full = _model_aic_llf(yv, frame, names)
    if criterion == "wald":
        _, infinite = _separated_terms(yv, _exog(frame, names).to_numpy())
        j = 1 + names.index(variable)
        return None if j in infinite else float(full.pvalues.iloc[j])
    _, _, llf_reduced = _model_aic_llf(yv, frame, [n for n in names if n != variable])
    return float(stats.chi2.sf(max(2.0 * (llf_full - llf_reduced), 0.0), 1))


def _stepwise_frame(y, candidates, criterion: str) -> pd.DataFrame:
    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}")
    if not candidates:
        raise ValueError("no candidate variables")
    # One set of patients for every model, so that AIC and likelihood ratios compare like with like.
    return _frame(y, candidates)


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
    frame = _stepwise_frame(y, candidates, criterion)
    yv, model = frame[OUTCOME].to_numpy(), list(candidates)
    steps = [StepRecord(0, "start", None, None, _model_aic_llf(yv, frame, model)[1])]
    while True:
        ps = {v: _p_of(yv, frame, model, v, criterion) for v in model}
        worst, p = _extreme(ps, max)
        if worst is None or p <= p_remove:
            aic = _model_aic_llf(yv, frame, model)[1]
            steps.append(StepRecord(len(steps), "stop", worst, p, aic))
            return StepwiseResult(tuple(model), tuple(steps), criterion, p_remove, len(yv))
        model.remove(worst)
        aic = _model_aic_llf(yv, frame, model)[1]
        steps.append(StepRecord(len(steps), "remove", worst, p, aic))


def stepwise_forward(y: Sequence[float], candidates: Mapping[str, Sequence[float]], *,
                     p_enter: float = 0.05, criterion: str = "wald") -> StepwiseResult:
    """Start from the intercept alone; enter the most significant candidate while its p <
    ``p_enter`` (SAS's SLENTRY, default 0.05). Complete cases over all candidates."""
    frame = _stepwise_frame(y, candidates, criterion)
    yv, model = frame[OUTCOME].to_numpy(), []
    steps = [StepRecord(0, "start", None, None, _model_aic_llf(yv, frame, model)[1])]
    while True:
        ps = {v: _p_of(yv, frame, model + [v], v, criterion) for v in candidates if v not in model}
        best, p = _extreme(ps, min)
        if best is None or p >= p_enter:
            aic = _model_aic_llf(yv, frame, model)[1]
            steps.append(StepRecord(len(steps), "stop", best, p, aic))
            return StepwiseResult(tuple(model), tuple(steps), criterion, p_enter, len(yv))
        model.append(best)
        aic = _model_aic_llf(yv, frame, model)[1]
        steps.append(StepRecord(len(steps), "enter", best, p, aic))


# ----------------------------------------------------------------------------- collinearity


def collinearity_check(X: Mapping[str, Sequence[float]], *, vif_threshold: float = 5.0,
                       r_threshold: float = 0.7) -> CollinearityCheck:
    """VIF of each variable (statsmodels, with an intercept in the design so that VIFs are the
    usual centred ones) and Pearson correlations, complete cases; flags VIF > ``vif_threshold``
    and |r| > ``r_threshold`` (the paper's cross-correlation table, Table 4 footnote a)."""
    if not X:
        raise ValueError("no variables")
    frame = _numeric(X)
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
