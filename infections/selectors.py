"""Scoped reads of infections and hospitalizations."""
from django.db.models import QuerySet

from registry.selectors import records_visible_to

from .models import Hospitalization, Infection


def infections_visible_to(user) -> QuerySet[Infection]:
    return records_visible_to(user, Infection)


def hospitalizations_visible_to(user) -> QuerySet[Hospitalization]:
    return records_visible_to(user, Hospitalization)
