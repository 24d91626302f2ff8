"""Infections and hospitalizations: every named constraint refuses a bad row written straight to the table."""
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from infections.models import Hospitalization, Infection

pytestmark = pytest.mark.django_db


def assert_database_refuses(model, constraint: str, **fields) -> None:
    before = model._base_manager.count()
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic():
            model.objects.create(**fields)
    assert model._base_manager.count() == before


def infection(patient, **fields):
    return {"patient": patient, "onset_on": date(2020, 3, 1), "ctcae_grade": 3, "organism_class": "BACTERIAL",
            "site": "BLOODSTREAM", **fields}


def stay(patient, **fields):
    return {"patient": patient, "admitted_on": date(2020, 3, 1), "reason": "INFECTION", **fields}


@pytest.mark.parametrize("grade", [0, 6])
def test_a_ctcae_grade_outside_1_to_5_is_refused(patient_a, grade):
    assert_database_refuses(Infection, "infection_ctcae_grade_1_to_5", **infection(patient_a, ctcae_grade=grade))


@pytest.mark.parametrize("death", [False, None])
def test_a_grade_5_infection_that_is_not_an_infection_death_is_refused(patient_a, death):
    assert_database_refuses(Infection, "infection_grade5_is_death",
                            **infection(patient_a, ctcae_grade=5, infection_death=death))


def test_a_grade_5_infection_death_is_kept(patient_a):
    assert Infection.objects.create(**infection(patient_a, ctcae_grade=5, infection_death=True)).pk


def test_an_unknown_organism_class_is_refused(patient_a):
    assert_database_refuses(Infection, "infection_organism_class_known", **infection(patient_a, organism_class="PRION"))


def test_an_unknown_infection_site_is_refused(patient_a):
    assert_database_refuses(Infection, "infection_site_known", **infection(patient_a, site="EYE"))


def test_a_discharge_before_admission_is_refused(patient_a):
    assert_database_refuses(Hospitalization, "hospitalization_discharge_after_admission",
                            **stay(patient_a, discharged_on=date(2020, 2, 28)))


def test_a_discharge_on_the_day_of_admission_is_kept(patient_a):
    assert Hospitalization.objects.create(**stay(patient_a, discharged_on=date(2020, 3, 1))).days == 0


def test_an_unknown_admission_reason_is_refused(patient_a):
    assert_database_refuses(Hospitalization, "hospitalization_reason_known", **stay(patient_a, reason="SOCIAL"))
