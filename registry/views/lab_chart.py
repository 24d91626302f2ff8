"""The patient page's chart, drawn as inline SVG on the server.

Hand-built SVG with presentation attributes only (no `style` attribute, no script), so it renders
under the strict CSP without a nonce and costs a few milliseconds. One time axis for everything:
treatment courses and hospitalizations as bars, infections coloured by CTCAE grade, IVIG doses as
markers with faint guides through three small panels — IgG, IgA, IgM — each with its
hypogammaglobulinemia threshold (adults: DEFINITIONS.md, IgG < 700, IgA < 70, IgM < 40 mg/dL; children:
each result's own lower limit of normal, drawn as a tick beside the point).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, LEFT, RIGHT = 1000, 92, 18
PANEL_HEIGHT, PANEL_GAP, LANE = 96, 24, 13
COLOURS = {"IGG": "#1f6f8b", "IGA": "#7a5195", "IGM": "#2e7d4f"}
NAMES = {"IGG": "IgG", "IGA": "IgA", "IGM": "IgM"}
ADULT_THRESHOLDS = {"IGG": 700.0, "IGA": 70.0, "IGM": 40.0}
GRADE_COLOURS = {1: "#5b8c5a", 2: "#c9a227", 3: "#d9822b", 4: "#c0392b", 5: "#3b2f3f", None: "#a9b2be"}
INDEX_KINDS = {"BLINATUMOMAB", "MAINTENANCE"}


@dataclass
class Axis:
    start: date
    end: date

    def x(self, day: date) -> float:
        span = max((self.end - self.start).days, 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.start).days / span


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _axis(records) -> Axis | None:
    days = [d for r in records for d in r if d is not None]
    if not days:
        return None
    start, end = min(days), max(days)
    pad = timedelta(days=max(3, (end - start).days // 40))
    return Axis(start - pad, end + pad)


def _nice_max(value: float) -> tuple[float, float]:
    """A round upper limit and a 1-2-5 tick step, so that at most 4 steps label the panel."""
    value = max(value, 1.0)
    exponent = 0
    while 10 ** (exponent + 1) < value / 4:
        exponent += 1
    for step in (10 ** exponent, 2 * 10 ** exponent, 5 * 10 ** exponent, 10 ** (exponent + 1)):
        if value / step <= 4:
            return step * math.ceil(value / step), step
    return value, value / 4


def _date_ticks(axis: Axis) -> list[date]:
    span = (axis.end - axis.start).days
    months = 1 if span <= 150 else 3 if span <= 3 * 365 else 12
    tick = date(axis.start.year, axis.start.month, 1)
    ticks = []
    while tick <= axis.end:
        if tick >= axis.start and (tick.month - 1) % months == 0:
            ticks.append(tick)
        tick = date(tick.year + (tick.month == 12), tick.month % 12 + 1, 1)
    return ticks


def _bar_lanes(bars) -> list[int]:
    """Greedy lane per bar so that overlapping courses stack instead of hiding each other."""
    ends: list[date] = []
    lanes = []
    for start, end in bars:
        lane = next((i for i, last in enumerate(ends) if last < start), len(ends))
        if lane == len(ends):
            ends.append(end)
        else:
            ends[lane] = end
        lanes.append(lane)
    return lanes


class ChartBuilder:
    def __init__(self, axis: Axis):
        self.axis = axis
        self.parts: list[str] = []
        self.y = 8

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def row_label(self, text: str, y: float) -> None:
        self.add(f'<text x="{LEFT - 10}" y="{y:.1f}" text-anchor="end" font-size="11" fill="#4a5666">'
                 f'{escape(text)}</text>')

    def bars(self, label: str, items, colour_of) -> None:
        """items: (start, end, title, key) with end None while ongoing (drawn to the axis end)."""
        if not items:
            return
        items = sorted(items, key=lambda item: item[0])
        spans = [(s, e or self.axis.end) for s, e, _, _ in items]
        lanes = _bar_lanes(spans)
        self.row_label(label, self.y + 10)
        for (start, end), lane, (_, _, title, key) in zip(spans, lanes, items):
            x0, x1 = self.axis.x(start), self.axis.x(end)
            y = self.y + lane * (LANE + 3)
            self.add(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 3):.1f}" height="{LANE}" rx="2" '
                     f'fill="{colour_of(key)}" opacity="0.9"><title>{escape(title)}</title></rect>')
            if x1 - x0 > 60:
                self.add(f'<text x="{x0 + 4:.1f}" y="{y + 10}" font-size="9.5" fill="#fff">'
                         f'{escape(title.split(" · ")[0])[:int((x1 - x0) / 6)]}</text>')
        self.y += (max(lanes) + 1) * (LANE + 3) + 8

    def markers(self, label: str, items) -> None:
        """items: (day, colour, title, shape) drawn on one row."""
        if not items:
            return
        self.row_label(label, self.y + 9)
        for day, colour, title, shape in items:
            x = self.axis.x(day)
            if shape == "triangle":
                points = f"{x - 5:.1f},{self.y + 1} {x + 5:.1f},{self.y + 1} {x:.1f},{self.y + 11}"
                self.add(f'<polygon points="{points}" fill="{colour}"><title>{escape(title)}</title></polygon>')
            else:
                self.add(f'<circle cx="{x:.1f}" cy="{self.y + 6}" r="5" fill="{colour}" stroke="#fff" '
                         f'stroke-width="1"><title>{escape(title)}</title></circle>')
        self.y += 22

    def guides(self, days, top: float, bottom: float) -> None:
        for day in days:
            x = self.axis.x(day)
            self.add(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#c0752b" '
                     f'stroke-opacity="0.35" stroke-width="1.2"/>')

    def panel(self, analyte: str, results, threshold: float | None) -> None:
        """One immunoglobulin; without a fixed threshold (children) each result's own limit is ticked."""
        top, bottom = self.y, self.y + PANEL_HEIGHT
        largest = max([r.value for r in results] + [(threshold or 0) * 1.15])
        y_max, step = _nice_max(largest)
        scale = lambda value: bottom - PANEL_HEIGHT * value / y_max  # noqa: E731
        # No fill: the IVIG dose guides drawn before the panels must show through.
        self.add(f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL_HEIGHT}" '
                 f'fill="none" stroke="#e3e8ee"/>')
        tick = 0.0
        while tick <= y_max + 1e-9:
            y = scale(tick)
            self.add(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#eef1f5"/>'
                     f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}" text-anchor="end" font-size="9.5" '
                     f'fill="#6b7685">{_fmt(tick)}</text>')
            tick += step
        self.add(f'<text x="{LEFT - 40}" y="{top + PANEL_HEIGHT / 2:.1f}" text-anchor="end" font-size="12" '
                 f'font-weight="600" fill="{COLOURS[analyte]}">{NAMES[analyte]}</text>'
                 f'<text x="{LEFT - 40}" y="{top + PANEL_HEIGHT / 2 + 13:.1f}" text-anchor="end" font-size="9" '
                 f'fill="#6b7685">mg/dL</text>')
        if threshold:
            y = scale(threshold)
            self.add(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#b42318" '
                     f'stroke-dasharray="5 4" stroke-width="1.2"/><text x="{WIDTH - RIGHT - 4}" y="{y - 4:.1f}" '
                     f'text-anchor="end" font-size="9.5" fill="#b42318">&lt; {_fmt(threshold)} low</text>')
        self._series(analyte, results, scale, mark_limits=threshold is None)
        self.y = bottom + PANEL_GAP

    def _series(self, analyte: str, results, scale, mark_limits: bool) -> None:
        colour = COLOURS[analyte]
        points = [(self.axis.x(r.collected_on), scale(r.value)) for r in results]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            self.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.6" '
                     f'stroke-opacity="0.7"/>')
        for (x, y), result in zip(points, results):
            title = f"{NAMES[analyte]} {result.display_value} mg/dL on {result.collected_on:%Y-%m-%d}"
            if result.lower_limit_normal and mark_limits:
                low = scale(result.lower_limit_normal)
                self.add(f'<line x1="{x - 5:.1f}" y1="{low:.1f}" x2="{x + 5:.1f}" y2="{low:.1f}" '
                         f'stroke="#b42318" stroke-width="1.2"/>')
                title += f" (lower limit {_fmt(result.lower_limit_normal)})"
            fill = "#fff" if result.below_detection else colour
            self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.6" fill="{fill}" stroke="{colour}" '
                     f'stroke-width="1.5"><title>{escape(title)}</title></circle>')

    def date_axis(self) -> None:
        for tick in _date_ticks(self.axis):
            x = self.axis.x(tick)
            label = f"{tick:%Y}" if tick.month == 1 else f"{tick:%b}"
            self.add(f'<line x1="{x:.1f}" y1="{self.y - PANEL_GAP}" x2="{x:.1f}" y2="{self.y - PANEL_GAP + 4}" '
                     f'stroke="#9aa5b1"/><text x="{x:.1f}" y="{self.y}" text-anchor="middle" font-size="10" '
                     f'fill="{"#1d2733" if tick.month == 1 else "#6b7685"}">{label}</text>')
        self.y += 8


