# mypy: disable-error-code="import-untyped"
"""fake_chattz.logout: login, the logged-in page and logout through Flask's and Django's clients.

The apps are small and written on the public API: each signs the login in to
an account (the sync ``Accounts`` over the SQLAlchemy store on a SQLite
file), keeps it in the framework's session, shows it on ``/account`` with a
logout form carrying a CSRF token, and refuses a logout without the token.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import httpx
import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token, rotate_token
from django.test.utils import override_settings
from django.urls import path as django_path
from django.views.decorators.http import require_POST
from sqlalchemy import create_engine

from chattz_oauth_async import ChattzOAuth, ChattzOAuthError, LoginRequest
from chattz_oauth_async.accounts import Accounts
from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore
from chattz_oauth_async.testing import FakeChattz
from tests import django_setup

KEY = secrets.token_bytes(32)
COOKIE = "chattz_login"


def account_page(name: str, field: str, token: str) -> str:
    """The logged-in page: the user's name and a logout form with its CSRF token."""
    return (
        f"<h1 id=hello>Hello, {html.escape(name)}</h1>"
        '<form method="post" action="/logout">'
        f'<input type="hidden" name="{field}" value="{html.escape(token)}">'
        '<button name="do" value="logout">Log out</button></form>'
    )


def accounts_on(database: Path) -> Accounts:
    """Accounts over a fresh SQLite file."""
    store = SQLAlchemyStore(create_engine(f"sqlite:///{database}"))
    store.create_tables()
    return Accounts(store)


# --- Flask --------------------------------------------------------------------------------


def flask_app(chattz: ChattzOAuth, accounts: Accounts) -> flask.Flask:
    """The core API, the account in Flask's session, a CSRF token of its own on the form."""
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
            user = chattz.userinfo(chattz.complete_login(flask.request.url, started))
            signed = accounts.sign_in(
                user, login=started, signed_in_user_id=flask.session.get("user_id")
            )
        except ChattzOAuthError as exc:
            return f"Login failed: {type(exc).__name__}", 400
        flask.session.clear()  # a new session at login
        flask.session.update(
            user_id=signed.user_id,
            name=signed.account.profile.display_name,
            csrf=secrets.token_urlsafe(16),
        )
        return flask.redirect(started.next_url or "/account", code=303)

    @app.get("/account")
    def account() -> Any:
        if "user_id" not in flask.session:
            return flask.redirect("/login?next=%2Faccount", code=303)
        return account_page(flask.session["name"], "csrf", flask.session["csrf"])

    @app.post("/logout")
    def logout() -> Any:
        form = flask.request.form
        if (form.get("csrf"), form.get("do")) != (flask.session.get("csrf"), "logout"):
            return "Bad logout form", 400
        flask.session.clear()
        return flask.redirect("/", code=303)

    @app.get("/")
    def home() -> Any:
        return "Signed in" if "user_id" in flask.session else "Signed out"

    return app


@pytest.fixture
def flask_site(fake_chattz: FakeChattz, tmp_path: Path) -> Iterator[flask.Flask]:
    """The Flask app on a sync session wired to the fake and a fresh account database."""
    with fake_chattz.sync_session() as chattz:
        yield flask_app(chattz, accounts_on(tmp_path / "accounts.db"))


def test_flask_login_account_page_logout(fake_chattz: FakeChattz, flask_site: flask.Flask) -> None:
    """Flask: login lands on /account; its form's button (with the CSRF token) logs out."""
    client = flask_site.test_client()
    page = fake_chattz.login(client, "/login")
    after = fake_chattz.logout(client, from_page="/account")
    gone = client.get("/account")
    assert (True, "Signed out", 303, "/login?next=%2Faccount") == (
        "Hello, John Doe" in page.text,
        after.text,
        gone.status_code,
        gone.headers["Location"],
    )


def test_flask_logout_without_the_form_is_refused(
    fake_chattz: FakeChattz, flask_site: flask.Flask
) -> None:
    """Without from_page there is no token: the app refuses, and the user stays signed in."""
    client = flask_site.test_client()
    fake_chattz.login(client, "/login")
    response = fake_chattz.logout(client)
    assert (400, "Signed in") == (response.status_code, client.get("/").text)


def test_httpx_client_over_wsgi(fake_chattz: FakeChattz, flask_site: flask.Flask) -> None:
    """logout drives an httpx.Client over WSGITransport."""
    transport = httpx.WSGITransport(app=flask_site)
    with httpx.Client(transport=transport, base_url="http://localhost") as client:
        fake_chattz.login(client, "/login")
        response = fake_chattz.logout(client, from_page="/account")
    assert "Signed out" == response.text


