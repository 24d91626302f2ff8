"""Patients: the searchable list, the patient page, registration, editing and removal."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from infections.models import Infection
from registry import access, services
from registry.errors import AccessDenied, EditConflict, RecordInvalid
from registry.forms import PatientFilterForm, PatientForm, PatientRegisterForm, RemoveForm
from registry.models import IVIGDose, LabResult
from registry.selectors import patients_visible_to, sites_visible_to, studies_visible_to

from .cohort_of import cohort_maps, cohort_of
from .common import denied, must_enter_data, must_enter_data_somewhere, page, show_record_errors
from .conflicts import conflict_rows
from .kinds import KINDS
from .lab_chart import patient_chart
from registry.completeness import CHECKS, filter_lacking
from .timeline import grade_summary, timeline

PAGE_SIZE = 50


@login_required
def patient_list(request):
    user = request.user
    form = PatientFilterForm(request.GET or None, studies=studies_visible_to(user), sites=sites_visible_to(user),
                             checks=CHECKS)
    patients = patients_visible_to(user).order_by("study__code", "patient_id")
    if form.is_valid():
        patients = _filtered(user, patients, form.cleaned_data)
    listing = Paginator(_evaluated_once(patients, form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page(request, "registry/patient_list.html", {
        "form": form, "page": listing, "rows": _rows(user, list(listing.object_list)), "query": query.urlencode(),
        "can_register": bool(access.site_ids_where(user, access.ENTERS_DATA)),
    }, section="patients")


def _evaluated_once(patients, form):
    """A missing-data filter is costly (subqueries per patient): run it once for the ordered ids, then
    count and slice that list, instead of running it again for the count and for the page."""
    if not (form.is_valid() and form.cleaned_data["missing"]):
        return patients
    return LazyPage(list(patients.values_list("pk", flat=True)), patients.model.objects.select_related("study", "site"))


class LazyPage:
    """A sequence of ordered patient ids that loads only the sliced page's rows."""

    def __init__(self, ids: list[int], rows):
        self.ids, self.rows = ids, rows

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, window: slice) -> list:
        page_ids = self.ids[window]
        found = self.rows.in_bulk(page_ids)
        return [found[pk] for pk in page_ids if pk in found]


def _filtered(user, patients, filters: dict):
    if filters["q"]:
        patients = patients.filter(patient_id__icontains=filters["q"].strip())
    if filters["study"]:
        patients = patients.filter(study=filters["study"])
    if filters["site"]:
        patients = patients.filter(site=filters["site"])
    if filters["missing"]:
        patients = filter_lacking(patients, filters["missing"])
    if filters["cohort"]:
        studies = [filters["study"]] if filters["study"] else studies_visible_to(user)
        study_ids = [study.pk for study in studies]
        patients = patients.filter(_in_cohort(cohort_maps(user, study_ids), filters["cohort"]))
    return patients


def _in_cohort(maps: dict[int, dict], cohort: str) -> Q:
    """Patients of the chosen cohort in each analysed study ("NONE": analysed but in no cohort)."""
    condition = Q(pk__in=[])
    for study_id, mapping in maps.items():
        ids = [pid for pid, c in mapping.items() if (c or "NONE") == cohort]
        in_study = Q(study_id=study_id, patient_id__in=ids)
        if cohort == "NONE":
            in_study |= Q(study_id=study_id) & ~Q(patient_id__in=list(mapping))
        condition |= in_study
    return condition


def _rows(user, patients) -> list[dict]:
    """The page's patients with their record counts: three grouped queries, not three per patient."""
    pks = [p.pk for p in patients]
    counts = {model: dict(model.objects.filter(patient_id__in=pks).values_list("patient_id").annotate(n=Count("id")))
              for model in (IVIGDose, LabResult, Infection)}
    # One JSON document parse per study: cheaper than one JSON path lookup per patient of the page.
    cohorts = cohort_maps(user, {p.study_id for p in patients})
    return [{"patient": p, "doses": counts[IVIGDose].get(p.pk, 0), "labs": counts[LabResult].get(p.pk, 0),
             "infections": counts[Infection].get(p.pk, 0),
             "cohort": cohorts[p.study_id].get(p.patient_id, "") if p.study_id in cohorts else None}
            for p in patients]


