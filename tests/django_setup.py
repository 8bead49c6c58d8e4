"""Django for the tests that need it: configured once per process, without a settings module.

Only the Django tests import this (pytest-django stays inert for the rest of
the suite). Each test then sets what it needs (``ROOT_URLCONF``, ``CHATTZ_*``)
with pytest-django's ``settings`` fixture or ``override_settings``.

The accounts app and what it needs (auth, contenttypes, sessions) are
installed, with a SQLite database in a temporary file; :func:`database`
migrates it once and empties it after each test. Django cannot switch its
default database in-process, so :func:`postgres_database` adds a database
alias of its own for one test, on a fresh database of the suite's
PostgreSQL server, and removes it afterwards.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]

from chattz_oauth_async.testing import FakeChattz
from tests.postgres import ROLE, PostgresServer

SECRET_KEY = "django-test-secret-key-" * 2
#: The accounts app, as it goes in INSTALLED_APPS.
APP = "chattz_oauth_async.integrations.django"
#: What the default sign-in needs besides the app.
AUTH_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"]
#: Middleware of the accounts tests: database sessions (so a rotated key is visible), auth, CSRF.
ACCOUNT_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

_migrated: set[str] = set()


def configure() -> None:
    """Configure Django (once) for tests: signed-cookie sessions, the accounts app on SQLite."""
    if settings.configured:
        return
    folder = Path(tempfile.mkdtemp(prefix="chattz-django-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    settings.configure(
        DEBUG=False,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1", "app.example"],
        INSTALLED_APPS=[*AUTH_APPS, APP],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ROOT_URLCONF="tests.test_django_integration",
        USE_TZ=True,
        # A file, not :memory:, so the threads of the concurrency tests share it; they
        # wait for SQLite's write lock (timeout, seconds) instead of failing at once.
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(folder / "default.sqlite3"),
                "OPTIONS": {"timeout": 60},
            }
        },
        # Fast hashing: the tests make users, never check passwords.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    django.setup()


def _migrate(alias: str) -> None:
    from django.core.management import call_command  # type: ignore[import-untyped]

    if alias not in _migrated:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        _migrated.add(alias)


def _empty(alias: str) -> None:
    from django.contrib.auth import get_user_model  # type: ignore[import-untyped]
    from django.contrib.sessions.models import Session  # type: ignore[import-untyped]

    from chattz_oauth_async.integrations.django.models import ChattzAccount

    ChattzAccount.objects.using(alias).all().delete()
    get_user_model().objects.using(alias).all().delete()
    Session.objects.using(alias).all().delete()


@contextlib.contextmanager
def database(alias: str = "default") -> Iterator[str]:
    """The migrated database ``alias`` for one test, emptied afterwards."""
    configure()
    _migrate(alias)
    try:
        yield alias
    finally:
        _empty(alias)


@contextlib.contextmanager
def postgres_database(server: PostgresServer) -> Iterator[str]:
    """A database alias on a fresh database of ``server``, migrated, for one test."""
    from django.db import connections  # type: ignore[import-untyped]

    configure()
    name = server.new_database()
    alias = f"pg_{name}"
    entry = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": ROLE,
        "HOST": "127.0.0.1",
        "PORT": str(server.port),
    }
    # configure_settings fills in the defaults Django adds to every DATABASES entry.
    connections.settings[alias] = connections.configure_settings({"default": entry})["default"]
    try:
        _migrate(alias)
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        _migrated.discard(alias)


def use_callback(fake: FakeChattz, test_settings: Any, callback: str) -> None:
    """Register a client whose redirect URI is ``callback`` on testserver, and configure it."""
    client = fake.add_client("django-app", "django-secret", f"https://testserver{callback}")
    test_settings.CHATTZ_CLIENT_ID = client.client_id
    test_settings.CHATTZ_CLIENT_SECRET = client.client_secret
    test_settings.CHATTZ_REDIRECT_URI = client.redirect_uri


@contextlib.contextmanager
def account_site(test_settings: Any, urlconf: str) -> Iterator[FakeChattz]:
    """A fake on loopback; ``urlconf`` on a migrated database with auth, database sessions, CSRF.

    The callback is ``/chattz/callback/``; after login the default views go to ``/me``.
    """
    provider = FakeChattz()
    with database(), provider.serve() as server:
        test_settings.ROOT_URLCONF = urlconf
        test_settings.MIDDLEWARE = ACCOUNT_MIDDLEWARE
        test_settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
        test_settings.LOGIN_REDIRECT_URL = "/me"
        test_settings.CHATTZ_BASE_URL = server.base_url
        use_callback(provider, test_settings, "/chattz/callback/")
        yield provider


def path_of(url: str) -> str:
    """The path and query of a URL."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
