"""The study dashboard and launching an analysis (cohorts/views/dashboard.py)."""
from cohorts.models import AnalysisRun
from registry.models import LabResult, Patient
from registry.services import clinical_record_add
from tests.web.conftest import finished_run


def as_posted(form) -> dict:
    """What a browser sends for the form as shown: unticked boxes and empty numbers are left out."""
    values = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    return {name: value for name, value in values.items() if value is not None and value is not False}


def test_the_dashboard_shows_cohorts_flow_and_completeness(login, adult_run, bob_at_msh):
    content = login(bob_at_msh).get("/studies/ADULT-BLINA-IVIG/").content.decode()
    assert '<span class="value">17</span><span class="caption">IVIG cohort' in content
    assert "Included in the analysis" in content and "n = 23" in content
    assert "No baseline IgG" in content and "?study=" in content and "missing=no_baseline_igg" in content


def test_results_go_stale_when_the_records_change(login, adult_run, alice_at_msh, bob_at_msh):
    patient = Patient.objects.get(patient_id="A001")
    clinical_record_add(user=alice_at_msh, patient=patient, model=LabResult,
                        data={"collected_on": "2017-01-02", "analyte": "IGG", "value": 400.0, "unit": "mg/dL"})
    content = login(bob_at_msh).get("/studies/ADULT-BLINA-IVIG/").content.decode()
    assert "The latest results are stale" in content


def test_bob_launches_an_analysis_with_an_edited_parameter(login, bob_at_msh, imported_studies):
    client = login(bob_at_msh)
    form = client.get("/studies/ADULT-BLINA-IVIG/").context["form"]
    response = client.post("/studies/ADULT-BLINA-IVIG/analyses/new/", {**as_posted(form), "igg_low_mg_dl": "600"})
    run = AnalysisRun.objects.get()
    assert response["Location"] == f"/analyses/{run.pk}/"
    assert run.parameters["igg_low_mg_dl"] == 600.0 and run.requested_by == bob_at_msh


def test_a_parameter_that_is_not_a_number_is_explained(login, bob_at_msh, imported_studies):
    response = login(bob_at_msh).post("/studies/ADULT-BLINA-IVIG/analyses/new/", {"igg_low_mg_dl": "low"})
    assert response.status_code == 400 and "Enter a number" in response.content.decode()
    assert not AnalysisRun.objects.exists()


def test_alice_the_clinician_sees_no_launch_form_and_gets_403(login, alice_at_msh, imported_studies):
    client = login(alice_at_msh)
    assert "Run the analysis" not in client.get("/studies/ADULT-BLINA-IVIG/").content.decode()
    assert client.post("/studies/ADULT-BLINA-IVIG/analyses/new/", {}).status_code == 403
    assert not AnalysisRun.objects.exists()


def test_dave_of_site_b_gets_404_for_a_study_with_no_patient_there(login, dave, imported_studies):
    client = login(dave)
    assert client.get("/studies/ADULT-BLINA-IVIG/").status_code == 404
    assert client.post("/studies/ADULT-BLINA-IVIG/analyses/new/", {}).status_code == 404


def test_the_study_list_flags_stale_results(login, bob_at_msh, imported_studies):
    finished_run(bob_at_msh, imported_studies["adult"])
    content = login(bob_at_msh).get("/studies/").content.decode()
    assert "ADULT-BLINA-IVIG" in content and "current" in content
