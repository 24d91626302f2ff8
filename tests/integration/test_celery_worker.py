"""Analyses run in a real Celery worker process, over a real broker, against the real database."""
import json
import time

import pytest

from cohorts.models import AnalysisRun, RunStatus
from cohorts.services import analysis_request, run_is_stale
from registry.choices import Role
from registry.models import Site
from registry.services import membership_grant
from tests.conftest import ADULT_FOLDER

pytestmark = pytest.mark.integration


def _wait_for(run_id, timeout=180) -> AnalysisRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = AnalysisRun.objects.get(pk=run_id)
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish: {AnalysisRun.objects.get(pk=run_id).status}")


def test_a_worker_process_computes_the_adult_tables_an_investigator_requested(celery_worker_process, imported_studies, bob):
    membership_grant(granted_by=None, user=bob, site=Site.objects.get(code="MSH"), role=Role.INVESTIGATOR)
    run = analysis_request(user=bob, study=imported_studies["adult"], parameters={})

    run = _wait_for(run.pk)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.progress == 100
    expected = json.loads((ADULT_FOLDER / "expected.json").read_text())
    document = run.result.document
    assert document["cohort_sizes"] == expected["cohort_sizes"]
    assert {row["row"] for row in expected["rows"]} <= {row["row"] for row in document["rows"]}
    assert len(run.snapshot_hash) == 64 and not run_is_stale(run)


def test_the_same_snapshot_and_parameters_give_the_same_hash_and_document(celery_worker_process, imported_studies, bob):
    membership_grant(granted_by=None, user=bob, site=Site.objects.get(code="MSH"), role=Role.INVESTIGATOR)
    first = analysis_request(user=bob, study=imported_studies["adult"], parameters={})
    second = analysis_request(user=bob, study=imported_studies["adult"], parameters={})

    first, second = _wait_for(first.pk), _wait_for(second.pk)

    assert first.snapshot_hash == second.snapshot_hash
    assert first.result.document["rows"] == second.result.document["rows"]
