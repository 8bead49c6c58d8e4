# mypy: disable-error-code="import-untyped"
"""fake_chattz.logout / alogout: login, the logged-in page and logout in async apps' clients.

The apps here are small and written on the public API: a Starlette app and an
aiohttp app that sign each login in to an account (``AsyncAccounts`` over the
SQLAlchemy store on a SQLite file) and keep it in a session. The async store
runs on aiosqlite, which is asyncio-only, so ``anyio_backend`` is asyncio
here (Starlette's TestClient runs its app on asyncio too).
"""

from __future__ import annotations

import html
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp.test_utils
import httpx
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuthError, LoginRequest
from chattz_oauth_async.accounts import AsyncAccounts, Outcome, SignIn
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import FakeChattz, parse_form

KEY = secrets.token_bytes(32)
COOKIE = "chattz_login"


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: aiosqlite (the async SQLite driver) runs on asyncio."""
    return "asyncio"


def account_page(name: str, csrf: str = "") -> str:
    """The logged-in page of every app here: the user's name and a logout form."""
    token = f'<input type="hidden" name="csrf" value="{csrf}">' if csrf else ""
    return (
        f"<h1 id=hello>Hello, {html.escape(name)}</h1>"
        '<form method="post" action="/search"><input name="q"></form>'
        f'<form method="post" action="/logout">{token}'
        '<button name="do" value="logout">Log out</button></form>'
    )


def hello(page: str) -> str:
    """The greeting of an account page."""
    return html.unescape(page.partition("<h1 id=hello>")[2].partition("</h1>")[0])


def same_origin(origin: str | None, host: str) -> bool:
    """A careful app's logout check: a browser's POST names the app's own origin."""
    return origin is not None and urlsplit(origin).netloc == host


class Site:
    """The account store every app here signs logins in to, and what it did."""

    def __init__(self, database: Path) -> None:
        self.engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        self.accounts = AsyncAccounts(AsyncSQLAlchemyStore(self.engine))
        self.sign_ins: list[SignIn] = []

    async def start(self) -> None:
        await AsyncSQLAlchemyStore(self.engine).create_tables()

    async def sign_in(self, result_user: Any, login: LoginRequest, current: str | None) -> SignIn:
        signed = await self.accounts.sign_in(result_user, login=login, signed_in_user_id=current)
        self.sign_ins.append(signed)
        return signed


# --- Starlette -------------------------------------------------------------------------


def starlette_app(chattz: AsyncChattzOAuth, site: Site) -> Starlette:
    """Login with ChattzLogin, the account in Starlette's session, /account, POST /logout."""
    login = ChattzLogin(chattz, secret_key=KEY)

    async def on_success(request: Request, result: LoginResult) -> Response:
        signed = await site.sign_in(result.user, result.login, request.session.get("user_id"))
        request.session.clear()  # a new session at login
        request.session.update(user_id=signed.user_id, name=signed.account.profile.display_name)
        return RedirectResponse(result.next_url or "/account", status_code=303)

    async def account(request: Request) -> Response:
        if "user_id" not in request.session:
            return RedirectResponse("/login?next=%2Faccount", status_code=303)
        return HTMLResponse(account_page(request.session["name"]))

    async def home(request: Request) -> Response:
        return PlainTextResponse("Signed in" if "user_id" in request.session else "Signed out")

    async def logout(request: Request) -> Response:
        if not same_origin(request.headers.get("origin"), request.headers["host"]):
            return PlainTextResponse("Cross-site logout refused", status_code=403)
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await site.start()
        yield
        await site.engine.dispose()

    routes = [
        *login.routes(on_success),
        Route("/account", account),
        Route("/", home),
        Route("/logout", logout, methods=["POST"]),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=KEY.hex())]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """A fresh SQLite account database."""
    return Site(tmp_path / "accounts.db")


@pytest.fixture
def starlette_client(fake_chattz: FakeChattz, site: Site) -> Iterator[TestClient]:
    """A TestClient on the Starlette app, over https://testserver (the login cookie is Secure)."""
    app = starlette_app(fake_chattz.session(), site)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_login_account_page_logout(fake_chattz: FakeChattz, starlette_client: TestClient) -> None:
    """Login lands on the account page; its Log out button ends the session."""
    alice = fake_chattz.add_user(id=2, username="alice", first_name="Alice")
    page = fake_chattz.login(starlette_client, "/login", user=alice)
    after = fake_chattz.logout(starlette_client, "/logout", from_page="/account")
    gone = starlette_client.get("/account", follow_redirects=False)
    assert ("Hello, Alice", "Signed out", 303, "/login?next=%2Faccount") == (
        hello(page.text),
        after.text,
        gone.status_code,
        gone.headers["location"],
    )


