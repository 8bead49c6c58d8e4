"""The "Testing your app" page's complete tests, run exactly as shown in a fresh pytest.

docs/testing.md shows each constant below as one code block; tests/test_docs.py
checks that the page's copy is the same, so the two cannot drift.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

#: A user's project: pytest-asyncio installed and configured, warnings are errors.
PROJECT_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

FASTAPI = """\
import secrets
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from chattz_oauth_async import AsyncChattzOAuth
from chattz_oauth_async.integrations.starlette import ChattzLogin


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with AsyncChattzOAuth.from_env() as chattz:  # at startup, never at import
        app.state.chattz = chattz
        yield


app = FastAPI(lifespan=lifespan)
login = ChattzLogin(secret_key=secrets.token_bytes(32))  # the session: app.state.chattz


async def welcome(request, result):
    return PlainTextResponse(f"Hello, {result.user.username}!")


app.include_router(login.router(welcome))  # GET /login and GET /callback


def test_login(fake_chattz, chattz_env):
    with TestClient(app, base_url="https://testserver") as client:
        response = fake_chattz.login(client, "/login")
    assert "Hello, johndoe!" == response.text
"""


FLASK = """\
import secrets

import flask

from chattz_oauth_async import ChattzOAuth, LoginRequest

COOKIE = "__Host-chattz_login"


def create_app() -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = secrets.token_bytes(32)  # in production: a fixed key from your settings

    @app.get("/login")
    def login():
        with ChattzOAuth.from_env() as chattz:
            started = chattz.start_login()
        response = flask.redirect(started.url)
        response.set_cookie(COOKIE, started.seal(app.secret_key), secure=True, httponly=True)
        return response

    @app.get("/callback")
    def callback():
        started = LoginRequest.unseal(flask.request.cookies.get(COOKIE, ""), app.secret_key)
        with ChattzOAuth.from_env() as chattz:
            token = chattz.complete_login(flask.request.url, started)
            flask.session["username"] = chattz.userinfo(token).username
        return flask.redirect("/")

    @app.get("/")
    def home():
        return f"Hello, {flask.session['username']}!"

    return app


def test_login(fake_chattz, chattz_env):
    client = create_app().test_client()
    response = fake_chattz.login(client, "/login")
    assert "Hello, johndoe!" == response.text
"""


DJANGO = """\
import secrets

import django
from django.conf import settings

# In a real project these come from your settings module (and pytest-django).
settings.configure(
    ROOT_URLCONF=__name__, SECRET_KEY=secrets.token_hex(32), ALLOWED_HOSTS=["testserver"]
)
django.setup()

from django.http import HttpResponse, HttpResponseRedirect  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402

from chattz_oauth_async import ChattzOAuth, LoginRequest  # noqa: E402

COOKIE = "__Host-chattz_login"


def login(request):
    with ChattzOAuth.from_env() as chattz:
        started = chattz.start_login()
    response = HttpResponseRedirect(started.url)
    response.set_cookie(COOKIE, started.seal(settings.SECRET_KEY), secure=True, httponly=True)
    return response


def callback(request):
    started = LoginRequest.unseal(request.COOKIES.get(COOKIE, ""), settings.SECRET_KEY)
    with ChattzOAuth.from_env() as chattz:
        user = chattz.userinfo(chattz.complete_login(request.build_absolute_uri(), started))
    response = HttpResponseRedirect("/")
    response.set_signed_cookie("username", user.username, secure=True, httponly=True)
    return response


def home(request):
    return HttpResponse(f"Hello, {request.get_signed_cookie('username')}!")


urlpatterns = [path("login", login), path("callback", callback), path("", home)]


def test_login(fake_chattz, chattz_env):
    response = fake_chattz.login(Client(), "/login")
    assert b"Hello, johndoe!" == response.content
"""


FASTAPI_ACCOUNTS = """\
import html
import secrets
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.middleware.sessions import SessionMiddleware

from chattz_oauth_async import AsyncChattzOAuth
from chattz_oauth_async.accounts import Account, AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.integrations.starlette import ChattzLogin


