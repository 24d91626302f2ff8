"""The REST API, mounted at /api/ (registry/urls.py)."""
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from . import access_views, analyses, audit, exports, infections, labstream, records, reference, schema, tables
from .errors import envelope
from .plain_read import answering_plain_reads

@csrf_exempt  # nothing to protect: it only ever answers 404
def api_not_found(request, *args, **kwargs):
    """Any other path under /api/: a 404 in the API's envelope, not the site's HTML page."""
    return JsonResponse(envelope("not_found", "No such API endpoint."), status=404)


router = DefaultRouter()
router.register("sites", reference.SiteViewSet, basename="site")
router.register("studies", reference.StudyViewSet, basename="study")
router.register("import-batches", reference.ImportBatchViewSet, basename="import-batch")
router.register("patients", records.PatientViewSet, basename="patient")
router.register("treatment-courses", records.TreatmentCourseViewSet, basename="treatment-course")
router.register("ivig-doses", records.IVIGDoseViewSet, basename="ivig-dose")
router.register("lab-results", records.LabResultViewSet, basename="lab-result")
router.register("responses", records.ResponseAssessmentViewSet, basename="response")
router.register("infections", infections.InfectionViewSet, basename="infection")
router.register("hospitalizations", infections.HospitalizationViewSet, basename="hospitalization")
router.register("analyses", analyses.AnalysisRunViewSet, basename="analysis")
router.register("memberships", access_views.MembershipViewSet, basename="membership")
router.register("tokens", access_views.TokenViewSet, basename="token")
router.register(r"audit/(?P<kind>[a-z-]+)", audit.AuditViewSet, basename="audit")

# The patient detail answers programs' plain reads itself, and comes first: Django tries the patterns
# in order, and keeps a record of each one tried.
patient_details = [pattern for pattern in router.urls if pattern.name == "patient-detail"]
for pattern in patient_details:
    pattern.callback = answering_plain_reads(pattern.callback)
resources = [pattern for pattern in router.urls if pattern.name != "patient-detail"]

study = "studies/<str:code>/"
urlpatterns = [
    *patient_details,
    path("lab-results/export/", labstream.LabExportView.as_view(), name="lab-result-export"),
    path(f"{study}export/", exports.StudyExportView.as_view(), name="study-export"),
    path(f"{study}export/deidentified/", exports.DeidentifiedStudyExportView.as_view(),
         name="study-export-deidentified"),
    path(f"{study}tables/<str:table>/", tables.LongTableView.as_view(), name="study-long-table"),
    path(f"{study}endpoints/", tables.PatientEndpointsView.as_view(), name="study-endpoints"),
    path("dictionary/", exports.DictionaryView.as_view(), name="dictionary"),
    path("dictionary/csv/", exports.DictionaryCSVView.as_view(), name="dictionary-csv"),
    path("me/", access_views.MeView.as_view(), name="me"),
    path("auth/token/", access_views.TokenLoginView.as_view(), name="token-login"),
    path("auth/", include("rest_framework.urls")),
    path("schema/", schema.schema_view, name="api-schema"),
    path("docs/", schema.swagger_view, name="api-docs"),
    path("redoc/", schema.redoc_view, name="api-redoc"),
    path("", include(resources)),
    re_path(r"", api_not_found),
]
