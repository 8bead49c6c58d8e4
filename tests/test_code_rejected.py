"""invalid_grant at a login's code exchange is the user's login, not the site's setup.

A callback delivered twice (a double click, a browser's retry, two tabs) reaches two
workers: the second, which has no record of the first, exchanges the same code and
Chattz answers ``invalid_grant``; a user who waits on Chattz's page brings back an
expired code. Either way the user must start again: a 400 "Login expired" page (never
"misconfigured", never "Chattz is down") and one WARNING record, reason
``code_rejected``, whose text names the settings to check if every login ends so.
Exact outcomes through the flow (asyncio and trio) and Starlette; Django's views are in
tests/test_django_operating.py.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from chattz_oauth_async import AsyncChattzOAuth, OAuthError
from chattz_oauth_async.diagnostics import Diagnosis, Fault, classify
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import (
    AsyncLoginFlow,
    LoginFinish,
    WebRequest,
    describe_error,
)
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import FakeChattz

APP = "http://127.0.0.1:8000"
KEY = "code-rejected-test-key-" * 2
EXPLANATION = (
    "Chattz refused the authorization code (invalid_grant): it expired or was used already "
    "(a callback delivered twice, or a user who waited on Chattz's page); the user must "
    "start the login again. If every login ends so, check that CHATTZ_REDIRECT_URI is "
    "exactly the redirect URI registered on Chattz and that CHATTZ_CLIENT_ID is the client "
    "it was registered for"
)
#: The one record of the failure: level, message, and the diagnosis as record attributes.
RECORD = (
    logging.WARNING,
    f"login failed (user, code_rejected): {EXPLANATION}",
    "user",
    "code_rejected",
    "invalid_grant",
)
PAGE = (400, "Login expired", "This login expired or was already used. Please start again.")
#: What the fake provider says of a used or expired code: no page or record repeats it.
PROVIDER_TEXT = ("the authorization code was already used", "the authorization code has expired")


def login_records(caplog: pytest.LogCaptureFixture) -> list[tuple[Any, ...]]:
    """The login failures the library logged at INFO and above, as RECORD's tuples."""
    return [
        (
            r.levelno,
            r.getMessage(),
            getattr(r, "chattz_fault", None),
            getattr(r, "chattz_reason", None),
            getattr(r, "chattz_error", None),
        )
        for r in caplog.records
        if r.name.startswith("chattz_oauth_async") and r.levelno >= logging.INFO
    ]


def token_requests(fake: FakeChattz) -> int:
    """How many code exchanges reached the provider."""
    return sum(1 for r in fake.requests if r.path == "/oauth/token")


# --- the diagnosis and the page, pure -------------------------------------------------------


def test_invalid_grant_at_a_login_is_the_users_with_a_warning() -> None:
    """invalid_grant at the exchange: USER, code_rejected, WARNING; 400 'Login expired'."""
    error = OAuthError("invalid_grant", "the authorization code was already used", None, 400)
    diagnosis = classify(error)
    assert (
        Diagnosis(Fault.USER, "code_rejected", EXPLANATION, "invalid_grant"),
        logging.WARNING,
        PAGE,
    ) == (diagnosis, diagnosis.level, describe_error(error))


def test_invalid_grant_at_a_refresh_is_unchanged() -> None:
    """refresh=True: refresh_token_rejected, logged at INFO like the rest of the user's side."""
    diagnosis = classify(OAuthError("invalid_grant", status_code=400), refresh=True)
    assert (Fault.USER, "refresh_token_rejected", logging.INFO) == (
        diagnosis.fault,
        diagnosis.reason,
        diagnosis.level,
    )


# --- the flow: a callback delivered to two workers, and a code that expired -----------------


async def finish_on(flow: AsyncLoginFlow, back: str, cookies: dict[str, str]) -> LoginFinish:
    """The callback ``back`` with the browser's ``cookies``, on ``flow``'s worker."""
    return await flow.finish(WebRequest(back, cookies, httpx.URL(back).params.multi_items()))


