"""Declarative table rows, and the evaluator that turns them into RESULTS.md row dictionaries.

A table is a list of `Row`s (one figure per cohort and a test) and `Variable`s (a categorical
variable: one row per level, one chi-square for the variable). The helpers `count`, `median`,
`mean`, `total` and `per_record` build a row in one line; `evaluate` computes every figure from
the per-patient endpoint frame (`endpoints.py`) and the test from `cohorts.stats`.

Each row dict carries RESULTS.md's fields (`table`, `row`, `label`, `kind`, `cohorts`, `p`,
`p_display`, `method`) plus `variant` (the human name of the test), `display` (each figure as the
paper prints it) and, per cohort, `missing` beside `n`/`denominator`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cohorts.analysis.parameters import AnalysisParameters
from cohorts.stats import comparisons, descriptive, formatting, rates
from cohorts.stats.results import TestResult
from cohorts.stats.values import order_codes

ALL_COHORTS = ("IVIG", "CONTROL", "ALL")
KIND_OF_STATISTIC = {"patients": "count", "records": "count", "median": "median_range",
                     "mean_sem": "mean_sem", "mean_range": "mean_range", "total": "total"}


@dataclass(frozen=True)
class Row:
    """One table row. `statistic`: `patients` (N (%) of patients with a 1 among those with a value),
    `records` (N (%) of records: `endpoint` summed over `denominator` summed, e.g. infections),
    `median`, `mean_sem`, `mean_range` or `total`. `test`: `fisher`, `mwu`, `mwu_per_patient`,
    `wilcoxon`, `rate` (with `days`) or None. `subgroup` names a 1/0 column restricting the
    patients the row is about; `where` = (column, value) restricts them further (e.g. one site)."""

    key: str
    label: str
    table: str
    kind: str
    endpoint: str
    statistic: str
    test: str | None = None
    denominator: str | None = None
    records: str | None = None
    days: str | None = None
    subgroup: str | None = None
    where: tuple[str, Any] | None = None
    cohorts: tuple[str, ...] = ALL_COHORTS
    unit: str | None = None
    style: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Variable:
    """A categorical variable of Table 1: `levels` are (value, key suffix, label suffix)."""

    key: str
    label: str
    table: str
    endpoint: str
    levels: tuple[tuple[Any, str, str], ...]
    style: tuple[tuple[str, Any], ...] = ()


def _row(statistic: str, key: str, label: str, table: str, endpoint: str, **options: Any) -> Row:
    if isinstance(options.get("style"), dict):
        options["style"] = tuple(sorted(options["style"].items()))
    return Row(key=key, label=label, table=table, kind=KIND_OF_STATISTIC[statistic], endpoint=endpoint,
               statistic=statistic, **options)


def count(key: str, label: str, table: str, endpoint: str, test: str | None = "fisher", **options: Any) -> Row:
    return _row("patients", key, label, table, endpoint, test=test, **options)


def per_record(key: str, label: str, table: str, endpoint: str, denominator: str, **options: Any) -> Row:
    return _row("records", key, label, table, endpoint, denominator=denominator, **options)


def median(key: str, label: str, table: str, endpoint: str, test: str | None = "mwu", **options: Any) -> Row:
    return _row("median", key, label, table, endpoint, test=test, **options)


def mean(key: str, label: str, table: str, endpoint: str, test: str | None = None, *, sem: bool = True,
         **options: Any) -> Row:
    return _row("mean_sem" if sem else "mean_range", key, label, table, endpoint, test=test, **options)


def total(key: str, label: str, table: str, endpoint: str, **options: Any) -> Row:
    return _row("total", key, label, table, endpoint, **options)


@dataclass(frozen=True, eq=False)
class TableData:
    """What every row reads: the endpoint frame, cohort masks, parameters and the paper's style."""

    endpoints: pd.DataFrame
    masks: dict[str, np.ndarray]
    parameters: AnalysisParameters
    style: formatting.FigureStyle
    _factorized: dict[str, tuple[np.ndarray, dict]] = dataclasses.field(default_factory=dict, init=False,
                                                                         repr=False)

    def column(self, name: str) -> np.ndarray:
        return self.endpoints[name].to_numpy(dtype="float64")

    def equal_to(self, name: str, value: Any) -> np.ndarray:
        """Patients whose `name` is `value`. Rows by site ask this once per site: the column is coded
        as integers once, so each further site costs an integer comparison, not a text one."""
        if name not in self._factorized:
            codes, uniques = pd.factorize(self.endpoints[name].to_numpy(dtype=object))
            self._factorized[name] = (codes, {u: i for i, u in enumerate(uniques)})
        codes, code_of = self._factorized[name]
        return codes == code_of.get(value, -2)  # -2: no patient has the value (-1 is a missing one)

    def below(self, name: str) -> np.ndarray | None:
        flags = f"{name}_below_detection"
        return self.endpoints[flags].to_numpy(dtype=bool) if flags in self.endpoints else None

    def patients(self, row: Row, cohort: str) -> np.ndarray:
        mask = self.masks[cohort].copy()
        if row.where is not None:
            mask &= self.equal_to(*row.where)
        if row.subgroup is not None:
            mask &= self.column(row.subgroup) == 1
        return mask


