"""Headless Debian Chromium against pytest-django's live server.

Celery work runs in a thread of the test process, a moment after it is queued, so the page really
shows a queued job and its progress bar finishing (the lead's integration tests cover a real worker).
Screenshots of each main page go to `screenshots/` (git-ignored), to be looked at.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.web.conftest import alice_at_msh, bob_at_msh, private_var_dir  # noqa: F401  (shared fixtures)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still
# plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: install Debian's `chromium` to run the browser tests")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, settings):
    # Polls must not rewrite the session row while the background "worker" writes (one SQLite connection).
    settings.SESSION_SAVE_EVERY_REQUEST = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=live_server.url,
                                  accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.csp_errors = errors
    yield tab
    context.close()


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-pass-123")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class BackgroundWorker:
    """Stands in for a Celery worker: runs a queued task in a thread, a moment later, in this process."""

    def __init__(self, delay_s: float = 1.5):
        from django.db import connections

        self.delay_s = delay_s
        self.threads: list[threading.Thread] = []
        # An in-memory SQLite test database lives in one connection, shared with the live server thread.
        default = connections["default"]
        self.shared = default if default.vendor == "sqlite" and default.is_in_memory_db() else None

    def delay(self, task):
        def send(*args):
            thread = threading.Thread(target=self._run, args=(task, args), daemon=True)
            self.threads.append(thread)
            thread.start()
        return send

    def _run(self, task, args) -> None:
        from django.db import connections

        time.sleep(self.delay_s)
        if self.shared is not None:
            connections["default"] = self.shared
        try:
            task.apply(args=args)
        finally:
            if self.shared is None:
                connections.close_all()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)


@pytest.fixture
def worker(monkeypatch):
    from cohorts import tasks as cohort_tasks
    from registry import tasks as registry_tasks

    background = BackgroundWorker()
    monkeypatch.setattr(cohort_tasks.run_analysis, "delay", background.delay(cohort_tasks.run_analysis))
    importer = registry_tasks.import_study_folder
    monkeypatch.setattr(importer, "delay", background.delay(importer))
    yield background
    background.join()
