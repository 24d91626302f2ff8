"""Investigators' pages: the studies, a study's dashboard, and launching an analysis."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cohorts.forms import AnalysisParametersForm
from cohorts.models import AnalysisResult, AnalysisRun, RunStatus
from cohorts.selectors import runs_visible_to
from cohorts.services import analysis_request, run_is_stale
from registry import access
from registry.errors import AccessDenied, RecordInvalid
from registry.selectors import patients_visible_to, studies_visible_to
from registry.views.common import denied, must_analyse, page
from registry.completeness import completeness

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


@login_required
def study_list(request):
    user = request.user
    studies = studies_visible_to(user).order_by("code")
    counts = dict(patients_visible_to(user).order_by().values_list("study_id").annotate(n=Count("id")))
    latest = {}
    for run in runs_visible_to(user).filter(status=RunStatus.SUCCEEDED).order_by("-finished_at"):
        latest.setdefault(run.study_id, run)
    rows = [{"study": s, "patients": counts.get(s.pk, 0), "run": latest.get(s.pk),
             "stale": run_is_stale(latest[s.pk]) if s.pk in latest else False} for s in studies]
    return page(request, "cohorts/study_list.html", {"rows": rows}, section="studies")


def _latest(runs) -> tuple[AnalysisRun | None, dict]:
    """The latest succeeded run and the small parts of its document the dashboard shows."""
    run = runs.filter(status=RunStatus.SUCCEEDED).order_by("-finished_at", "-id").first()
    if run is None:
        return None, {}
    parts = AnalysisResult.objects.filter(run=run).values(
        "document__consort", "document__cohort_sizes", "document__warnings").first() or {}
    return run, {key.removeprefix("document__"): value for key, value in parts.items()}


def consort_flow(summary: dict) -> dict | None:
    """The CONSORT-style boxes from the run's counts (cohorts.analysis.eligibility.consort)."""
    consort = summary.get("consort")
    if not consort:
        return None
    arms = consort.get("included_by_cohort", {})
    no_cohort = consort.get("included", 0) - sum(arms.values())
    return {**consort, "ivig": arms.get("IVIG", 0), "control": arms.get("CONTROL", 0), "no_cohort": no_cohort,
            "reasons": sorted(consort.get("excluded_by_reason", {}).items(), key=lambda item: -item[1])}


def _dashboard_context(request, study, form=None) -> dict:
    user = request.user
    runs = runs_visible_to(user).filter(study=study)
    latest, summary = _latest(runs)
    patients = patients_visible_to(user).filter(study=study)
    can_analyse = access.can_analyse(user)
    if form is None and can_analyse:
        form = AnalysisParametersForm(population=study.population,
                                      initial_parameters=latest.parameters if latest else None)
    return {
        "study": study, "latest": latest, "summary": summary, "flow": consort_flow(summary),
        "stale": run_is_stale(latest) if latest else False,
        "active": runs.filter(status__in=ACTIVE).order_by("-created_at").first(),
        "runs": list(runs.order_by("-created_at")[:8]),
        "sites": list(patients.order_by("site__code").values("site__code", "site__name").annotate(n=Count("id"))),
        "completeness": completeness(patients, study.population, cache_key=_completeness_key(user, study)),
        "form": form, "can_analyse": can_analyse,
    }


def _completeness_key(user, study) -> str:
    sites = ",".join(map(str, sorted(access.site_ids_where(user))))
    return f"registry:completeness:{study.pk}:{study.data_revision}:{sites}"


@login_required
def study_dashboard(request, code: str):
    study = get_object_or_404(studies_visible_to(request.user), code=code)
    return page(request, "cohorts/dashboard.html", _dashboard_context(request, study), section="studies")


@login_required
@require_http_methods(["GET", "POST"])
def analysis_launch(request, code: str):
    study = get_object_or_404(studies_visible_to(request.user), code=code)
    must_analyse(request.user)
    if request.method == "GET":
        return redirect(reverse("study-dashboard", args=[study.code]) + "#launch")
    form = AnalysisParametersForm(request.POST, population=study.population)
    if form.is_valid():
        try:
            run = analysis_request(user=request.user, study=study, parameters=form.parameters())
        except RecordInvalid as error:
            form.add_error(None, error.message)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"Analysis #{run.pk} of {study.code} queued.")
            return redirect("run-detail", pk=run.pk)
    context = _dashboard_context(request, study, form)
    return page(request, "cohorts/dashboard.html", context, section="studies", status=400)