def patient_chart(*, population: str, courses, doses, labs, infections, hospitalizations) -> SafeString | None:
    """The SVG of one patient's records, or None when nothing is dated yet."""
    immunoglobulins = [lab for lab in labs if lab.analyte in COLOURS]
    axis = _axis([(c.start_date, c.end_date) for c in courses] + [(d.given_on,) for d in doses]
                 + [(lab.collected_on,) for lab in immunoglobulins] + [(i.onset_on,) for i in infections]
                 + [(h.admitted_on, h.discharged_on) for h in hospitalizations])
    if axis is None:
        return None
    chart = ChartBuilder(axis)
    chart.bars("Courses", [(c.start_date, c.end_date, _course_title(c), c.kind) for c in courses],
               lambda kind: "#1f6f8b" if kind in INDEX_KINDS else "#5d6b7c")
    chart.bars("Hospital", [(h.admitted_on, h.discharged_on, f"{h.get_reason_display()} admission · "
                             f"{h.admitted_on:%Y-%m-%d} to {h.discharged_on or 'still admitted'}", None)
                            for h in hospitalizations], lambda _: "#a58cc0")
    chart.markers("Infections", [(i.onset_on, GRADE_COLOURS.get(i.ctcae_grade, "#a9b2be"), _infection_title(i),
                                  "circle") for i in infections])
    chart.markers("IVIG doses", [(d.given_on, "#c0752b", f"IVIG {d.dose_mg_per_kg:g} mg/kg on {d.given_on:%Y-%m-%d}",
                                  "triangle") for d in doses])
    panels_top = chart.y
    analytes = [a for a in COLOURS if any(lab.analyte == a for lab in immunoglobulins)] or ["IGG"]
    guides_at = len(chart.parts)
    for analyte in analytes:
        threshold = ADULT_THRESHOLDS[analyte] if population == "ADULT" else None
        chart.panel(analyte, [lab for lab in immunoglobulins if lab.analyte == analyte], threshold)
    guides = ChartBuilder(axis)
    guides.guides([d.given_on for d in doses], panels_top, chart.y - PANEL_GAP)
    chart.parts[guides_at:guides_at] = guides.parts
    chart.date_axis()
    height = chart.y + 6
    label = "Timeline chart: treatment courses, hospitalizations, infections, IVIG doses and immunoglobulins"
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg">{"".join(chart.parts)}</svg>'
    )


def _course_title(course) -> str:
    cycle = f" cycle {course.cycle_number}" if course.cycle_number else ""
    end = f"{course.end_date:%Y-%m-%d}" if course.end_date else "ongoing"
    return f"{course.get_kind_display()}{cycle} · {course.start_date:%Y-%m-%d} to {end}"


def _infection_title(infection) -> str:
    grade = f"grade {infection.ctcae_grade}" if infection.ctcae_grade else "not graded"
    what = infection.organism or infection.get_organism_class_display().lower()
    return f"Infection ({grade}): {what}, {infection.get_site_display().lower()} · {infection.onset_on:%Y-%m-%d}"
