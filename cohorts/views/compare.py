"""Compare two analysis runs of a study: which parameters changed, and what moved because of it."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from cohorts import figures
from cohorts.models import RunStatus
from cohorts.selectors import runs_visible_to
from registry.views.common import page

from .presentation import paper_tables

# What each figure is drawn from, besides the records and the cohorts (cohorts.figures).
FIGURE_PARAMETERS = {
    "igg-over-time": {"igg_low_mg_dl", "igg_severe_mg_dl"},
    "igg-nadir": {"igg_low_mg_dl", "igg_severe_mg_dl", "adult_followup_cap_days", "exclude_days_after_ivig"},
    "infections-by-grade": {"adult_followup_cap_days", "adult_documented_infections_only"},
}


def parameter_changes(a: dict, b: dict) -> list[dict]:
    names = sorted(set(a) | set(b))
    return [{"name": name, "a": a.get(name), "b": b.get(name)} for name in names if a.get(name) != b.get(name)]


def _printed(document: dict) -> dict[str, dict]:
    """row key → {label, table, cells: [...], p} as printed, for a like-for-like comparison."""
    printed = {}
    for table in paper_tables(document):
        for line in table.lines:
            if not line.heading:
                printed[line.key] = {"label": line.label, "table": table.title,
                                     "cells": [c.text for c in line.cells], "p": line.p, "columns": table.columns}
    return printed


def moved_rows(a: dict, b: dict) -> list[dict]:
    """Per table: its columns and the rows whose printed figures or p differ, cell by cell."""
    first, second = _printed(a), _printed(b)
    groups: dict[str, dict] = {}
    for key in list(first) + [k for k in second if k not in first]:
        old, new = first.get(key), second.get(key)
        shown = new or old
        before = (old["cells"] + [old["p"]]) if old else [""] * (len(shown["cells"]) + 1)
        after = (new["cells"] + [new["p"]]) if new else [""] * (len(shown["cells"]) + 1)
        if before == after:
            continue
        group = groups.setdefault(shown["table"], {"table": shown["table"], "columns": shown["columns"][1:],
                                                   "rows": []})
        group["rows"].append({"label": shown["label"], "cells": [
            {"old": o, "new": n, "changed": o != n} for o, n in zip(before, after)]})
    return list(groups.values())


def moved_figures(run_a, run_b, changes: list[dict], cohorts_changed: int) -> list[dict]:
    changed = {c["name"] for c in changes}
    data_changed = run_a.snapshot_hash and run_b.snapshot_hash and run_a.data_revision != run_b.data_revision
    result = []
    for name, title in figures.FIGURES.items():
        reasons = sorted(changed & FIGURE_PARAMETERS[name])
        if cohorts_changed:
            reasons.append(f"{cohorts_changed} patient(s) changed cohort")
        if data_changed:
            reasons.append("the records changed between the runs")
        result.append({"name": name, "title": title, "reasons": reasons, "moved": bool(reasons)})
    return result


def _run_id(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


@login_required
def run_compare(request):
    visible = runs_visible_to(request.user).filter(status=RunStatus.SUCCEEDED).select_related("study", "result")
    run_a = get_object_or_404(visible, pk=_run_id(request.GET.get("a")))
    run_b = get_object_or_404(visible.filter(study=run_a.study), pk=_run_id(request.GET.get("b")))
    doc_a, doc_b = run_a.result.document, run_b.result.document
    changes = parameter_changes(run_a.parameters, run_b.parameters)
    cohorts_a, cohorts_b = doc_a.get("cohort_of", {}), doc_b.get("cohort_of", {})
    switched = sum(1 for pid in set(cohorts_a) | set(cohorts_b) if cohorts_a.get(pid) != cohorts_b.get(pid))
    groups = moved_rows(doc_a, doc_b)
    return page(request, "cohorts/compare.html", {
        "a": run_a, "b": run_b, "study": run_a.study, "changes": changes, "groups": groups, "switched": switched,
        "moved_count": sum(len(group["rows"]) for group in groups),
        "sizes": (doc_a.get("cohort_sizes", {}), doc_b.get("cohort_sizes", {})),
        "figures": moved_figures(run_a, run_b, changes, switched),
    }, section="studies")