# --- Django -------------------------------------------------------------------------------

_django: dict[str, Any] = {}


def django_login(request: HttpRequest) -> HttpResponse:
    """/login: seal the login in a cookie and redirect to Chattz."""
    started = _django["chattz"].start_login(next_url=request.GET.get("next"))
    response = HttpResponseRedirect(started.url)
    response.set_cookie(COOKIE, started.seal(KEY), httponly=True, samesite="Lax")
    return response


def django_callback(request: HttpRequest) -> HttpResponse:
    """/callback: sign in to the account, in a new session with a new CSRF token."""
    chattz = _django["chattz"]
    try:
        started = LoginRequest.unseal(request.COOKIES.get(COOKIE, ""), KEY)
        user = chattz.userinfo(chattz.complete_login(request.build_absolute_uri(), started))
        signed = _django["accounts"].sign_in(
            user, login=started, signed_in_user_id=request.session.get("user_id")
        )
    except ChattzOAuthError as exc:
        return HttpResponse(f"Login failed: {type(exc).__name__}", status=400)
    request.session.cycle_key()
    rotate_token(request)  # what django.contrib.auth.login does
    request.session.update({"user_id": signed.user_id, "name": signed.account.profile.display_name})
    return HttpResponseRedirect(started.next_url or "/account")


def django_account(request: HttpRequest) -> HttpResponse:
    """/account: the logged-in page with a {% csrf_token %}-style field."""
    if "user_id" not in request.session:
        return HttpResponseRedirect("/login?next=%2Faccount")
    page = account_page(request.session["name"], "csrfmiddlewaretoken", get_token(request))
    return HttpResponse(page)


@require_POST  # type: ignore[untyped-decorator]
def django_logout(request: HttpRequest) -> HttpResponse:
    """/logout: POST only (the CSRF middleware checks the token)."""
    request.session.flush()
    return HttpResponseRedirect("/")


def django_home(request: HttpRequest) -> HttpResponse:
    """/: whether a user is signed in."""
    return HttpResponse("Signed in" if "user_id" in request.session else "Signed out")


urlpatterns = [
    django_path("login", django_login),
    django_path("callback", django_callback),
    django_path("account", django_account),
    django_path("logout", django_logout),
    django_path("", django_home),
]


@pytest.fixture
def django_client(fake_chattz: FakeChattz, tmp_path: Path) -> Iterator[Any]:
    """Django's test Client enforcing CSRF checks, signed-cookie sessions, this module's URLs."""
    django_setup.configure()
    from django.test import Client  # needs configured settings

    middleware = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    with (
        fake_chattz.sync_session() as chattz,
        override_settings(
            ROOT_URLCONF=__name__,
            MIDDLEWARE=middleware,
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ),
    ):
        _django.update(chattz=chattz, accounts=accounts_on(tmp_path / "accounts.db"))
        yield Client(enforce_csrf_checks=True)
        _django.clear()


def test_django_login_account_page_logout(fake_chattz: FakeChattz, django_client: Any) -> None:
    """Django: login lands on /account; its form (csrfmiddlewaretoken) logs out."""
    page = fake_chattz.login(django_client, "/login")
    after = fake_chattz.logout(django_client, from_page="/account")
    gone = django_client.get("/account")
    assert (True, b"Signed out", 302, "/login?next=%2Faccount") == (
        b"Hello, John Doe" in page.content,
        after.content,
        gone.status_code,
        gone.headers["Location"],
    )


def test_django_logout_sends_the_csrf_cookies_token(
    fake_chattz: FakeChattz, django_client: Any
) -> None:
    """Without from_page, the token comes from the csrftoken cookie set at login."""
    fake_chattz.login(django_client, "/login")
    response = fake_chattz.logout(django_client)
    assert (200, b"Signed out") == (response.status_code, response.content)


def test_django_logout_without_a_token_is_refused(
    fake_chattz: FakeChattz, django_client: Any
) -> None:
    """The check can fail: with the CSRF cookie gone, Django answers 403 and keeps the session."""
    fake_chattz.login(django_client, "/login")
    del django_client.cookies["csrftoken"]
    response = fake_chattz.logout(django_client)
    assert (403, b"Signed in") == (response.status_code, django_client.get("/").content)
