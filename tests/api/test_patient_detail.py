"""The patient detail is read from rows (registry.api.patient_detail), and is the document
PatientDetailSerializer describes, field for field and in the same order."""
import json
from datetime import date

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from infections.models import Hospitalization, Infection
from registry import selectors
from registry.api.patient_detail import DocumentRenderer, patient_document
from registry.api.plain_read import PLAIN_LAB_VALUE, plain_read
from registry.api.records import PatientViewSet
from registry.api.serializers import PatientDetailSerializer
from registry.models import ApiToken, IVIGDose, LabResult, Patient, ResponseAssessment, TreatmentCourse
from registry.services import clinical_record_add, patient_register, patient_update
from registry.tokens import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_with_everything(alice, study, site_a):
    """A patient with every field set or empty, and records of every kind: open-ended and closed, graded
    and ungraded, labs below detection, with decimals, in exponent notation, before, on and after doses."""
    patient = patient_register(user=alice, study=study, site=site_a, data={
        "patient_id": "A-FULL", "sex": "M", "birth_date": date(1961, 5, 17), "diagnosis_date": date(2020, 1, 2),
        "race_ethnicity": "ASIAN", "height_cm": 172.5, "weight_kg": 70.25, "philadelphia_positive": False,
        "disease_status": "MRD_POSITIVE", "prior_therapy_lines": 2, "prior_hsct": True, "prior_anti_cd20_doses": 0,
        "mdr_organism": "", "treatment_protocol": "E1910 – arm B", "last_followup_date": date(2021, 6, 30)})
    patient = patient_update(user=alice, patient=patient, data={"weight_kg": 69.8}, expected_version=1,
                             reason="re-weighed")

    def add(model, **data):
        clinical_record_add(user=alice, patient=patient, model=model, data=data)

    add(TreatmentCourse, kind="BLINATUMOMAB", start_date=date(2020, 2, 1), end_date=date(2020, 3, 1), cycle_number=1)
    add(TreatmentCourse, kind="MAINTENANCE", start_date=date(2020, 4, 1))
    add(IVIGDose, given_on=date(2020, 3, 10), dose_mg_per_kg=412.5, setting="CLINIC", indication="LOW_IGG")
    add(IVIGDose, given_on=date(2020, 4, 7), dose_mg_per_kg=400, setting="INPATIENT", indication="INFECTION",
        reaction_grade=2, reaction="frissons\u2028fever", infusion_interrupted=True)
    add(LabResult, collected_on=date(2020, 3, 1), analyte="IGG", value=5, below_detection=True, unit="mg/dL")
    add(LabResult, collected_on=date(2020, 3, 10), analyte="IGA", value=12.25, unit="mg/dL", lower_limit_normal=70.5)
    add(LabResult, collected_on=date(2020, 3, 24), analyte="ANC", value=1234567, unit="cells/uL")
    add(LabResult, collected_on=date(2020, 4, 7), analyte="IGM", value=0.001, unit="mg/dL", lower_limit_normal=40)
    add(Infection, onset_on=date(2020, 3, 15), organism_class="VIRAL", site="UPPER_RESPIRATORY")
    add(Infection, onset_on=date(2020, 5, 2), ctcae_grade=5, organism_class="FUNGAL", organism="Candida",
        site="BLOODSTREAM", microbiologically_documented=True, bacteremia_or_fungemia=True, infection_death=True)
    add(Hospitalization, admitted_on=date(2020, 3, 15), discharged_on=date(2020, 3, 20), reason="INFECTION")
    add(Hospitalization, admitted_on=date(2020, 5, 1), reason="INFECTION")
    add(ResponseAssessment, assessed_on=date(2020, 3, 5), response="MRD_NEGATIVE")
    return patient


def _serializers_document(patient, user) -> str:
    """The detail as DRF's serializers write it, parsed and written again (key order kept)."""
    labs = Prefetch("labresults", queryset=selectors.with_last_ivig_dose(LabResult.objects))
    instance = Patient.objects.prefetch_related(labs).get(pk=patient.pk)
    request = APIRequestFactory().get("/")
    request.user = user
    data = PatientDetailSerializer(instance, context={"request": request}).data
    return json.dumps(json.loads(JSONRenderer().render(data)))


def test_detail_from_rows_is_the_serializers_document(alice, patient_with_everything, records_a, patient_a):
    for patient in (patient_with_everything, patient_a):
        ours = json.dumps(json.loads(DocumentRenderer().render(patient_document(alice, patient.pk))))
        assert ours == _serializers_document(patient, alice)


