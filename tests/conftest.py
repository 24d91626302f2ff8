"""The small cast every test shares (STYLE.md, rule 10) and the two public studies.

alice: clinician at site A; bob: investigator at site A; carol: clinician at site B;
dave: investigator at site B; admin: superuser.
"""
from pathlib import Path

import pytest

from registry.choices import Role

DEMO_STUDIES = Path(__file__).resolve().parent.parent / "registry" / "demo_studies"
ADULT_FOLDER = DEMO_STUDIES / "adult-blinatumomab"
PEDIATRIC_FOLDER = DEMO_STUDIES / "pediatric-maintenance"


@pytest.fixture
def site_a(db):
    from registry.models import Site

    return Site.objects.create(code="SITE-A", name="Site A")


@pytest.fixture
def site_b(db):
    from registry.models import Site

    return Site.objects.create(code="SITE-B", name="Site B")


def _member(username, site, role, **extra):
    from django.contrib.auth import get_user_model

    from registry.models import SiteMembership

    user = get_user_model().objects.create_user(username=username, password=f"{username}-pass-123")
    SiteMembership.objects.create(user=user, site=site, role=role, **extra)
    return user


@pytest.fixture
def alice(site_a):
    return _member("alice", site_a, Role.CLINICIAN)


@pytest.fixture
def bob(site_a):
    return _member("bob", site_a, Role.INVESTIGATOR)


@pytest.fixture
def carol(site_b):
    return _member("carol", site_b, Role.CLINICIAN)


@pytest.fixture
def dave(site_b):
    return _member("dave", site_b, Role.INVESTIGATOR)


@pytest.fixture
def admin_user(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(username="admin", password="admin-pass-123")


@pytest.fixture
def study(db):
    from registry.models import Study

    return Study.objects.create(code="TEST-STUDY", title="Test study", population="ADULT",
                                index_treatment="BLINATUMOMAB")


@pytest.fixture
def patient_a(alice, study, site_a):
    from datetime import date

    from registry.services import patient_register

    return patient_register(user=alice, study=study, site=site_a, data={
        "patient_id": "A-001", "sex": "F", "birth_date": date(1970, 1, 1), "diagnosis_date": date(2020, 1, 1),
        "last_followup_date": date(2022, 1, 1),
    })


@pytest.fixture
def patient_b(carol, study, site_b):
    from datetime import date

    from registry.services import patient_register

    return patient_register(user=carol, study=study, site=site_b, data={
        "patient_id": "B-001", "sex": "M", "birth_date": date(1980, 1, 1), "diagnosis_date": date(2021, 1, 1),
    })


@pytest.fixture
def imported_studies(db):
    """Both public reconstructions, imported as the command line does."""
    from registry.flatfile.services import study_import

    return {
        "adult": study_import(user=None, folder=ADULT_FOLDER).study,
        "pediatric": study_import(user=None, folder=PEDIATRIC_FOLDER).study,
    }
