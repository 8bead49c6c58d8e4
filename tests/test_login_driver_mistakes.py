"""fake_chattz.login / alogin say what is wrong with a test's wiring, and how to fix it.

A test app whose session talks to another provider, whose client is not the
fake's, or whose callback route is not where the fake sends the browser,
gets a ConfigurationError naming the likely cause and the fixture or setting
to fix, instead of the app's 303 or 404 handed back as if it were the result.
"""

from __future__ import annotations

import secrets
from typing import Any

import flask
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth, ConfigurationError, LoginRequest
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import ErrorPage, FakeChattz

KEY = secrets.token_bytes(32)
SETTINGS_FIX = (
    "Fix: use the chattz_env fixture (chattz_settings for a Django project) and build the app's "
    "session after it has run, in the app factory or lifespan rather than at import time; "
    "or give the app fake_chattz.session()"
)


def sent_elsewhere(where: str, fake: FakeChattz) -> str:
    """The message for a login the app sent to ``where`` instead of the fake."""
    return (
        f"the app sent the login to {where}, not to this test's fake Chattz at "
        f"{fake.base_url}/oauth/authorize: the app's session talks to another provider. "
        "Likely cause: the app's CHATTZ_BASE_URL is wrong or stale (read before the test "
        f"served the fake, or left over from another run). {SETTINGS_FIX}"
    )


def flask_app(chattz: ChattzOAuth, callback_path: str = "/callback") -> flask.Flask:
    """A Flask app logging in with the core API, its callback route at ``callback_path``."""
    app = flask.Flask(__name__)

    @app.get("/login")
    def login() -> Any:
        started = chattz.start_login()
        response = flask.redirect(started.url)
        response.set_cookie("login", started.seal(KEY), httponly=True)
        return response

    @app.get(callback_path)
    def callback() -> Any:
        started = LoginRequest.unseal(flask.request.cookies.get("login", ""), KEY)
        return chattz.userinfo(chattz.complete_login(flask.request.url, started)).username

    return app


def login_error(fake: FakeChattz, chattz: ChattzOAuth, callback_path: str = "/callback") -> str:
    """The message of the ConfigurationError fake.login() raises through the Flask app."""
    with pytest.raises(ConfigurationError) as caught:
        fake.login(flask_app(chattz, callback_path).test_client(), "/login")
    return str(caught.value)


def test_an_app_on_the_real_chattz_is_named() -> None:
    """An app whose session talks to https://chattz.net (settings never pointed at the fake)."""
    fake = FakeChattz()
    with ChattzOAuth("test-client", "test-secret", fake.client.redirect_uri) as chattz:
        message = login_error(fake, chattz)
    assert sent_elsewhere("https://chattz.net/oauth/authorize", fake) == message


def test_a_stale_base_url_is_named_against_the_served_fake() -> None:
    """A CHATTZ_BASE_URL left over from another fake: the served fake's URL is in the message."""
    fake = FakeChattz()
    with (
        fake.serve(),
        fake.sync_session(base_url="http://127.0.0.1:9/stale") as chattz,
    ):
        message = login_error(fake, chattz)
        expected = sent_elsewhere("http://127.0.0.1:9/stale/oauth/authorize", fake)
    assert expected == message
    assert [] == fake.requests


def test_a_login_route_redirecting_off_the_app_before_the_fake_is_named() -> None:
    """Any redirect off the app before the fake's consent page is the same mistake."""
    fake = FakeChattz()
    app = flask.Flask(__name__)
    app.add_url_rule("/login", "login", lambda: flask.redirect("https://sso.example/start?x=1"))
    with pytest.raises(ConfigurationError) as caught:
        fake.login(app.test_client(), "/login")
    assert sent_elsewhere("https://sso.example/start", fake) == str(caught.value)


