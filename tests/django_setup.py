"""Django for the tests that need it: configured once per process, without a settings module.

Only the Django tests import this (pytest-django stays inert for the rest of
the suite). Each test then sets what it needs (``ROOT_URLCONF``, ``CHATTZ_*``)
with pytest-django's ``settings`` fixture or ``override_settings``.
"""

from __future__ import annotations

import django  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]

SECRET_KEY = "django-test-secret-key-" * 2


def configure() -> None:
    """Configure Django (once) for tests: signed-cookie sessions, no database."""
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1", "app.example"],
        INSTALLED_APPS=[],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ROOT_URLCONF="tests.test_django_integration",
        USE_TZ=True,
        DATABASES={},
    )
    django.setup()
