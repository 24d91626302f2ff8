"""What both studies' baseline tables share: day numbers, per-patient lookups, the tests, the figures
of one row and the p-value as each paper prints it (DEFINITIONS.md, Statistics and Formatting).

Dates become float day numbers (NaN for an empty date) so that every window is a plain numpy
comparison, and every event table gets `pos`, the row of its patient in `patients`, so that looking
up a patient's index date is `index_day[pos]` rather than a merge on text ids.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from scipy import stats

COHORTS = ("IVIG", "CONTROL", "ALL")


@dataclass(frozen=True)
class Policy:
    """Where exact computations give way on large studies; the defaults are the engine's
    (AnalysisParameters), so that a timing comparison computes the same things.

    - `mwu_exact_max_cases`: SPSS's exact Mann-Whitney U up to this many cases (both groups), beyond
      it the asymptotic tie-corrected test with the 0.5 continuity correction; None = always exact.
    - `profile_max_cases`: profile-likelihood CIs of Table 4 up to this many analysed patients,
      beyond it Wald CIs only (`ci_profile` null); None = always.
    """

    mwu_exact_max_cases: int | None = 400
    profile_max_cases: int | None = 2000


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as floats, NaN for NaT."""
    days = dates.to_numpy(dtype="datetime64[D]").astype("int64").astype(float)
    days[dates.isna().to_numpy()] = np.nan
    return days


def with_positions(table: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """`table` with `pos`, the row of each record's patient in `patients`; records of other
    patients are left out."""
    positions = pd.Index(patients["patient_id"]).get_indexer(table["patient_id"])
    return table.assign(pos=positions)[positions >= 0]


def yes(values: pd.Series) -> np.ndarray:
    """A yes/no column as plain bool, empty counting as no."""
    return values.fillna(False).to_numpy(dtype=bool)


def per_patient_count(pos: np.ndarray, n_patients: int) -> np.ndarray:
    return np.bincount(pos, minlength=n_patients).astype(float)


def per_patient_sum(pos: np.ndarray, weights: np.ndarray, n_patients: int) -> np.ndarray:
    return np.bincount(pos, weights=weights, minlength=n_patients)


def one_per_patient(pos: np.ndarray, *keys: np.ndarray, last: bool = False) -> np.ndarray:
    """Index of each patient's first (or last) row in the order of `keys`, the first key leading;
    the last key must be unique within a patient (e.g. the row order)."""
    rows = np.arange(len(pos))
    for key in keys:
        values = key[rows]
        best = pd.Series(values).groupby(pos[rows]).transform("max" if last else "min").to_numpy()
        rows = rows[values == best]
    return rows


def first_day(pos: np.ndarray, days: np.ndarray, n_patients: int) -> np.ndarray:
    """Earliest day per patient (NaN when the patient has no row)."""
    out = np.full(n_patients, np.inf)
    np.minimum.at(out, pos, days)
    out[np.isinf(out)] = np.nan
    return out


def last_day(pos: np.ndarray, days: np.ndarray, n_patients: int) -> np.ndarray:
    out = np.full(n_patients, -np.inf)
    np.maximum.at(out, pos, days)
    out[np.isinf(out)] = np.nan
    return out


# ------------------------------------------------------------------------------------------- tests

def fisher(n: dict, den: dict) -> float | None:
    """Two-sided Fisher's exact test of IVIG against control; no p when a group is empty."""
    if den["IVIG"] == 0 or den["CONTROL"] == 0:
        return None
    table = [[n["IVIG"], den["IVIG"] - n["IVIG"]], [n["CONTROL"], den["CONTROL"] - n["CONTROL"]]]
    return float(stats.fisher_exact(table).pvalue)


def sort_key(values: np.ndarray, below: np.ndarray) -> np.ndarray:
    """`<N` sorts just below N and above any numeric result below N (DEFINITIONS.md)."""
    return np.where(below, np.nextafter(values, -np.inf), values)


def mann_whitney(x: np.ndarray, y: np.ndarray, exact_max_cases: int | None) -> tuple[float | None, str]:
    """SPSS's exact Mann-Whitney U (ties ignored), asymptotic past `exact_max_cases` (`Policy`)."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return None, "mann_whitney_u_exact"
    if exact_max_cases is None or len(x) + len(y) <= exact_max_cases:
        return float(stats.mannwhitneyu(x, y, method="exact").pvalue), "mann_whitney_u_exact"
    return rank_sum_asymptotic(x, y), "mann_whitney_u_asymptotic"


def rank_sum_asymptotic(x: np.ndarray, y: np.ndarray) -> float | None:
    """SAS's Wilcoxon rank-sum p: asymptotic, tie-corrected, continuity 0.5."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return None
    p = float(stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True).pvalue)
    return None if np.isnan(p) else p