@login_required
def patient_detail(request, pk: int):
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    records = {kind.slug: list(getattr(patient, kind.related_name).all()) for kind in KINDS.values()}
    cohort, run_id = cohort_of(request.user, patient)
    chart = patient_chart(population=patient.study.population, courses=records["course"],
                          doses=records["ivig-dose"], labs=records["lab"], infections=records["infection"],
                          hospitalizations=records["hospitalization"])
    entries = timeline(courses=records["course"], doses=records["ivig-dose"], labs=records["lab"],
                       infections=records["infection"], hospitalizations=records["hospitalization"],
                       responses=records["response"], with_labs=request.GET.get("labs") != "0")
    return page(request, "registry/patient_detail.html", {
        "patient": patient, "chart": chart, "entries": entries, "cohort": cohort, "run_id": run_id,
        "grades": grade_summary(records["infection"]), "kinds": KINDS.values(),
        "counts": {slug.replace("-", "_"): len(rows) for slug, rows in records.items()},
        "can_edit": access.can_enter_data(request.user, patient.site_id),
        "with_labs": request.GET.get("labs") != "0",
    }, section="patients")


@login_required
@require_http_methods(["GET", "POST"])
def patient_register(request):
    user = request.user
    must_enter_data_somewhere(user)
    sites = access.sites_where(user, access.ENTERS_DATA)
    form = PatientRegisterForm(request.POST or None, studies=studies_visible_to(user), sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(user=user, study=form.cleaned_data["study"],
                                                site=form.cleaned_data["site"], data=form.service_data(),
                                                reason=form.cleaned_data["reason"])
        except RecordInvalid as error:
            show_record_errors(form, error.fields)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"Patient {patient.patient_id} registered. Add the first treatment course.")
            return redirect("record-add", pk=patient.pk, kind="course")
    return page(request, "registry/patient_form.html", {"form": form, "title": "Register a patient"},
                section="patients")


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request, pk: int):
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    must_enter_data(request.user, patient.site_id)
    form = PatientForm(request.POST or None, instance=patient)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(user=request.user, patient=patient, data=form.service_data(),
                                    expected_version=form.cleaned_data["version"] or 0,
                                    reason=form.cleaned_data["reason"])
        except RecordInvalid as error:
            show_record_errors(form, error.fields)
        except EditConflict as error:
            form, conflict = conflict_rows(PatientForm, request.POST, patient, error)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"Patient {patient.patient_id} saved.")
            return redirect("patient-detail", pk=patient.pk)
    return page(request, "registry/patient_form.html", {
        "form": form, "patient": patient, "conflict": conflict, "title": f"Edit patient {patient.patient_id}",
    }, section="patients")


@login_required
@require_http_methods(["GET", "POST"])
def patient_remove(request, pk: int):
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    must_enter_data(request.user, patient.site_id)
    form = RemoveForm(request.POST or None, initial={"version": patient.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.clinical_record_remove(user=request.user, record=patient, reason=form.cleaned_data["reason"],
                                            expected_version=form.cleaned_data["version"])
        except EditConflict:
            messages.warning(request, "Someone changed this patient meanwhile: review the current record first.")
            return redirect("patient-detail", pk=patient.pk)
        except RecordInvalid as error:
            show_record_errors(form, error.fields)
        except AccessDenied as error:
            raise denied(error)
        else:
            messages.success(request, f"Patient {patient.patient_id} and their records were removed; the audit "
                                      "history keeps them.")
            return redirect(reverse("patient-list"))
    return page(request, "registry/remove_confirm.html", {
        "form": form, "patient": patient, "what": f"patient {patient.patient_id} and all their records",
        "cancel_url": reverse("patient-detail", args=[patient.pk]),
    }, section="patients")
