"""The patient detail is read from rows (registry.api.patient_detail), and is the document
PatientDetailSerializer describes, field for field and in the same order."""
import json
from datetime import date

import pytest
from django.db.models import Prefetch
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from infections.models import Hospitalization, Infection
from registry import selectors
from registry.api.patient_detail import DocumentRenderer, patient_document
from registry.api.serializers import PatientDetailSerializer
from registry.models import IVIGDose, LabResult, Patient, ResponseAssessment, TreatmentCourse
from registry.services import clinical_record_add, patient_register, patient_update

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