def test_detail_over_http_is_the_serializers_document_with_the_version_as_etag(client_for, alice,
                                                                               patient_with_everything):
    response = client_for(alice).get(f"/api/patients/{patient_with_everything.pk}/")
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert json.dumps(json.loads(response.content)) == _serializers_document(patient_with_everything, alice)
    labs = response.json()["lab_results"]
    assert [(lab["value"], lab["value_number"], lab["days_since_last_ivig"]) for lab in labs] == [
        ("<5", 5, None), ("12.25", 12.25, None), ("1.23457e+06", 1234567, 14), ("0.001", 0.001, 28)]
    assert "\u2028".encode() not in response.content  # escaped, as DRF's renderer does


def test_superuser_reads_the_detail_of_any_site(client_for, admin_user, patient_b):
    assert client_for(admin_user).get(f"/api/patients/{patient_b.pk}/").status_code == 200


@pytest.mark.parametrize("pk", ["abc", "0", "-1", "99999999999999999999", "123456789"])
def test_detail_of_no_patient_is_404_in_the_envelope(client_for, alice, patient_a, pk):
    response = client_for(alice).get(f"/api/patients/{pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_clinician_of_site_b_gets_404_for_site_a_patient_detail(client_for, carol, patient_with_everything):
    response = client_for(carol).get(f"/api/patients/{patient_with_everything.pk}/")
    assert response.status_code == 404 and "lab_results" not in response.json()


def test_investigator_limited_to_deidentified_data_gets_403_for_the_detail(client_for, frank, patient_a):
    assert client_for(frank).get(f"/api/patients/{patient_a.pk}/").status_code == 403


def test_detail_asks_for_indented_json_and_gets_it(client_for, alice, patient_a):
    response = client_for(alice).get(f"/api/patients/{patient_a.pk}/", HTTP_ACCEPT="application/json; indent=2")
    assert response.content.startswith(b'{\n  "id": ') and response.json()["id"] == patient_a.pk


# The plain read (`plain_read`): a token's GET of the JSON detail, built by PostgreSQL.
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plain read is PostgreSQL's")


@pytest.fixture
def plain_patient(alice, study, site_a):
    """A patient whose every lab value PostgreSQL writes as `{:g}` does, with whole-number floats, empty
    fields, a line separator in free text, and a record saved on a whole second."""
    patient = patient_register(user=alice, study=study, site=site_a, data={
        "patient_id": "A-PLAIN", "sex": "F", "birth_date": date(1970, 1, 31), "diagnosis_date": date(2021, 3, 4),
        "height_cm": 160, "weight_kg": 61.5, "treatment_protocol": "E1910 \u2013 \u201carm\u201d \\ \"B\""})

    def add(model, **data):
        return clinical_record_add(user=alice, patient=patient, model=model, data=data)

    add(TreatmentCourse, kind="BLINATUMOMAB", start_date=date(2021, 4, 1), end_date=date(2021, 5, 1), cycle_number=1)
    dose = add(IVIGDose, given_on=date(2021, 4, 10), dose_mg_per_kg=400, setting="CLINIC", indication="LOW_IGG",
               reaction="chills\u2028rigors\u2029fever\n\t")
    IVIGDose.objects.filter(pk=dose.pk).update(updated_at=dose.updated_at.replace(microsecond=0))
    for day, analyte, value, below in ((1, "IGG", 5, True), (10, "IGG", 123456, False), (11, "IGA", 0.0001, False),
                                       (12, "IGM", 0.00012345, False), (24, "ANC", 250, False), (25, "IGG", 712.5, False)):
        add(LabResult, collected_on=date(2021, 4, day), analyte=analyte, value=value, below_detection=below,
            unit="cells/uL" if analyte == "ANC" else "mg/dL")
    add(Infection, onset_on=date(2021, 4, 15), ctcae_grade=3, organism_class="BACTERIAL", site="BLOODSTREAM")
    add(Hospitalization, admitted_on=date(2021, 4, 15), reason="INFECTION")
    return patient


def _key(user) -> str:
    return token_issue(issued_by=None, user=user, name="plain")[1]


@needs_postgresql
def test_plain_read_is_drfs_response(client, alice, plain_patient, patient_with_everything):
    key, path = _key(alice), f"/api/patients/{plain_patient.pk}/"
    plain = plain_read(RequestFactory().get(path, HTTP_AUTHORIZATION=f"Token {key}"), plain_patient.pk,
                       PatientViewSet, {})
    assert plain is not None and plain.status_code == 200
    through_drf = client.get(path, HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT="application/json; q=0.9")
    answered = client.get(path, HTTP_AUTHORIZATION=f"Token {key}")
    assert answered.status_code == through_drf.status_code == 200
    assert {**answered.headers} == {**through_drf.headers}
    assert answered.content == through_drf.content
    # The same document: keys in the same order, numbers of the same type (5.0 is not 5).
    assert json.dumps(json.loads(answered.content)) == json.dumps(json.loads(through_drf.content))
    assert json.dumps(json.loads(answered.content)) == _serializers_document(plain_patient, alice)
    assert b"\\u2028rigors\\u2029fever" in answered.content and "\u2028".encode() not in answered.content
    document = answered.json()
    assert (document["height_cm"], document["ivig_doses"][0]["dose_mg_per_kg"]) == (160.0, 400.0)
    assert [lab["value"] for lab in document["lab_results"]] == ["<5", "123456", "0.0001", "0.00012345", "250", "712.5"]
    assert document["ivig_doses"][0]["updated_at"].endswith(":00Z") or document["ivig_doses"][0]["updated_at"][-2] != "."


@needs_postgresql
def test_a_lab_value_written_otherwise_is_left_to_drf(client, alice, patient_with_everything):
    # 1234567 is `1.23457e+06` in the registry's text; PostgreSQL would write 1234567.
    key, path = _key(alice), f"/api/patients/{patient_with_everything.pk}/"
    assert plain_read(RequestFactory().get(path, HTTP_AUTHORIZATION=f"Token {key}"), patient_with_everything.pk,
                      PatientViewSet, {}) is None
    answered = client.get(path, HTTP_AUTHORIZATION=f"Token {key}")
    assert json.dumps(json.loads(answered.content)) == _serializers_document(patient_with_everything, alice)


@needs_postgresql
def test_postgresql_writes_a_plain_lab_value_as_the_registry_does():
    values = [0, 5, 0.5, 12.25, 99.9, 712.5, 999999, 123456, 1234.56, 0.0001, 0.00012345, 1e-05, 1234567, 1e6,
              0.1 + 0.2, 1 / 3, 2.5e-4, 100000, 65.4321, 999999.5, 0.000099]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v, {PLAIN_LAB_VALUE.format('v')}, v::text FROM unnest(%s::float8[]) AS t(v)",
                       [[float(value) for value in values]])
        rows = cursor.fetchall()
    plain = {value: text for value, is_plain, text in rows if is_plain}
    assert all(text == f"{value:g}" for value, text in plain.items())
    assert set(plain) == {0, 5, 0.5, 12.25, 99.9, 712.5, 999999, 123456, 1234.56, 0.0001, 0.00012345, 2.5e-4, 100000,
                          65.4321}


