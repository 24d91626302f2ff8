"""Each role's day in headless Chromium: a clinician enters a patient and imports a study, an
investigator runs an analysis and opens its figure, the admin reads the overview.

Every main page is photographed into `screenshots/`; the pages must also load with no CSP error.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, log_in, screenshot
from tests.web.conftest import break_cell, site_a_folder, zipped

pytestmark = pytest.mark.browser


def _save(page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()


def _no_csp_errors(page) -> None:
    blocked = [e for e in page.csp_errors if "Content Security Policy" in e or "Refused" in e]
    assert not blocked, blocked


def _register_patient(page) -> None:
    page.click("text=Register a patient")
    page.fill("#id_patient_id", "A-777")
    page.select_option("#id_sex", "F")
    page.fill("#id_birth_date", "1968-04-02")
    page.fill("#id_diagnosis_date", "2020-11-20")
    page.fill("#id_height_cm", "165")
    page.fill("#id_weight_kg", "61")
    page.select_option("#id_disease_status", "MRD_POSITIVE")
    page.fill("#id_last_followup_date", "2022-06-30")
    screenshot(page, "03-register-patient")
    page.click("button:has-text('Register')")
    expect(page.locator(".notice.success")).to_contain_text("Patient A-777 registered")


def _add_course_after_fixing_its_end_date(page) -> None:
    page.select_option("#id_kind", "BLINATUMOMAB")
    page.fill("#id_start_date", "2021-03-01")
    page.fill("#id_end_date", "2021-02-01")
    page.fill("#id_cycle_number", "1")
    page.click("button:has-text('Save and add another')")
    expect(page.locator(".error-summary")).to_contain_text("The end date (2021-02-01) is before the start date")
    expect(page.locator("#id_end_date")).to_be_focused()
    screenshot(page, "04-course-end-before-start")
    page.fill("#id_end_date", "2021-03-29")
    _save(page)
    expect(page.locator(".notice.success")).to_contain_text("Treatment course added")


def _add_dose_and_labs(page, patient_url: str) -> None:
    page.click("a.button:has-text('IVIG dose')")
    page.fill("#id_given_on", "2021-02-27")
    page.fill("#id_dose_mg_per_kg", "400")
    page.select_option("#id_setting", "CLINIC")
    page.select_option("#id_indication", "PRE_EMPTIVE")
    _save(page)
    results = (("IGG", "612", "2021-02-25"), ("IGM", "<5", "2021-02-25"), ("IGG", "388", "2021-04-20"))
    for analyte, value, day in results:
        page.goto(f"{patient_url}lab/new/")
        page.fill("#id_collected_on", day)
        page.select_option("#id_analyte", analyte)
        page.fill("#id_value", value)
        _save(page)
        expect(page.locator(".notice.success")).to_contain_text("Lab result added")


def _add_infection_after_an_invalid_grade(page, patient_url: str) -> None:
    page.goto(f"{patient_url}infection/new/")
    expect(page.locator(".grade-choices")).to_contain_text("Life-threatening consequences")
    page.fill("#id_onset_on", "2021-04-10")
    page.select_option("#id_organism_class", "BACTERIAL")
    page.fill("#id_organism", "Klebsiella pneumoniae")
    page.select_option("#id_site", "BLOODSTREAM")
    page.select_option("#id_microbiologically_documented", "true")
    # A grade the form does not offer, as a tampered or stale page would send it.
    page.eval_on_selector("input[name=ctcae_grade][value='3']", "el => { el.value = '7'; el.checked = true; }")
    _save(page)
    expect(page.locator(".error-summary")).to_contain_text("Choose a CTCAE v5 grade from 1 to 5")
    screenshot(page, "05-infection-invalid-grade")
    page.check("input[name=ctcae_grade][value='3']")
    _save(page)
    expect(page.locator(".notice.success")).to_contain_text("Infection added")


def test_a_clinician_enters_a_patient_with_course_dose_labs_and_infection(transactional_db, page, alice, study,
                                                                          patient_a):
    log_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/patients/$"))
    screenshot(page, "02-patient-list")
    _register_patient(page)
    _add_course_after_fixing_its_end_date(page)
    patient_url = page.url.split("#")[0]
    _add_dose_and_labs(page, patient_url)
    _add_infection_after_an_invalid_grade(page, patient_url)
    page.goto(patient_url)
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("IgM <5 mg/dL")
    expect(page.locator(".timeline")).to_contain_text("Infection: Klebsiella pneumoniae")
    expect(page.locator("a:has-text('Run the analysis')")).to_have_count(0)
    screenshot(page, "06-patient-page")
    page.click("text=Audit history")
    expect(page.locator(".history")).to_contain_text("by alice")
    screenshot(page, "07-patient-history")
    _no_csp_errors(page)


def test_a_clinician_imports_a_folder_sees_its_error_then_imports_it(transactional_db, page, alice, worker, tmp_path):
    folder = site_a_folder(tmp_path)
    broken = tmp_path / "broken.zip"
    break_cell(folder, "labs.csv", line=4, column="value", value="abc")
    broken.write_bytes(zipped(folder).getvalue())
    log_in(page, "alice")
    page.click("nav >> text=Import")
    page.set_input_files("#id_archive", str(broken))
    page.click("button:has-text('Check the folder')")
    expect(page.locator(".notice.error")).to_contain_text("1 problem found; nothing was imported")
    expect(page.locator("table.problems")).to_contain_text("labs.csv")
    expect(page.locator("table.problems tbody tr").first).to_contain_text("4")
    screenshot(page, "08-import-problems")

    good = tmp_path / "good.zip"
    break_cell(folder, "labs.csv", line=4, column="value", value="412")
    good.write_bytes(zipped(folder).getvalue())
    page.click("text=Upload a corrected folder")
    page.set_input_files("#id_archive", str(good))
    page.click("button:has-text('Check the folder')")
    expect(page.locator(".notice.success")).to_contain_text("The dry run found no problem")
    screenshot(page, "09-import-preview")
    page.click("button:has-text('Import ADULT-BLINA-IVIG')")
    expect(page.locator("progress[data-progress-bar]")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Imported ADULT-BLINA-IVIG", timeout=30_000)
    screenshot(page, "10-import-done")
    _no_csp_errors(page)


def test_an_investigator_runs_an_analysis_and_opens_its_figure(transactional_db, page, bob_at_msh, worker):
    log_in(page, "bob")
    expect(page).to_have_url(re.compile(r"/studies/ADULT-BLINA-IVIG/$"))
    expect(page.locator("a:has-text('Register a patient')")).to_have_count(0)
    screenshot(page, "11-dashboard-before")
    page.click("summary:has-text('Parameters')")
    expect(page.locator("#id_igg_low_mg_dl")).to_have_value("700.0")
    page.click("button:has-text('Run the analysis')")
    bar = page.locator("progress[data-progress-bar]")
    expect(bar).to_be_visible()
    screenshot(page, "12-analysis-progress")
    expect(page.locator("h1 .badge")).to_have_text("Succeeded", timeout=60_000)
    expect(page.locator("table.paper").first).to_contain_text("Age at blinatumomab initiation")
    expect(page.locator("#row-t1_anti_cd20_doses")).to_contain_text("6.5 (6–7)")
    for image in page.locator(".figure img").all():  # decode() waits for the PNG to be drawn and loaded
        assert image.evaluate("i => i.decode().then(() => i.naturalWidth)") > 500
    screenshot(page, "13-analysis-results")
    with page.context.expect_page() as opened:
        page.click("#figure-igg-over-time a[target=_blank]")
    figure = opened.value
    figure.wait_for_load_state()
    assert figure.evaluate("document.images[0].naturalWidth") > 500
    figure.screenshot(path=str(SCREENSHOTS / "14-figure-igg-over-time.png"))
    with page.expect_download() as download:
        page.click("#figure-igg-nadir >> text=SVG")
    assert download.value.suggested_filename.endswith("igg-nadir.svg")
    page.goto("/studies/ADULT-BLINA-IVIG/")
    screenshot(page, "15-dashboard-after")
    _no_csp_errors(page)


def test_a_clinician_cannot_launch_and_an_investigator_cannot_edit(transactional_db, page, alice_at_msh,
                                                                   bob_at_msh):
    from registry.models import Patient

    patient = Patient.objects.get(patient_id="A001")
    log_in(page, "bob")
    page.goto(f"/patients/{patient.pk}/")
    expect(page.locator("text=Edit patient")).to_have_count(0)
    response = page.goto(f"/patients/{patient.pk}/edit/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You can’t do this here")
    screenshot(page, "16-forbidden")


def test_the_admin_lands_on_the_overview(transactional_db, page, admin_user, imported_studies):
    page.goto("/login/")
    screenshot(page, "01-login")
    log_in(page, "admin")
    expect(page.locator("#registry-overview")).to_contain_text("ADULT-BLINA-IVIG")
    screenshot(page, "17-admin-overview")
