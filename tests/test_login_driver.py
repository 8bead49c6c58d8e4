# mypy: disable-error-code="import-untyped"
"""fake_chattz.login / alogin: a web app's own login driven through its test client.

Each framework gets a small real app built on the library's public API; the
app's session talks to the same fake the driver drives (in-process).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp.test_utils
import django
import flask
import httpx
import pytest
from aiohttp import web
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.test.utils import override_settings
from django.urls import path as django_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from chattz_oauth_async import (
    AsyncChattzOAuth,
    ChattzOAuth,
    ChattzOAuthError,
    ChattzUser,
    ConfigurationError,
    LoginRequest,
)
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import FakeChattz

KEY = secrets.token_bytes(32)
COOKIE = "chattz_login"


def greeting(user: ChattzUser, next_url: str | None) -> str:
    """What every test app shows after a login."""
    return f"Hello, {user.username}! next={next_url}"


# --- Starlette / FastAPI (the ChattzLogin helper) ------------------------------------


def starlette_app(chattz: AsyncChattzOAuth) -> Starlette:
    """A Starlette app logging in with ChattzLogin."""
    login = ChattzLogin(chattz, secret_key=KEY)

    async def on_success(request: Request, result: LoginResult) -> Response:
        return PlainTextResponse(greeting(result.user, result.next_url))

    return Starlette(routes=login.routes(on_success))


@pytest.fixture
def starlette_client(fake_chattz: FakeChattz) -> Iterator[TestClient]:
    """A Starlette TestClient over https://testserver (the login cookie is Secure)."""
    with TestClient(starlette_app(fake_chattz.session()), base_url="https://testserver") as client:
        yield client


