"""Endpoints of infections (CTCAE v5 graded) and hospitalizations, scoped by `infections.selectors`."""
from infections.models import Hospitalization, Infection
from infections.selectors import hospitalizations_visible_to, infections_visible_to

from . import filters, serializers
from .records import record_viewset

InfectionViewSet = record_viewset(
    Infection, serializers.InfectionSerializer, filters.InfectionFilter, infections_visible_to,
    "onset_on", "infection", "infections")
HospitalizationViewSet = record_viewset(
    Hospitalization, serializers.HospitalizationSerializer, filters.HospitalizationFilter,
    hospitalizations_visible_to, "admitted_on", "hospitalization", "hospitalizations")
