"""Analysis snapshots: a re-run of unchanged data reuses the records it read; any change reads afresh."""
import pytest

from cohorts.analysis.document import analyse
from cohorts.analysis.parameters import AnalysisParameters
from cohorts.services import analysis_compute
from cohorts.snapshots import records_digest, study_snapshot
from registry.models import LabResult, Site, Study
from registry.services import clinical_record_add


def all_sites(study):
    return list(Site.objects.filter(patients__study=study).distinct().values_list("id", flat=True))


def test_a_rerun_reuses_the_records_and_gives_the_same_document(imported_studies):
    study = imported_studies["pediatric"]
    first, first_hash, first_timings = analysis_compute(study, all_sites(study), AnalysisParameters())
    second, second_hash, second_timings = analysis_compute(study, all_sites(study), AnalysisParameters())
    assert (first_timings["records_reused"], second_timings["records_reused"]) == (False, True)
    assert first == second and first_hash == second_hash


def test_other_parameters_reuse_the_records_under_another_hash(imported_studies):
    study = imported_studies["adult"]
    _, default_hash, _ = analysis_compute(study, all_sites(study), AnalysisParameters())
    document, other_hash, timings = analysis_compute(
        study, all_sites(study), AnalysisParameters.from_dict({"exclude_days_after_ivig": 7}))
    assert timings["records_reused"] and other_hash != default_hash
    assert document["parameters"]["exclude_days_after_ivig"] == 7


def test_a_new_record_is_read_afresh(imported_studies, admin_user):
    study = imported_studies["adult"]
    before = study_snapshot(study, all_sites(study))
    patient = study.patients.order_by("patient_id").first()
    clinical_record_add(user=admin_user, patient=patient, model=LabResult, data={
        "collected_on": patient.diagnosis_date, "analyte": "IGG", "value": 512, "unit": "mg/dL"})
    after = study_snapshot(study, all_sites(study))
    assert not after.reused and after.data_revision == before.data_revision + 1
    assert len(after.frames.labs) == len(before.frames.labs) + 1
    assert after.records_digest != before.records_digest


def test_other_sites_are_another_snapshot(imported_studies):
    study = imported_studies["pediatric"]
    study_snapshot(study, all_sites(study))
    one_site = Site.objects.get(code="MC-A")
    fewer = study_snapshot(study, [one_site.pk])
    assert not fewer.reused
    assert set(fewer.frames.patients["site_code"]) == {"MC-A"}


def test_the_study_and_its_sites_are_read_afresh_every_time(imported_studies):
    study = imported_studies["adult"]
    first = study_snapshot(study, all_sites(study))
    Study.objects.filter(pk=study.pk).update(title="Renamed")
    site = Site.objects.filter(patients__study=study).first()
    Site.objects.filter(pk=site.pk).update(name="Renamed site")
    second = study_snapshot(study, all_sites(study))
    assert second.reused and second.frames.study["title"] == "Renamed"
    assert "Renamed site" in set(second.frames.sites["name"])
    assert second.digest != first.digest and second.records_digest == first.records_digest


def test_no_snapshot_is_kept_when_the_setting_says_none(imported_studies, settings):
    settings.ANALYSIS_SNAPSHOTS_KEPT = 0
    study = imported_studies["adult"]
    study_snapshot(study, all_sites(study))
    assert not study_snapshot(study, all_sites(study)).reused


@pytest.mark.parametrize("name", ["adult", "pediatric"])
def test_the_analysis_leaves_the_records_it_reads_unchanged(imported_studies, name):
    """What makes reuse safe: the kept frames are the ones the next run gets."""
    study = imported_studies[name]
    frames = study_snapshot(study, all_sites(study)).frames
    before = records_digest(frames)
    analyse(frames, AnalysisParameters())
    assert records_digest(frames) == before
