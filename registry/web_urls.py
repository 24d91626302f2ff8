"""The browser pages (mounted at "" by registry/urls.py)."""
from django.contrib.auth import views as auth_views
from django.urls import path

from cohorts import views as cohort_views
from registry.views import history, home, imports, patients, records

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", home.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Clinicians: patients and their records.
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/new/", patients.patient_register, name="patient-register"),
    path("patients/<int:pk>/", patients.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/edit/", patients.patient_edit, name="patient-edit"),
    path("patients/<int:pk>/remove/", patients.patient_remove, name="patient-remove"),
    path("patients/<int:pk>/history/", history.patient_history, name="patient-history"),
    path("patients/<int:pk>/<slug:kind>/new/", records.record_add, name="record-add"),
    path("records/<slug:kind>/<int:pk>/edit/", records.record_edit, name="record-edit"),
    path("records/<slug:kind>/<int:pk>/remove/", records.record_remove, name="record-remove"),
    # Importing a study folder.
    path("imports/new/", imports.import_upload, name="import-upload"),
    path("imports/<uuid:token>/", imports.import_detail, name="import-detail"),
    path("imports/<uuid:token>/start/", imports.import_start, name="import-start"),
    path("imports/<uuid:token>/progress.json", imports.import_progress, name="import-progress"),
    # Investigators: studies, analyses, figures, downloads.
    path("studies/", cohort_views.study_list, name="study-list"),
    path("studies/<str:code>/", cohort_views.study_dashboard, name="study-dashboard"),
    path("studies/<str:code>/analyses/new/", cohort_views.analysis_launch, name="analysis-launch"),
    path("analyses/<int:pk>/", cohort_views.run_detail, name="run-detail"),
    path("analyses/<int:pk>/progress.json", cohort_views.run_progress, name="run-progress"),
    path("analyses/<int:pk>/figures/<slug:name>.<str:fmt>", cohort_views.run_figure, name="run-figure"),
    path("analyses/<int:pk>/tables.<str:fmt>", cohort_views.run_tables, name="run-tables"),
    path("analyses/compare/", cohort_views.run_compare, name="run-compare"),
]
