"""Analysis use cases: request a run, execute it (in a Celery worker), tell whether it is stale."""
from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cohorts.analysis.document import analyse
from cohorts.analysis.parameters import AnalysisParameters, ParameterError
from registry import access
from registry.errors import RecordInvalid
from registry.models import Study

from .models import AnalysisResult, AnalysisRun, RunStatus
from .snapshots import Snapshot, study_snapshot


def analysis_request(*, user, study: Study, parameters: dict | None = None) -> AnalysisRun:
    """Queue a run of `study` over the patients of the sites where `user` analyses."""
    access.must_analyse(user)
    try:
        chosen = AnalysisParameters.from_dict(parameters or {})
    except (ParameterError, TypeError, ValueError) as error:
        raise RecordInvalid(str(error), fields={"parameters": [str(error)]}) from error
    site_ids = access.site_ids_where(user, access.ANALYSES) & set(study.patients.values_list("site_id", flat=True))
    if not site_ids:
        raise access.AccessDenied("None of this study's patients are at a site where you run analyses.")
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            study=study, requested_by=user, parameters=chosen.to_dict(),
            parameters_fingerprint=chosen.fingerprint(),
        )
        run.sites.set(site_ids)
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import run_analysis

    run_analysis.delay(run_id)


def analysis_claim(run_id: int, task_id: str = "") -> bool:
    """Take a queued run, or retake one whose worker was lost (the same task redelivered).

    False when another task has it: the conditional update is the lock, on every database.
    """
    claimable = Q(status=RunStatus.QUEUED)
    if task_id:
        claimable |= Q(status=RunStatus.RUNNING, claimed_by=task_id)
    return bool(AnalysisRun.objects.filter(claimable, pk=run_id).update(
        status=RunStatus.RUNNING, claimed_by=task_id, started_at=timezone.now(), progress=1,
        progress_message="reading the records",
    ))


def analysis_execute(run_id: int) -> AnalysisRun:
    """Compute a claimed run and store its document; failures are recorded on the run, not lost."""
    run = AnalysisRun.objects.select_related("study").get(pk=run_id)
    site_ids = set(run.sites.values_list("id", flat=True))
    try:
        document, snapshot, timings = analysis_compute(
            run.study, site_ids, AnalysisParameters.from_dict(run.parameters), progress=_progress_saver(run_id)
        )
    except Exception:  # noqa: BLE001 — the run must end FAILED with the reason, whatever went wrong
        AnalysisRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=traceback.format_exc(limit=8), finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        AnalysisResult.objects.update_or_create(run_id=run_id, defaults={"document": document})
        AnalysisRun.objects.filter(pk=run_id).update(
            status=RunStatus.SUCCEEDED, progress=100, progress_message="done", snapshot_hash=snapshot,
            data_revision=document["data_revision"], timings=timings, finished_at=timezone.now(), error="",
        )
    run.refresh_from_db()
    return run


def analysis_compute(study: Study, site_ids, parameters: AnalysisParameters,
                     progress: Callable[[float, str], None] | None = None) -> tuple[dict, str, dict]:
    """The analysis document of `study` at `site_ids`, its snapshot hash and timings (seconds)."""
    started = time.perf_counter()
    snapshot = study_snapshot(study, site_ids)
    read = time.perf_counter()
    document = analyse(snapshot.frames, parameters, progress=progress)
    computed = time.perf_counter()
    hashed = snapshot_hash(snapshot, parameters)
    document.update(snapshot_hash=hashed, data_revision=snapshot.data_revision,
                    sites=sorted(snapshot.frames.sites["site_code"].tolist()))
    timings = {"read_s": round(read - started, 3), "compute_s": round(computed - read, 3),
               "total_s": round(time.perf_counter() - started, 3), "records_reused": snapshot.reused}
    return document, hashed, timings


def snapshot_hash(snapshot: Snapshot, parameters: AnalysisParameters) -> str:
    """Identical records and parameters give the identical hash, whatever the database."""
    return hashlib.sha256(f"{parameters.fingerprint()}|{snapshot.digest}".encode()).hexdigest()


def run_is_stale(run: AnalysisRun) -> bool:
    """The study's data changed since the run's snapshot, or its parameters no longer mean the same."""
    if run.status != RunStatus.SUCCEEDED:
        return False
    if run.data_revision != run.study.data_revision:
        return True
    try:
        return AnalysisParameters.from_dict(run.parameters).fingerprint() != run.parameters_fingerprint
    except (ParameterError, TypeError, ValueError):
        return True


def _progress_saver(run_id: int) -> Callable[[float, str], None]:
    def save(fraction: float, message: str) -> None:
        percent = max(1, min(99, int(round(fraction * 100))))
        AnalysisRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            progress=percent, progress_message=message[:200]
        )
    return save
