import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The cast creates a dozen users per test; the default PBKDF2 makes that the slowest part by far."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
