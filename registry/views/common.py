"""What every page needs: the navigation of the user's roles, and errors of the services shown well."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from registry import access
from registry.choices import Role
from registry.errors import AccessDenied

ROLE_NAMES = {Role.CLINICIAN: "clinician", Role.INVESTIGATOR: "investigator", Role.ADMIN: "site admin"}

# Constraints whose database name means nothing to a clinician: the field to show them at, and what to fix.
CONSTRAINT_MESSAGES = {
    "treatmentcourse_end_after_start": ("end_date", "The end date is before the start date: enter an end on or "
                                                    "after the start, or leave it empty while the course is ongoing."),
    "hospitalization_discharge_after_admission": ("discharged_on", "The discharge date is before the admission date."),
    "infection_grade5_is_death": ("infection_death", "CTCAE v5 grade 5 means death from the infection: set "
                                                     "“Infection death” to Yes, or choose a lower grade."),
    "infection_ctcae_grade_1_to_5": ("ctcae_grade", "Choose a CTCAE v5 grade from 1 to 5."),
    "ivigdose_reaction_grade_1_to_5": ("reaction_grade", "Choose a CTCAE v5 grade from 1 to 5."),
    "ivigdose_dose_positive": ("dose_mg_per_kg", "The dose must be greater than 0 mg/kg."),
    "labresult_value_positive": ("value", "The value must be greater than 0 (or below detection, such as <5)."),
    "labresult_unit_of_analyte": ("analyte", "IgG, IgA and IgM are in mg/dL; ANC is in cells/µL."),
    "patient_diagnosis_after_birth": ("diagnosis_date", "The diagnosis date is before the birth date."),
    "patient_death_after_diagnosis": ("death_date", "The death date is before the diagnosis date."),
    "patient_followup_after_diagnosis": ("last_followup_date", "The last follow-up is before the diagnosis date."),
    "patient_unique_id_per_study": ("patient_id", "This study already has a patient with this ID."),
}


def navigation(user) -> dict:
    roles = access.role_names(user) if user.is_authenticated else set()
    return {
        "reads": bool(access.site_ids_where(user)) if user.is_authenticated else False,
        "enters_data": bool(access.site_ids_where(user, access.ENTERS_DATA)) if user.is_authenticated else False,
        "analyses": access.can_analyse(user) if user.is_authenticated else False,
        "roles": ["superuser"] if user.is_superuser else sorted(ROLE_NAMES[Role(r)] for r in roles),
    }


def page(request, template: str, context: dict | None = None, *, section: str = "", status: int = 200):
    """Render a page of the registry with the navigation of the user's roles."""
    full = {"nav": navigation(request.user), "section": section, **(context or {})}
    return render(request, template, full, status=status)


def denied(error: AccessDenied) -> PermissionDenied:
    """The service said no: a 403 page that repeats its reason."""
    return PermissionDenied(error.message)


def must_enter_data(user, site_id: int) -> None:
    if not access.can_enter_data(user, site_id):
        raise PermissionDenied("Only clinicians and site admins enter or change clinical data at this site.")


def must_enter_data_somewhere(user) -> None:
    if not access.site_ids_where(user, access.ENTERS_DATA):
        raise PermissionDenied("Only clinicians and site admins enter clinical data or import studies.")


def must_analyse(user) -> None:
    if not access.can_analyse(user):
        raise PermissionDenied("Only investigators and site admins launch analyses.")


def show_record_errors(form, fields: dict[str, list[str]]) -> None:
    """Put a service's RecordInvalid.fields beside the form fields they concern, in plain words."""
    for name, messages in fields.items():
        for message in messages:
            target, text = _translate(name, message)
            form.add_error(target if target in form.fields else None, text)


def _translate(name: str, message: str) -> tuple[str, str]:
    for constraint, (field, text) in CONSTRAINT_MESSAGES.items():
        if constraint in message:
            return field, text
    return ("__all__" if name == "__all__" else name), message
