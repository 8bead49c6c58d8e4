"""Operating the Django views: a mistyped secret and a missing migration, loud and exact.

Each failure the site's operator must fix is one ERROR record of the library naming
the cause and the fix, and a 500 "misconfigured" page that never says "try again";
``manage.py check`` reports what is known before a request. This module is also the
tests' URLconf (sync and async views).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.core.management import call_command  # type: ignore[import-untyped]  # noqa: E402
from django.core.management.base import SystemCheckError  # type: ignore[import-untyped]  # noqa: E402
from django.http import HttpResponse  # type: ignore[import-untyped]  # noqa: E402
from django.test import Client  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async.events import Event  # noqa: E402
from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.integrations.django import checks, signals  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402
from tests.test_code_rejected import PAGE, PROVIDER_TEXT, RECORD, login_records  # noqa: E402


def me(request: Any) -> HttpResponse:
    """The page after login (LOGIN_REDIRECT_URL)."""
    return HttpResponse(f"user {request.user.pk}")


urlpatterns = [
    path("me", me),
    path("chattz/login/", chattz.login_view),
    path("chattz/callback/", chattz.callback_view),
    path("async/chattz/login/", chattz.async_login_view),
    path("async/chattz/callback/", chattz.async_callback_view),
    path("logout", chattz.logout_view),
]

VIEWS = {"sync": "/chattz/login/", "async": "/async/chattz/login/"}


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeChattz]:
    """The fake on loopback; the site on a migrated database with auth and sessions."""
    with django_setup.account_site(settings, __name__) as provider:
        yield provider


def use_async_callback(fake: FakeChattz, settings: Any) -> None:
    """Register the async callback as the redirect URI (a client of its own)."""
    django_setup.use_callback(fake, settings, "/async/chattz/callback/")


def library_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The library's records at ERROR."""
    return [
        r
        for r in caplog.records
        if r.name.startswith("chattz_oauth_async") and r.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_wrong_client_secret_is_one_error_record_and_no_try_again(
    fake: FakeChattz, settings: Any, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """CHATTZ_CLIENT_SECRET mistyped: 500 'misconfigured', one ERROR naming invalid_client."""
    if kind == "async":
        use_async_callback(fake, settings)
    settings.CHATTZ_CLIENT_SECRET = "django-secrte"
    caplog.set_level(logging.INFO)
    page = fake.login(Client(), VIEWS[kind])
    [record] = library_errors(caplog)
    naming = [r for r in caplog.records if "invalid_client" in r.getMessage()]
    assert (500, False, True, 1) == (
        page.status_code,
        "try again" in page.content.decode().lower(),
        "misconfigured" in page.content.decode(),
        len(naming),
    )
    assert (True, True, False) == (
        "invalid_client" in record.getMessage(),
        "CHATTZ_CLIENT_ID / CHATTZ_CLIENT_SECRET" in record.getMessage(),
        "django-secrte" in caplog.text,
    )


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_missing_migration_is_one_error_record_saying_migrate(
    fake: FakeChattz, settings: Any, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """The accounts app not migrated: 500 'misconfigured', one ERROR saying run migrate."""
    if kind == "async":
        use_async_callback(fake, settings)
    call_command("migrate", "chattz_oauth_async", "zero", interactive=False, verbosity=0)
    try:
        caplog.set_level(logging.INFO)
        page = fake.login(Client(), VIEWS[kind])
        findings = checks.check_migrations(databases=["default"])
    finally:
        call_command("migrate", "chattz_oauth_async", interactive=False, verbosity=0)
    [record] = library_errors(caplog)
    assert (500, False, True, ["chattz_oauth_async.W005"]) == (
        page.status_code,
        "try again" in page.content.decode().lower(),
        "run manage.py migrate" in record.getMessage(),
        [finding.id for finding in findings],
    )


def test_migrate_does_not_warn_about_the_migrations_it_applies(fake: FakeChattz) -> None:
    """``migrate`` runs the database checks before migrating: W005 ("run manage.py
    migrate") would tell the user to run the command they are running. ``check --database``,
    ``migrate --plan`` and a migrate of another app apply none of them: they still say it."""
    call_command("migrate", "chattz_oauth_async", "zero", interactive=False, verbosity=0)
    outputs = {}
    commands = {
        "check": ["check", "--database", "default"],
        "plan": ["migrate", "--plan"],
        "another app": ["migrate", "sessions"],
        "migrate": ["migrate", "chattz_oauth_async"],
    }
    try:
        for name, command in commands.items():
            output = io.StringIO()
            # skip_checks=False: as manage.py runs migrate (call_command skips the checks)
            options = {} if name == "check" else {"interactive": False, "skip_checks": False}
            call_command(*command, **options, stdout=output, stderr=output)
            outputs[name] = output.getvalue()
    finally:
        call_command("migrate", "chattz_oauth_async", interactive=False, verbosity=0)
    assert {name: "chattz_oauth_async.W005" in text for name, text in outputs.items()} == {
        "check": True,
        "plan": True,
        "another app": True,
        "migrate": False,
    }
    assert "Applying chattz_oauth_async" in outputs["migrate"]


def test_login_on_another_host_warns_at_login(
    fake: FakeChattz, caplog: pytest.LogCaptureFixture
) -> None:
    """/login on localhost while the redirect URI is on testserver: one WARNING at /login."""
    caplog.set_level(logging.INFO)
    response = Client(HTTP_HOST="localhost").get("/chattz/login/")
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("chattz_oauth_async") and r.levelno == logging.WARNING
    ]
    assert (303, 1, True) == (
        response.status_code,
        len(warnings),
        "this browser is on localhost but the redirect URI" in warnings[0],
    )


# --- manage.py check -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "ids"),
    [
        ({}, []),
        ({"CHATTZ_CLIENT_SECRET": ""}, ["chattz_oauth_async.E001"]),
        ({"CHATTZ_CLIENT_SECRET": "s3cret\n"}, ["chattz_oauth_async.E002"]),
        ({"CHATTZ_REDIRECT_URI": "callback/"}, ["chattz_oauth_async.E003"]),
        ({"CHATTZ_REDIRECT_URI": "http://example.com/cb"}, ["chattz_oauth_async.E003"]),
    ],
)
def test_settings_checks(settings: Any, changes: dict[str, str], ids: list[str]) -> None:
    """Each broken setting is its check's id; a sound configuration passes."""
    settings.CHATTZ_CLIENT_ID = "client"
    settings.CHATTZ_CLIENT_SECRET = "s3cret"
    settings.CHATTZ_REDIRECT_URI = "https://example.com/chattz/callback/"
    for name, value in changes.items():
        setattr(settings, name, value)
    found = checks.check_settings()
    assert (ids, False) == (
        [finding.id for finding in found],
        any("s3cret" in str(finding) for finding in found),
    )


def test_default_sign_in_without_the_app_warns(settings: Any) -> None:
    """No CHATTZ_ON_SUCCESS and the app not installed: W004 names it."""
    settings.CHATTZ_CLIENT_ID = "client"
    settings.CHATTZ_CLIENT_SECRET = "s3cret"
    settings.CHATTZ_REDIRECT_URI = "https://example.com/chattz/callback/"
    settings.INSTALLED_APPS = django_setup.AUTH_APPS
    found = checks.check_settings()
    assert (["chattz_oauth_async.W004"], True) == (
        [finding.id for finding in found],
        django_setup.APP in found[0].msg,
    )


def test_checks_run_under_manage_py_check(settings: Any) -> None:
    """call_command('check') reports E001 for a missing CHATTZ_CLIENT_ID."""
    settings.CHATTZ_CLIENT_ID = ""
    settings.CHATTZ_CLIENT_SECRET = "s3cret"
    settings.CHATTZ_REDIRECT_URI = "https://example.com/chattz/callback/"
    with pytest.raises(SystemCheckError, match=r"chattz_oauth_async\.E001"):
        call_command("check")


# --- the events as Django signals ---------------------------------------------------------


def test_signals_follow_the_login_and_a_failing_receiver_breaks_nothing(
    fake: FakeChattz, caplog: pytest.LogCaptureFixture
) -> None:
    """login_started, login_completed (created, the Django user's pk), logged_out; a receiver
    that raises is logged and the login still signs in."""
    received: list[tuple[str, Event]] = []

    def record(sender: Any, event: Event, **kwargs: Any) -> None:
        received.append((sender.value, event))

    def broken(sender: Any, event: Event, **kwargs: Any) -> None:
        raise RuntimeError("mail server down")

    connected = [signals.login_started, signals.login_completed, signals.logged_out]
    for signal in connected:
        signal.connect(record)
        signal.connect(broken)
    try:
        client = Client()
        page = fake.login(client, "/chattz/login/")
        client.post("/logout")
    finally:
        for signal in connected:
            signal.disconnect(record)
            signal.disconnect(broken)
    user = str(client.session.get("_auth_user_id") or received[1][1].user_id)
    failures = [r for r in caplog.records if r.name == "django.dispatch"]
    assert (200, 3) == (page.status_code, len(failures))
    assert [
        ("login_started", None, None),
        ("login_completed", 123, "created"),
        ("logout", None, None),
    ] == [(kind, event.chattz_id, event.outcome) for kind, event in received]
    assert [None, user, user] == [event.user_id for _, event in received]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_expired_code_is_the_login_expired_page_and_one_warning(
    fake: FakeChattz, settings: Any, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """The code expired on Chattz's page (invalid_grant): the user's login, not the site's
    setup: 400 'Login expired', never 'misconfigured'; one WARNING (code_rejected), no ERROR
    (tests/test_code_rejected.py: the flow's and Starlette's, and two workers)."""
    if kind == "async":
        use_async_callback(fake, settings)
    caplog.set_level(logging.INFO)
    client = Client()
    started = client.get(VIEWS[kind])
    callback = django_setup.path_of(fake.authorize(started["Location"]))
    fake.advance(fake.code_lifetime + 1)
    page = client.get(callback)
    text = page.content.decode()
    status, title, message = PAGE
    assert (status, True, True, False, False) == (
        page.status_code,
        f"<title>{title}</title>" in text,
        f"<p>{message}</p>" in text,
        "misconfigured" in text,
        "try again" in text.lower(),
    )
    assert ([RECORD], [], []) == (
        login_records(caplog),
        library_errors(caplog),
        [s for s in PROVIDER_TEXT if s in caplog.text],
    )
