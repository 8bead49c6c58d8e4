"""ChattzLogin(accounts=...): logins signed in to accounts in ``request.session``, on SQLite.

Asyncio only: the account store is SQLAlchemy's asyncio extension over
aiosqlite, which run on asyncio alone (the ``anyio_backend`` fixture below).
The Starlette apps run in-process through ``httpx.ASGITransport`` on the
test's own loop; the FastAPI ones through Starlette's ``TestClient``, whose
portal runs the app on asyncio unless given ``backend="trio"``.
"""

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from chattz_oauth_async import (
    AccountStoreError,
    AsyncChattzOAuth,
    ChattzOAuthError,
    ChattzUser,
    ConfigurationError,
    events,
)
from chattz_oauth_async.accounts import Account, Accounts, AsyncAccounts, Outcome
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, SQLAlchemyStore, users
from chattz_oauth_async.integrations import same_origin
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import FakeChattz

pytestmark = pytest.mark.anyio

SECRET = "starlette-accounts-secret-" * 2
NOW = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
APP_URL = "http://127.0.0.1:8000"
# What a browser's POST from the app's own page carries (the kit's login(method="POST") too).
OWN_PAGE = {"Origin": APP_URL}
#: The heart of the page every framework answers an inactive user with (403).
DISABLED_PAGE = (
    "<h1 id=error>Account disabled</h1>"
    "<p>The account this Chattz user signs in to is disabled here.</p>"
)
#: A Chattz account linked to user 1 out of band (accounts.link), so another link can go.
SPARE = ChattzUser(id=9, username="spare")
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://["},  # malformed: urlsplit raises ValueError
    {"Sec-Fetch-Site": "cross-site", "Origin": APP_URL},
]


@pytest.fixture
def anyio_backend() -> str:
    """Asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio."""
    return "asyncio"


@pytest.fixture
def fake() -> FakeChattz:
    """The provider, with John Doe (123) and Ann (7)."""
    fake = FakeChattz()
    fake.add_user(id=7, username="ann", first_name="Ann")
    return fake


@pytest.fixture
async def chattz(fake: FakeChattz) -> AsyncIterator[AsyncChattzOAuth]:
    """An async session wired to the fake in-process."""
    async with fake.session() as session:
        yield session


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncSQLAlchemyStore]:
    """A SQLAlchemy store on a fresh SQLite file, its tables created."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}")
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    yield store
    await engine.dispose()


@attrs.define
class Site:
    """The app, its login helper, its accounts, and the results its on_success saw."""

    app: Starlette
    login: ChattzLogin
    accounts: AsyncAccounts
    results: list[LoginResult]

    def browser(self) -> httpx.AsyncClient:
        """A new cookie-keeping "browser" for the app (close it)."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=APP_URL)


def build_site(
    chattz: AsyncChattzOAuth,
    accounts: AsyncAccounts,
    *,
    with_on_success: bool = True,
    middleware: bool = True,
    **routes: Any,
) -> Site:
    """A Starlette app: the helper's routes with accounts, and pages that read the session."""
    login = ChattzLogin(chattz, secret_key=SECRET, accounts=accounts)
    results: list[LoginResult] = []

    async def on_success(request: Request, result: LoginResult) -> Response:
        # Runs after the new session is written: it can read what was signed in.
        results.append(attrs.evolve(result, next_url=request.session.get("user_id")))
        return RedirectResponse(result.next_url or "/", status_code=303)

    async def home(request: Request) -> Response:
        account = await login.current_account(request)
        return PlainTextResponse("anonymous" if account is None else f"user {account.user_id}")

    async def private(request: Request) -> Response:
        account = await login.require_account(request)
        return PlainTextResponse(f"private {account.user_id}")

    async def password_login(request: Request) -> Response:
        # The app's own sign-in (a password form, say): it writes user_id alone.
        request.session.clear()
        request.session["user_id"] = request.path_params["user"]
        return PlainTextResponse("signed in")

    async def plant(request: Request) -> Response:
        request.session["planted"] = "by an attacker"
        return PlainTextResponse("planted")

    async def session(request: Request) -> Response:
        return JSONResponse(dict(request.session))

    app = Starlette(
        routes=[
            *login.routes(on_success if with_on_success else None, **routes),
            Route("/", home),
            Route("/private", private),
            Route("/password-login/{user}", password_login, methods=["POST"]),
            Route("/plant", plant),
            Route("/session", session),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET)] if middleware else [],
    )
    return Site(app, login, accounts, results)


@pytest.fixture
def site(chattz: AsyncChattzOAuth, store: AsyncSQLAlchemyStore) -> Site:
    """The app with accounts on SQLite and an on_success that records its results."""
    return build_site(chattz, AsyncAccounts(store))


