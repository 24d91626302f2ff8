"""The security baseline of the whole app: `check --deploy` clean with production settings, hardening
headers on API responses, and a Content Security Policy everywhere."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_with_production_environment(tmp_path):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("DJANGO_", "REGISTRY_", "DATABASE_URL"))}
    environment.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
                       DJANGO_ALLOWED_HOSTS="registry.example.org", REGISTRY_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("DJANGO_", "REGISTRY_", "DATABASE_URL"))}
    environment.update(DJANGO_DEBUG="0", REGISTRY_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_api_responses_carry_the_hardening_headers(client_for, alice):
    response = client_for(alice).get("/api/me/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
