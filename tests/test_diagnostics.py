"""Whose fault a failed login is (diagnostics.classify), and the one log record it gets.

The classification is pure and tested once; the "wrong client secret" story runs
through Starlette and FastAPI here (Django's views: tests/test_django_operating.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from chattz_oauth_async import (
    AccountError,
    AccountLinkedElsewhere,
    AccountStoreError,
    AsyncChattzOAuth,
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    InactiveUser,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidTokenError,
    LinkRefused,
    LoginStateError,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    RetryPolicy,
    SignupsClosed,
    StateMismatchError,
    TransportError,
    TransportTimeout,
    UnlinkRefused,
    UnsafeRedirectError,
)
from chattz_oauth_async.diagnostics import Fault, classify, host_mismatch, log_failure
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import AsyncLoginFlow, WebRequest, describe_error
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import FakeClock

C, P, D, U = Fault.CONFIGURATION, Fault.PROVIDER, Fault.DATABASE, Fault.USER
APP_URL = "http://127.0.0.1:8000"
KEY = "diagnostics-test-key-" * 2


@pytest.mark.parametrize(
    ("error", "fault", "reason"),
    [
        (OAuthError("invalid_client", status_code=401), C, "invalid_client"),
        (OAuthError("unauthorized_client", status_code=400), C, "unauthorized_client"),
        (OAuthError("invalid_grant", status_code=400), U, "code_rejected"),
        (OAuthError("unsupported_grant_type", status_code=400), C, "unsupported_grant_type"),
        (OAuthError("something_new", status_code=400), C, "something_new"),
        (OAuthError("server_error", status_code=500), P, "provider_unavailable"),
        (OAuthError("temporarily_unavailable", status_code=400), P, "provider_unavailable"),
        (OAuthError("slow_down", status_code=429), P, "rate_limited"),
        (InvalidTokenError("invalid_token", status_code=401), P, "token_rejected"),
        (InsufficientScopeError("insufficient_scope", status_code=403), C, "insufficient_scope"),
        (ProviderError("down", status_code=503), P, "provider_unavailable"),
        (ProviderError("html", status_code=200), P, "bad_answer"),
        (ResponseTooLargeError("big", status_code=200), P, "response_too_large"),
        (ResponseTooLargeError("big"), P, "response_too_large"),
        (ProviderError("busy", status_code=429), P, "rate_limited"),
        (ProviderError("not here", status_code=404), C, "endpoint_not_found"),
        (ProviderError("two codes"), U, "malformed_callback"),
        (TransportTimeout("userinfo timed out"), P, "timeout"),
        (TransportError("code exchange failed: ConnectError"), P, "connection_failed"),
        (ConfigurationError("set CHATTZ_CLIENT_ID"), C, "configuration"),
        (InsecureTransportError("plain http"), C, "configuration"),
        (AuthorizationDenied("access_denied"), U, "denied"),
        (AuthorizationDenied("unauthorized_client"), C, "unauthorized_client"),
        (AuthorizationDenied("invalid_scope"), C, "invalid_scope"),
        (AuthorizationDenied("temporarily_unavailable"), P, "provider_unavailable"),
        (LoginStateError("old", expired=True), U, "expired"),
        (LoginStateError("tampered"), U, "unreadable_login"),
        (StateMismatchError("no login"), U, "replayed_or_other_browser"),
        (UnsafeRedirectError("//evil"), U, "unsafe_next"),
        (AccountStoreError("x", transient=True, cause="SQLSTATE 08006"), D, "database_unavailable"),
        (
            AccountStoreError("x", transient=False, cause="SQLSTATE 42P01: missing chattz_x"),
            C,
            "missing_table",
        ),
        (
            AccountStoreError("x", transient=False, cause="no such table: chattz_accounts"),
            C,
            "missing_table",
        ),
        (
            AccountStoreError("x", transient=False, cause="table t has no column named c"),
            C,
            "missing_column",
        ),
        (
            AccountStoreError("x", transient=False, cause="NOT NULL constraint failed: u.nick"),
            C,
            "store_constraint",
        ),
        (
            AccountStoreError("x", transient=False, cause="SQLSTATE 3D000: no such database"),
            C,
            "database_refused",
        ),
        (AccountLinkedElsewhere(5), U, "linked_elsewhere"),
        (UnlinkRefused(5), U, "unlink_refused"),
        (LinkRefused("gone"), U, "link_refused"),
        (SignupsClosed(5), U, "signups_closed"),
        (InactiveUser(), U, "inactive_user"),
        (AccountError("raced"), D, "account_conflict"),
        (ChattzOAuthError("?"), C, "unexpected"),
    ],
    ids=lambda value: f"{type(value).__name__}" if isinstance(value, Exception) else None,
)
def test_classify_every_failure_at_the_login_routes(
    error: ChattzOAuthError, fault: Fault, reason: str
) -> None:
    """Each error's fault and reason; the page says 'try again' exactly for an outage."""
    diagnosis = classify(error)
    page = describe_error(error)
    assert (fault, reason, fault in (P, D)) == (
        diagnosis.fault,
        diagnosis.reason,
        "try again" in page[2].lower(),
    )


