"""An analysis run's page: progress, the papers' tables, figures, downloads, comparison (cohorts/views/)."""
import csv
import io

from openpyxl import load_workbook

from cohorts.models import AnalysisRun, RunStatus
from tests.web.conftest import finished_run


def test_the_results_read_as_the_papers_tables_with_the_test_named(login, adult_run, bob_at_msh):
    content = login(bob_at_msh).get(f"/analyses/{adult_run.pk}/").content.decode()
    assert "Table 1. Baseline characteristics" in content and "Table 3. Infection outcomes" in content
    assert "<td>6.5 (6–7)</td>" in content and "0.04<sup>" in content
    assert "Exact Mann-Whitney U test" in content and "Two-sided Fisher&#x27;s exact test" in content
    assert "The index date was the start of the first blinatumomab course" in content


def test_a_queued_run_shows_a_progress_bar_that_polls_its_json(login, bob_at_msh, imported_studies):
    from cohorts.services import analysis_request

    run = analysis_request(user=bob_at_msh, study=imported_studies["adult"])
    client = login(bob_at_msh)
    page = client.get(f"/analyses/{run.pk}/").content.decode()
    assert f'data-progress-url="/analyses/{run.pk}/progress.json"' in page and "js/progress.js" in page
    assert client.get(f"/analyses/{run.pk}/progress.json").json()["done"] is False


def test_figures_come_as_png_in_the_page_and_svg_to_download(login, adult_run, bob_at_msh):
    client = login(bob_at_msh)
    png = client.get(f"/analyses/{adult_run.pk}/figures/igg-over-time.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    svg = client.get(f"/analyses/{adult_run.pk}/figures/igg-nadir.svg")
    assert svg["Content-Disposition"].startswith("attachment") and b"<svg" in svg.content
    assert client.get(f"/analyses/{adult_run.pk}/figures/infections-by-grade.png").status_code == 200
    assert client.get(f"/analyses/{adult_run.pk}/figures/nope.png").status_code == 404


def test_tables_download_as_csv_and_xlsx(login, adult_run, bob_at_msh):
    client = login(bob_at_msh)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/analyses/{adult_run.pk}/tables.csv").content.decode())))
    age = next(r for r in rows if r["row"] == "t1_age" and r["cohort"] == "CONTROL")
    assert age["display"] == "57.5 (50–64)" and age["p_display"] == "0.32"
    workbook = load_workbook(io.BytesIO(client.get(f"/analyses/{adult_run.pk}/tables.xlsx").content))
    assert {"T1", "T2", "T3", "T4", "Data", "Methods", "Parameters"} <= set(workbook.sheetnames)
    assert workbook["T1"]["A1"].value == "Table 1. Baseline characteristics"


def test_comparing_two_runs_names_the_changed_parameter_and_what_moved(login, adult_run, bob_at_msh,
                                                                       imported_studies):
    second = finished_run(bob_at_msh, imported_studies["adult"], parameters={"igg_low_mg_dl": 600})
    content = login(bob_at_msh).get(f"/analyses/compare/?a={adult_run.pk}&b={second.pk}").content.decode()
    assert "igg_low_mg_dl" in content and "700.0" in content and "600.0" in content
    assert "Baseline IgG hypogammaglobulinemia" in content and "Baseline IgA, mg/dL" not in content
    assert "moved" in content


def test_dave_of_site_b_gets_404_for_a_run_of_site_a(login, adult_run, dave):
    client = login(dave)
    assert client.get(f"/analyses/{adult_run.pk}/").status_code == 404
    assert client.get(f"/analyses/{adult_run.pk}/figures/igg-nadir.png").status_code == 404
    assert client.get(f"/analyses/compare/?a={adult_run.pk}&b={adult_run.pk}").status_code == 404


def test_alice_the_clinician_reads_results_but_cannot_launch_from_them(login, adult_run, alice_at_msh):
    client = login(alice_at_msh)
    assert client.get(f"/analyses/{adult_run.pk}/").status_code == 200
    assert client.post("/studies/ADULT-BLINA-IVIG/analyses/new/", {}).status_code == 403


def test_a_failed_run_says_so_with_its_reason(login, bob_at_msh, imported_studies):
    from cohorts.services import analysis_request

    run = analysis_request(user=bob_at_msh, study=imported_studies["adult"])
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="Traceback...\nValueError: broken")
    client = login(bob_at_msh)
    assert "The analysis failed" in client.get(f"/analyses/{run.pk}/").content.decode()
    assert client.get(f"/analyses/{run.pk}/progress.json").json()["error"] == "ValueError: broken"
