"""A pediatric study's ANC results are not read for its analysis: no pediatric endpoint uses them."""
from cohorts.analysis.document import analyse
from cohorts.analysis.frames import read_folder
from cohorts.selectors import study_frames
from registry.flatfile.services import study_import
from registry.models import Site
from registry.synthetic import write_study


def test_the_pediatric_analysis_reads_no_anc_and_gives_the_same_document(db, tmp_path):
    write_study(tmp_path, patients=300, seed=5, population="PEDIATRIC", study_code="NO-ANC", sites=2)
    study = study_import(user=None, folder=tmp_path).study
    frames = study_frames(study, Site.objects.values_list("id", flat=True))
    everything = read_folder(tmp_path)
    assert "ANC" in set(everything.labs["analyte"]) and "ANC" not in set(frames.labs["analyte"])
    assert len(frames.labs) == (everything.labs["analyte"] != "ANC").sum()
    assert analyse(frames) == analyse(everything)


def test_the_adult_analysis_reads_every_analyte(imported_studies):
    study = imported_studies["adult"]
    frames = study_frames(study, Site.objects.values_list("id", flat=True))
    assert "ANC" in set(frames.labs["analyte"])
