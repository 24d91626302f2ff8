"""Logging in, and the start page that sends each role where it works."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from registry import access
from registry.choices import Role
from registry.selectors import studies_visible_to

from .common import page


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "lockout_after": settings.AXES_FAILURE_LIMIT}


@login_required
def home(request):
    """Clinicians and site admins start at their patients, investigators at their study's dashboard."""
    user = request.user
    if user.is_superuser:
        return redirect("admin:index")
    roles = access.role_names(user)
    if Role.CLINICIAN in roles or Role.ADMIN in roles:
        return redirect("patient-list")
    if Role.INVESTIGATOR in roles:
        studies = list(studies_visible_to(user)[:2])
        return redirect("study-dashboard", code=studies[0].code) if len(studies) == 1 else redirect("study-list")
    return page(request, "registry/no_access.html")
