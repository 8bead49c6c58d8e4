# mypy: disable-error-code="import-untyped"
"""The testing kit against the library's own account helpers: FastAPI and Starlette apps.

The apps use ``ChattzLogin(accounts=...)`` over the SQLAlchemy store on a
SQLite file: its callback signs the login in to an account and rewrites the
session, ``require_account`` guards the logged-in page, and its POST
``/logout`` refuses cross-site requests. The async store runs on aiosqlite,
which is asyncio-only, so ``anyio_backend`` is asyncio here. No ``from
__future__ import annotations``: FastAPI reads the routes' annotations, which
name this module's local dependencies, at run time.
"""

import html
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from chattz_oauth_async.accounts import Account, AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.integrations.starlette import ChattzLogin
from chattz_oauth_async.testing import FakeChattz

KEY = secrets.token_bytes(32)
LOGOUT_FORM = '<form method="post" action="/logout"><button>Log out</button></form>'


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: aiosqlite (the async SQLite driver) runs on asyncio."""
    return "asyncio"


@pytest.fixture
def engine(tmp_path: Path) -> AsyncEngine:
    """A fresh SQLite file (each app disposes of the engine when it stops)."""
    return create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}")


def fastapi_app(fake: FakeChattz, engine: AsyncEngine) -> FastAPI:
    """A FastAPI app: the helper's router with accounts, / and a /me page behind require_account."""
    store = AsyncSQLAlchemyStore(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.create_tables()
        async with fake.session() as chattz:
            app.state.chattz = chattz
            yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(SessionMiddleware, secret_key=KEY.hex())
    login = ChattzLogin(secret_key=KEY, accounts=AsyncAccounts(store))

    @app.get("/")
    async def home(account: Annotated[Account | None, Depends(login.current_account)]) -> str:
        return "Signed out" if account is None else f"Signed in as {account.profile.username}"

    @app.get("/me")
    async def me(account: Annotated[Account, Depends(login.require_account)]) -> HTMLResponse:
        name = html.escape(account.profile.display_name)
        return HTMLResponse(f"<h1>Hello, {name}</h1>{LOGOUT_FORM}")

    app.include_router(login.router())
    return app


@pytest.fixture
def client(fake_chattz: FakeChattz, engine: AsyncEngine) -> Iterator[TestClient]:
    """A TestClient on the FastAPI app, over https://testserver."""
    with TestClient(fastapi_app(fake_chattz, engine), base_url="https://testserver") as client:
        yield client


def test_login_page_logout_with_the_helper(fake_chattz: FakeChattz, client: TestClient) -> None:
    """/me sends to the login; after it /me greets Alice; its Log out button signs her out."""
    alice = fake_chattz.add_user(id=2, username="alice", first_name="Alice")
    to_login = client.get("/me", follow_redirects=False).headers["location"]
    page = fake_chattz.login(client, to_login, user=alice)
    after = fake_chattz.logout(client, from_page="/me")
    again = client.get("/me", follow_redirects=False)
    assert ("/login?next=%2Fme", True, '"Signed out"', 303, "/login?next=%2Fme") == (
        to_login,
        page.text.startswith("<h1>Hello, Alice</h1>"),
        after.text,
        again.status_code,
        again.headers["location"],
    )


def test_the_helpers_logout_accepts_the_drivers_post(
    fake_chattz: FakeChattz, client: TestClient
) -> None:
    """The helper refuses a cross-site logout, and accepts the driver's (its Origin is right)."""
    fake_chattz.login(client, "/login")
    refused = client.post("/logout", headers={"origin": "https://evil.example"})
    still = client.get("/").text
    after = fake_chattz.logout(client)
    assert (403, '"Signed in as johndoe"', '"Signed out"') == (
        refused.status_code,
        still,
        after.text,
    )


def test_users_in_turn_keep_their_own_accounts(
    fake_chattz: FakeChattz, client: TestClient, engine: AsyncEngine
) -> None:
    """Alice, Bob, then Alice again, logging out between: two accounts, Alice's found again."""
    alice = fake_chattz.add_user(id=2, username="alice")
    bob = fake_chattz.add_user(id=3, username="bob")
    seen = []
    for user in (alice, bob, alice):
        seen.append(fake_chattz.login(client, "/login", user=user).text)
        fake_chattz.logout(client)
    assert ['"Signed in as alice"', '"Signed in as bob"', '"Signed in as alice"'] == seen
    store = AsyncSQLAlchemyStore(engine)
    assert client.portal is not None
    accounts = [client.portal.call(store.find, chattz_id) for chattz_id in (2, 3)]
    assert 2 == len({account.user_id for account in accounts if account is not None})


def starlette_app(fake: FakeChattz, store: AsyncSQLAlchemyStore) -> Starlette:
    """A Starlette app: the helper's routes with accounts and a page on current_account."""
    login = ChattzLogin(fake.session(), secret_key=KEY, accounts=AsyncAccounts(store))

    async def home(request: Request) -> Response:
        account = await login.current_account(request)
        return PlainTextResponse("Signed out" if account is None else "Signed in")

    routes = [*login.routes(), Route("/", home)]
    middleware = [Middleware(SessionMiddleware, secret_key=KEY.hex())]
    return Starlette(routes=routes, middleware=middleware)


@pytest.mark.anyio
async def test_starlette_helper_with_httpx_async_client(
    fake_chattz: FakeChattz, engine: AsyncEngine
) -> None:
    """alogin and alogout through the Starlette routes over httpx's ASGITransport."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()  # ASGITransport sends no lifespan events
    transport = httpx.ASGITransport(app=starlette_app(fake_chattz, store))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        landed = await fake_chattz.alogin(client, "/login")
        after = await fake_chattz.alogout(client)
    await engine.dispose()
    assert ("Signed in", "Signed out") == (landed.text, after.text)


def test_login_with_post_drives_a_linking_login(
    fake_chattz: FakeChattz, client: TestClient, engine: AsyncEngine
) -> None:
    """login(method="POST") starts with the link form's POST: Alice's Chattz links to John."""
    alice = fake_chattz.add_user(id=2, username="alice")
    fake_chattz.login(client, "/login")
    page = fake_chattz.login(client, "/login", user=alice, method="POST")
    store = AsyncSQLAlchemyStore(engine)
    assert client.portal is not None
    john, linked = (client.portal.call(store.find, chattz_id) for chattz_id in (123, 2))
    assert ('"Signed in as alice"', True) == (
        page.text,
        john is not None and linked is not None and john.user_id == linked.user_id,
    )


def test_login_method_must_be_get_or_post(fake_chattz: FakeChattz, client: TestClient) -> None:
    """login(method=...) takes GET or POST only: anything else is a ValueError, not a request."""
    with pytest.raises(ValueError, match="GET or a POST"):
        fake_chattz.login(client, "/login", method="PUT")
