"""Add, edit and remove a patient's clinical records (courses, IVIG doses, labs, infections, …).

One set of views for every kind (see `kinds.KINDS`): parse the form, look the record up through the
user's scope (another site's record is a 404), call the service, render.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from registry import services
from registry.errors import AccessDenied, EditConflict, RecordInvalid
from registry.forms import RemoveForm
from registry.selectors import patients_visible_to

from .common import denied, must_enter_data, page, show_record_errors
from .conflicts import conflict_rows
from .kinds import KINDS, RecordKind


def _kind(slug: str) -> RecordKind:
    if slug not in KINDS:
        raise Http404("No such kind of record.")
    return KINDS[slug]


def _back_to(record_or_patient) -> str:
    patient = getattr(record_or_patient, "patient", record_or_patient)
    return reverse("patient-detail", args=[patient.pk])


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request, pk: int, kind: str):
    kind = _kind(kind)
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    must_enter_data(request.user, patient.site_id)
    form = kind.form(request.POST or None, initial=_initial(request, kind))
    if request.method == "POST" and form.is_valid():
        try:
            services.clinical_record_add(user=request.user, patient=patient, model=kind.model,
                                         data=form.service_data(), reason=form.cleaned_data["reason"])
        except RecordInvalid as error:
            show_record_errors(form, error.fields)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"{kind.label.capitalize()} added to patient {patient.patient_id}.")
            if "add_another" in request.POST:
                return redirect("record-add", pk=patient.pk, kind=kind.slug)
            return redirect(_back_to(patient))
    return page(request, "registry/record_form.html", {
        "form": form, "kind": kind, "patient": patient, "title": f"Add {kind.with_article}", "adding": True,
        "cancel_url": _back_to(patient),
    }, section="patients")


def _initial(request, kind: RecordKind) -> dict:
    """Repeat entry is common (monthly IVIG doses, lab panels): keep the analyte chosen last time."""
    analyte = request.GET.get("analyte")
    return {"analyte": analyte} if kind.slug == "lab" and analyte else {}


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, kind: str, pk: int):
    kind = _kind(kind)
    record = get_object_or_404(kind.visible_to(request.user), pk=pk)
    must_enter_data(request.user, record.patient.site_id)
    form = kind.form(request.POST or None, instance=record)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.clinical_record_update(user=request.user, record=record, data=form.service_data(),
                                            expected_version=form.cleaned_data["version"] or 0,
                                            reason=form.cleaned_data["reason"])
        except RecordInvalid as error:
            show_record_errors(form, error.fields)
        except EditConflict as error:
            form, conflict = conflict_rows(kind.form, request.POST, record, error)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"{kind.label.capitalize()} saved.")
            return redirect(_back_to(record))
    return page(request, "registry/record_form.html", {
        "form": form, "kind": kind, "patient": record.patient, "record": record, "conflict": conflict,
        "title": f"Edit {kind.label}", "cancel_url": _back_to(record),
    }, section="patients")


@login_required
@require_http_methods(["GET", "POST"])
def record_remove(request, kind: str, pk: int):
    kind = _kind(kind)
    record = get_object_or_404(kind.visible_to(request.user), pk=pk)
    must_enter_data(request.user, record.patient.site_id)
    form = RemoveForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.clinical_record_remove(user=request.user, record=record, reason=form.cleaned_data["reason"],
                                            expected_version=form.cleaned_data["version"])
        except EditConflict:
            messages.warning(request, f"Someone changed this {kind.label} meanwhile; nothing was removed. "
                                      "Review it and try again.")
            return redirect(_back_to(record))
        except RecordInvalid as error:
            show_record_errors(form, error.fields)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"{kind.label.capitalize()} removed; the audit history keeps it.")
            return redirect(_back_to(record))
    return page(request, "registry/remove_confirm.html", {
        "form": form, "patient": record.patient, "what": f"{kind.label} “{record}”", "cancel_url": _back_to(record),
    }, section="patients")