def _summary(row: Row, data: TableData, mask: np.ndarray):
    values = data.column(row.endpoint)[mask]
    if row.statistic == "patients":
        return descriptive.count_summary(values)
    if row.statistic == "records":
        denominator = np.nansum(data.column(row.denominator)[mask])
        records = np.nansum(data.column(row.records)[mask]) if row.records else denominator
        return descriptive.count_of_totals(np.nansum(values), denominator, missing=records - denominator)
    if row.statistic == "median":
        below = data.below(row.endpoint)
        return descriptive.median_range(values, None if below is None else below[mask])
    if row.statistic in ("mean_sem", "mean_range"):
        return descriptive.mean_summary(values)
    return descriptive.total_summary(values)


def _ranked(row: Row, data: TableData) -> np.ndarray:
    """The row's values, as `<N`-aware order codes when the endpoint is a lab value."""
    values, below = data.column(row.endpoint), data.below(row.endpoint)
    if below is None:
        return values
    codes = order_codes(values, below).astype("float64")
    codes[codes < 0] = np.nan
    return codes


def _two_groups(row: Row, data: TableData, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return values[data.patients(row, "IVIG")], values[data.patients(row, "CONTROL")]


def _rate_test(row: Row, data: TableData) -> tuple[TestResult, float | None]:
    """Pediatric Tables 2-3: Poisson regression with log(days) offset *(choice)*, or rank-sum of rates."""
    ivig, control = data.patients(row, "IVIG"), data.patients(row, "CONTROL")
    both = ivig | control
    counts, days = data.column(row.endpoint)[both], data.column(row.days)[both]
    if data.parameters.pediatric_rate_test == "wilcoxon_rank_sum":
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(days > 0, counts / days, np.nan)
        return comparisons.wilcoxon_rank_sum(rate[ivig[both]], rate[control[both]]), None
    if not ivig.any() or not control.any():
        return TestResult(p=None, method=rates.METHOD, variant=rates.VARIANT, note="a cohort has no patient"), None
    result = rates.poisson_rate_ratio(counts, days, ivig[both])
    test = TestResult(p=result.p, method=result.method, variant=result.variant, note=result.note)
    return test, result.rate_ratio


def run_test(row: Row, data: TableData, summaries: dict) -> tuple[TestResult | None, dict]:
    """The row's test and any extra top-level fields (the Poisson rate ratio)."""
    if row.test is None:
        return None, {}
    if row.test == "fisher":
        ivig, control = summaries["IVIG"], summaries["CONTROL"]
        return comparisons.fisher_exact_counts(ivig.n, ivig.denominator, control.n, control.denominator), {}
    if row.test == "rate":
        test, ratio = _rate_test(row, data)
        return test, {"rate_ratio": ratio}
    x, y = _two_groups(row, data, _ranked(row, data))
    if row.test == "wilcoxon":
        return comparisons.wilcoxon_rank_sum(x, y), {}
    result = comparisons.mann_whitney_u(x, y, exact_max_cases=data.parameters.mwu_exact_max_cases)
    if row.test == "mwu_per_patient":
        result = dataclasses.replace(result, method=f"{result.method}_per_patient")
    return result, {}


def style_of(data: TableData, overrides: tuple[tuple[str, Any], ...]) -> formatting.FigureStyle:
    return dataclasses.replace(data.style, **dict(overrides)) if overrides else data.style


def _test_fields(test: TestResult | None, style: formatting.FigureStyle) -> dict:
    if test is None:
        return {"p": None, "p_display": None, "method": None, "variant": None}
    fields = {"p": test.p, "p_display": formatting.format_p(test.p, style), "method": test.method,
              "variant": test.variant}
    if test.note:
        fields["note"] = test.note
    return fields


def _display(kind: str, figures: dict, style: formatting.FigureStyle, p_display: str | None) -> dict:
    shown = {cohort: formatting.format_figures(kind, values, style) for cohort, values in figures.items()}
    shown["p"] = p_display
    if kind in ("mean_sem", "mean_range"):
        shown.update({f"{cohort}_range": formatting.format_range(values, style)
                      for cohort, values in figures.items()})
    return shown


def evaluate_row(row: Row, data: TableData) -> dict:
    summaries = {cohort: _summary(row, data, data.patients(row, cohort)) for cohort in row.cohorts}
    test, extra = run_test(row, data, summaries)
    return _result(row, data, summaries, test, extra)


def _result(row: Row, data: TableData, summaries: dict, test: TestResult | None, extra: dict) -> dict:
    style = style_of(data, row.style)
    figures = {cohort: summary.figures() for cohort, summary in summaries.items()}
    result = {"table": row.table, "row": row.key, "label": row.label, "kind": row.kind, "cohorts": figures,
              **_test_fields(test, style), **extra}
    if row.unit:
        result["unit"] = row.unit
    result["display"] = _display(row.kind, figures, style, result["p_display"])
    return result


@dataclass(frozen=True)
class LevelCounts:
    """One cohort's patients at each level of a `Variable`."""

    at_level: np.ndarray
    recorded: int
    missing: int

    def of(self, index: int) -> descriptive.CountSummary:
        return descriptive.CountSummary(n=int(self.at_level[index]), denominator=self.recorded,
                                        missing=self.missing)


def _level_counts(variable: Variable, data: TableData) -> dict[str, LevelCounts]:
    """Per cohort: patients at each level, and the patients with any value (the denominator of every
    level, a value outside the levels included) or none."""
    values = data.endpoints[variable.endpoint].to_numpy(dtype=object)
    present = pd.notna(values)
    # One hash lookup per patient instead of one comparison of every patient per level.
    level = pd.Index([value for value, _, _ in variable.levels], dtype=object).get_indexer(values)
    counts = {}
    for cohort in ALL_COHORTS:
        mask = data.masks[cohort]
        at_level = np.bincount(level[mask & (level >= 0)], minlength=len(variable.levels))
        recorded = int(np.count_nonzero(present & mask))
        counts[cohort] = LevelCounts(at_level, recorded, int(np.count_nonzero(mask)) - recorded)
    return counts


def _chi_square(counts: dict[str, LevelCounts], data: TableData) -> TestResult:
    table = [counts[cohort].at_level.tolist() for cohort in ("IVIG", "CONTROL")]
    yates = data.parameters.pediatric_categorical_test == "chi_square_yates"
    return comparisons.chi_square(table, correction=yates)


def evaluate_variable(variable: Variable, data: TableData) -> list[dict]:
    """One row per level, each carrying the variable's chi-square (`p_scope` = variable)."""
    counts = _level_counts(variable, data)
    test_fields = _test_fields(_chi_square(counts, data), style_of(data, variable.style))
    results = []
    for index, (_, suffix, label) in enumerate(variable.levels):
        row = count(f"{variable.key}_{suffix}", f"{variable.label}: {label}", variable.table, variable.endpoint,
                    test=None, style=variable.style)
        result = _result(row, data, {cohort: counts[cohort].of(index) for cohort in row.cohorts}, None, {})
        result.update(test_fields, p_scope="variable")
        result["display"]["p"] = test_fields["p_display"]
        results.append(result)
    return results


def evaluate(specs: list[Row | Variable], data: TableData) -> list[dict]:
    results = []
    for spec in specs:
        results.extend(evaluate_variable(spec, data) if isinstance(spec, Variable) else [evaluate_row(spec, data)])
    return results
