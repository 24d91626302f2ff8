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
    from registry.api.token_services import token_issue

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
    return {model: clinical_record_add(user=user, patient=patient, model=model, data=dict(data))
            for model, data in RECORDS.items()}


@pytest.fixture
def records_a(alice, patient_a):
    return add_records(alice, patient_a)


@pytest.fixture
def records_b(carol, patient_b):
    return add_records(carol, patient_b)