def test_a_callback_that_lands_on_a_404_names_the_redirect_uri_fixture() -> None:
    """The fake sends the browser to /callback, the app's route is /auth/callback: a 404."""
    fake = FakeChattz()
    with fake.sync_session() as chattz:
        message = login_error(fake, chattz, callback_path="/auth/callback")
    assert (
        "the app answered 404 to the callback /callback: the fake sends the browser back to "
        "its client's redirect URI http://127.0.0.1:8000/callback, which is not the app's "
        "callback route. Fix: override the chattz_redirect_uri fixture in conftest.py to "
        "return the app's callback URL (only its path matters to fake_chattz.login), or "
        "build FakeChattz(redirect_uri=...) with it"
    ) == message
    assert "code=" not in message


def test_a_redirect_uri_the_fake_did_not_register_is_named() -> None:
    """The app's redirect URI is not the fake's client's: the fixture to override is named."""
    fake = FakeChattz()
    with fake.sync_session(redirect_uri="http://127.0.0.1:8000/auth/callback") as chattz:
        message = login_error(fake, chattz)
    assert (
        "this test's fake Chattz refused the login: the app's redirect URI "
        "'http://127.0.0.1:8000/auth/callback' is not the one registered for the fake's client "
        "('http://127.0.0.1:8000/callback'). Fix: override the chattz_redirect_uri fixture in "
        "conftest.py to return the app's redirect URI, or give the app the fake's (the "
        "chattz_env and chattz_settings fixtures set CHATTZ_REDIRECT_URI to it)"
    ) == message


def test_a_client_id_the_fake_does_not_know_is_named() -> None:
    """A stale CHATTZ_CLIENT_ID: the fake's own client id is in the message."""
    fake = FakeChattz()
    with fake.sync_session(client_id="old-client") as chattz:
        message = login_error(fake, chattz)
    assert (
        "this test's fake Chattz does not know the app's client id 'old-client' (its client "
        f"is 'test-client'). Likely cause: the app's CHATTZ_CLIENT_ID is stale. {SETTINGS_FIX}"
    ) == message


def test_other_refusals_of_the_fake_stay_error_pages() -> None:
    """A refusal that is not about the client (here a repeated parameter) is still ErrorPage."""
    fake = FakeChattz()
    with fake.sync_session() as chattz:
        app = flask.Flask(__name__)
        doubled = chattz.start_login().url + "&client_id=test-client"
        app.add_url_rule("/login", "login", lambda: flask.redirect(doubled))
        with pytest.raises(ErrorPage) as caught:
            fake.login(app.test_client(), "/login")
    assert "HTTP 400: The client_id parameter is repeated." == str(caught.value)


@pytest.mark.anyio
async def test_alogin_names_an_app_on_another_provider() -> None:
    """The async driver says the same, for an httpx.AsyncClient over ASGI."""

    def signed_in(request: Request, result: LoginResult) -> Response:
        return PlainTextResponse(result.user.username)

    fake = FakeChattz()
    async with AsyncChattzOAuth(
        "test-client", "test-secret", fake.client.redirect_uri, base_url="https://staging.test"
    ) as chattz:
        app = Starlette(routes=ChattzLogin(chattz, secret_key=KEY).routes(signed_in))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            with pytest.raises(ConfigurationError) as caught:
                await fake.alogin(client, "/login")
    assert sent_elsewhere("https://staging.test/oauth/authorize", fake) == str(caught.value)


def test_an_absolute_redirect_to_the_apps_own_server_name_is_followed() -> None:
    """Flask's SERVER_NAME is the app's host: an absolute redirect to it is not "elsewhere"."""
    fake = FakeChattz()
    with fake.sync_session() as chattz:
        app = flask_app(chattz)
        app.config["SERVER_NAME"] = "app.example"
        app.add_url_rule(
            "/start", "start", lambda: flask.redirect(flask.url_for("login", _external=True))
        )
        response = fake.login(app.test_client(), "/start")
    assert (200, "johndoe") == (response.status_code, response.text)
