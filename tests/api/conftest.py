"""API fixtures: a client per member of the cast, each holding a real API token, and a patient of each
site with one record of every kind."""
from datetime import date

import pytest
from rest_framework.test import APIClient

from infections.models import Hospitalization, Infection
from registry.choices import Role
from registry.models import IVIGDose, LabResult, ResponseAssessment, SiteMembership, TreatmentCourse
from registry.services import clinical_record_add


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The cast's passwords are hashed in every test; production's slow hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_for(db):
    """client_for(user) → an APIClient sending `Authorization: Token <key>` of a new token of `user`."""
    from registry.tokens import token_issue

    def make(user):
        _, key = token_issue(issued_by=None, user=user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def erin(site_a):
    """Erin: site admin at site A (enters data, analyses, manages memberships)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="erin", password="erin-pass-123")
    SiteMembership.objects.create(user=user, site=site_a, role=Role.ADMIN)
    return user


@pytest.fixture
def frank(site_a):
    """Frank: investigator at site A limited to de-identified exports."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="frank", password="frank-pass-123")
    SiteMembership.objects.create(user=user, site=site_a, role=Role.INVESTIGATOR, deidentified_only=True)
    return user


RECORDS = {
    TreatmentCourse: {"kind": "BLINATUMOMAB", "start_date": date(2020, 2, 1), "end_date": date(2020, 3, 1),
                      "cycle_number": 1},
    IVIGDose: {"given_on": date(2020, 2, 10), "dose_mg_per_kg": 400, "setting": "CLINIC", "indication": "LOW_IGG",
               "reaction": "chills", "reaction_grade": 1},
    LabResult: {"collected_on": date(2020, 2, 5), "analyte": "IGA", "value": 5, "below_detection": True,
                "unit": "mg/dL", "lower_limit_normal": 70},
    Infection: {"onset_on": date(2020, 2, 20), "ctcae_grade": 3, "organism_class": "BACTERIAL",
                "organism": "E. coli", "site": "BLOODSTREAM", "microbiologically_documented": True},
    Hospitalization: {"admitted_on": date(2020, 2, 20), "discharged_on": date(2020, 2, 27), "reason": "INFECTION"},
    ResponseAssessment: {"assessed_on": date(2020, 3, 5), "response": "MRD_NEGATIVE"},
}


def add_records(user, patient) -> dict:
    """One record of each kind, dated in the year of the patient's diagnosis."""
    year = patient.diagnosis_date.year

    def dated(data):
        return {k: v.replace(year=year) if isinstance(v, date) else v for k, v in data.items()}

    return {model: clinical_record_add(user=user, patient=patient, model=model, data=dated(data))
            for model, data in RECORDS.items()}


@pytest.fixture
def records_a(alice, patient_a):
    return add_records(alice, patient_a)


@pytest.fixture
def records_b(carol, patient_b):
    return add_records(carol, patient_b)


@pytest.fixture
def gina(site_b):
    """Gina: site admin at site B."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="gina", password="gina-pass-123")
    SiteMembership.objects.create(user=user, site=site_b, role=Role.ADMIN)
    return user


@pytest.fixture
def study_at_a(alice, site_a):
    """A second study whose only patient is at site A, with its import batch."""
    from registry.models import ImportBatch, Study
    from registry.services import patient_register

    only_a = Study.objects.create(code="ONLY-A", title="Site A only", population="ADULT",
                                  index_treatment="BLINATUMOMAB")
    patient_register(user=alice, study=only_a, site=site_a, data={
        "patient_id": "OA-1", "sex": "F", "birth_date": date(1975, 1, 1), "diagnosis_date": date(2020, 1, 1)})
    ImportBatch.objects.create(study=only_a, imported_by=None, row_counts={"patients.csv": 1})
    return only_a


DOCUMENT = {
    "study": "TEST-STUDY", "population": "ADULT", "cohort_sizes": {"IVIG": 1, "CONTROL": 0, "ALL": 1},
    "cohort_of": {"A-001": "IVIG"},
    "rows": [
        {"table": "T1", "row": "t1_male", "label": "Male", "kind": "count", "p": 0.5, "p_display": "0.50",
         "method": "fisher_exact", "cohorts": {"IVIG": {"n": 0, "denominator": 1, "percent": 0.0},
                                               "CONTROL": {"n": 0, "denominator": 0, "percent": None},
                                               "ALL": {"n": 0, "denominator": 1, "percent": 0.0}}},
        {"table": "T4", "row": "t4_univariate_ddi", "label": "=DDI", "kind": "odds_ratio", "p": 0.04,
         "p_display": "0.04", "method": "logistic_univariate_wald", "cohorts": {}, "odds_ratio": 2.5,
         "ci_wald": [1.1, 5.6], "ci_profile": [1.2, 6.0], "screened": True},
    ],
    "parameters": {"nadir_tie": "first"},
}


@pytest.fixture
def run_a(bob, study, patient_a, site_a):
    """A succeeded analysis run of the test study over site A, by bob."""
    from django.utils import timezone

    from cohorts.analysis.parameters import AnalysisParameters
    from cohorts.models import AnalysisResult, AnalysisRun

    study.refresh_from_db()
    defaults = AnalysisParameters()
    run = AnalysisRun.objects.create(study=study, requested_by=bob, status="SUCCEEDED", progress=100,
                                     parameters=defaults.to_dict(), parameters_fingerprint=defaults.fingerprint(),
                                     data_revision=study.data_revision, finished_at=timezone.now())
    run.sites.set([site_a])
    AnalysisResult.objects.create(run=run, document=DOCUMENT)
    return run
