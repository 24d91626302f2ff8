"""Celery adapters of the registry: take an import job id, claim it, call `study_import`, record how it went."""
from __future__ import annotations

import shutil
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .errors import RegistryError
from .flatfile.reader import FolderInvalid
from .flatfile.services import study_import
from .models import ImportJob

Status = ImportJob.Status


def job_directory(token) -> Path:
    """Where an uploaded folder waits between its dry run and its import."""
    return Path(settings.VAR_DIR) / "imports" / str(token)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_study_folder(self, job_id: int) -> str:
    # Claim with a conditional update: zero rows means another worker has the job (STYLE.md, rule 6).
    if not ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(status=Status.RUNNING,
                                                                             started_at=timezone.now()):
        return "skipped: not queued"
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    try:
        batch = study_import(user=job.uploaded_by, folder=Path(job.folder), replace=job.replace)
    except FolderInvalid as error:
        _finish(job, Status.INVALID, error.message, problems=[problem_row(p) for p in error.problems])
    except RegistryError as error:
        _finish(job, Status.FAILED, error.message)
    except Exception:
        _finish(job, Status.FAILED, "The import stopped on an unexpected error; nothing was imported.")
        raise
    else:
        _finish(job, Status.SUCCEEDED, f"Imported {batch.study.code}.", batch=batch)
    return job.status


def problem_row(problem) -> dict:
    """A dry-run problem as stored on the job (file, line, column, reason)."""
    return {"file": problem.file, "line": problem.line, "column": problem.column, "reason": problem.reason}


def _finish(job: ImportJob, status: str, message: str, **fields) -> None:
    """Record the outcome; the uploaded files are no longer needed whatever it was."""
    ImportJob.objects.filter(pk=job.pk).update(status=status, message=message, finished_at=timezone.now(), **fields)
    job.status = status
    shutil.rmtree(job_directory(job.token), ignore_errors=True)
