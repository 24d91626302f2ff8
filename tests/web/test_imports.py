"""Importing a study folder in the browser: dry run, problems by file and line, all or nothing
(registry/views/imports.py, registry/tasks.py)."""
import io
import zipfile

from registry.models import ImportJob, Patient, Study
from tests.web.conftest import break_cell, site_a_folder, zipped


def _upload(client, archive, **extra):
    return client.post("/imports/new/", {"archive": archive, **extra})


def test_a_valid_folder_is_checked_then_imported_with_its_progress(login, alice, tmp_path, celery_eager,
                                                                    django_capture_on_commit_callbacks):
    client = login(alice)
    response = _upload(client, zipped(site_a_folder(tmp_path)))
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.token}/"
    preview = client.get(response["Location"]).content.decode()
    assert "The dry run found no problem" in preview and not Study.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.token}/start/")
    progress = client.get(f"/imports/{job.token}/progress.json").json()
    assert progress == {"status": "SUCCEEDED", "label": "Imported", "message": "Imported ADULT-BLINA-IVIG.",
                        "done": True, "progress": 100}
    assert Patient.objects.filter(study__code="ADULT-BLINA-IVIG", site__code="SITE-A").count() == 23


def test_every_problem_is_listed_by_file_and_line_and_nothing_is_written(login, alice, tmp_path):
    folder = site_a_folder(tmp_path)
    break_cell(folder, "infections.csv", line=3, column="ctcae_grade", value="7")
    break_cell(folder, "treatment_courses.csv", line=2, column="end_date", value="2000-01-01")
    client = login(alice)
    page = client.get(_upload(client, zipped(folder))["Location"]).content.decode()
    assert "problems found; nothing was imported" in page
    assert "infections.csv</td><td class=\"num\">3</td><td class=\"mono\">ctcae_grade" in page
    assert "CTCAE v5 grade must be 1 to 5, got &#x27;7&#x27;" in page
    assert "treatment_courses.csv</td><td class=\"num\">2</td>" in page
    assert not Patient.objects.exists() and not Study.objects.exists()


def test_a_file_that_is_not_a_zip_is_refused_at_the_upload(login, alice):
    not_zip = io.BytesIO(b"patient_id,site_code\n")
    not_zip.name = "study.zip"
    content = _upload(login(alice), not_zip).content.decode()
    assert "not a readable .zip archive" in content and not ImportJob.objects.exists()


def test_paths_that_climb_out_of_the_upload_are_ignored(login, alice, tmp_path, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in site_a_folder(tmp_path).glob("*.csv"):
            archive.write(path, path.name)
        archive.writestr("../../escaped.csv", "x")
    buffer.seek(0)
    buffer.name = "study.zip"
    _upload(login(alice), buffer)
    assert ImportJob.objects.get().status == "CHECKED"
    assert not list(settings.VAR_DIR.parent.rglob("escaped.csv"))


def test_carol_of_site_b_cannot_import_a_folder_of_site_a(login, carol, tmp_path):
    client = login(carol)
    page = client.get(_upload(client, zipped(site_a_folder(tmp_path)))["Location"]).content.decode()
    assert "You cannot enter data at site(s) SITE-A" in page


def test_carol_gets_404_for_alices_import(login, alice, carol, tmp_path):
    response = _upload(login(alice), zipped(site_a_folder(tmp_path)))
    job = ImportJob.objects.get()
    assert login(carol).get(response["Location"]).status_code == 404
    assert login(carol).post(f"/imports/{job.token}/start/").status_code == 404


def test_bob_the_investigator_cannot_import(login, bob, tmp_path):
    client = login(bob)
    assert client.get("/imports/new/").status_code == 403
    assert _upload(client, zipped(site_a_folder(tmp_path))).status_code == 403
