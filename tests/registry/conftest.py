import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The cast's logins are created per test; PBKDF2's deliberate slowness would be a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
