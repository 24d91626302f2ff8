"""Analysis runs: who may request them, how a worker claims them, when they go stale."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from cohorts.models import AnalysisRun, RunStatus
from cohorts.services import analysis_claim, analysis_execute, analysis_request, run_is_stale
from registry.choices import Role
from registry.errors import AccessDenied, RecordInvalid
from registry.models import LabResult, Site
from registry.services import clinical_record_add, membership_grant
from tests.conftest import ADULT_FOLDER, PEDIATRIC_FOLDER

COMPARE = Path(__file__).resolve().parents[1] / "tools" / "compare_analysis.py"


@pytest.fixture
def bob_at_msh(bob, imported_studies):
    membership_grant(granted_by=None, user=bob, site=Site.objects.get(code="MSH"), role=Role.INVESTIGATOR)
    return bob


def test_a_clinician_cannot_request_an_analysis(alice, imported_studies):
    with pytest.raises(AccessDenied):
        analysis_request(user=alice, study=imported_studies["adult"])


def test_an_investigator_of_another_site_cannot_analyse_a_study_without_patients_there(dave, imported_studies):
    with pytest.raises(AccessDenied):
        analysis_request(user=dave, study=imported_studies["adult"])


def test_unknown_parameters_are_refused_with_a_clear_message(bob_at_msh, imported_studies):
    with pytest.raises(RecordInvalid) as error:
        analysis_request(user=bob_at_msh, study=imported_studies["adult"], parameters={"no_such_choice": 1})
    assert "no_such_choice" in str(error.value)


def test_a_run_is_claimed_once(bob_at_msh, imported_studies, django_capture_on_commit_callbacks):
    run = analysis_request(user=bob_at_msh, study=imported_studies["adult"])
    assert analysis_claim(run.pk)
    assert not analysis_claim(run.pk)
    assert AnalysisRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_a_run_only_reads_the_sites_of_its_requester(dave, imported_studies):
    pediatric = imported_studies["pediatric"]
    membership_grant(granted_by=None, user=dave, site=Site.objects.get(code="MC-A"), role=Role.INVESTIGATOR)
    run = analysis_request(user=dave, study=pediatric)
    analysis_claim(run.pk)
    run = analysis_execute(run.pk)
    document = run.result.document
    assert run.status == RunStatus.SUCCEEDED
    assert document["sites"] == ["MC-A"]
    assert document["cohort_sizes"]["ALL"] == pediatric.patients.filter(site__code="MC-A").count()


def test_a_run_goes_stale_when_the_study_data_change(bob_at_msh, imported_studies, admin_user):
    run = analysis_request(user=bob_at_msh, study=imported_studies["adult"])
    analysis_claim(run.pk)
    run = analysis_execute(run.pk)
    assert not run_is_stale(run)
    patient = imported_studies["adult"].patients.first()
    clinical_record_add(user=admin_user, patient=patient, model=LabResult, data={
        "collected_on": patient.diagnosis_date, "analyte": "IGG", "value": 512, "unit": "mg/dL"})
    run.refresh_from_db()
    run.study.refresh_from_db()
    assert run_is_stale(run)


@pytest.mark.parametrize("folder,code", [(ADULT_FOLDER, "ADULT-BLINA-IVIG"), (PEDIATRIC_FOLDER, "PED-MAINT-IVIG")])
def test_run_analysis_command_reproduces_every_expected_figure(imported_studies, tmp_path, folder, code):
    output = tmp_path / "analysis.json"
    call_command("run_analysis", code, "--output", str(output))
    result = subprocess.run([sys.executable, str(COMPARE), str(folder / "expected.json"), str(output)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert json.loads(output.read_text())["study"] == code
