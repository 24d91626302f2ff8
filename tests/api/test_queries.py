"""No N+1: every list endpoint runs a fixed number of queries, however many rows it returns."""
from datetime import date

import pytest

from registry.api.audit import KINDS
from registry.services import patient_register

from .conftest import add_records

pytestmark = pytest.mark.django_db

# Queries a list may run: authentication (token), the caller's sites, the page, and the prefetches
# or look-ups of that endpoint. None of them depends on the number of rows.
MAX_QUERIES = {
    "patients": 4, "treatment-courses": 4, "ivig-doses": 4, "lab-results": 4, "infections": 4,
    "hospitalizations": 4, "responses": 4, "studies": 3, "sites": 3, "import-batches": 3, "analyses": 4,
    "memberships": 3, "tokens": 3,
    **{f"audit/{kind}": 4 for kind in KINDS},
}


@pytest.fixture
def busy_registry(alice, erin, bob, study, site_a, run_a):
    """Six patients at site A, each with a record of every kind, edited once; a few runs and tokens."""
    from django.utils import timezone

    from cohorts.models import AnalysisRun
    from registry.tokens import token_issue
    from registry.models import ImportBatch, Site, SiteMembership, Study

    for number in range(3):
        other = Study.objects.create(code=f"Q-STUDY-{number}", title="Other", population="PEDIATRIC",
                                     index_treatment="MAINTENANCE")
        patient_register(user=alice, study=other, site=site_a, data={
            "patient_id": "Q", "sex": "M", "birth_date": date(2010, 1, 1), "diagnosis_date": date(2015, 1, 1)})
        site = Site.objects.create(code=f"Q-SITE-{number}", name="Other site")
        SiteMembership.objects.create(user=erin, site=site, role="ADMIN")
    for number in range(6):
        patient = patient_register(user=alice, study=study, site=site_a, data={
            "patient_id": f"Q-{number}", "sex": "F", "birth_date": date(1970, 1, 1),
            "diagnosis_date": date(2020, 1, 1)})
        add_records(alice, patient)
    for _ in range(3):
        run = AnalysisRun.objects.create(study=study, requested_by=bob, status="QUEUED", parameters={},
                                         parameters_fingerprint="x", finished_at=timezone.now())
        run.sites.set([site_a])
        ImportBatch.objects.create(study=study)
        token_issue(issued_by=None, user=alice)


@pytest.mark.parametrize("endpoint", MAX_QUERIES)
def test_list_endpoint_queries_do_not_grow_with_rows(client_for, erin, busy_registry, endpoint,
                                                     django_assert_max_num_queries):
    client = client_for(erin)
    client.get(f"/api/{endpoint}/")  # warm caches that a long-running process has warm
    with django_assert_max_num_queries(MAX_QUERIES[endpoint]):
        response = client.get(f"/api/{endpoint}/")
    assert response.status_code == 200, response.json()
    assert len(response.json()["results"]) >= 3, endpoint


def test_patient_detail_runs_one_query_per_record_kind(client_for, alice, records_a, patient_a,
                                                         django_assert_max_num_queries):
    client = client_for(alice)
    client.get(f"/api/patients/{patient_a.pk}/")
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/patients/{patient_a.pk}/")
    assert response.status_code == 200
