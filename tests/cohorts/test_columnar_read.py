"""The analysis reads PostgreSQL column by column; its frames must be the export path's, cell for cell."""
from dataclasses import fields

import pandas as pd
import pytest
from django.db import connection

from cohorts.analysis.frames import StudyFrames
from cohorts.selectors import study_frames
from infections.models import Infection
from registry.flatfile.services import study_import
from registry.models import IVIGDose, Site
from registry.synthetic import write_study

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the columnar read is PostgreSQL's; elsewhere the export path is the read")


def assert_same_frames(columnar: StudyFrames, exported: StudyFrames) -> None:
    assert columnar.study == exported.study
    for field in fields(StudyFrames):
        if field.name != "study":
            pd.testing.assert_frame_equal(getattr(columnar, field.name), getattr(exported, field.name),
                                          check_exact=True, obj=field.name)


def site_ids(study, *codes):
    sites = Site.objects.filter(patients__study=study).distinct()
    if codes:
        sites = sites.filter(code__in=codes)
    return list(sites.values_list("id", flat=True))


def test_both_public_studies_read_the_same_both_ways(imported_studies):
    for study in imported_studies.values():
        ids = site_ids(study)
        assert_same_frames(study_frames(study, ids), study_frames(study, ids, through_export=True))


def test_a_synthetic_study_reads_the_same_at_all_sites_and_at_some(db, tmp_path):
    write_study(tmp_path, patients=400, seed=3, population="PEDIATRIC", study_code="COLUMNS", sites=4)
    study = study_import(user=None, folder=tmp_path).study
    everywhere, some = site_ids(study), site_ids(study)[:2]
    frames = study_frames(study, everywhere)
    assert len(frames.labs) > 1000 and frames.infections["organism"].isna().any()
    assert_same_frames(frames, study_frames(study, everywhere, through_export=True))
    assert_same_frames(study_frames(study, some), study_frames(study, some, through_export=True))


def test_nulls_empty_texts_and_no_records_read_the_same(imported_studies):
    study = imported_studies["adult"]
    IVIGDose.objects.filter(patient__study=study).update(reaction="", reaction_grade=None)
    Infection.objects.filter(patient__study=study, ctcae_grade=3).update(ctcae_grade=None, organism="")
    ids = site_ids(study)
    frames = study_frames(study, ids)
    assert frames.ivig_doses["reaction"].isna().all() and frames.infections["ctcae_grade"].isna().any()
    assert_same_frames(frames, study_frames(study, ids, through_export=True))
    nobody = study_frames(study, [])
    assert all(len(getattr(nobody, name)) == 0 for name in ("patients", "labs", "infections"))
    assert_same_frames(nobody, study_frames(study, [], through_export=True))


def test_a_text_holding_the_separator_falls_back_to_the_export_path(imported_studies):
    study = imported_studies["adult"]
    infection = Infection.objects.filter(patient__study=study).first()
    Infection.objects.filter(pk=infection.pk).update(organism="Escherichia\x1fcoli")
    ids = site_ids(study)
    frames = study_frames(study, ids)
    assert "Escherichia\x1fcoli" in set(frames.infections["organism"].dropna())
    assert_same_frames(frames, study_frames(study, ids, through_export=True))
