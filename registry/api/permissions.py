"""Role checks of the API, all answered by `registry.access` (STYLE.md, rule 2).

Site scoping is not done here: every view's queryset comes from a `*_visible_to(user)` selector, so
another site's record is a 404 before any of these run. These classes answer "may this role do this
at all?" so that the wrong role gets a 403 before its input is even validated.
"""
from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from registry import access
from registry.choices import Role


class ReadsIdentifiedData(BasePermission):
    """Patient-level resources: not for users limited to de-identified exports."""

    message = "Your access is limited to de-identified exports and aggregate analyses."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated) and not access.is_deidentified_only(user)


class EntersDataToWrite(BasePermission):
    """Reads for every role; writes only for clinicians and site admins (investigators only read)."""

    message = "Only clinicians and site admins enter clinical data."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return bool(access.site_ids_where(request.user, access.ENTERS_DATA))


class AnalysesToStart(BasePermission):
    """Everyone who sees a run may read it; only investigators and site admins start one."""

    message = "Only investigators and site admins run analyses."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return access.can_analyse(request.user)


class ReadsAudit(BasePermission):
    """The audit history is for investigators and site admins (STYLE.md, rule 8)."""

    message = "Only investigators and site admins read the audit history."

    def has_permission(self, request, view):
        user = request.user
        return access.can_analyse(user) and not access.is_deidentified_only(user)


class AdministersASite(BasePermission):
    message = "Only site admins manage memberships."

    def has_permission(self, request, view):
        user = request.user
        return user.is_superuser or bool(access.site_ids_where(user, (Role.ADMIN,)))
