"""Who may do what where. The one place that decides access (STYLE.md, rule 2).

Clinicians enter data, investigators read and analyse, site admins do both and administer.
Superusers see every site.
"""
from __future__ import annotations

from django.db.models import QuerySet

from .choices import Role
from .errors import AccessDenied
from .models import Site, SiteMembership
from .prepared import PreparedRead

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
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return _every_site_id(user)
    return {site_id for site_id, role, _ in _memberships(user) if role in roles}


# The user's memberships as (site id, role, de-identified only): one read per user object, that is per
# request, answers every question about the user's access in that request.
MEMBERSHIP_COLUMNS = ("site_id", "role", "deidentified_only")
_MEMBERSHIPS = PreparedRead(lambda user_id: SiteMembership.objects.filter(user_id=user_id).order_by()
                            .values_list(*MEMBERSHIP_COLUMNS), -1)


def _memberships(user) -> list[tuple[int, str, bool]]:
    rows = getattr(user, "_memberships", None)
    if rows is None:
        rows = user._memberships = _MEMBERSHIPS(user.pk)
    return rows


def remember_memberships(user, rows: list[tuple[int, str, bool]]) -> None:
    """Memberships of `user` (MEMBERSHIP_COLUMNS) read with the user, as the token of a request is."""
    user._memberships = rows


def _every_site_id(user) -> set[int]:
    ids = getattr(user, "_every_site_id", None)
    if ids is None:
        ids = user._every_site_id = set(Site.objects.values_list("id", flat=True))
    return ids


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
    return any(deidentified for _, _, deidentified in _memberships(user))


def role_names(user) -> set[str]:
    if user.is_superuser:
        return set(Role.values)
    return {role for _, role, _ in _memberships(user)}
