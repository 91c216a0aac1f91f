import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Personas hash their password on creation; PBKDF2 would dominate these tests' run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