@pytest.mark.anyio
async def test_a_callback_delivered_to_two_workers_is_one_login_and_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same callback, same cookies, on two workers (two sessions): the first signs in,
    the second's exchange gets invalid_grant: 'Login expired', one WARNING, no ERROR."""
    caplog.set_level(logging.INFO)
    fake = FakeChattz(redirect_uri=f"{APP}/callback")
    async with fake.session() as first, fake.session() as second:
        workers = [AsyncLoginFlow(s, LoginCookies(KEY)) for s in (first, second)]
        started = workers[0].begin(WebRequest(APP, {}))
        cookies = {c.name: c.value for c in started.cookies if c.value}
        back = fake.authorize(started.location, approve=True)
        done = await finish_on(workers[0], back, cookies)
        again = await finish_on(workers[1], back, cookies)
    assert (None, "johndoe", OAuthError, "invalid_grant", 2) == (
        done.error,
        done.result.user.username if done.result else None,
        type(again.error),
        getattr(again.error, "error", None),
        token_requests(fake),
    )
    assert (None, PAGE, [RECORD]) == (
        again.result,
        describe_error(again.error),  # type: ignore[arg-type]
        login_records(caplog),
    )
    assert [] == [s for s in PROVIDER_TEXT if s in caplog.text]


@pytest.mark.anyio
async def test_a_code_that_expired_on_chattzs_page_is_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The user waited past the code's lifetime: invalid_grant, 'Login expired', one WARNING."""
    caplog.set_level(logging.INFO)
    fake = FakeChattz(redirect_uri=f"{APP}/callback", code_lifetime=60)
    async with fake.session() as chattz:
        flow = AsyncLoginFlow(chattz, LoginCookies(KEY))
        started = flow.begin(WebRequest(APP, {}))
        cookies = {c.name: c.value for c in started.cookies if c.value}
        back = fake.authorize(started.location, approve=True)
        fake.advance(61)
        finished = await finish_on(flow, back, cookies)
    assert (None, PAGE, [RECORD], []) == (
        finished.result,
        describe_error(finished.error),  # type: ignore[arg-type]
        login_records(caplog),
        [s for s in PROVIDER_TEXT if s in caplog.text],
    )


# --- Starlette: two workers behind one browser ----------------------------------------------


async def landed(request: Request, result: LoginResult) -> Response:
    """The app's on_success: a plain page."""
    return PlainTextResponse("signed in")


def worker(chattz: AsyncChattzOAuth) -> httpx.AsyncClient:
    """A client of one worker's app (ChattzLogin's routes on its own session)."""
    app = Starlette(routes=ChattzLogin(chattz, secret_key=KEY).routes(landed))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=APP)


@pytest.mark.anyio
async def test_starlette_callback_delivered_twice_to_two_workers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The browser's callback reaches worker A, then again (same cookies) worker B: A signs
    in; B answers 400 'Login expired' that says to start again, and logs one WARNING."""
    caplog.set_level(logging.INFO)
    fake = FakeChattz(redirect_uri=f"{APP}/callback")
    async with (
        fake.session() as first,
        fake.session() as second,
        worker(first) as a,
        worker(second) as b,
    ):
        started = await a.get("/login")
        callback = fake.authorize(started.headers["location"])
        b.cookies = a.cookies  # a copy: the browser's cookies as it sent the callback
        signed_in = await a.get(callback)
        retried = await b.get(callback)
    status, title, message = PAGE
    assert ((200, "signed in"), status, True, True, False, False, 2) == (
        (signed_in.status_code, signed_in.text),
        retried.status_code,
        f"<title>{title}</title>" in retried.text,
        f"<p>{message}</p>" in retried.text,
        "misconfigured" in retried.text,
        "try again in a moment" in retried.text,
        token_requests(fake),
    )
    assert [RECORD] == login_records(caplog)
