"""Fixtures of the browser-page tests: logged-in clients of the cast, folders to upload, a finished run."""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from registry.choices import Role
from tests.conftest import ADULT_FOLDER


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Logins are created per test; PBKDF2's deliberate slowness would cost a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    """Uploads and cached figures of a test stay in its own folder."""
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached counts are keyed by primary keys, which a rolled-back test may hand out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def celery_eager():
    """Tasks run in the test's process, at commit, as a worker would run them."""
    from registry.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


@pytest.fixture
def bob_at_msh(bob, imported_studies):
    from registry.models import Site
    from registry.services import membership_grant

    membership_grant(granted_by=None, user=bob, site=Site.objects.get(code="MSH"), role=Role.INVESTIGATOR)
    return bob


@pytest.fixture
def alice_at_msh(alice, imported_studies):
    from registry.models import Site
    from registry.services import membership_grant

    membership_grant(granted_by=None, user=alice, site=Site.objects.get(code="MSH"), role=Role.CLINICIAN)
    return alice


def finished_run(user, study, parameters=None):
    """An analysis run computed in the test's process: the worker's code path, without a broker.

    Inside a test's transaction nothing commits, so `analysis_request` queues nothing by itself.
    """
    from cohorts.models import AnalysisRun
    from cohorts.services import analysis_claim, analysis_execute, analysis_request

    run = analysis_request(user=user, study=study, parameters=parameters)
    analysis_claim(run.pk)
    analysis_execute(run.pk)
    return AnalysisRun.objects.get(pk=run.pk)


@pytest.fixture
def adult_run(bob_at_msh, imported_studies):
    return finished_run(bob_at_msh, imported_studies["adult"])


def site_a_folder(tmp_path: Path, *, site_code: str = "SITE-A") -> Path:
    """The adult demo folder moved to `site_code` (the cast's sites), ready to upload."""
    folder = tmp_path / "adult"
    shutil.copytree(ADULT_FOLDER, folder, ignore=shutil.ignore_patterns("*.json"))
    (folder / "sites.csv").write_text(f"site_code,name\n{site_code},Site A\n", encoding="utf-8")
    rows = list(csv.reader((folder / "patients.csv").open(encoding="utf-8")))
    column = rows[0].index("site_code")
    for row in rows[1:]:
        row[column] = site_code
    with (folder / "patients.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


def break_cell(folder: Path, file_name: str, *, line: int, column: str, value: str) -> None:
    rows = list(csv.reader((folder / file_name).open(encoding="utf-8")))
    rows[line - 1][rows[0].index(column)] = value
    with (folder / file_name).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def zipped(folder: Path, *, inside: str = "study") -> io.BytesIO:
    """The folder as a .zip upload, its files in one directory as people usually zip them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.write(path, f"{inside}/{path.name}")
    buffer.seek(0)
    buffer.name = "study.zip"
    return buffer
