"""Who may do what where. The one place that decides access (STYLE.md, rule 2).

Clinicians enter data, investigators read and analyse, site admins do both and administer.
Superusers see every site.
"""
from __future__ import annotations

from django.db.models import QuerySet

from .choices import Role
from .errors import AccessDenied
from .models import Site

ENTERS_DATA = (Role.CLINICIAN, Role.ADMIN)
ANALYSES = (Role.INVESTIGATOR, Role.ADMIN)
READS = (Role.CLINICIAN, Role.INVESTIGATOR, Role.ADMIN)


def sites_where(user, roles=READS) -> QuerySet[Site]:
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def site_ids_where(user, roles=READS) -> set[int]:
    cache_name = f"_site_ids_{'_'.join(sorted(roles))}"
    cached = getattr(user, cache_name, None)
    if cached is None:
        cached = set(sites_where(user, roles).values_list("id", flat=True))
        setattr(user, cache_name, cached)
    return cached


def can_enter_data(user, site_id: int) -> bool:
    return site_id in site_ids_where(user, ENTERS_DATA)


def can_analyse(user, site_id: int | None = None) -> bool:
    ids = site_ids_where(user, ANALYSES)
    return bool(ids) if site_id is None else site_id in ids


def must_enter_data(user, site_id: int) -> None:
    if not can_enter_data(user, site_id):
        raise AccessDenied("Only clinicians and site admins enter clinical data at this site.")


def must_analyse(user) -> None:
    if not can_analyse(user):
        raise AccessDenied("Only investigators and site admins run analyses.")


def is_deidentified_only(user) -> bool:
    """An investigator limited to de-identified exports at any of their sites is limited everywhere."""
    if user.is_superuser:
        return False
    return user.memberships.filter(deidentified_only=True).exists()


def role_names(user) -> set[str]:
    if user.is_superuser:
        return set(Role.values)
    return set(user.memberships.values_list("role", flat=True))
