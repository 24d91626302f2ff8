"""The figures of an analysis run, drawn with matplotlib (Agg, no pyplot state) as PNG or SVG.

- `igg-over-time`: serum IgG of every patient from the index date on, one panel per cohort, with the
  hypogammaglobulinemia thresholds (the adult paper's Fig. 1 and 2: IgG < 700 mg/dL "HGG", severe < 500);
  children have no fixed threshold (each result has its own lower limit), so the band of their
  laboratories' lower limits is shaded instead.
- `igg-nadir`: each patient's lowest IgG in the outcome window, by cohort (Table 2's nadir row).
- `infections-by-grade`: infections in the outcome window by CTCAE v5 grade, as a share of each
  cohort's graded infections (the adult Table 3 "severity incidence").

Cohorts come from the run's document, so a figure agrees with the tables it sits beside; windows come
from the run's parameters (`cohorts.analysis.windows`).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cohorts.analysis.frames import StudyFrames  # noqa: E402
from cohorts.analysis.labs import labs_with_days_since_last_ivig  # noqa: E402
from cohorts.analysis.parameters import AnalysisParameters  # noqa: E402
from cohorts.analysis.windows import in_window, patient_windows  # noqa: E402

COHORTS = (("IVIG", "IVIG cohort", "#1f6f8b"), ("CONTROL", "Control cohort", "#c0752b"))
# The pediatric paper calls its comparison group "non-IVIG".
PEDIATRIC_COHORTS = (COHORTS[0], ("CONTROL", "Non-IVIG cohort", "#c0752b"))
GRADE_COLOURS = ("#5b8c5a", "#c9a227", "#d9822b", "#c0392b", "#3b2f3f")
FIGURES = {
    "igg-over-time": "Serum IgG over time, per patient and cohort",
    "igg-nadir": "IgG nadir by cohort",
    "infections-by-grade": "Infections by CTCAE v5 grade",
}
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
matplotlib.rcParams.update({"svg.hashsalt": "ivig-all-registry", "font.size": 9, "axes.spines.top": False,
                            "axes.spines.right": False, "axes.titleweight": "bold", "axes.titlesize": 10})


@dataclass(frozen=True)
class FigureInput:
    frames: StudyFrames
    parameters: AnalysisParameters
    cohort_of: dict[str, str]

    @property
    def adult(self) -> bool:
        return self.frames.population == "ADULT"

    @property
    def cohorts(self) -> tuple:
        return COHORTS if self.adult else PEDIATRIC_COHORTS


def _windows(data: FigureInput) -> pd.DataFrame:
    windows = patient_windows(data.frames, data.parameters)
    windows["cohort"] = windows.index.map(lambda pid: data.cohort_of.get(str(pid)))
    return windows


def _igg(data: FigureInput, windows: pd.DataFrame) -> pd.DataFrame:
    labs = data.frames.labs
    igg = labs[labs["analyte"] == "IGG"].copy()
    igg["cohort"] = igg["patient_id"].map(windows["cohort"])
    igg["day"] = (igg["collected_on"] - igg["patient_id"].map(windows["index_date"])).dt.days
    return igg[igg["cohort"].notna() & igg["day"].notna()]


def _thresholds(ax, data: FigureInput, igg: pd.DataFrame, horizontal: bool = True) -> None:
    line = ax.axhline if horizontal else ax.axvline
    if data.adult:
        line(data.parameters.igg_low_mg_dl, color="#b42318", linestyle="--", linewidth=1,
             label=f"HGG (IgG < {data.parameters.igg_low_mg_dl:g} mg/dL)")
        line(data.parameters.igg_severe_mg_dl, color="#7a1b12", linestyle=":", linewidth=1.2,
             label=f"Severe (IgG < {data.parameters.igg_severe_mg_dl:g} mg/dL)")
        return
    limits = igg["lower_limit_normal"].dropna()
    if len(limits):
        span = ax.axhspan if horizontal else ax.axvspan
        span(limits.min(), limits.max(), color="#b42318", alpha=0.08,
             label=f"Laboratories' lower limits ({limits.min():g}–{limits.max():g} mg/dL)")


def igg_over_time(data: FigureInput) -> Figure:
    windows = _windows(data)
    igg = _igg(data, windows[windows["index_date"].notna()])
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    axes = figure.subplots(1, 2, sharey=True)
    top = max(float(igg["value"].max()) if len(igg) else 1000.0, data.parameters.igg_low_mg_dl) * 1.08
    for ax, (code, title, colour) in zip(axes, data.cohorts):
        rows = igg[igg["cohort"] == code].sort_values(["patient_id", "collected_on", "row_order"])
        lines = [group[["day", "value"]].to_numpy(dtype=float) for _, group in rows.groupby("patient_id", sort=False)]
        ax.add_collection(LineCollection(lines, colors=colour, linewidths=0.9, alpha=0.55))
        ax.scatter(rows["day"], rows["value"], s=9, color=colour, alpha=0.8, linewidths=0)
        below = rows[rows["below_detection"]]
        ax.scatter(below["day"], below["value"], s=16, facecolors="white", edgecolors=colour, linewidths=1)
        _thresholds(ax, data, rows)
        ax.axvline(0, color="#6b7685", linewidth=0.8)
        ax.set_title(f"{title} (n = {rows['patient_id'].nunique()} patients with IgG)")
        ax.set_xlabel("Days from " + ("blinatumomab initiation" if data.adult else "start of maintenance"))
        ax.set_ylim(0, top)
        ax.autoscale(axis="x")
        ax.grid(axis="y", color="#e6eaef", linewidth=0.6)
    axes[0].set_ylabel("Serum IgG (mg/dL)")
    axes[1].legend(loc="upper right", frameon=False, fontsize=8)
    return figure


def _nadirs(data: FigureInput) -> pd.DataFrame:
    windows = _windows(data)
    labs = data.frames.labs
    excluded_days = data.parameters.exclude_days_after_ivig
    if excluded_days > 0:
        # As the engine does (cohorts.analysis.labs): an IgG 1..N days after a dose is mostly the product.
        since = labs_with_days_since_last_ivig(data.frames)["days_since_last_ivig"].to_numpy()
        labs = labs[~((since >= 1) & (since <= excluded_days))]
    igg = labs[labs["analyte"] == "IGG"]
    igg = igg[in_window(igg, "collected_on", windows, "index_date", "followup_end").fillna(False).to_numpy()]
    # `<N` sorts just below N (DEFINITIONS.md): rank on (value, not below) and keep the lowest.
    ranked = igg.assign(rank=igg["value"] - igg["below_detection"] * 1e-6).sort_values("rank")
    lowest = ranked.drop_duplicates("patient_id")
    return lowest.assign(cohort=lowest["patient_id"].map(windows["cohort"])).dropna(subset=["cohort"])


def igg_nadir(data: FigureInput) -> Figure:
    nadirs = _nadirs(data)
    figure = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax = figure.subplots()
    rng = np.random.default_rng(1)  # fixed jitter: the same run draws the same figure
    for position, (code, title, colour) in enumerate(data.cohorts):
        values = nadirs.loc[nadirs["cohort"] == code, "value"].to_numpy(dtype=float)
        if len(values):
            ax.boxplot([values], positions=[position], widths=0.45, showfliers=False,
                       medianprops={"color": colour, "linewidth": 2}, boxprops={"color": "#9aa5b1"},
                       whiskerprops={"color": "#9aa5b1"}, capprops={"color": "#9aa5b1"})
            ax.scatter(position + rng.uniform(-0.12, 0.12, len(values)), values, s=14, color=colour, alpha=0.75,
                       linewidths=0, zorder=3)
    _thresholds(ax, data, data.frames.labs[data.frames.labs["analyte"] == "IGG"])
    counts = nadirs["cohort"].value_counts()
    labels = [f"{title}\n(n = {counts.get(code, 0)})" for code, title, _ in data.cohorts]
    ax.set_xticks(range(len(data.cohorts)), labels)
    ax.set_xlim(-0.6, len(data.cohorts) - 0.4)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("IgG nadir (mg/dL)")
    ax.set_title("IgG nadir in the outcome window")
    ax.grid(axis="y", color="#e6eaef", linewidth=0.6)
    ax.legend(loc="upper right", frameon=False, fontsize=8)
    return figure


def _graded_infections(data: FigureInput) -> pd.DataFrame:
    windows = _windows(data)
    infections = data.frames.infections
    inside = in_window(infections, "onset_on", windows, "index_date", "followup_end").fillna(False).to_numpy()
    chosen = infections[inside]
    if data.adult and data.parameters.adult_documented_infections_only:
        chosen = chosen[chosen["microbiologically_documented"].fillna(False).to_numpy(dtype=bool)]
    chosen = chosen.assign(cohort=chosen["patient_id"].map(windows["cohort"]))
    return chosen[chosen["cohort"].notna() & chosen["ctcae_grade"].notna()]


def infections_by_grade(data: FigureInput) -> Figure:
    infections = _graded_infections(data)
    figure = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax = figure.subplots()
    grades = np.arange(1, 6)
    width = 0.38
    for offset, (code, title, colour) in zip((-width / 2, width / 2), data.cohorts):
        counts = infections.loc[infections["cohort"] == code, "ctcae_grade"].value_counts()
        total = int(counts.sum())
        shares = [100 * counts.get(float(g), 0) / total if total else 0 for g in grades]
        bars = ax.bar(grades + offset, shares, width, color=colour, label=f"{title} ({total} graded infections)")
        ax.bar_label(bars, labels=[str(int(counts.get(float(g), 0))) for g in grades], fontsize=7, padding=2,
                     color="#4a5666")
    ax.set_xticks(grades, [f"Grade {g}" for g in grades])
    ax.set_ylabel("Share of graded infections (%)")
    ax.set_title("Infections by CTCAE v5 grade (numbers above bars: infections)")
    ax.grid(axis="y", color="#e6eaef", linewidth=0.6)
    ax.legend(frameon=False, fontsize=8)
    return figure


DRAW = {"igg-over-time": igg_over_time, "igg-nadir": igg_nadir, "infections-by-grade": infections_by_grade}


def render(name: str, data: FigureInput, fmt: str) -> bytes:
    """The figure `name` as PNG or SVG bytes (deterministic for the same input)."""
    figure = DRAW[name](data)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=144, metadata=metadata, facecolor="white")
    return buffer.getvalue()
