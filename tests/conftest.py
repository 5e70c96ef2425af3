import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~100 ms a user; tests check who may sign in, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
