"""A real Celery worker process, reading the same test database and broker as the test."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite test database cannot be shared with a worker process")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "0", "REGISTRY_TESTING": "1"}
    log = open(tmp_path / "worker.log", "w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "registry", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", f"--hostname=test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    _wait_until_ready(worker, log)
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


def _wait_until_ready(worker, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        if "ready." in log.read():
            return
        if worker.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the Celery worker exited:\n{log.read()}")
        time.sleep(0.3)
    raise RuntimeError("the Celery worker did not become ready in time")