@needs_postgresql
@pytest.mark.parametrize("case", ["another site", "de-identified only", "revoked", "unknown key", "query", "html",
                                  "indent", "post", "format suffix", "no such patient"])
def test_plain_read_leaves_everything_but_a_plain_200_to_drf(case, alice, carol, frank, plain_patient):
    user = {"another site": carol, "de-identified only": frank}.get(case, alice)
    key = "x" * 40 if case == "unknown key" else _key(user)
    if case == "revoked":
        ApiToken.objects.filter(user=alice).update(revoked_at=timezone.now())
    path = f"/api/patients/{99999999 if case == 'no such patient' else plain_patient.pk}/"
    extra = {"query": {"QUERY_STRING": "fields=id"}, "html": {"HTTP_ACCEPT": "text/html"},
             "indent": {"HTTP_ACCEPT": "application/json; indent=4"}}.get(case, {})
    request = (RequestFactory().post(path, HTTP_AUTHORIZATION=f"Token {key}") if case == "post"
               else RequestFactory().get(path, HTTP_AUTHORIZATION=f"Token {key}", **extra))
    if case == "format suffix":
        assert "format" in resolve(f"/api/patients/{plain_patient.pk}.json").kwargs
        return
    assert plain_read(request, path.split("/")[3], PatientViewSet, {}) is None


@needs_postgresql
def test_plain_reads_count_toward_the_tokens_throttle(client_for, alice, plain_patient, monkeypatch):
    from django.core.cache import cache

    from registry.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    cache.clear()
    client = client_for(alice)
    responses = [client.get(f"/api/patients/{plain_patient.pk}/") for _ in range(4)]
    cache.clear()
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1].json()["error"]["code"] == "throttled"


@needs_postgresql
def test_plain_read_notes_the_tokens_use(client, alice, plain_patient):
    key = _key(alice)
    client.get(f"/api/patients/{plain_patient.pk}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert ApiToken.objects.get(user=alice).last_used_at is not None