def create_app(database_url: str) -> FastAPI:
    engine = create_async_engine(database_url)
    store = AsyncSQLAlchemyStore(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await store.create_tables()
        async with AsyncChattzOAuth.from_env() as chattz:
            app.state.chattz = chattz
            yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(SessionMiddleware, secret_key=secrets.token_hex(32))
    login = ChattzLogin(secret_key=secrets.token_bytes(32), accounts=AsyncAccounts(store))
    app.include_router(login.router())  # GET /login, GET /callback, POST /logout

    @app.get("/account", response_class=HTMLResponse)
    async def account_page(account: Annotated[Account, Depends(login.require_account)]):
        return (
            f"<h1>Hello, {html.escape(account.profile.display_name)}</h1>"
            '<form method="post" action="/logout"><button>Log out</button></form>'
        )

    return app


def test_login_account_page_logout(fake_chattz, chattz_env, tmp_path):
    alice = fake_chattz.add_user(id=2, username="alice", first_name="Alice")
    app = create_app(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    with TestClient(app, base_url="https://testserver") as client:
        page = fake_chattz.login(client, "/login", user=alice, next="/account")
        assert page.text.startswith("<h1>Hello, Alice</h1>")
        fake_chattz.logout(client, from_page="/account")  # clicks "Log out"
        response = client.get("/account", follow_redirects=False)
    assert "/login?next=%2Faccount" == response.headers["location"]
"""


FLASK_ACCOUNTS = """\
import html
import secrets

import flask
import pytest
from sqlalchemy import create_engine

from chattz_oauth_async import ChattzOAuth, LoginRequest
from chattz_oauth_async.accounts import Accounts
from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore

COOKIE = "__Host-chattz_login"


def create_app(engine) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = secrets.token_bytes(32)  # in production: a fixed key from your settings
    store = SQLAlchemyStore(engine)
    store.create_tables()
    accounts = Accounts(store)

    @app.get("/login")
    def login():
        with ChattzOAuth.from_env() as chattz:
            started = chattz.start_login()
        response = flask.redirect(started.url)
        response.set_cookie(COOKIE, started.seal(app.secret_key), secure=True, httponly=True)
        return response

    @app.get("/callback")
    def callback():
        started = LoginRequest.unseal(flask.request.cookies.get(COOKIE, ""), app.secret_key)
        with ChattzOAuth.from_env() as chattz:
            user = chattz.userinfo(chattz.complete_login(flask.request.url, started))
        signed_in = accounts.sign_in(
            user, login=started, signed_in_user_id=flask.session.get("user_id")
        )
        flask.session.clear()  # a new session at login
        flask.session["user_id"] = signed_in.user_id
        flask.session["name"] = signed_in.account.profile.display_name
        return flask.redirect("/account", code=303)

    @app.get("/account")
    def account():
        if "user_id" not in flask.session:
            return flask.redirect("/login", code=303)
        return (
            f"<h1>Hello, {html.escape(flask.session['name'])}</h1>"
            '<form method="post" action="/logout"><button>Log out</button></form>'
        )

    @app.post("/logout")
    def logout():
        flask.session.clear()
        return flask.redirect("/", code=303)

    @app.get("/")
    def home():
        return "Signed in" if "user_id" in flask.session else "Signed out"

    return app


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    yield engine
    engine.dispose()


def test_login_account_page_logout(fake_chattz, chattz_env, engine):
    client = create_app(engine).test_client()
    page = fake_chattz.login(client, "/login")
    assert page.text.startswith("<h1>Hello, John Doe</h1>")
    response = fake_chattz.logout(client, from_page="/account")  # clicks "Log out"
    assert ("Signed out", 303) == (response.text, client.get("/account").status_code)
"""


@pytest.mark.network
@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("test_fastapi_login", FASTAPI),
        ("test_flask_login", FLASK),
        ("test_django_login", DJANGO),
        ("test_fastapi_accounts", FASTAPI_ACCOUNTS),
        ("test_flask_accounts", FLASK_ACCOUNTS),
    ],
)
def test_readme_testing_example_passes(pytester: pytest.Pytester, name: str, example: str) -> None:
    """Each "Testing your app" example passes as written, with no warnings."""
    pytester.makeini(PROJECT_INI)
    pytester.makepyfile(**{name: example})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)