def test_logout_without_a_page_posts_to_the_route(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """logout() with no page POSTs to /logout, with the Origin a browser sends."""
    fake_chattz.login(starlette_client, "/login")
    response = fake_chattz.logout(starlette_client)
    assert (200, "Signed out") == (response.status_code, response.text)


def test_next_after_login_then_logout(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """The account page's login redirect comes back to it; logout from there works."""
    first = starlette_client.get("/account", follow_redirects=False).headers["location"]
    page = fake_chattz.login(starlette_client, first)
    assert ("/login?next=%2Faccount", "Hello, John Doe") == (first, hello(page.text))
    assert "Signed out" == fake_chattz.logout(starlette_client, from_page="/account").text


def test_each_chattz_user_gets_one_account(
    fake_chattz: FakeChattz, starlette_client: TestClient, site: Site
) -> None:
    """Two users, each logging in twice with a logout between: two accounts, found again."""
    alice = fake_chattz.add_user(id=2, username="alice")
    bob = fake_chattz.add_user(id=3, username="bob")
    for user in (alice, bob, alice, bob):
        fake_chattz.login(starlette_client, "/login", user=user)
        fake_chattz.logout(starlette_client)
    outcomes = [(s.account.chattz_id, s.outcome) for s in site.sign_ins]
    assert [
        (2, Outcome.CREATED),
        (3, Outcome.CREATED),
        (2, Outcome.SIGNED_IN),
        (3, Outcome.SIGNED_IN),
    ] == outcomes
    assert site.sign_ins[0].user_id == site.sign_ins[2].user_id != site.sign_ins[1].user_id


def test_a_second_login_without_logout_never_links(
    fake_chattz: FakeChattz, starlette_client: TestClient, site: Site
) -> None:
    """A plain login while signed in signs bob's own new account in; nothing is linked."""
    bob = fake_chattz.add_user(id=3, username="bob")
    fake_chattz.login(starlette_client, "/login")
    fake_chattz.login(starlette_client, "/login", user=bob)
    assert [Outcome.CREATED, Outcome.CREATED] == [s.outcome for s in site.sign_ins]
    assert site.sign_ins[0].user_id != site.sign_ins[1].user_id


def test_clients_are_separate_browsers(fake_chattz: FakeChattz, site: Site) -> None:
    """Logging out in one test client leaves another signed in."""
    app = starlette_app(fake_chattz.session(), site)
    with (
        TestClient(app, base_url="https://testserver") as first,
        TestClient(app, base_url="https://testserver") as second,
    ):
        fake_chattz.login(first, "/login")
        fake_chattz.login(second, "/login")
        fake_chattz.logout(first)
        assert ("Signed out", "Signed in") == (first.get("/").text, second.get("/").text)


def test_from_page_without_a_logout_form(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """A page with no form posting to the route is a ValueError, and nothing is posted."""
    fake_chattz.login(starlette_client, "/login")
    with pytest.raises(ValueError, match="/account has no form that POSTs to /signout"):
        fake_chattz.logout(starlette_client, "/signout", from_page="/account")
    assert "Signed in" == starlette_client.get("/").text


def test_from_page_that_is_not_a_page(
    fake_chattz: FakeChattz, starlette_client: TestClient
) -> None:
    """Signed out, the account page redirects: logout from it says so."""
    with pytest.raises(ValueError, match="/account answered 303"):
        fake_chattz.logout(starlette_client, from_page="/account")


def test_a_cross_site_origin_would_be_refused(starlette_client: TestClient) -> None:
    """The app's check can fail: another site's Origin gets 403 (so logout's Origin is right)."""
    response = starlette_client.post("/logout", headers={"origin": "https://evil.example"})
    assert 403 == response.status_code


@pytest.mark.anyio
async def test_httpx_async_client_over_asgi(fake_chattz: FakeChattz, site: Site) -> None:
    """alogin and alogout drive an httpx.AsyncClient over ASGITransport."""
    await site.start()  # ASGITransport sends no lifespan events
    app = starlette_app(fake_chattz.session(), site)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        page = await fake_chattz.alogin(client, "/login")
        after = await fake_chattz.alogout(client, from_page="/account")
        gone = await client.get("/account")
    await site.engine.dispose()
    assert ("Hello, John Doe", "Signed out", 303) == (
        hello(page.text),
        after.text,
        gone.status_code,
    )


# --- aiohttp ------------------------------------------------------------------------------


def aiohttp_app(chattz: AsyncChattzOAuth, site: Site) -> web.Application:
    """The core API, an in-memory session keyed by a random cookie, /account, POST /logout."""
    sessions: dict[str, dict[str, str]] = {}

    def session_of(request: web.Request) -> dict[str, str]:
        return sessions.get(request.cookies.get("sid", ""), {})

    async def login(request: web.Request) -> web.StreamResponse:
        started = chattz.start_login(next_url=request.query.get("next"))
        response = web.Response(status=302, headers={"Location": started.url})
        response.set_cookie(COOKIE, started.seal(KEY), httponly=True, samesite="Lax")
        return response

    async def callback(request: web.Request) -> web.StreamResponse:
        try:
            started = LoginRequest.unseal(request.cookies.get(COOKIE, ""), KEY)
            user = await chattz.userinfo(await chattz.complete_login(str(request.url), started))
            signed = await site.sign_in(user, started, session_of(request).get("user_id"))
        except ChattzOAuthError as exc:
            return web.Response(status=400, text=f"Login failed: {type(exc).__name__}")
        sessions.pop(request.cookies.get("sid", ""), None)
        sid = secrets.token_urlsafe(16)  # a new session at login
        sessions[sid] = {"user_id": signed.user_id, "name": signed.account.profile.display_name}
        response = web.Response(status=303, headers={"Location": started.next_url or "/account"})
        response.set_cookie("sid", sid, httponly=True, samesite="Lax")
        return response

    async def account(request: web.Request) -> web.StreamResponse:
        session = session_of(request)
        if not session:
            return web.Response(status=303, headers={"Location": "/login?next=%2Faccount"})
        return web.Response(text=account_page(session["name"]), content_type="text/html")

    async def logout(request: web.Request) -> web.StreamResponse:
        if not same_origin(request.headers.get("Origin"), request.host):
            return web.Response(status=403, text="Cross-site logout refused")
        sessions.pop(request.cookies.get("sid", ""), None)
        return web.Response(status=303, headers={"Location": "/"})

    async def home(request: web.Request) -> web.StreamResponse:
        return web.Response(text="Signed in" if session_of(request) else "Signed out")

    app = web.Application()
    app.router.add_get("/login", login)
    app.router.add_get("/callback", callback)
    app.router.add_get("/account", account)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", home)
    return app


@pytest.mark.anyio
async def test_aiohttp_login_account_page_logout(fake_chattz: FakeChattz, site: Site) -> None:
    """aiohttp's test client (a real loopback server): login, account page, logout."""
    await site.start()
    async with (
        fake_chattz.session() as chattz,
        aiohttp.test_utils.TestClient(
            aiohttp.test_utils.TestServer(aiohttp_app(chattz, site))
        ) as client,
    ):
        page = await fake_chattz.alogin(client, "/login")
        greeting = await page.text()
        after = await fake_chattz.alogout(client, from_page="/account")
        gone = await client.get("/account", allow_redirects=False)
        refused = await client.post("/logout", headers={"Origin": "http://evil.example"})
    await site.engine.dispose()
    assert ("Hello, John Doe", 200, "Signed out", 303, 403) == (
        hello(greeting),
        after.status,
        await after.text(),
        gone.status,
        refused.status,
    )


# --- the driver's own failures and the form reader ------------------------------------------


def test_logout_refuses_an_unknown_client(fake_chattz: FakeChattz) -> None:
    """Something that is not a test client is a TypeError naming logout()."""
    with pytest.raises(TypeError, match=r"fake_chattz\.logout\(\) does not know object"):
        fake_chattz.logout(object())


@pytest.mark.anyio
async def test_alogout_refuses_a_sync_client(fake_chattz: FakeChattz) -> None:
    """alogout with a sync client says to use logout()."""
    with httpx.Client() as client, pytest.raises(TypeError, match=r"logout\(\) for sync"):
        await fake_chattz.alogout(client)


def test_parse_form_reads_only_the_first_forms_own_fields() -> None:
    """Inputs outside the form and unchecked boxes are not submitted, as in a browser."""
    page = (
        '<input name="stray" value="x"><form method="POST" action="/a">'
        '<input type="hidden" name="t" value="1"><input type="checkbox" name="c">'
        '<input type="checkbox" name="on" value="yes" checked><button>Go</button></form>'
        '<form action="/b"><input name="other"></form>'
    )
    assert ("/a", "post", {"t": "1", "on": "yes"}, {}) == parse_form(page)
