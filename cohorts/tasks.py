"""Celery adapters: take a run id, claim the run, call the service."""
from celery import shared_task

from .services import analysis_claim, analysis_execute


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900,
    autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3,
)
def run_analysis(self, run_id: int) -> str:
    if not analysis_claim(run_id, self.request.id or ""):
        return "skipped: another worker has this run"
    run = analysis_execute(run_id)
    return run.status
