from .settings import *  # noqa: F403

SECRET_KEY = "tests-only-not-a-secret-" * 2
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
