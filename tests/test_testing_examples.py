"""The "Testing your app" page's complete tests, run exactly as shown in a fresh pytest.

docs/testing.md shows each constant below as one code block; tests/test_docs.py
checks that the page's copy is the same, so the two cannot drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from chattz_oauth_async.accounts import Accounts
from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore
from chattz_oauth_async.testing import FakeChattz

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
    chattz = ChattzOAuth.from_env()  # one session for the app, shared by every request

    @app.get("/login")
    def login():
        started = chattz.start_login()
        response = flask.redirect(started.url)
        response.set_cookie(COOKIE, started.seal(app.secret_key), secure=True, httponly=True)
        return response

    @app.get("/callback")
    def callback():
        started = LoginRequest.unseal(flask.request.cookies.get(COOKIE, ""), app.secret_key)
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

from chattz_oauth_async import ChattzOAuth
from chattz_oauth_async.accounts import Accounts
from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import LoginFlow, WebRequest


def create_app(engine) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = secrets.token_bytes(32)  # in production: a fixed key from your settings
    store = SQLAlchemyStore(engine)
    store.create_tables()
    accounts, cookies = Accounts(store), LoginCookies(app.secret_key)

    def web_request():  # what the login flow reads from Flask's request
        request = flask.request
        return WebRequest(request.url, request.cookies, request.args.items(multi=True))

    def answer(response, cookies):
        for cookie in cookies:
            response.set_cookie(cookie.name, cookie.value, **cookie.attributes)
        return response

    @app.get("/login")
    def login():
        with ChattzOAuth.from_env() as chattz:
            started = LoginFlow(chattz, cookies).begin(web_request())
        return answer(flask.redirect(started.location, code=303), started.cookies)

    @app.get("/callback")
    def callback():
        def start_session(result):  # once the account is known: a new session
            flask.session.clear()
            flask.session["user_id"] = result.signed_in.user_id
            flask.session["name"] = result.signed_in.account.profile.display_name

        with ChattzOAuth.from_env() as chattz:
            flow = LoginFlow(chattz, cookies, accounts=accounts)
            finished = flow.finish(web_request(), start_session=start_session)
        if finished.error is not None:
            status, page = finished.error_page()
            return answer(flask.Response(page, status), finished.cookies)
        return answer(flask.redirect("/account", code=303), finished.cookies)

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


# --- the complete apps against the attack they must refuse ---------------------------------
#
# Signed in as the victim V, the browser completes a *plain* login as Chattz user A (a forced
# navigation to /login while the provider's session is the attacker's, or a shared computer).
# The page's apps must sign A in to A's own new account and never link A to V.


def recipe(example: str, name: str) -> dict[str, Any]:
    """The page's file executed as a module of its own; its namespace."""
    namespace: dict[str, Any] = {"__name__": f"docs_{name}"}
    code = compile(example, f"docs/testing.md ({name})", "exec", dont_inherit=True)
    exec(code, namespace)  # noqa: S102
    return namespace


def heading(page: str) -> str:
    """The page up to its first ``</h1>``."""
    return page.partition("</h1>")[0]


def test_flask_accounts_app_never_links_a_plain_login(
    fake_chattz: FakeChattz, chattz_env: dict[str, str], tmp_path: Path
) -> None:
    """Signed in as V, a plain login as A: A gets account 2, V's account keeps only V."""
    victim = fake_chattz.add_user(id=2, username="vic", first_name="Vic", last_name="Tim")
    attacker = fake_chattz.add_user(id=3, username="mal", first_name="Mal", last_name="Lory")
    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        client = recipe(FLASK_ACCOUNTS, "flask_accounts")["create_app"](engine).test_client()
        first = fake_chattz.login(client, "/login", user=victim)
        forced = fake_chattz.login(client, "/login", user=attacker)
        with client.session_transaction() as session:
            after = dict(session)
        accounts = Accounts(SQLAlchemyStore(engine))
        links = [(a.chattz_id, a.user_id) for u in ("1", "2") for a in accounts.accounts_of(u)]
    finally:
        engine.dispose()
    assert (
        "<h1>Hello, Vic Tim",
        "<h1>Hello, Mal Lory",
        {"user_id": "2", "name": "Mal Lory"},
        [(2, "1"), (3, "2")],
    ) == (heading(first.text), heading(forced.text), after, links)


def test_fastapi_accounts_app_never_links_a_plain_login(
    fake_chattz: FakeChattz, chattz_env: dict[str, str], tmp_path: Path
) -> None:
    """The FastAPI app: signed in as V, a plain login as A signs in A's own new account."""
    from fastapi.testclient import TestClient

    victim = fake_chattz.add_user(id=2, username="vic", first_name="Vic", last_name="Tim")
    attacker = fake_chattz.add_user(id=3, username="mal", first_name="Mal", last_name="Lory")
    database = tmp_path / "app.db"
    app = recipe(FASTAPI_ACCOUNTS, "fastapi_accounts")["create_app"](
        f"sqlite+aiosqlite:///{database}"
    )
    with TestClient(app, base_url="https://testserver") as client:
        first = fake_chattz.login(client, "/login", user=victim, next="/account")
        forced = fake_chattz.login(client, "/login", user=attacker, next="/account")
    engine = create_engine(f"sqlite:///{database}")
    try:
        accounts = Accounts(SQLAlchemyStore(engine))
        links = [(a.chattz_id, a.user_id) for u in ("1", "2") for a in accounts.accounts_of(u)]
    finally:
        engine.dispose()
    assert ("<h1>Hello, Vic Tim", "<h1>Hello, Mal Lory", [(2, "1"), (3, "2")]) == (
        heading(first.text),
        heading(forced.text),
        links,
    )
