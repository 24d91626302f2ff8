"""Reading and writing clinical records through the API: services write, ETag / If-Match guard edits."""
import pytest

from registry.models import LabResult, Patient

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "treatment-courses": {"kind": "MAINTENANCE", "start_date": "2020-04-01"},
    "ivig-doses": {"given_on": "2020-04-02", "dose_mg_per_kg": 500, "setting": "INPATIENT", "indication": "INFECTION"},
    "lab-results": {"collected_on": "2020-04-03", "analyte": "IGG", "value": "<5"},
    "infections": {"onset_on": "2020-04-04", "organism_class": "VIRAL", "site": "UPPER_RESPIRATORY", "ctcae_grade": 2},
    "hospitalizations": {"admitted_on": "2020-04-05", "reason": "TREATMENT"},
    "responses": {"assessed_on": "2020-04-06", "response": "COMPLETE_RESPONSE"},
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_clinician_records_each_kind_for_her_patient(client_for, alice, patient_a, endpoint):
    response = client_for(alice).post(f"/api/{endpoint}/", {"patient": patient_a.pk, **ENDPOINTS[endpoint]},
                                      format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["patient_id"] == "A-001" and body["site_code"] == "SITE-A" and body["version"] == 1
    assert response["ETag"] == '"1"'


def test_lab_value_below_detection_is_text_number_and_flag(client_for, alice, patient_a):
    response = client_for(alice).post("/api/lab-results/", {"patient": patient_a.pk, **ENDPOINTS["lab-results"]},
                                      format="json")
    body = response.json()
    assert (body["value"], body["value_number"], body["below_detection"], body["unit"]) == ("<5", 5.0, True, "mg/dL")
    stored = LabResult.objects.get(pk=body["id"])
    assert (stored.value, stored.below_detection) == (5.0, True)


@pytest.mark.parametrize("value", ["abc", "-3", "0", "<", "<-1", "", "1e999"])
def test_malformed_lab_values_are_400_with_a_field_message(client_for, alice, patient_a, value):
    data = {**ENDPOINTS["lab-results"], "patient": patient_a.pk, "value": value}
    response = client_for(alice).post("/api/lab-results/", data, format="json")
    assert response.status_code == 400
    assert "value" in response.json()["error"]["fields"]


def test_lab_unit_that_does_not_fit_the_analyte_is_400(client_for, alice, patient_a):
    data = {**ENDPOINTS["lab-results"], "patient": patient_a.pk, "unit": "cells/uL"}
    response = client_for(alice).post("/api/lab-results/", data, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["unit"] == ["IGG is reported in mg/dL."]


def test_event_before_diagnosis_is_400_naming_the_field(client_for, alice, patient_a):
    data = {"patient": patient_a.pk, "kind": "MAINTENANCE", "start_date": "2019-01-01"}
    response = client_for(alice).post("/api/treatment-courses/", data, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "before the diagnosis date" in error["fields"]["start_date"][0]


def test_grade_5_infection_without_death_is_400_not_500(client_for, alice, patient_a):
    data = {**ENDPOINTS["infections"], "patient": patient_a.pk, "ctcae_grade": 5, "infection_death": False}
    response = client_for(alice).post("/api/infections/", data, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_version_and_site_are_not_writable(client_for, alice, patient_a, site_b):
    client = client_for(alice)
    response = client.patch(f"/api/patients/{patient_a.pk}/", {"version": 99, "site_code": "SITE-B", "weight_kg": 70},
                            format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    patient_a.refresh_from_db()
    assert (patient_a.version, patient_a.site.code, patient_a.weight_kg) == (2, "SITE-A", 70)


def test_clinician_registers_a_patient_at_her_only_site(client_for, alice, study):
    data = {"study_code": study.code, "patient_id": "A-002", "sex": "M", "birth_date": "1990-05-01",
            "diagnosis_date": "2021-01-01"}
    response = client_for(alice).post("/api/patients/", data, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["site_code"] == "SITE-A"
    assert Patient.objects.get(patient_id="A-002").history.first().history_user == alice


def test_registering_a_patient_id_twice_is_400(client_for, alice, study, patient_a):
    data = {"study_code": study.code, "patient_id": "A-001", "sex": "M", "birth_date": "1990-05-01",
            "diagnosis_date": "2021-01-01"}
    response = client_for(alice).post("/api/patients/", data, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_patient_detail_nests_every_record_and_carries_an_etag(client_for, alice, records_a, patient_a):
    response = client_for(alice).get(f"/api/patients/{patient_a.pk}/")
    assert response["ETag"] == '"1"'
    body = response.json()
    for key in ("treatment_courses", "ivig_doses", "lab_results", "infections", "hospitalizations", "responses"):
        assert len(body[key]) == 1, key
    assert body["lab_results"][0]["value"] == "<5"


def test_edit_with_the_current_etag_succeeds_and_bumps_the_version(client_for, alice, records_a):
    lab = records_a[LabResult]
    response = client_for(alice).patch(f"/api/lab-results/{lab.pk}/", {"value": "12.5"}, format="json",
                                       HTTP_IF_MATCH='"1"', HTTP_X_CHANGE_REASON="transcription error")
    assert response.status_code == 200, response.json()
    assert (response.json()["value"], response["ETag"]) == ("12.5", '"2"')
    assert lab.history.first().history_change_reason == "transcription error"


def test_edit_with_a_stale_etag_is_412_and_overwrites_nothing(client_for, alice, records_a):
    lab = records_a[LabResult]
    client = client_for(alice)
    client.patch(f"/api/lab-results/{lab.pk}/", {"value": "12"}, format="json", HTTP_IF_MATCH='"1"')
    response = client.patch(f"/api/lab-results/{lab.pk}/", {"value": "99"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "edit_conflict"
    assert response.json()["error"]["current_version"] == 2 and response["ETag"] == '"2"'
    lab.refresh_from_db()
    assert lab.value == 12


def test_edit_without_if_match_is_428(client_for, alice, records_a):
    lab = records_a[LabResult]
    response = client_for(alice).put(f"/api/lab-results/{lab.pk}/", {"collected_on": "2020-02-05", "analyte": "IGA",
                                                                     "value": "7"}, format="json")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


def test_garbage_if_match_is_412(client_for, alice, records_a):
    lab = records_a[LabResult]
    response = client_for(alice).patch(f"/api/lab-results/{lab.pk}/", {"value": "7"}, format="json",
                                       HTTP_IF_MATCH="not-a-version")
    assert response.status_code == 412


def test_removal_needs_a_reason(client_for, alice, records_a):
    lab = records_a[LabResult]
    response = client_for(alice).delete(f"/api/lab-results/{lab.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["This field is required."]}
    assert LabResult.objects.filter(pk=lab.pk).exists()


def test_removal_with_reason_goes_to_the_history(client_for, alice, records_a):
    lab = records_a[LabResult]
    response = client_for(alice).delete(f"/api/lab-results/{lab.pk}/?reason=entered+twice", HTTP_IF_MATCH='"1"')
    assert response.status_code == 204
    assert not LabResult.objects.filter(pk=lab.pk).exists()
    last = LabResult.history.filter(id=lab.pk).first()
    assert (last.history_type, last.history_change_reason, last.history_user) == ("-", "entered twice", alice)


def test_removal_with_a_stale_etag_is_412(client_for, alice, records_a):
    lab = records_a[LabResult]
    response = client_for(alice).delete(f"/api/lab-results/{lab.pk}/", HTTP_IF_MATCH='"7"',
                                        HTTP_X_CHANGE_REASON="duplicate")
    assert response.status_code == 412
    assert LabResult.objects.filter(pk=lab.pk).exists()


def test_record_cannot_move_to_another_patient(client_for, alice, records_a, study, site_a):
    from datetime import date

    from registry.services import patient_register

    other = patient_register(user=alice, study=study, site=site_a, data={
        "patient_id": "A-009", "sex": "M", "birth_date": date(1970, 1, 1), "diagnosis_date": date(2019, 1, 1)})
    lab = records_a[LabResult]
    response = client_for(alice).patch(f"/api/lab-results/{lab.pk}/", {"patient": other.pk}, format="json",
                                       HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    lab.refresh_from_db()
    assert lab.patient_id != other.pk


def test_malformed_json_is_400_in_the_envelope(client_for, alice):
    response = client_for(alice).generic("POST", "/api/lab-results/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message", "fields"}


def test_fast_representation_matches_drfs_own(rf, alice, records_a, patient_a, run_a, study_at_a):
    from rest_framework import serializers as drf

    from cohorts.models import AnalysisRun
    from infections.models import Hospitalization, Infection
    from registry.api import serializers
    from registry.api.analyses import AnalysisRunSerializer
    from registry.models import IVIGDose, ResponseAssessment, TreatmentCourse

    request = rf.get("/")
    request.user = alice
    record_serializers = {
        TreatmentCourse: serializers.TreatmentCourseSerializer, IVIGDose: serializers.IVIGDoseSerializer,
        LabResult: serializers.LabResultSerializer, Infection: serializers.InfectionSerializer,
        Hospitalization: serializers.HospitalizationSerializer,
        ResponseAssessment: serializers.ResponseAssessmentSerializer,
    }
    cases = [(serializers.PatientDetailSerializer, patient_a),
             (serializers.ImportBatchSerializer, study_at_a.imports.get()),
             (AnalysisRunSerializer, AnalysisRun.objects.get(pk=run_a.pk)),
             *((record_serializers[model], record) for model, record in records_a.items())]
    for serializer_class, instance in cases:
        serializer = serializer_class(instance, context={"request": request})
        assert serializer.data == drf.Serializer.to_representation(serializer, instance), serializer_class


def test_every_lab_result_carries_its_days_since_the_last_ivig_dose(client_for, alice, patient_a):
    from datetime import date

    from registry.models import IVIGDose
    from registry.services import clinical_record_add

    def add(model, **data):
        clinical_record_add(user=alice, patient=patient_a, model=model, data=data)

    add(LabResult, collected_on=date(2020, 3, 1), analyte="IGG", value=420, unit="mg/dL")
    add(IVIGDose, given_on=date(2020, 3, 10), dose_mg_per_kg=400, setting="CLINIC", indication="PRE_EMPTIVE")
    add(LabResult, collected_on=date(2020, 3, 10), analyte="IGG", value=410, unit="mg/dL")  # trough, same day
    add(LabResult, collected_on=date(2020, 3, 24), analyte="IGG", value=980, unit="mg/dL")
    client = client_for(alice)

    listed = client.get("/api/lab-results/", {"patient": patient_a.pk, "ordering": "collected_on"}).json()
    detail = client.get(f"/api/patients/{patient_a.pk}/").json()

    assert [lab["days_since_last_ivig"] for lab in listed["results"]] == [None, None, 14]
    assert sorted((lab["collected_on"], lab["days_since_last_ivig"]) for lab in detail["lab_results"]) == [
        ("2020-03-01", None), ("2020-03-10", None), ("2020-03-24", 14)]
