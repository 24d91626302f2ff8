"""Profile-likelihood limits: exact roots of 2(l_hat - l_profile(b)) = chi2(1, 0.95).

l_profile(b) is the maximum log-likelihood over the other coefficients with coefficient j fixed at
b, the same statsmodels GLM with b * x_j as offset (DEFINITIONS.md, Statistics: the published
Table 4 intervals are asymmetric, as profile intervals are). The roots are solved on the signed
root sqrt(2(l_hat - l_profile(b))) - sqrt(chi2), which has the same roots and is nearly linear in
b on each side of the estimate: the first probe (the Wald limit) and one extrapolated probe
usually bracket the limit, and Brent's method finishes with about five fits per limit in all.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import statsmodels.api as sm
from scipy import optimize, special, stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from cohorts.stats.regression.design import Patterns

CHI2_1_95 = float(stats.chi2.ppf(0.95, 1))  # 3.841459, the profile-likelihood cut-off
QUIET = (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning)
_CUT = math.sqrt(CHI2_1_95)
# A profile limit is searched while the fixed coefficient moves two patients' log-odds apart by at
# most this much (the intercept absorbs a common shift): an odds ratio of e^30 ~ 1e13, where
# double-precision probabilities saturate. A profile that has not dropped by chi2/2 by then has no
# limit on that side (None), as under separation.
_PROFILE_SPAN = 30.0
# Limits are printed as odds ratios to 6 decimals; 1e-10 on the log scale is far below that. The
# constrained fits stop when the deviance changes by less than 1e-10 + 1e-12 of itself (IRLS
# converges quadratically, so the log-likelihood is then exact to rounding): an absolute tolerance
# alone is below the rounding of a deviance of 1e5 (100,000 patients) and would never be met.
_ROOT_XTOL = 1e-10
_FIT_ATOL, _FIT_RTOL = 1e-10, 1e-12
# A constrained fit is at its maximum when the Newton decrement is below this (the log-likelihood is
# then within about half of it of the maximum): IRLS's own criterion, a deviance that stopped
# moving, is also met where it ran into saturated probabilities.
_DECREMENT = 1e-9


class Profile:
    """The signed root of the profile deviance of column j. Each constrained fit starts where the
    path of constrained estimates, extrapolated to first order from the nearest b already solved,
    puts it, so that IRLS needs two or three steps; a fit is accepted only when its Newton
    decrement shows it at the maximum."""

    def __init__(self, data: Patterns, j: int, llf_hat: float, start: dict[float, np.ndarray]):
        self.data, self.llf_hat = data, llf_hat
        self.others, self.x_j = np.delete(data.exog, j, axis=1), data.exog[:, j]
        self.solved: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self.values: dict[float, float] = {}
        for b, params in start.items():
            self.solved[b] = (params, self._newton(b, params)[1])

    def __call__(self, b: float) -> float:
        if b not in self.values:  # brentq evaluates the ends of the bracket again
            drop = 2.0 * (self.llf_hat - self._constrained_llf(b))
            self.values[b] = math.sqrt(max(drop, 0.0)) - _CUT
        return self.values[b]

    def _newton(self, b: float, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Newton decrement s'H^-1 s at the other coefficients ``params`` (twice the distance to
        the maximum in log-likelihood, near it) and the slope of the constrained estimates,
        -H^-1 X'W x_j (implicit differentiation of the score equations)."""
        eta = self.others @ params + b * self.x_j
        mu = special.expit(eta)
        weights = self.data.count * mu * (1.0 - mu)
        hessian = self.others.T @ (self.others * weights[:, None])
        score = self.others.T @ (self.data.count * (self.data.y - mu))
        moved = self.others.T @ (weights * self.x_j)
        try:
            solved = np.linalg.solve(hessian, np.column_stack([score, moved]))
        except np.linalg.LinAlgError:
            return math.inf, np.zeros_like(params)
        return float(score @ solved[:, 0]), -solved[:, 1]

    def _start(self, b: float) -> np.ndarray | None:
        if not self.solved:
            return None
        nearest = min(self.solved, key=lambda a: abs(a - b))
        params, slope = self.solved[nearest]
        return params + (b - nearest) * slope

    def _constrained_llf(self, b: float) -> float:
        """Maximum log-likelihood over the other coefficients with coefficient j fixed at b.

        IRLS is fast and exact in regular cases but overshoots without step-halving when the
        offset pushes probabilities towards 0 or 1 (separation), and may then stop where the
        deviance no longer moves; a trust-region Newton fit of the same statsmodels model does
        not. When IRLS does not reach the maximum, the larger log-likelihood attained by either
        is the better approximation of it.
        """
        model = sm.GLM(self.data.y, self.others, family=sm.families.Binomial(),
                       offset=b * self.x_j, freq_weights=self.data.count)
        irls = _attempt(lambda: model.fit(start_params=self._start(b), maxiter=100,
                                          tol=_FIT_ATOL, rtol=_FIT_RTOL))
        if irls is not None and irls.converged:
            decrement, slope = self._newton(b, irls.params)
            if decrement < _DECREMENT:
                self.solved[b] = (irls.params, slope)
                return float(irls.llf)
        newton = _attempt(lambda: model.fit(
            method="minimize", min_method="trust-exact", maxiter=500, gtol=1e-10,
            start_params=np.zeros(self.others.shape[1])))
        return max((float(r.llf) for r in (irls, newton) if r is not None), default=-math.inf)