def test_a_configuration_failure_is_the_500_misconfigured_page() -> None:
    """invalid_client: 500 'Sign-in is misconfigured', not 502 'Chattz is not available'."""
    assert (500, "Sign-in is misconfigured") == describe_error(
        OAuthError("invalid_client", status_code=401)
    )[:2]


def test_classify_refuses_what_is_not_a_library_error() -> None:
    """classify(ValueError()) is a TypeError naming the type."""
    with pytest.raises(TypeError, match="not ValueError"):
        classify(ValueError())  # type: ignore[arg-type]


def test_levels_by_fault() -> None:
    """ERROR for the site's setup, WARNING for an outage, INFO for the user's side."""
    assert [logging.ERROR, logging.WARNING, logging.WARNING, logging.INFO] == [
        fault.level for fault in (C, P, D, U)
    ]


def test_explanations_never_repeat_provider_text() -> None:
    """The provider's error_description (which may echo a code) stays out of the explanation."""
    error = OAuthError("invalid_grant", "code abc123secret was used", status_code=400)
    assert False is ("abc123secret" in classify(error).explanation)


def test_log_failure_logs_each_error_once(caplog: pytest.LogCaptureFixture) -> None:
    """The same error object passed twice is one record, with the diagnosis as attributes."""
    caplog.set_level(logging.DEBUG)
    error = OAuthError("invalid_client", status_code=401)
    log_failure(error)
    log_failure(error, where="again")
    [record] = [r for r in caplog.records if r.name == "chattz_oauth_async.login"]
    assert (logging.ERROR, "configuration", "invalid_client", "invalid_client") == (
        record.levelno,
        record.chattz_fault,  # type: ignore[attr-defined]
        record.chattz_reason,  # type: ignore[attr-defined]
        record.chattz_error,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize(
    ("here", "there", "warned"),
    [
        ("http://localhost:8000/", "http://127.0.0.1:8000/callback", True),
        ("http://LOCALHOST:8000/", "http://localhost:9000/callback", False),
        ("https://app.example/", "https://app.example/cb", False),
        ("http://[", "https://app.example/cb", False),
    ],
)
def test_host_mismatch(here: str, there: str, warned: bool) -> None:
    """Another host than the redirect URI's (port and scheme aside) is the cookie warning."""
    assert warned == (host_mismatch(here, there) is not None)


# --- the flow, with a wrong secret and on the wrong host --------------------------------


def errors_and_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The library's records at WARNING and above."""
    return [
        r
        for r in caplog.records
        if r.name.startswith("chattz_oauth_async") and r.levelno >= logging.WARNING
    ]


@pytest.mark.anyio
async def test_a_secret_ending_in_a_space_is_named_in_the_one_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A secret with a space at its end: invalid_client, and the whitespace named (a newline
    or another control character is refused when the session is built: test_construction)."""
    caplog.set_level(logging.INFO)
    fake = FakeChattz(redirect_uri=f"{APP_URL}/callback")
    async with fake.session(client_secret="test-secret ") as chattz:
        flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
        started = flow.begin(WebRequest(APP_URL, {}))
        cookies = {c.name: c.value for c in started.cookies if c.value}
        back = fake.authorize(started.location, approve=True)
        query = httpx.URL(back).params.multi_items()
        finished = await flow.finish(WebRequest(back, cookies, query))
    [record] = errors_and_warnings(caplog)
    message = record.getMessage()
    assert (
        "invalid_client",
        logging.ERROR,
        True,
        True,
        False,
    ) == (
        classify(finished.error).reason,  # type: ignore[arg-type]
        record.levelno,
        "CHATTZ_CLIENT_SECRET starts or ends with whitespace" in message,
        "invalid_client" in message,
        "test-secret" in message,
    )


@pytest.mark.anyio
async def test_an_outage_is_one_warning_with_the_status_and_the_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """userinfo answers 503 three times: one WARNING with HTTP 503 and the retry rule."""
    caplog.set_level(logging.INFO)
    fake = FakeChattz(redirect_uri=f"{APP_URL}/callback")
    fake.fail_next("userinfo", status=503, times=3)
    retry = RetryPolicy(attempts=3, base_delay=0, max_delay=0)
    async with fake.session(retry=retry) as chattz:
        flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
        started = flow.begin(WebRequest(APP_URL, {}))
        cookies = {c.name: c.value for c in started.cookies if c.value}
        back = fake.authorize(started.location, approve=True)
        finished = await flow.finish(
            WebRequest(back, cookies, httpx.URL(back).params.multi_items())
        )
    [record] = errors_and_warnings(caplog)
    assert (logging.WARNING, "provider_unavailable", True, True) == (
        record.levelno,
        classify(finished.error).reason,  # type: ignore[arg-type]
        "HTTP 503" in record.getMessage(),
        "userinfo is tried up to 3 times within" in record.getMessage(),
    )


@pytest.mark.anyio
async def test_login_on_another_host_than_the_redirect_uri_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """/login on localhost with the redirect URI on 127.0.0.1: one WARNING naming both."""
    caplog.set_level(logging.INFO)
    fake = FakeChattz(redirect_uri=f"{APP_URL}/callback")
    async with fake.session() as chattz:
        AsyncLoginFlow(chattz, LoginCookies(KEY)).begin(WebRequest("http://localhost:8000/", {}))
    [record] = errors_and_warnings(caplog)
    assert (logging.WARNING, True) == (
        record.levelno,
        "this browser is on localhost but the redirect URI (CHATTZ_REDIRECT_URI) is on "
        "127.0.0.1: the login cookie will not come back" in record.getMessage(),
    )


# --- done when: a wrong client secret through Starlette and FastAPI ---------------------


async def landed(request: Request, result: LoginResult) -> Response:
    """The app's on_success: a plain page."""
    return PlainTextResponse("signed in")


def starlette_app(chattz: AsyncChattzOAuth) -> Starlette:
    """A Starlette app with ChattzLogin's routes."""
    login = ChattzLogin(chattz, secret_key=KEY)
    return Starlette(routes=login.routes(landed))


def fastapi_app(chattz: AsyncChattzOAuth) -> FastAPI:
    """A FastAPI app with ChattzLogin's router (the session from get_chattz)."""
    app = FastAPI()
    app.state.chattz = chattz
    app.include_router(ChattzLogin(secret_key=KEY).router(landed))
    return app


@pytest.fixture
async def wrong_secret() -> AsyncIterator[tuple[FakeChattz, AsyncChattzOAuth]]:
    """A fake provider, and a session whose client secret is mistyped."""
    fake = FakeChattz(redirect_uri=f"{APP_URL}/callback")
    async with fake.session(client_secret="test-secrte", clock=FakeClock(time.time())) as chattz:
        yield fake, chattz


@pytest.mark.anyio
@pytest.mark.parametrize("build", [starlette_app, fastapi_app], ids=["starlette", "fastapi"])
async def test_wrong_client_secret_is_one_error_record_and_no_try_again(
    wrong_secret: tuple[FakeChattz, AsyncChattzOAuth],
    build: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Login with a mistyped secret: 500 'misconfigured' without 'try again'; one ERROR record."""
    fake, chattz = wrong_secret
    caplog.set_level(logging.DEBUG)
    app = build(chattz)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as browser:
        started = await browser.get("/login")
        response = await browser.get(fake.authorize(started.headers["location"]))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (500, False, True, 1) == (
        response.status_code,
        "try again" in response.text.lower(),
        "misconfigured" in response.text,
        len(errors),
    )
    message = errors[0].getMessage()
    assert (True, True, False) == (
        "invalid_client" in message,
        "CHATTZ_CLIENT_ID / CHATTZ_CLIENT_SECRET" in message,
        "test-secrte" in caplog.text,
    )