def test_starlette_test_client_logs_in(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """Starlette's TestClient goes /login, consent, /callback and gets the app's page."""
    response = fake_chattz.login(starlette_client, "/login")
    assert (200, "Hello, johndoe! next=None") == (response.status_code, response.text)


def test_login_as_another_user_with_next(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """user= logs in someone else; next= reaches the app's login route."""
    alice = fake_chattz.add_user(id=7, username="alice")
    response = fake_chattz.login(starlette_client, "/login", user=alice, next="/account")
    assert "Hello, alice! next=/account" == response.text


def test_deny_reaches_the_apps_error_page(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """approve=False clicks Deny; the app's callback answers with its refusal."""
    response = fake_chattz.login(starlette_client, "/login", approve=False)
    assert 400 == response.status_code
    assert [] == [r for r in fake_chattz.requests if r.path == "/oauth/token"]


def test_a_route_that_does_not_redirect_is_returned_as_is(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """A login path the app does not know gives the app's own 404."""
    assert 404 == fake_chattz.login(starlette_client, "/nowhere").status_code


def test_wrong_redirect_uri_names_the_fixture_to_override() -> None:
    """An app whose redirect URI is not the registered one: a ConfigurationError naming both."""
    fake = FakeChattz()
    app = starlette_app(fake.session(redirect_uri="http://127.0.0.1:9/elsewhere"))
    with (
        TestClient(app, base_url="https://testserver") as client,
        pytest.raises(ConfigurationError) as caught,
    ):
        fake.login(client, "/login")
    assert str(caught.value).startswith(
        "this test's fake Chattz refused the login: the app's redirect URI "
        "'http://127.0.0.1:9/elsewhere' is not the one registered for the fake's client "
        "('http://127.0.0.1:8000/callback'). Fix: override the chattz_redirect_uri fixture"
    )


def test_unknown_client_type_is_a_type_error(fake_chattz: FakeChattz) -> None:
    """Something that is not a test client is refused with a TypeError naming it."""
    with pytest.raises(TypeError, match="object"):
        fake_chattz.login(object(), "/login")


@pytest.mark.anyio
async def test_httpx_async_client_over_asgi(fake_chattz: FakeChattz) -> None:
    """alogin drives an httpx.AsyncClient over ASGITransport."""
    app = starlette_app(fake_chattz.session())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await fake_chattz.alogin(client, "/login", next="/n")
    assert "Hello, johndoe! next=/n" == response.text


# --- Flask (the core API) -------------------------------------------------------------


def flask_app(chattz: ChattzOAuth) -> flask.Flask:
    """A Flask app logging in with start_login / seal / unseal / complete_login."""
    app = flask.Flask(__name__)
    app.secret_key = KEY

    @app.get("/login")
    def login() -> Any:
        started = chattz.start_login(next_url=flask.request.args.get("next"))
        response = flask.redirect(started.url)
        response.set_cookie(COOKIE, started.seal(KEY), httponly=True, samesite="Lax")
        return response

    @app.get("/callback")
    def callback() -> Any:
        try:
            started = LoginRequest.unseal(flask.request.cookies.get(COOKIE, ""), KEY)
            token = chattz.complete_login(flask.request.url, started)
            user = chattz.userinfo(token)
        except ChattzOAuthError as exc:
            return f"Login failed: {type(exc).__name__}", 400
        flask.session["greeting"] = greeting(user, started.next_url)
        return flask.redirect("/me")  # the driver follows the app's own redirects

    @app.get("/me")
    def me() -> Any:
        return flask.session["greeting"]

    return app


@pytest.fixture
def flask_site(fake_chattz: FakeChattz) -> Iterator[flask.Flask]:
    """The Flask app on a sync session wired to the fake."""
    with fake_chattz.sync_session() as chattz:
        yield flask_app(chattz)


def test_flask_test_client_logs_in(fake_chattz: FakeChattz, flask_site: flask.Flask) -> None:
    """Flask's test client (http://localhost) logs in and follows the app to /me."""
    response = fake_chattz.login(flask_site.test_client(), "/login", next="/x")
    assert (200, "Hello, johndoe! next=/x") == (response.status_code, response.text)


def test_flask_deny(fake_chattz: FakeChattz, flask_site: flask.Flask) -> None:
    """Deny through Flask's test client ends on the app's failure page."""
    response = fake_chattz.login(flask_site.test_client(), "/login", approve=False)
    assert (400, "Login failed: AuthorizationDenied") == (response.status_code, response.text)


def test_httpx_client_over_wsgi(fake_chattz: FakeChattz, flask_site: flask.Flask) -> None:
    """login drives an httpx.Client over WSGITransport."""
    transport = httpx.WSGITransport(app=flask_site)
    with httpx.Client(transport=transport, base_url="http://localhost") as client:
        response = fake_chattz.login(client, "/login")
    assert "Hello, johndoe! next=None" == response.text


# --- Django (the core API) -------------------------------------------------------------

_django_chattz: list[ChattzOAuth] = []


def django_login(request: HttpRequest) -> HttpResponse:
    """/login: seal the login in a cookie and redirect to Chattz."""
    started = _django_chattz[0].start_login(next_url=request.GET.get("next"))
    response = HttpResponseRedirect(started.url)
    response.set_cookie(COOKIE, started.seal(KEY), httponly=True, samesite="Lax")
    return response


def django_callback(request: HttpRequest) -> HttpResponse:
    """/callback: finish the login, remember the greeting, go to /me."""
    chattz = _django_chattz[0]
    try:
        started = LoginRequest.unseal(request.COOKIES.get(COOKIE, ""), KEY)
        user = chattz.userinfo(chattz.complete_login(request.build_absolute_uri(), started))
    except ChattzOAuthError as exc:
        return HttpResponse(f"Login failed: {type(exc).__name__}", status=400)
    response = HttpResponseRedirect("/me")
    response.set_signed_cookie("greeting", greeting(user, started.next_url))
    return response


def django_me(request: HttpRequest) -> HttpResponse:
    """/me: the signed-in greeting."""
    return HttpResponse(request.get_signed_cookie("greeting"))


urlpatterns = [
    django_path("login", django_login),
    django_path("callback", django_callback),
    django_path("me", django_me),
]


@contextlib.contextmanager
def django_app(fake: FakeChattz) -> Iterator[Any]:
    """Django's test Client on this module's URLs, the views on a session wired to ``fake``."""
    if not settings.configured:
        settings.configure(SECRET_KEY=secrets.token_hex(32), ALLOWED_HOSTS=["testserver"])
        django.setup()
    from django.test import Client  # needs configured settings

    with (
        fake.sync_session() as chattz,
        override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], MIDDLEWARE=[]),
    ):
        _django_chattz[:] = [chattz]
        try:
            yield Client()
        finally:
            _django_chattz.clear()


@pytest.fixture
def django_client(fake_chattz: FakeChattz) -> Iterator[Any]:
    """:func:`django_app` on the test's fake."""
    with django_app(fake_chattz) as client:
        yield client


def test_django_test_client_logs_in(fake_chattz: FakeChattz, django_client: Any) -> None:
    """Django's test Client (no host of its own) logs in and follows the app to /me."""
    bob = fake_chattz.add_user(id=8, username="bob")
    response = fake_chattz.login(django_client, "/login", user=bob, next="/y")
    assert (200, b"Hello, bob! next=/y") == (response.status_code, response.content)


def test_django_deny(fake_chattz: FakeChattz, django_client: Any) -> None:
    """Deny through Django's test Client ends on the app's failure page."""
    response = fake_chattz.login(django_client, "/login", approve=False)
    assert (400, b"Login failed: AuthorizationDenied") == (response.status_code, response.content)


def test_django_callback_404_names_the_url_name_chattz_settings_reads() -> None:
    """Django: the fake's redirect URI is not the app's callback; the hint names chattz-callback."""
    fake = FakeChattz(redirect_uri="https://testserver/chattz/callback/")
    with django_app(fake) as client, pytest.raises(ConfigurationError) as caught:
        fake.login(client, "/login")
    assert (
        "the app answered 404 to the callback /chattz/callback/: the fake sends the browser "
        "back to its client's redirect URI https://testserver/chattz/callback/, which is not "
        "the app's callback route. Fix: override the chattz_redirect_uri fixture in conftest.py "
        "to return the app's callback URL (only its path matters to fake_chattz.login), or "
        "build FakeChattz(redirect_uri=...) with it, or name your callback URL chattz-callback "
        '(path(..., name="chattz-callback"): the chattz_settings fixture takes the redirect '
        "URI's path from it)"
    ) == str(caught.value)


# --- aiohttp (the core API) --------------------------------------------------------------


def aiohttp_app(chattz: AsyncChattzOAuth) -> web.Application:
    """An aiohttp app logging in with the core API."""

    async def login(request: web.Request) -> web.StreamResponse:
        started = chattz.start_login(next_url=request.query.get("next"))
        response = web.Response(status=302, headers={"Location": started.url})
        response.set_cookie(COOKIE, started.seal(KEY), httponly=True, samesite="Lax")
        return response

    async def callback(request: web.Request) -> web.StreamResponse:
        try:
            started = LoginRequest.unseal(request.cookies.get(COOKIE, ""), KEY)
            token = await chattz.complete_login(str(request.url), started)
            user = await chattz.userinfo(token)
        except ChattzOAuthError as exc:
            return web.Response(status=400, text=f"Login failed: {type(exc).__name__}")
        return web.Response(text=greeting(user, started.next_url))

    app = web.Application()
    app.router.add_get("/login", login)
    app.router.add_get("/callback", callback)
    return app


@pytest.fixture
async def aiohttp_client_for(
    fake_chattz: FakeChattz,
) -> AsyncIterator[aiohttp.test_utils.TestClient[Any, Any]]:
    """aiohttp's test client on the app (asyncio only: aiohttp runs on asyncio)."""
    async with (
        fake_chattz.session() as chattz,
        aiohttp.test_utils.TestClient(aiohttp.test_utils.TestServer(aiohttp_app(chattz))) as client,
    ):
        yield client


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_aiohttp_test_client_logs_in(
    fake_chattz: FakeChattz, aiohttp_client_for: aiohttp.test_utils.TestClient[Any, Any]
) -> None:
    """alogin drives aiohttp's test client (a real loopback server) through the login."""
    response = await fake_chattz.alogin(aiohttp_client_for, "/login", next="/z")
    assert (200, "Hello, johndoe! next=/z") == (response.status, await response.text())


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_alogin_refuses_a_sync_client(fake_chattz: FakeChattz) -> None:
    """alogin with a sync client says to use login()."""
    with httpx.Client() as client, pytest.raises(TypeError, match=r"login\(\)"):
        await fake_chattz.alogin(client, "/login")


# --- issue_token -------------------------------------------------------------------------


def test_issue_token_is_accepted_by_userinfo(fake_chattz: FakeChattz) -> None:
    """issue_token() mints a token userinfo() accepts, for the default or a given user."""
    carol = fake_chattz.add_user(id=9, username="carol")
    with fake_chattz.sync_session() as chattz:
        names = [chattz.userinfo(fake_chattz.issue_token(u)).username for u in (None, carol)]
    assert ["johndoe", "carol"] == names


def test_issue_token_expires_by_the_fakes_clock(fake_chattz: FakeChattz) -> None:
    """An issued token carries the fake's lifetime and stops working once it has passed."""
    token = fake_chattz.issue_token()
    fake_chattz.advance(3601)
    answer = fake_chattz.handle(
        "GET", "/oauth/userinfo", {"authorization": f"Bearer {token.access_token}"}
    )
    assert (3600, 401) == (token.expires_in, answer.status)


def test_issue_token_for_an_unregistered_user(fake_chattz: FakeChattz) -> None:
    """A user not added to this fake is refused."""
    stranger = FakeChattz().add_user(id=99, username="x")
    with pytest.raises(ValueError, match="add_user"):
        fake_chattz.issue_token(stranger)
