"""Django admin of the registry: sites, memberships, users, studies, and the clinical records.

Clinical records are written only by the services (STYLE.md, rule 1), in the admin too: `save_model`
and `delete_model` call them with the acting user, the version the form was loaded at and a reason,
so an admin edit is audited and guarded like a browser or API edit. History is django-simple-history's.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .errors import RegistryError
from .models import (
    ImportBatch, ImportJob, IVIGDose, LabResult, Patient, ResponseAssessment, Site, SiteMembership, Study,
    TreatmentCourse,
)
from .views.overview import admin_overview
from .selectors import patients_visible_to, records_visible_to

User = get_user_model()


class ClinicalAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(label="Reason for the change", required=False, max_length=200,
                                    help_text="Kept in the audit history with this change.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["expected_version"] = self.instance.version


class ServiceWrittenAdmin(SimpleHistoryAdmin):
    """Admin of a versioned clinical model whose writes go through `registry.services`."""

    form = ClinicalAdminForm
    readonly_fields = ("version", "updated_at")
    show_full_result_count = False  # COUNT(*) over millions of lab rows on every page is wasted time
    list_per_page = 50

    def revert_disabled(self, request, obj=None):
        # A revert would carry the old version and always conflict; edit the current record instead.
        return True

    def data_fields(self, form) -> dict:
        excluded = {"patient", "study", "site", "expected_version", "change_reason"}
        return {name: value for name, value in form.cleaned_data.items() if name not in excluded}

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason") or ("edited in the admin" if change else "added in the admin")
        saved = self.write(request, obj, form, change, reason)
        obj.pk, obj.version = saved.pk, saved.version

    def write(self, request, obj, form, change, reason):
        if change:
            return services.clinical_record_update(
                user=request.user, record=obj, data=self.data_fields(form), reason=reason,
                expected_version=form.cleaned_data.get("expected_version") or obj.version)
        return services.clinical_record_add(user=request.user, patient=form.cleaned_data["patient"],
                                            model=self.model, data=self.data_fields(form), reason=reason)

    def delete_model(self, request, obj):
        services.clinical_record_remove(user=request.user, record=obj, expected_version=obj.version,
                                        reason=f"removed in the admin by {request.user}")

    def delete_queryset(self, request, queryset):
        for record in queryset:
            self.delete_model(request, record)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A conflict or a broken rule found by the service comes back as a message, nothing saved."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RegistryError as error:
            details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.fields.items())
            messages.error(request, f"Nothing was saved. {error.message} {details}".strip())
            return HttpResponseRedirect(request.get_full_path())

    def get_queryset(self, request):
        # STYLE.md, rule 2: the one scoping function, in the admin too (superusers see every site).
        return records_visible_to(request.user, self.model)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("patient",) if obj is not None else ())


@admin.register(Patient)
class PatientAdmin(ServiceWrittenAdmin):
    list_display = ("patient_id", "study", "site", "sex", "diagnosis_date", "disease_status", "last_followup_date",
                    "death_date", "version")
    list_filter = ("study", "site", "sex", "disease_status", "high_risk_at_diagnosis")
    search_fields = ("patient_id",)
    list_select_related = ("study", "site")
    date_hierarchy = "diagnosis_date"

    def get_queryset(self, request):
        return patients_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("study", "site") if obj is not None else ())

    def write(self, request, obj, form, change, reason):
        if change:
            return services.patient_update(user=request.user, patient=obj, data=self.data_fields(form), reason=reason,
                                           expected_version=form.cleaned_data.get("expected_version") or obj.version)
        return services.patient_register(user=request.user, study=form.cleaned_data["study"],
                                         site=form.cleaned_data["site"], data=self.data_fields(form), reason=reason)


class EventAdmin(ServiceWrittenAdmin):
    raw_id_fields = ("patient",)
    list_select_related = ("patient", "patient__study", "patient__site")
    search_fields = ("patient__patient_id",)

    @admin.display(description="study", ordering="patient__study__code")
    def study(self, record):
        return record.patient.study.code


@admin.register(TreatmentCourse)
class TreatmentCourseAdmin(EventAdmin):
    list_display = ("patient", "study", "kind", "start_date", "end_date", "cycle_number")
    list_filter = ("kind", "patient__study")
    date_hierarchy = "start_date"


@admin.register(IVIGDose)
class IVIGDoseAdmin(EventAdmin):
    list_display = ("patient", "study", "given_on", "dose_mg_per_kg", "setting", "indication", "reaction_grade")
    list_filter = ("setting", "indication", "reaction_grade", "patient__study")
    date_hierarchy = "given_on"


@admin.register(LabResult)
class LabResultAdmin(EventAdmin):
    list_display = ("patient", "study", "collected_on", "analyte", "display_value", "unit", "lower_limit_normal")
    list_filter = ("analyte", "below_detection", "patient__study")
    date_hierarchy = "collected_on"


@admin.register(ResponseAssessment)
class ResponseAssessmentAdmin(EventAdmin):
    list_display = ("patient", "study", "assessed_on", "response")
    list_filter = ("response", "patient__study")


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "patient_count", "member_count")
    search_fields = ("code", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            patient_total=Count("patients", distinct=True), member_total=Count("memberships", distinct=True))

    @admin.display(description="patients", ordering="patient_total")
    def patient_count(self, site):
        return site.patient_total

    @admin.display(description="members", ordering="member_total")
    def member_count(self, site):
        return site.member_total


class MembershipForm(forms.ModelForm):
    class Meta:
        model = SiteMembership
        fields = ("user", "site", "role", "deidentified_only")


@admin.register(SiteMembership)
class SiteMembershipAdmin(SimpleHistoryAdmin):
    form = MembershipForm
    list_display = ("user", "site", "role", "deidentified_only")
    list_filter = ("role", "site", "deidentified_only")
    search_fields = ("user__username", "user__email", "site__code")
    list_select_related = ("user", "site")
    autocomplete_fields = ("user", "site")

    def save_model(self, request, obj, form, change):
        # Granting access is audited with who granted it (registry.services.membership_grant).
        granted = services.membership_grant(granted_by=request.user, user=obj.user, site=obj.site, role=obj.role,
                                            deidentified_only=obj.deidentified_only)
        obj.pk = granted.pk


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ("site",)


admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    inlines = (MembershipInline,)
    list_display = ("username", "email", "first_name", "last_name", "roles", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role", "memberships__site")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__site")

    @admin.display(description="roles at sites")
    def roles(self, user):
        return ", ".join(f"{m.role.lower()} @ {m.site.code}" for m in user.memberships.all()) or "—"

    def save_formset(self, request, form, formset, change):
        if formset.model is not SiteMembership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for removed in formset.deleted_objects:
            removed.delete()
        for membership in memberships:
            services.membership_grant(granted_by=request.user, user=form.instance, site=membership.site,
                                      role=membership.role, deidentified_only=membership.deidentified_only)


@admin.register(Study)
class StudyAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "population", "index_treatment", "patient_count", "data_revision", "created_at")
    list_filter = ("population", "index_treatment")
    search_fields = ("code", "title")
    readonly_fields = ("data_revision", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(patient_total=Count("patients"))

    @admin.display(description="patients", ordering="patient_total")
    def patient_count(self, study):
        return study.patient_total


class ReadOnlyAdmin(admin.ModelAdmin):
    """Bookkeeping rows the application writes; the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "study", "imported_by", "imported_at", "replaced", "rows")
    list_filter = ("study", "replaced")

    @admin.display(description="rows")
    def rows(self, batch):
        return sum(batch.row_counts.values())


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "study_code", "uploaded_by", "uploaded_at", "status", "problem_count", "batch")
    list_filter = ("status",)
    search_fields = ("file_name", "study_code", "uploaded_by__username")

    @admin.display(description="problems")
    def problem_count(self, job):
        return len(job.problems)


_default_index = admin.site.index


def _index_with_overview(request, extra_context=None):
    """The admin start page with the registry's overview above the model list (templates/admin/index.html)."""
    return _default_index(request, {**admin_overview(), **(extra_context or {})})


admin.site.index = _index_with_overview
admin.site.site_header = "IVIG–ALL registry administration"
admin.site.site_title = "IVIG–ALL registry admin"
admin.site.index_title = "Overview"