def chi_square(table: np.ndarray) -> float | None:
    """Pearson chi-square without correction over the levels that occur (DEFINITIONS.md)."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return None
    return float(stats.chi2_contingency(table, correction=False).pvalue)


# ----------------------------------------------------------------------------------------- figures

def plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _shown(value: float, below: bool):
    return f"<{plain(value)}" if below else float(value)


def median_range(values: np.ndarray, below: np.ndarray | None = None) -> dict:
    """n, median (average of the middle pair), min and max; `<N` stays a string, and a median
    that involves one is `<m`, computed with N (DEFINITIONS.md, Immunoglobulins)."""
    below = np.zeros(len(values), dtype=bool) if below is None else below
    present = ~np.isnan(values)
    v, b = values[present], below[present]
    if len(v) == 0:
        return {"n": 0, "median": None, "min": None, "max": None}
    order = np.argsort(sort_key(v, b), kind="stable")
    v, b = v[order], b[order]
    low, high = (len(v) - 1) // 2, len(v) // 2
    median = (v[low] + v[high]) / 2
    return {"n": len(v), "median": _shown(median, b[low] or b[high]),
            "min": _shown(v[0], b[0]), "max": _shown(v[-1], b[-1])}


def mean_figures(values: np.ndarray) -> dict:
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return {"n": 0, "mean": None, "sem": None, "min": None, "max": None, "total": None}
    sem = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else None
    return {"n": len(v), "mean": float(v.mean()), "sem": sem, "min": float(v.min()),
            "max": float(v.max()), "total": float(v.sum())}


def count_figures(n: int, denominator: int) -> dict:
    return {"n": int(n), "denominator": int(denominator),
            "percent": 100.0 * n / denominator if denominator else None}


def format_p(p: float | None, paper: str) -> str | None:
    """SPSS (adults): 3 decimals, then 2, zeros dropped; SAS (children): 4, then 3, `<0.001`."""
    if p is None:
        return None

    def half_up(value, places: int) -> Decimal:
        return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    if paper == "ADULT":
        text = format(half_up(half_up(p, 3), 2), "f").rstrip("0").rstrip(".")
        return text or "0"
    rounded = half_up(half_up(p, 4), 3)
    return "<0.001" if rounded == 0 else format(rounded, "f")


# -------------------------------------------------------------------------------------------- rows

class Rows:
    """Builds one study's rows over its cohort masks (`IVIG`, `CONTROL`, `ALL`)."""

    def __init__(self, cohort: np.ndarray, paper: str, policy: Policy):
        self.policy = policy
        self.masks = {"IVIG": cohort == "IVIG", "CONTROL": cohort == "CONTROL"}
        self.masks["ALL"] = self.masks["IVIG"] | self.masks["CONTROL"]
        self.paper = paper
        self.rows: list[dict] = []

    def add(self, table: str, key: str, label: str, kind: str, cohorts: dict, p=None, method=None,
            **extra) -> None:
        self.rows.append({"table": table, "row": key, "label": label, "kind": kind, "cohorts": cohorts,
                          "p": p, "p_display": format_p(p, self.paper),
                          "method": method, **extra})

    def mann_whitney(self, values: np.ndarray) -> tuple[float | None, str]:
        """Mann-Whitney U of IVIG against control, exact or asymptotic as the policy says."""
        return mann_whitney(values[self.masks["IVIG"]], values[self.masks["CONTROL"]],
                            self.policy.mwu_exact_max_cases)

    def text(self, key: str, label: str, kind: str, cohorts: dict) -> None:
        """A Results-text figure without a test."""
        self.add("TEXT", key, label, kind, cohorts)

    def count(self, table: str, key: str, label: str, flag: np.ndarray, counted: np.ndarray | None = None,
              *, test: str | None = "fisher", p=None, method=None, **extra) -> None:
        """Patients with `flag` among the patients `counted` (default: every patient); Fisher's
        exact p unless `test` is None (then `p` and `method` are the caller's)."""
        counted = np.ones(len(flag), dtype=bool) if counted is None else counted
        n = {c: int((flag & counted & m).sum()) for c, m in self.masks.items()}
        den = {c: int((counted & m).sum()) for c, m in self.masks.items()}
        if test == "fisher":
            p, method = fisher(n, den), "fisher_exact"
        self.add(table, key, label, "count", {c: count_figures(n[c], den[c]) for c in COHORTS}, p, method,
                 **extra)

    def median(self, table: str, key: str, label: str, values: np.ndarray,
               below: np.ndarray | None = None) -> None:
        """median (range) per cohort and the Mann-Whitney U of IVIG against control."""
        ranked = values if below is None else sort_key(values, below)
        cohorts = {c: median_range(values[m], None if below is None else below[m])
                   for c, m in self.masks.items()}
        p, method = self.mann_whitney(ranked)
        self.add(table, key, label, "median_range", cohorts, p, method)

    def mean(self, table: str, key: str, label: str, values: np.ndarray, kind: str = "mean_sem", *,
             test: str | None = "rank_sum", p=None, method=None, **extra) -> None:
        """mean (SEM) per cohort; SAS's Wilcoxon rank-sum p unless `test` is None (as `count`)."""
        cohorts = {c: mean_figures(values[m]) for c, m in self.masks.items()}
        if test == "rank_sum":
            p = rank_sum_asymptotic(values[self.masks["IVIG"]], values[self.masks["CONTROL"]])
            method = "wilcoxon_rank_sum"
        self.add(table, key, label, kind, cohorts, p, method, **extra)
