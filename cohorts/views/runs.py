"""One analysis run: its live progress, its tables as the papers print them, figures and downloads."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from cohorts import figures
from cohorts.analysis.parameters import AnalysisParameters
from cohorts.models import RunStatus
from cohorts.selectors import runs_visible_to, study_frames
from cohorts.services import run_is_stale
from registry.views.common import page

from .downloads import tables_csv, tables_xlsx
from .presentation import paper_tables

DONE = (RunStatus.SUCCEEDED, RunStatus.FAILED)


def _run(user, pk: int):
    return get_object_or_404(runs_visible_to(user).select_related("study", "requested_by"), pk=pk)


def _succeeded(user, pk: int):
    run = _run(user, pk)
    if run.status != RunStatus.SUCCEEDED:
        raise Http404("This analysis has no result yet.")
    return run


@login_required
def run_detail(request, pk: int):
    run = _run(request.user, pk)
    context = {"run": run, "study": run.study, "figures": figures.FIGURES}
    if run.status == RunStatus.SUCCEEDED:
        document = run.result.document
        others = runs_visible_to(request.user).filter(study=run.study, status=RunStatus.SUCCEEDED).exclude(pk=run.pk)
        context.update(document=document, tables=paper_tables(document), stale=run_is_stale(run),
                       others=list(others.order_by("-finished_at")[:20]))
    return page(request, "cohorts/run_detail.html", context, section="studies")


@login_required
def run_progress(request, pk: int):
    """Polled by static/js/progress.js while the run is queued or running."""
    run = _run(request.user, pk)
    return JsonResponse({
        "status": run.status, "label": run.get_status_display(), "progress": run.progress,
        "message": run.progress_message or run.get_status_display(), "done": run.status in DONE,
        "error": run.error.strip().splitlines()[-1] if run.status == RunStatus.FAILED and run.error else "",
        "url": reverse("run-detail", args=[run.pk]),
    })


def _figure_path(run, name: str, fmt: str) -> Path:
    """Cached per run and data revision: a figure is drawn once, and again only when the records change."""
    folder = Path(settings.VAR_DIR) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{run.pk}-rev{run.study.data_revision}-{name}.{fmt}"


def figure_bytes(run, name: str, fmt: str) -> bytes:
    path = _figure_path(run, name, fmt)
    if path.exists():
        return path.read_bytes()
    site_ids = set(run.sites.values_list("id", flat=True))
    data = figures.FigureInput(frames=study_frames(run.study, site_ids),
                               parameters=AnalysisParameters.from_dict(run.parameters),
                               cohort_of=run.result.document.get("cohort_of", {}))
    content = figures.render(name, data, fmt)
    handle, temporary = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(handle, "wb") as target:
        target.write(content)
    os.replace(temporary, path)  # atomic: a concurrent request never reads half a file
    return content


@login_required
def run_figure(request, pk: int, name: str, fmt: str):
    if name not in figures.FIGURES or fmt not in figures.FORMATS:
        raise Http404("No such figure.")
    run = _succeeded(request.user, pk)
    response = HttpResponse(figure_bytes(run, name, fmt), content_type=figures.FORMATS[fmt])
    # An SVG opened on its own would be a page under our CSP; it is always a download.
    if fmt == "svg" or "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="{run.study.code}-analysis-{run.pk}-{name}.{fmt}"'
    return response


@login_required
def run_tables(request, pk: int, fmt: str):
    run = _succeeded(request.user, pk)
    document = run.result.document
    if fmt == "csv":
        response = HttpResponse(tables_csv(document), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(tables_xlsx(document, run),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404("Tables download as csv or xlsx.")
    response["Content-Disposition"] = f'attachment; filename="{run.study.code}-analysis-{run.pk}-tables.{fmt}"'
    return response