def _attempt(fit):
    """The result of ``fit()``, or None when it fails or attains no finite log-likelihood."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QUIET)
        try:
            result = fit()
        except (np.linalg.LinAlgError, ValueError):
            return None
    return result if math.isfinite(result.llf) else None


def _bracket(g, start: float, g_start: float, first: float, direction: int,
             span: float) -> tuple[float, float] | None:
    """Two points on the ``direction`` side of ``start`` between which g changes sign, or None
    when it keeps its sign over the whole span. The first probe is ``first`` away; each next one
    just beyond where the line through the last two probes crosses zero, at least 1.1 and at most
    2 times further than the last (plain doubling when the line does not head for zero)."""
    inner, g_inner, distance = 0.0, g_start, first
    while distance <= span:
        g_outer = g(start + direction * distance)
        if (g_outer > 0) != (g_start > 0):
            return start + direction * inner, start + direction * distance
        slope = (g_outer - g_inner) / (distance - inner)
        ahead = -g_outer / slope if slope * g_outer < 0 else math.inf
        inner, g_inner = distance, g_outer
        distance += min(max(1.02 * ahead, 0.1 * distance), distance)
    return None


def _root(g, start: float, g_start: float, first: float, direction: int,
          span: float) -> float | None:
    ends = _bracket(g, start, g_start, first, direction, span)
    return None if ends is None else optimize.brentq(g, *ends, xtol=_ROOT_XTOL, rtol=1e-12)


def _exp(b: float | None) -> float | None:
    return None if b is None else math.exp(b)


def _span(data: Patterns, j: int) -> float:
    return _PROFILE_SPAN / np.ptp(data.exog[:, j])


def profile_ci(data: Patterns, j: int, beta: float, se: float, llf_hat: float,
               others_hat: np.ndarray) -> tuple[float | None, float | None]:
    """Odds-ratio limits of column j, searched from the estimate beta (where the signed root is
    -sqrt(chi2)), starting at the Wald limits."""
    g = Profile(data, j, llf_hat, {beta: others_hat})
    span = _span(data, j)
    first = math.sqrt(CHI2_1_95) * se
    first = first if 0 < first < span else span / 64
    return (_exp(_root(g, beta, -_CUT, first, -1, span)),
            _exp(_root(g, beta, -_CUT, first, +1, span)))


def profile_ci_infinite(data: Patterns, j: int, beta_fit: float,
                        llf_hat: float) -> tuple[float | None, float | None]:
    """Under separation the profile only rises towards the infinite side (no limit there); the
    finite limit is searched from b = 0, away from where the optimiser merely stopped."""
    g = Profile(data, j, llf_hat, {})
    span = _span(data, j)
    towards = 1 if beta_fit > 0 else -1
    g_zero = g(0.0)
    side = towards if g_zero > 0 else -towards
    finite = _exp(_root(g, 0.0, g_zero, span / 64, side, span))
    return (finite, None) if towards > 0 else (None, finite)