@pytest.fixture
async def browser(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    """One browser on the site."""
    async with site.browser() as client:
        yield client


# --- signing in ------------------------------------------------------------------------


async def test_first_login_creates_and_second_signs_in(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """The first login creates an account; the next one, in another browser, signs in to it."""
    first = await fake.alogin(browser, "/login")
    async with site.browser() as other:
        second = await fake.alogin(other, "/login")
    outcomes = [r.signed_in.outcome for r in site.results if r.signed_in]
    assert ("user 1", "user 1", [Outcome.CREATED, Outcome.SIGNED_IN]) == (
        first.text,
        second.text,
        outcomes,
    )


async def test_on_success_runs_after_the_session_is_written(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """on_success gets result.signed_in, and request.session already holds the new user."""
    await fake.alogin(browser, "/login")
    [result] = site.results
    assert ("1", 123, "1") == (
        result.signed_in.user_id if result.signed_in else None,
        result.signed_in.account.chattz_id if result.signed_in else None,
        result.next_url,  # what on_success read from request.session
    )


async def test_the_session_holds_the_user_and_chattz_ids(
    fake: FakeChattz, browser: httpx.AsyncClient
) -> None:
    """After login the session has exactly user_id and chattz_id."""
    await fake.alogin(browser, "/login")
    assert {"user_id": "1", "chattz_id": 123} == (await browser.get("/session")).json()


async def test_a_get_login_while_signed_in_never_links(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """A plain GET /login while the app's own sign-in holds user_id signs in Chattz's account."""
    await browser.post("/password-login/local-42")
    home = await fake.alogin(browser, "/login")
    assert ("user 1", {"user_id": "1", "chattz_id": 123}, Outcome.CREATED, [], None) == (
        home.text,
        (await browser.get("/session")).json(),
        site.results[-1].signed_in.outcome if site.results[-1].signed_in else None,
        await site.accounts.accounts_of("local-42"),
        site.results[-1].link_user_id,
    )


async def test_a_linking_login_links_to_the_signed_in_user(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient, store: AsyncSQLAlchemyStore
) -> None:
    """POST /login while signed in (the app's own sign-in) links the Chattz account to that user."""
    async with store.engine.begin() as connection:  # the user must exist to stay signed in
        await connection.execute(users.insert().values(id=42, display_name="pw", created_at=NOW))
    await browser.post("/password-login/42")
    home = await fake.alogin(browser, "/login", method="POST")
    assert ("user 42", {"user_id": "42", "chattz_id": 123}, [Outcome.LINKED]) == (
        home.text,
        (await browser.get("/session")).json(),
        [r.signed_in.outcome for r in site.results if r.signed_in],
    )
    assert ["42"] == [r.link_user_id for r in site.results]  # on_success sees the intent


async def start_linking(browser: httpx.AsyncClient, fake: FakeChattz, **form: str) -> str:
    """POST /login from the app's page, consent as John: the callback path, not yet visited."""
    started = await browser.post("/login", data=form, headers=OWN_PAGE)
    assert 303 == started.status_code, started.text
    callback = urlsplit(fake.authorize(started.headers["location"]))
    return f"{callback.path}?{callback.query}"


async def test_a_linking_login_finished_after_sign_out_is_refused(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Linking started, then the user signs out: the callback is 403 and writes nothing."""
    await browser.post("/password-login/local-42")
    callback = await start_linking(browser, fake)
    await browser.post("/logout", headers=OWN_PAGE)
    refused = await browser.get(callback)
    assert (403, True, {}, None, []) == (
        refused.status_code,
        "Linking not completed" in refused.text,
        (await browser.get("/session")).json(),
        await site.accounts.find(123),
        site.results,
    )


async def test_a_linking_login_finished_for_another_user_is_refused(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Linking started as local-42, then bob signs in: 403, bob's session kept, nothing linked."""
    await browser.post("/password-login/local-42")
    callback = await start_linking(browser, fake)
    await browser.post("/password-login/bob")
    refused = await browser.get(callback)
    assert (403, {"user_id": "bob"}, None) == (
        refused.status_code,
        (await browser.get("/session")).json(),
        await site.accounts.find(123),
    )


async def test_a_refused_link_leaves_a_stale_session_as_it_was(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Signed in with Chattz, linking Ann, then John's link removed: 403, the session untouched."""
    await fake.alogin(browser, "/login")
    started = await browser.post("/login", headers=OWN_PAGE)
    callback = urlsplit(fake.authorize(started.headers["location"], user=fake.users[7]))
    await site.accounts.link("1", SPARE)  # another way in, so John's link can go
    await site.accounts.unlink("1", 123)
    refused = await browser.get(f"{callback.path}?{callback.query}")
    assert (403, {"user_id": "1", "chattz_id": 123}, None) == (
        refused.status_code,
        (await browser.get("/session")).json(),  # JSON route: it does not read the account
        await site.accounts.find(7),
    )


async def test_a_linking_login_keeps_next_from_the_form(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """POST /login's next field is where the linking login lands."""
    await browser.post("/password-login/local-42")
    callback = await start_linking(browser, fake, next="/private")
    landed = await browser.get(callback)
    assert (303, "/private") == (landed.status_code, landed.headers["location"])


async def test_a_linking_login_when_signed_out_is_a_plain_login(
    browser: httpx.AsyncClient,
) -> None:
    """POST /login with nobody signed in: a 303 to GET /login with next, no login started."""
    response = await browser.post("/login", data={"next": "/private"}, headers=OWN_PAGE)
    assert (303, "/login?next=%2Fprivate", []) == (
        response.status_code,
        response.headers["location"],
        [name for name in browser.cookies if "chattz_login" in name],
    )


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_a_cross_site_linking_login_is_refused(
    browser: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """A POST /login from another site's page (or a malformed Origin) is 403; no login starts."""
    await browser.post("/password-login/local-42")
    response = await browser.post("/login", headers=headers)
    assert (403, []) == (
        response.status_code,
        [name for name in browser.cookies if "chattz_login" in name],
    )


async def test_a_login_post_without_accounts_is_405(chattz: AsyncChattzOAuth) -> None:
    """Without accounts there is no linking: POST /login is not routed."""
    login = ChattzLogin(chattz, secret_key=SECRET)
    app = Starlette(routes=login.routes(lambda request, result: Response()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as client:
        response = await client.post("/login", headers=OWN_PAGE)
    assert 405 == response.status_code


async def test_linked_elsewhere_is_409_and_keeps_the_session(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Linking a Chattz account that signs someone else in is refused; nothing changes."""
    await fake.alogin(browser, "/login")  # Chattz 123 is now user 1's
    async with site.browser() as mallory:
        await mallory.post("/password-login/mallory")
        refused = await fake.alogin(mallory, "/login", method="POST")
        session = (await mallory.get("/session")).json()
    account = await site.accounts.find(123)
    assert (409, True, {"user_id": "mallory"}, "1") == (
        refused.status_code,
        "Chattz account already linked" in refused.text,
        session,
        account.user_id if account else None,
    )


async def test_signups_closed_is_403(
    fake: FakeChattz, chattz: AsyncChattzOAuth, store: AsyncSQLAlchemyStore
) -> None:
    """With sign-ups closed, a Chattz user with no account gets the 403 page and no session."""
    site = build_site(chattz, AsyncAccounts(store, signups=False))
    async with site.browser() as browser:
        refused = await fake.alogin(browser, "/login")
        session = (await browser.get("/session")).json()
    assert (403, True, {}, None) == (
        refused.status_code,
        "Sign-ups are closed" in refused.text,
        session,
        await store.find(123),
    )


async def test_missing_tables_is_the_misconfigured_page(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """A database without the account tables: 500 "misconfigured", never "try again"."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    site = build_site(chattz, AsyncAccounts(AsyncSQLAlchemyStore(engine)))
    try:
        async with site.browser() as browser:
            failed = await fake.alogin(browser, "/login")
    finally:
        await engine.dispose()
    assert (500, True, False) == (
        failed.status_code,
        "<h1 id=error>Sign-in is misconfigured</h1>" in failed.text,
        "try again" in failed.text.lower(),
    )


async def test_database_outage_is_503(
    fake: FakeChattz,
    chattz: AsyncChattzOAuth,
    store: AsyncSQLAlchemyStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A transient database failure (a lost connection): the 503 page that says try again."""

    async def down(*args: object, **kwargs: object) -> None:
        raise AccountStoreError("the connection was lost (test)", transient=True)

    accounts = AsyncAccounts(store)
    monkeypatch.setattr(accounts, "sign_in", down)
    site = build_site(chattz, accounts)
    async with site.browser() as browser:
        started = await browser.get("/login")
        callback = urlsplit(fake.authorize(started.headers["location"]))
        failed = await browser.get(f"{callback.path}?{callback.query}")
    assert (503, True) == (failed.status_code, "Sign-in is not available" in failed.text)


async def test_account_errors_go_to_on_error(
    fake: FakeChattz, chattz: AsyncChattzOAuth, store: AsyncSQLAlchemyStore
) -> None:
    """The app's on_error gets the account error."""
    seen: list[str] = []

    def on_error(request: Request, exc: ChattzOAuthError) -> Response:
        seen.append(type(exc).__name__)
        return PlainTextResponse("no", status_code=418)

    site = build_site(chattz, AsyncAccounts(store, signups=False), on_error=on_error)
    async with site.browser() as browser:
        response = await fake.alogin(browser, "/login")
    assert (418, ["SignupsClosed"]) == (response.status_code, seen)


async def test_without_on_success_the_login_redirects_to_next(
    fake: FakeChattz, chattz: AsyncChattzOAuth, store: AsyncSQLAlchemyStore
) -> None:
    """With accounts, on_success is optional: the login lands on next (or /)."""
    site = build_site(chattz, AsyncAccounts(store), with_on_success=False)
    async with site.browser() as browser:
        private = await fake.alogin(browser, "/login", next="/private")
        home = await fake.alogin(browser, "/login")
    assert ("/private", "private 1", "/", "user 1") == (
        private.url.path,
        private.text,
        home.url.path,
        home.text,
    )


# --- session fixation ----------------------------------------------------------------


async def test_login_clears_and_rewrites_the_session(
    fake: FakeChattz, browser: httpx.AsyncClient
) -> None:
    """A value planted before login is gone after it, and the session cookie changed."""
    await browser.get("/plant")
    planted = browser.cookies["session"]
    await fake.alogin(browser, "/login")
    assert (True, {"user_id": "1", "chattz_id": 123}) == (
        browser.cookies["session"] != planted,
        (await browser.get("/session")).json(),
    )


async def test_a_get_login_with_another_chattz_account_signs_out_the_first(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Signed in as John (via Chattz), a plain login as Ann signs in Ann's own new account."""
    await fake.alogin(browser, "/login")
    home = await fake.alogin(browser, "/login", user=fake.users[7])
    assert ("user 2", {"user_id": "2", "chattz_id": 7}, Outcome.CREATED, 1) == (
        home.text,
        (await browser.get("/session")).json(),
        site.results[-1].signed_in.outcome if site.results[-1].signed_in else None,
        len(await site.accounts.accounts_of("1")),
    )


async def test_a_linking_login_with_another_chattz_account_links_it(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Signed in as John (via Chattz), a linking login as Ann links Ann's account to user 1."""
    await fake.alogin(browser, "/login")
    home = await fake.alogin(browser, "/login", user=fake.users[7], method="POST")
    assert ("user 1", {"user_id": "1", "chattz_id": 7}, Outcome.LINKED) == (
        home.text,
        (await browser.get("/session")).json(),
        site.results[-1].signed_in.outcome if site.results[-1].signed_in else None,
    )


# --- the current account and require-login ------------------------------------------


async def test_require_account_redirects_to_login_with_next(browser: httpx.AsyncClient) -> None:
    """A visitor on /private?tab=2 is sent to /login?next=/private?tab=2."""
    response = await browser.get("/private?tab=2&x=%C3%A9")
    assert (303, "/login?next=%2Fprivate%3Ftab%3D2%26x%3D%25C3%25A9") == (
        response.status_code,
        response.headers["location"],
    )


async def test_require_account_then_login_comes_back(
    fake: FakeChattz, browser: httpx.AsyncClient
) -> None:
    """Following the redirect through the login lands back on the requested page."""
    visitor = await browser.get("/private?tab=2")
    page = await fake.alogin(browser, visitor.headers["location"])
    assert ("/private", "tab=2", "private 1") == (page.url.path, page.url.query.decode(), page.text)


async def test_require_account_drops_an_unsafe_next(site: Site) -> None:
    """A requested path that is not a safe target (``//evil``) is not passed on as next."""
    from starlette.exceptions import HTTPException

    scope = {"type": "http", "path": "//evil.example", "query_string": b"", "headers": []}
    request = Request({**scope, "session": {}, "app": site.app})
    with pytest.raises(HTTPException) as raised:
        await site.login.require_account(request)
    assert (303, {"Location": "/login"}) == (raised.value.status_code, raised.value.headers)


async def test_current_account_after_unlink_is_signed_out(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Unlinking the account signs its sessions out (and clears them)."""
    await fake.alogin(browser, "/login")
    before = (await browser.get("/")).text
    await site.accounts.link("1", SPARE)  # another way in, so this link can go
    assert await site.accounts.unlink("1", 123)
    after = (await browser.get("/")).text
    assert ("user 1", "anonymous", {}) == (before, after, (await browser.get("/session")).json())


async def test_a_stale_chattz_session_does_not_link(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """A session whose link is gone is nobody: the next login creates, it does not link."""
    await fake.alogin(browser, "/login")
    await site.accounts.link("1", SPARE)  # another way in, so this link can go
    await site.accounts.unlink("1", 123)
    home = await fake.alogin(browser, "/login", user=fake.users[7])
    assert ("user 2", Outcome.CREATED) == (
        home.text,
        site.results[-1].signed_in.outcome if site.results[-1].signed_in else None,
    )


async def test_a_session_with_odd_values_is_signed_out(site: Site) -> None:
    """Session values of the wrong type (an older app's, say) mean nobody is signed in."""
    request = Request({"type": "http", "session": {"user_id": True, "chattz_id": "123"}})
    assert None is (await site.login.current_account(request))


async def test_a_linking_login_of_a_user_id_the_accounts_cannot_keep_is_a_500_page(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """The app's own sign-in stored a 65-character user_id: the link is the misconfigured page."""
    await browser.post(f"/password-login/{'u' * 65}")
    refused = await browser.post("/login", headers=OWN_PAGE)
    assert (500, True, "no-store", []) == (
        refused.status_code,
        "<h1 id=error>Sign-in is misconfigured</h1>" in refused.text,
        refused.headers["cache-control"],
        [n for n in browser.cookies if n.startswith("chattz_login_")],
    )


async def test_an_inactive_user_gets_the_account_disabled_page(
    fake: FakeChattz, site: Site, store: AsyncSQLAlchemyStore, browser: httpx.AsyncClient
) -> None:
    """A user marked inactive: 403 "Account disabled" (the Django views' page), not signed in."""
    await fake.alogin(browser, "/login")
    await fake.alogout(browser)
    await store.set_active("1", False)
    refused = await fake.alogin(browser, "/login")
    assert (403, True, {}) == (
        refused.status_code,
        DISABLED_PAGE in refused.text,
        (await browser.get("/session")).json(),
    )


# --- unlink -----------------------------------------------------------------------------


async def unlink(browser: httpx.AsyncClient, chattz_id: str, **headers: str) -> httpx.Response:
    """POST /unlink from the app's page (or with ``headers``), next=/private."""
    return await browser.post(
        "/unlink",
        data={"chattz_id": chattz_id, "next": "/private"},
        headers=headers or OWN_PAGE,
    )


async def test_unlink_removes_a_link_and_moves_the_session_to_the_other(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """John links Ann, then unlinks 123 (the session's): 303, the session now on Ann's link."""
    await fake.alogin(browser, "/login")
    await fake.alogin(browser, "/login", user=fake.users[7], method="POST")
    removed = await unlink(browser, "123")
    assert ((303, "/private"), {"user_id": "1", "chattz_id": 7}, "user 1", [7]) == (
        (removed.status_code, removed.headers["location"]),
        (await browser.get("/session")).json(),
        (await browser.get("/")).text,
        [a.chattz_id for a in await site.accounts.accounts_of("1")],
    )


async def test_unlink_never_removes_the_last_way_in(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """A Chattz-only user's last link is kept: 409 "Chattz account not unlinked"."""
    await fake.alogin(browser, "/login")
    refused = await unlink(browser, "123")
    assert (409, True, "user 1", [123]) == (
        refused.status_code,
        "<h1 id=error>Chattz account not unlinked</h1>" in refused.text,
        (await browser.get("/")).text,
        [a.chattz_id for a in await site.accounts.accounts_of("1")],
    )


@pytest.mark.parametrize("headers", CROSS_SITE, ids=repr)
async def test_a_cross_site_unlink_is_refused(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """An unlink POST from another site's page: 403, the link kept."""
    await fake.alogin(browser, "/login")
    await fake.alogin(browser, "/login", user=fake.users[7], method="POST")
    refused = await unlink(browser, "123", **headers)
    assert (403, [7, 123]) == (
        refused.status_code,
        sorted(a.chattz_id for a in await site.accounts.accounts_of("1")),
    )


async def test_unlink_refuses_what_is_not_ones_own_link(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient
) -> None:
    """Anonymous: 303 to the login; GET 405; a bad id 400; another user's link is left alone."""
    anonymous = await unlink(browser, "123")
    await fake.alogin(browser, "/login", user=fake.users[7])  # user 1: Ann
    async with site.browser() as other:
        await fake.alogin(other, "/login")  # user 2: John (123)
    by_get = await browser.get("/unlink")
    bad = [(await unlink(browser, value)).status_code for value in ("x", "", "0", "9" * 20)]
    others = await unlink(browser, "123")
    assert (
        (303, "/login?next=%2Fprivate"),
        405,
        [400, 400, 400, 400],
        303,
        [123],
    ) == (
        (anonymous.status_code, anonymous.headers["location"]),
        by_get.status_code,
        bad,
        others.status_code,
        [a.chattz_id for a in await site.accounts.accounts_of("2")],
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"chattz_id=123", "application/json"),
        (b"chattz_id=123&pad=" + b"x" * 9000, "application/x-www-form-urlencoded"),
        ("chattz_id=١٢٣".encode(), "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % n for n in range(20)) + b"&chattz_id=123", None),
        (b"chattz_id=%FF", "application/x-www-form-urlencoded"),
    ],
    ids=["json", "too big", "arabic digits", "too many fields", "not utf-8"],
)
async def test_a_hostile_unlink_body_is_a_400_and_removes_nothing(
    fake: FakeChattz,
    site: Site,
    browser: httpx.AsyncClient,
    body: bytes,
    content_type: str | None,
) -> None:
    """Bodies the form reader refuses: 400 "Not a Chattz account id.", never a 500."""
    await fake.alogin(browser, "/login")
    await fake.alogin(browser, "/login", user=fake.users[7], method="POST")
    headers = {**OWN_PAGE, "Content-Type": content_type or "application/x-www-form-urlencoded"}
    refused = await browser.post("/unlink", content=body, headers=headers)
    assert (400, "Not a Chattz account id.", [7, 123]) == (
        refused.status_code,
        refused.text,
        sorted(a.chattz_id for a in await site.accounts.accounts_of("1")),
    )


# --- logout -----------------------------------------------------------------------------


async def test_logout_post_clears_the_session(fake: FakeChattz, browser: httpx.AsyncClient) -> None:
    """POST /logout: 303 to /, the session emptied, no-store."""
    await fake.alogin(browser, "/login")
    response = await browser.post("/logout")
    assert (303, "/", "no-store", "anonymous") == (
        response.status_code,
        response.headers["location"],
        response.headers["cache-control"],
        (await browser.get("/")).text,
    )


async def test_logout_through_the_testing_kit(fake: FakeChattz, browser: httpx.AsyncClient) -> None:
    """fake.alogout posts as a browser does (with Origin) and is let through."""
    await fake.alogin(browser, "/login")
    page = await fake.alogout(browser, "/logout")
    assert (200, "anonymous") == (page.status_code, page.text)


async def test_logout_by_get_is_405(fake: FakeChattz, browser: httpx.AsyncClient) -> None:
    """GET /logout is not a logout (any page's <img> could trigger it)."""
    await fake.alogin(browser, "/login")
    response = await browser.get("/logout")
    assert (405, "user 1") == (response.status_code, (await browser.get("/")).text)


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_cross_site_logout_is_refused(
    fake: FakeChattz, browser: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """A logout POST from another site's page (or a malformed Origin) is 403; still signed in."""
    await fake.alogin(browser, "/login")
    response = await browser.post("/logout", headers=headers)
    assert (403, "user 1") == (response.status_code, (await browser.get("/")).text)


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {"Origin": APP_URL}]
)
async def test_same_origin_logout_passes(
    fake: FakeChattz, browser: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """A logout POST from the site's own page (or typed by the user) signs out."""
    await fake.alogin(browser, "/login")
    response = await browser.post("/logout", headers=headers)
    assert (303, "anonymous") == (response.status_code, (await browser.get("/")).text)


# --- configuration errors ----------------------------------------------------------------


async def test_missing_session_middleware_is_a_configuration_error(
    chattz: AsyncChattzOAuth, store: AsyncSQLAlchemyStore
) -> None:
    """Without SessionMiddleware the login does not start: a ConfigurationError names it."""
    site = build_site(chattz, AsyncAccounts(store), middleware=False)
    transport = httpx.ASGITransport(app=site.app)
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as browser:
        with pytest.raises(ConfigurationError, match="SessionMiddleware"):
            await browser.get("/login")
        with pytest.raises(ConfigurationError, match="SessionMiddleware"):
            await browser.get("/callback?state=x&code=y")


def test_sync_accounts_are_refused(tmp_path: Path) -> None:
    """A sync Accounts would block the event loop: ChattzLogin refuses it by name."""
    accounts = Accounts(SQLAlchemyStore(create_engine(f"sqlite:///{tmp_path / 'a.db'}")))
    with pytest.raises(ConfigurationError, match="AsyncAccounts"):
        ChattzLogin(secret_key=SECRET, accounts=accounts)  # type: ignore[arg-type]


async def test_an_accounts_function_must_return_async_accounts(site: Site) -> None:
    """accounts=<function> returning something else fails with a ConfigurationError."""
    login = ChattzLogin(secret_key=SECRET, accounts=lambda: "nope")  # type: ignore[arg-type]
    request = Request({"type": "http", "session": {"user_id": "1", "chattz_id": 123}})
    with pytest.raises(ConfigurationError, match="must return an AsyncAccounts"):
        await login.current_account(request)


async def test_account_methods_need_accounts() -> None:
    """current_account without accounts= is a ConfigurationError, not an AttributeError."""
    request = Request({"type": "http", "session": {}})
    with pytest.raises(ConfigurationError, match="accounts="):
        await ChattzLogin(secret_key=SECRET).current_account(request)


def test_routes_need_on_success_or_accounts() -> None:
    """Without accounts, the routes still need the app's on_success."""
    with pytest.raises(ConfigurationError, match="on_success"):
        ChattzLogin(secret_key=SECRET).routes()


def test_without_accounts_there_is_no_logout_route() -> None:
    """The logout route comes with accounts: without them the app owns its session."""
    routes = ChattzLogin(secret_key=SECRET).routes(lambda request, result: Response())
    assert ["chattz_login", "chattz_callback"] == [route.name for route in routes]


# --- bad profile input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"first_name": "J" * 10_000}, "J" * 150),
        ({"first_name": "Jo\x00hn", "last_name": "D\x07oe"}, "John Doe"),
        ({"first_name": "Jo\ud800hn"}, "John"),
        ({"first_name": "Ann", "avatar": "javascript:alert(1)"}, "Ann"),
        ({"first_name": "Ann", "avatar": "http://cdn.example/a.png"}, "Ann"),
        ({"first_name": "\u202e\u200b", "username": "\x00"}, "chattz-9"),
    ],
)
async def test_bad_profile_input_still_logs_in(
    fake: FakeChattz,
    site: Site,
    browser: httpx.AsyncClient,
    fields: dict[str, str],
    shown: str,
) -> None:
    """Overlong, control-character, lone-surrogate and non-https fields: the login works."""
    user = fake.add_user(id=9, **{"username": "odd", **fields})
    home = await fake.alogin(browser, "/login", user=user)
    account = await site.accounts.find(9)
    assert ("user 1", shown, None) == (
        home.text,
        account.profile.display_name if account else None,
        account.profile.avatar if account else "no account",
    )


# --- FastAPI ---------------------------------------------------------------------------


def fastapi_app(login: ChattzLogin) -> FastAPI:
    """A FastAPI app with the router and pages behind the two dependencies."""
    CurrentAccount = Annotated[Account | None, Depends(login.current_account)]
    SignedIn = Annotated[Account, Depends(login.require_account)]
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET)
    app.include_router(login.router())

    @app.get("/")
    async def home(account: CurrentAccount) -> dict[str, Any]:
        return {"user_id": account.user_id if account else None}

    @app.get("/account")
    async def account_page(account: SignedIn) -> dict[str, Any]:
        return {"user_id": account.user_id, "chattz_id": account.chattz_id}

    @app.post("/plant")
    async def plant(request: Request) -> dict[str, Any]:
        request.session["planted"] = "by an attacker"
        return dict(request.session)

    @app.get("/session")
    async def session(request: Request) -> dict[str, Any]:
        return dict(request.session)

    return app


@pytest.fixture
def fastapi_client(fake: FakeChattz, tmp_path: Path) -> Iterator[TestClient]:
    """Starlette's TestClient (asyncio portal) on the FastAPI app, accounts on SQLite."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'fastapi.db'}")
    store = AsyncSQLAlchemyStore(engine)
    chattz = fake.session()
    app = fastapi_app(ChattzLogin(chattz, secret_key=SECRET, accounts=AsyncAccounts(store)))
    with TestClient(app, base_url="https://testserver") as client:
        client.portal.call(store.create_tables)  # type: ignore[union-attr]
        yield client
        client.portal.call(chattz.aclose)  # type: ignore[union-attr]
        client.portal.call(engine.dispose)  # type: ignore[union-attr]


def test_fastapi_login_account_page_and_logout(
    fake: FakeChattz, fastapi_client: TestClient
) -> None:
    """FastAPI: /account redirects a visitor with next, login comes back, logout signs out."""
    visitor = fastapi_client.get("/account", follow_redirects=False)
    page = fake.login(fastapi_client, visitor.headers["location"])
    logout = fastapi_client.post("/logout", follow_redirects=False)
    assert (
        (303, "/login?next=%2Faccount"),
        {"user_id": "1", "chattz_id": 123},
        303,
        {"user_id": None},
    ) == (
        (visitor.status_code, visitor.headers["location"]),
        page.json(),
        logout.status_code,
        fastapi_client.get("/").json(),
    )


def test_fastapi_logout_get_and_cross_site(fake: FakeChattz, fastapi_client: TestClient) -> None:
    """FastAPI: GET /logout is 405, a cross-site POST 403; the user stays signed in."""
    fake.login(fastapi_client, "/login")
    get = fastapi_client.get("/logout")
    cross = fastapi_client.post("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert (405, 403, {"user_id": "1"}) == (
        get.status_code,
        cross.status_code,
        fastapi_client.get("/").json(),
    )


def test_fastapi_session_rotated_at_login(fake: FakeChattz, fastapi_client: TestClient) -> None:
    """FastAPI: a value planted in the session before login is gone; the cookie is a new one."""
    planted = fastapi_client.post("/plant").json()
    before = fastapi_client.cookies["session"]
    fake.login(fastapi_client, "/login")
    assert ({"planted": "by an attacker"}, True, {"user_id": "1", "chattz_id": 123}) == (
        planted,
        fastapi_client.cookies["session"] != before,
        fastapi_client.get("/session").json(),
    )


def test_fastapi_linking_login(fake: FakeChattz, fastapi_client: TestClient) -> None:
    """FastAPI: POST /login while signed in links Ann to user 1; GET /login as Ann then signs in."""
    fake.login(fastapi_client, "/login")
    linked = fake.login(
        fastapi_client, "/login", user=fake.users[7], method="POST", next="/account"
    )
    fastapi_client.post("/logout")
    again = fake.login(fastapi_client, "/login", user=fake.users[7], next="/account")
    assert ({"user_id": "1", "chattz_id": 7}, {"user_id": "1", "chattz_id": 7}) == (
        linked.json(),
        again.json(),
    )


def test_fastapi_cross_site_linking_login_is_refused(
    fake: FakeChattz, fastapi_client: TestClient
) -> None:
    """FastAPI: a cross-site POST /login is 403; a GET /login while signed in never links."""
    fake.login(fastapi_client, "/login")
    cross = fastapi_client.post("/login", headers={"Sec-Fetch-Site": "cross-site"})
    plain = fake.login(fastapi_client, "/login", user=fake.users[7], next="/account")
    assert (403, {"user_id": "2", "chattz_id": 7}) == (cross.status_code, plain.json())


@pytest.mark.parametrize(
    ("site", "origin", "host", "expected"),
    [
        ("same-origin", None, None, True),
        ("None", "https://evil.example", "app.example", True),  # typed: the header wins
        ("cross-site", "http://app.example", "app.example", False),
        (None, "http://APP.example:8000", "app.example:8000", True),
        (None, "http://app.example", "other.example", False),
        (None, "http://[", "app.example", False),
        (None, "null", "app.example", False),
        (None, "http://app.example", None, False),
        (None, None, "app.example", True),
    ],
)
def test_same_origin_rule(
    site: str | None, origin: str | None, host: str | None, expected: bool
) -> None:
    """integrations.same_origin: Sec-Fetch-Site first, else Origin against Host; never raises."""
    assert expected == same_origin(site, origin, host)


async def delete_user_1(store: AsyncSQLAlchemyStore) -> None:
    """An admin deletes local user 1 (its link stays until the next sign-in)."""
    async with store.engine.begin() as connection:
        await connection.execute(users.delete().where(users.c.id == 1))


async def disable_user_1(store: AsyncSQLAlchemyStore) -> None:
    """An operator disables local user 1."""
    assert await store.set_active("1", False)


@pytest.mark.parametrize("change", [disable_user_1, delete_user_1])
async def test_a_disabled_or_deleted_user_is_signed_out_of_open_sessions(
    fake: FakeChattz,
    browser: httpx.AsyncClient,
    store: AsyncSQLAlchemyStore,
    change: Callable[[AsyncSQLAlchemyStore], Awaitable[None]],
) -> None:
    """Review repro: a session signed in before the change no longer opens /private.

    Django's auth middleware signs such a user out at the next request; so does
    current_account (AsyncAccounts.session_account asks is_active), clearing the session.
    """
    await fake.alogin(browser, "/login")
    before = (await browser.get("/private")).text
    await change(store)
    after = await browser.get("/private", follow_redirects=False)
    session = (await browser.get("/session")).json()
    assert ("private 1", 303, "/login?next=%2Fprivate", {}) == (
        before,
        after.status_code,
        after.headers["location"],
        session,
    )


async def test_a_linking_callback_links_without_reading_the_session_account_first(
    fake: FakeChattz, site: Site, browser: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /login reads the session's account once; the callback checks it while linking.

    The events a subscriber sees are those of any linking login.
    """
    await fake.alogin(browser, "/login")  # signed in with John's Chattz account (123)
    reads: list[tuple[object, int]] = []
    read = site.accounts.session_account

    async def counted(user_id: object, chattz_id: int) -> Account | None:
        reads.append((user_id, chattz_id))
        return await read(user_id, chattz_id)

    monkeypatch.setattr(site.accounts, "session_account", counted)
    seen: list[events.Event] = []
    unsubscribe = events.subscribe(seen.append)
    try:
        started = await browser.post("/login", headers=OWN_PAGE)
        callback = urlsplit(fake.authorize(started.headers["location"], user=fake.users[7]))
        linked = await browser.get(f"{callback.path}?{callback.query}")
    finally:
        unsubscribe()
    account = await site.accounts.find(7)
    assert (
        303,
        [("1", 123)],
        "1",
        [
            (events.EventKind.LOGIN_STARTED, None, "1", None, True),
            (events.EventKind.LOGIN_COMPLETED, 7, "1", "linked", True),
        ],
    ) == (
        linked.status_code,
        reads,
        account.user_id if account else None,
        [(e.kind, e.chattz_id, e.user_id, e.outcome, e.linking) for e in seen],
    )
