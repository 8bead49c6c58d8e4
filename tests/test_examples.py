"""The runnable examples in examples/, each driven against the fake provider."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

from chattz_oauth_async import AsyncChattzOAuth, Token
from chattz_oauth_async.accounts import AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.testing import FakeChattz

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECRET = "example-secret-key-" * 2
#: The heart of the page every framework answers an inactive user with (403).
DISABLED_PAGE = (
    "<h1 id=error>Account disabled</h1>"
    "<p>The account this Chattz user signs in to is disabled here.</p>"
)
APP_URL = "http://127.0.0.1:8000"


def load_example(name: str) -> ModuleType:
    """Import examples/<name>.py by path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def path_of(url: str) -> str:
    """The path and query of a URL (to replay a callback on a test client)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def fake() -> FakeChattz:
    """A fake provider that shows its consent page."""
    return FakeChattz()


@pytest.fixture
async def chattz(fake: FakeChattz) -> AsyncIterator[AsyncChattzOAuth]:
    """An async session wired to the fake in-process."""
    async with fake.session() as session:
        yield session


# --- FastAPI (asyncio only: SQLAlchemy's asyncio extension and aiosqlite) ----------

ASYNCIO = pytest.mark.parametrize("anyio_backend", ["asyncio"])


def sqlite_url(tmp_path: Path, sync: bool = False) -> str:
    """A SQLAlchemy URL of a fresh SQLite file in the test's folder."""
    return f"sqlite{'' if sync else '+aiosqlite'}:///{tmp_path / 'accounts.db'}"


@pytest.fixture
async def fastapi_browser(
    chattz: AsyncChattzOAuth, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client for the FastAPI example app, its lifespan running."""
    app = load_example("fastapi_app").create_app(chattz, SECRET, database_url=sqlite_url(tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=APP_URL) as client,
    ):
        yield client


@ASYNCIO
async def test_fastapi_example_logged_out_shows_login_link(
    fastapi_browser: httpx.AsyncClient,
) -> None:
    """The home page offers "Log in with Chattz" to a visitor."""
    response = await fastapi_browser.get("/")
    assert (200, True) == (response.status_code, "Log in with Chattz" in response.text)


@ASYNCIO
async def test_fastapi_example_login_then_signed_in_then_logout(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """Login lands on / "Signed in as John Doe" with a logout form; POST /logout signs out."""
    home = await fake.alogin(fastapi_browser, "/login")
    logout = await fastapi_browser.post("/logout")
    after = await fastapi_browser.get("/")
    assert (200, True, True, True, 303, True) == (
        home.status_code,
        "Signed in as John Doe" in home.text,
        "Your Chattz user id is 123" in home.text,
        'action="/logout"' in home.text,
        logout.status_code,
        "Log in with Chattz" in after.text,
    )


@ASYNCIO
async def test_fastapi_example_account_page_needs_a_login(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """/account sends a visitor to /login?next=/account, and the login comes back there."""
    visitor = await fastapi_browser.get("/account")
    page = await fake.alogin(fastapi_browser, visitor.headers["location"])
    assert (303, "/login?next=%2Faccount", "/account", True) == (
        visitor.status_code,
        visitor.headers["location"],
        page.url.path,
        "johndoe (id 123)" in page.text,
    )


def account_id(page: httpx.Response) -> str:
    """The local account id on the example's /account page."""
    return page.text.split("<th>Account</th><td>", 1)[1].split("<", 1)[0]


@ASYNCIO
async def test_fastapi_example_second_login_signs_in_to_the_same_account(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """A second login of one Chattz user finds its account; another user gets a new one."""
    first = await fake.alogin(fastapi_browser, "/login", next="/account")
    await fastapi_browser.post("/logout")
    again = await fake.alogin(fastapi_browser, "/login", next="/account")
    await fastapi_browser.post("/logout")
    other = fake.add_user(id=7, username="ann", first_name="Ann")
    second_user = await fake.alogin(fastapi_browser, "/login", next="/account", user=other)
    assert ("1", "1", "2") == (account_id(first), account_id(again), account_id(second_user))


@ASYNCIO
async def test_fastapi_example_escapes_the_users_name(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """A provider-supplied name with HTML in it is shown escaped."""
    evil = fake.add_user(id=7, username="x", first_name="<script>alert(1)</script>")
    home = await fake.alogin(fastapi_browser, "/login", user=evil)
    assert (False, True) == ("<script>" in home.text, "&lt;script&gt;" in home.text)


@ASYNCIO
async def test_fastapi_example_deny_shows_friendly_error(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """Deny on the consent page gives the app's 400 error page with a retry link."""
    response = await fake.alogin(fastapi_browser, "/login", approve=False)
    assert (400, True, True) == (
        response.status_code,
        "Login cancelled" in response.text,
        'href="/login"' in response.text,
    )


@ASYNCIO
async def test_fastapi_example_forged_session_cookie_ignored(
    fastapi_browser: httpx.AsyncClient,
) -> None:
    """A session cookie not signed by the app does not sign anyone in."""
    forged = "eyJ1c2VyX2lkIjogIjEiLCAiY2hhdHR6X2lkIjogMTIzfQ==.AAAA.AAAA"
    fastapi_browser.cookies.set("session", forged, domain="127.0.0.1")
    response = await fastapi_browser.get("/")
    assert True is ("Log in with Chattz" in response.text)


def test_fastapi_example_lifespan_builds_session_from_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without a session argument, the lifespan builds one from CHATTZ_* variables."""
    from starlette.testclient import TestClient

    fake = FakeChattz()
    with fake.serve(host="127.0.0.1", port=0) as server:
        for name, value in {
            "CHATTZ_CLIENT_ID": "test-client",
            "CHATTZ_CLIENT_SECRET": "test-secret",
            "CHATTZ_REDIRECT_URI": "http://127.0.0.1:8000/callback",
            "CHATTZ_BASE_URL": server.base_url,
            "APP_SECRET_KEY": SECRET,
            "DATABASE_URL": sqlite_url(tmp_path),
        }.items():
            monkeypatch.setenv(name, value)
        app = load_example("fastapi_app").create_app()
        with TestClient(app, base_url=APP_URL) as client:
            home = fake.login(client, "/login")
    assert (200, True, True) == (
        home.status_code,
        "Signed in as John Doe" in home.text,
        (tmp_path / "accounts.db").exists(),
    )


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``url`` answers (the server started) or the process ends."""
    for _ in range(400):
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within 20 s")


def test_fastapi_example_runs_under_uvicorn(tmp_path: Path) -> None:
    """`uvicorn examples.fastapi_app:app` with CHATTZ_* from a served fake: login, page, logout."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    fake = FakeChattz(redirect_uri=f"{app_url}/callback")
    with fake.serve() as server:
        env = {
            **os.environ,
            "CHATTZ_CLIENT_ID": fake.client.client_id,
            "CHATTZ_CLIENT_SECRET": fake.client.client_secret,
            "CHATTZ_REDIRECT_URI": fake.client.redirect_uri,
            "CHATTZ_BASE_URL": server.base_url,
            "APP_SECRET_KEY": SECRET,
            "DATABASE_URL": sqlite_url(tmp_path),
        }
        command = [sys.executable, "-m", "uvicorn", "examples.fastapi_app:app"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        process = subprocess.Popen(command, cwd=EXAMPLES.parent, env=env)
        try:
            wait_for(f"{app_url}/", process)
            with httpx.Client(base_url=app_url) as browser:
                home = fake.login(browser, "/login")
                logout = browser.post("/logout")
                after = browser.get("/")
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert (200, True, 303, True) == (
        home.status_code,
        "Signed in as John Doe" in home.text,
        logout.status_code,
        "Log in with Chattz" in after.text,
    )


@ASYNCIO
async def test_fastapi_example_links_from_the_account_page(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """The account page's "Link another Chattz account" form POSTs /login; Ann links to John."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    await fake.alogin(fastapi_browser, "/login")
    form = (await fastapi_browser.get("/account")).text
    page = await fake.alogin(fastapi_browser, "/login", user=ann, method="POST", next="/account")
    assert (True, True, True) == (
        '<form method=post action="/login">' in form and "Link another Chattz account" in form,
        "johndoe, ann" in page.text,
        "Hello, John Doe" not in page.text and "<h1 id=account>Ann</h1>" in page.text,
    )


@ASYNCIO
async def test_fastapi_example_get_login_while_signed_in_does_not_link(
    fake: FakeChattz, fastapi_browser: httpx.AsyncClient
) -> None:
    """Signed in as John, a plain GET /login as Ann signs in Ann's own new account."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    await fake.alogin(fastapi_browser, "/login")
    page = await fake.alogin(fastapi_browser, "/login", user=ann, next="/account")
    assert (True, True) == ("<td>2</td>" in page.text, "johndoe" not in page.text)


@pytest.mark.parametrize("name", ["fastapi_app", "flask_app", "aiohttp_app"])
def test_examples_default_database_is_in_the_users_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    """Without DATABASE_URL the SQLite file is in $XDG_CACHE_HOME, in a folder made 0o700."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = load_example(name).default_database_url()
    folder = tmp_path / "cache" / "chattz_oauth_async"
    database = folder / f"chattz_{name.removesuffix('_app')}_example.db"
    assert (str(database), 0o700) == (
        url.partition(":///")[2],
        stat.S_IMODE(folder.stat().st_mode),
    )


# --- aiohttp (asyncio only) --------------------------------------------------------


@contextlib.asynccontextmanager
async def aiohttp_client(chattz: AsyncChattzOAuth, tmp_path: Path) -> AsyncIterator[Any]:
    """The aiohttp example app served on loopback, and aiohttp's test client for it."""
    # Imported here like the other frameworks' test clients in this file: aiohttp's
    # costs about 0.45 s (python -X importtime) and only these tests need it.
    from aiohttp.test_utils import TestClient, TestServer

    app = load_example("aiohttp_app").create_app(chattz, SECRET, database_url=sqlite_url(tmp_path))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@ASYNCIO
async def test_aiohttp_example_login_page_logout(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """Login lands on / "Signed in as John Doe"; the testing kit's logout signs out."""
    async with aiohttp_client(chattz, tmp_path) as client:
        before = await (await client.get("/")).text()
        home = await fake.alogin(client, "/login")
        hello = await home.text()
        after = await fake.alogout(client, "/logout", from_page="/")
        goodbye = await after.text()
    assert (True, 200, True, 200, True) == (
        "Log in with Chattz" in before,
        home.status,
        "Signed in as John Doe" in hello,
        after.status,
        "Log in with Chattz" in goodbye,
    )


@ASYNCIO
async def test_aiohttp_example_account_page_needs_a_login(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """/account sends a visitor to /login?next=/account; the login comes back; same account."""
    async with aiohttp_client(chattz, tmp_path) as client:
        visitor = await client.get("/account", allow_redirects=False)
        first = await (await fake.alogin(client, visitor.headers["Location"])).text()
        await fake.alogout(client)
        again = await (await fake.alogin(client, "/login", next="/account")).text()
    # aiohttp writes the Location through yarl, which leaves "/" unescaped in a query.
    assert (303, "/login?next=/account", True, True) == (
        visitor.status,
        visitor.headers["Location"],
        "Account 1, Chattz user johndoe (id 123)" in first,
        "Account 1, Chattz user johndoe (id 123)" in again,
    )


@ASYNCIO
async def test_aiohttp_example_new_session_cookie_at_login(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """Each login writes a new session cookie value; a forged one signs nobody in."""
    module = load_example("aiohttp_app")
    async with aiohttp_client(chattz, tmp_path) as client:
        await fake.alogin(client, "/login")
        first = client.session.cookie_jar.filter_cookies(client.make_url("/"))["session"].value
        await fake.alogin(client, "/login")
        second = client.session.cookie_jar.filter_cookies(client.make_url("/"))["session"].value
        forged = module.sign_session({"user_id": "1", "chattz_id": 123}, "another-key-" * 3)
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({"session": forged})
        stranger = await (await client.get("/")).text()
    assert (True, {"1"}, True) == (
        first != second,
        {module.read_session(v, SECRET)["user_id"] for v in (first, second)},
        "Log in with Chattz" in stranger,
    )


@ASYNCIO
async def test_aiohttp_example_cross_site_logout_refused(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """A logout POST from another site is 403 and the user stays signed in; GET is 405."""
    async with aiohttp_client(chattz, tmp_path) as client:
        await fake.alogin(client, "/login")
        cross = await client.post("/logout", headers={"Sec-Fetch-Site": "cross-site"})
        get = await client.get("/logout")
        still = await (await client.get("/")).text()
    assert (403, 405, True) == (cross.status, get.status, "Signed in as John Doe" in still)


@ASYNCIO
async def test_aiohttp_example_links_only_through_the_post(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """GET /login as Ann while John is signed in signs Ann in; POST /login links Bob to John."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    async with aiohttp_client(chattz, tmp_path) as client:
        await fake.alogin(client, "/login")
        plain = await (await fake.alogin(client, "/login", user=ann, next="/account")).text()
        await fake.alogout(client)
        await fake.alogin(client, "/login")
        bob = fake.add_user(id=8, username="bob", first_name="Bob")
        linked = await (
            await fake.alogin(client, "/login", user=bob, method="POST", next="/account")
        ).text()
    assert (True, True) == (
        "Account 2, Chattz user ann" in plain,
        "Account 1, Chattz user bob" in linked and "johndoe, bob" in linked,
    )


@ASYNCIO
async def test_aiohttp_example_stale_link_is_refused(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """A linking login finished after logout is 403 LinkRefused and links nothing."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    async with aiohttp_client(chattz, tmp_path) as client:
        await fake.alogin(client, "/login")
        origin = str(client.make_url("/").origin())
        started = await client.post("/login", headers={"Origin": origin}, allow_redirects=False)
        callback = path_of(fake.authorize(started.headers["Location"], user=ann))
        await fake.alogout(client)
        refused = await client.get(callback, allow_redirects=False)
        text = await refused.text()
        home = await (await client.get("/")).text()
        john = await (await fake.alogin(client, "/login", next="/account")).text()
    assert (403, True, True, True) == (
        refused.status,
        "<h1 id=error>Linking not completed</h1>" in text,
        "Log in with Chattz" in home,
        "Chattz accounts linked: johndoe<" in john,
    )


@ASYNCIO
@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://["}, {"Origin": "null"}]
)
async def test_aiohttp_example_cross_site_or_malformed_origin_refused(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path, headers: dict[str, str]
) -> None:
    """A cross-site or malformed-Origin POST to /logout or /login is 403, never a 500."""
    async with aiohttp_client(chattz, tmp_path) as client:
        await fake.alogin(client, "/login")
        logout = await client.post("/logout", headers=headers)
        link = await client.post("/login", headers=headers, allow_redirects=False)
        still = await (await client.get("/")).text()
    assert (403, 403, True) == (logout.status, link.status, "Signed in as John Doe" in still)


@ASYNCIO
async def test_aiohttp_example_login_and_parallel_tabs(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """Two logins started in one browser both complete; a foreign state is refused."""
    async with aiohttp_client(chattz, tmp_path) as client:
        first = await client.get("/login?next=/one", allow_redirects=False)
        second = await client.get("/login?next=/two", allow_redirects=False)
        callbacks = [fake.authorize(r.headers["location"]) for r in (second, first)]
        answers = []
        for callback in callbacks:
            response = await client.get(path_of(callback), allow_redirects=False)
            answers.append((response.status, response.headers["Location"]))
        forged = await client.get("/callback?code=abc&state=someone-elses")
        assert [(303, "/two"), (303, "/one")] == answers
        assert 400 == forged.status


@ASYNCIO
async def test_aiohttp_example_denied_and_replayed(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """Deny gives 400; replaying a used callback gives 400."""
    async with aiohttp_client(chattz, tmp_path) as client:
        denied = await client.get("/login", allow_redirects=False)
        refusal = await client.get(
            path_of(fake.authorize(denied.headers["location"], approve=False))
        )
        login = await client.get("/login", allow_redirects=False)
        callback = path_of(fake.authorize(login.headers["location"]))
        first = await client.get(callback, allow_redirects=False)
        again = await client.get(callback, allow_redirects=False)
        assert (400, 303, 400) == (refusal.status, first.status, again.status)


@ASYNCIO
async def test_aiohttp_example_inactive_user_gets_the_account_disabled_page(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """A user marked inactive: 403 "Account disabled", the page every framework gives."""
    async with aiohttp_client(chattz, tmp_path) as client:
        await fake.alogin(client, "/login")
        await fake.alogout(client)
        accounts = next(v for v in client.app.values() if isinstance(v, AsyncAccounts))
        assert isinstance(accounts.store, AsyncSQLAlchemyStore)
        await accounts.store.set_active("1", False)
        refused = await fake.alogin(client, "/login")
        text = await refused.text()
        home = await (await client.get("/")).text()
    assert (403, True, True) == (refused.status, DISABLED_PAGE in text, "Log in with" in home)


@ASYNCIO
async def test_aiohttp_example_disabled_user_is_signed_out_of_open_sessions(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """Review repro: a session signed in before set_active(False) no longer opens /account."""
    async with aiohttp_client(chattz, tmp_path) as client:
        first = await (await fake.alogin(client, "/login", next="/account")).text()
        accounts = next(v for v in client.app.values() if isinstance(v, AsyncAccounts))
        assert isinstance(accounts.store, AsyncSQLAlchemyStore)
        await accounts.store.set_active("1", False)
        after = await client.get("/account", allow_redirects=False)
        home = await (await client.get("/")).text()
    assert (True, 303, "/login?next=/account", True) == (
        "Account 1, Chattz user johndoe (id 123)" in first,
        after.status,
        after.headers["Location"],
        "Log in with Chattz" in home,
    )


# --- Flask (sync) ------------------------------------------------------------------


@pytest.fixture
def flask_app(fake: FakeChattz, tmp_path: Path) -> Iterator[Any]:
    """The Flask example on a sync session wired to the fake, accounts on SQLite."""
    chattz = fake.sync_session()
    app = load_example("flask_app").create_app(
        chattz, SECRET, database_url=sqlite_url(tmp_path, sync=True)
    )
    yield app
    app.extensions["chattz_accounts"].store.engine.dispose()
    chattz.close()


@pytest.fixture
def flask_client(flask_app: Any) -> Iterator[Any]:
    """Flask's test client for the example."""
    with flask_app.test_client() as client:
        yield client


def test_flask_example_login_then_hello(fake: FakeChattz, flask_client: Any) -> None:
    """Login with the sync client lands on ?next with the user in Flask's session."""
    login = flask_client.get("/login?next=/account")
    back = flask_client.get(path_of(fake.authorize(login.headers["location"])))
    home = flask_client.get("/")
    assert (303, "/account", True) == (
        back.status_code,
        back.headers["location"],
        "Signed in as John Doe" in home.text,
    )


def test_flask_example_login_page_logout(fake: FakeChattz, flask_client: Any) -> None:
    """The testing kit's login, the logged-in page, then its logout from the page's form."""
    home = fake.login(flask_client, "/login")
    after = fake.logout(flask_client, "/logout", from_page="/")
    assert (200, True, 200, True) == (
        home.status_code,
        "Signed in as John Doe" in home.text,
        after.status_code,
        "Log in with Chattz" in after.text,
    )


def test_flask_example_account_page_and_second_login(fake: FakeChattz, flask_client: Any) -> None:
    """/account needs a login (next kept); a second login finds the same account."""
    visitor = flask_client.get("/account")
    first = fake.login(flask_client, visitor.headers["location"])
    fake.logout(flask_client)
    again = fake.login(flask_client, "/login", next="/account")
    assert (303, "/login?next=%2Faccount", True, True) == (
        visitor.status_code,
        visitor.headers["location"],
        "Account 1, Chattz user johndoe (id 123)" in first.text,
        "Account 1, Chattz user johndoe (id 123)" in again.text,
    )


def test_flask_example_session_cleared_at_login(fake: FakeChattz, flask_client: Any) -> None:
    """A value planted in the session before login is gone after it."""
    with flask_client.session_transaction() as session:
        session["planted"] = "by an attacker"
    fake.login(flask_client, "/login")
    with flask_client.session_transaction() as session:
        after = dict(session)
    assert {"user_id": "1", "chattz_id": 123} == after


def test_flask_example_logout_get_and_cross_site(fake: FakeChattz, flask_client: Any) -> None:
    """GET /logout is 405 and a cross-site POST 403; the user stays signed in."""
    fake.login(flask_client, "/login")
    get = flask_client.get("/logout")
    cross = flask_client.post("/logout", headers={"Origin": "https://evil.example"})
    assert (405, 403, True) == (
        get.status_code,
        cross.status_code,
        "Signed in as John Doe" in flask_client.get("/").text,
    )


def test_flask_example_linked_elsewhere_is_409(
    fake: FakeChattz, flask_app: Any, flask_client: Any
) -> None:
    """Linking (POST /login) a Chattz account that is another user's is refused with 409."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    fake.login(flask_client, "/login")  # Chattz 123 is user 1's
    with flask_app.test_client() as other:
        fake.login(other, "/login", user=ann)  # user 2
        refused = fake.login(other, "/login", method="POST")
        still = other.get("/account").text
    assert (409, True, True) == (
        refused.status_code,
        "<h1 id=error>Chattz account already linked</h1>" in refused.text,
        "Account 2, Chattz user ann" in still,
    )


def test_flask_example_links_only_through_the_post(fake: FakeChattz, flask_client: Any) -> None:
    """The account page has the link form; GET /login as Ann signs Ann in, POST links Bob."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    page = fake.login(flask_client, "/login", next="/account").text
    plain = fake.login(flask_client, "/login", user=ann, next="/account").text
    fake.logout(flask_client)
    fake.login(flask_client, "/login")
    bob = fake.add_user(id=8, username="bob", first_name="Bob")
    linked = fake.login(flask_client, "/login", user=bob, method="POST", next="/account").text
    assert (True, True, True) == (
        '<form method=post action="/login">' in page and "Link another Chattz account" in page,
        "Account 2, Chattz user ann" in plain,
        "Account 1, Chattz user bob" in linked and "johndoe, bob" in linked,
    )


def test_flask_example_stale_link_is_refused(
    fake: FakeChattz, flask_app: Any, flask_client: Any
) -> None:
    """A linking login finished after logout is 403 LinkRefused, links nothing, signs nobody in."""
    ann = fake.add_user(id=7, username="ann", first_name="Ann")
    fake.login(flask_client, "/login")
    started = flask_client.post("/login", headers={"Origin": "http://localhost"})
    callback = path_of(fake.authorize(started.headers["location"], user=ann))
    fake.logout(flask_client)
    refused = flask_client.get(callback)
    assert (403, True, None, True) == (
        refused.status_code,
        "<h1 id=error>Linking not completed</h1>" in refused.text,
        flask_app.extensions["chattz_accounts"].find(7),
        "Log in with Chattz" in flask_client.get("/").text,
    )


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://["}, {"Origin": "null"}]
)
def test_flask_example_cross_site_or_malformed_origin_refused(
    fake: FakeChattz, flask_client: Any, headers: dict[str, str]
) -> None:
    """A cross-site or malformed-Origin POST to /logout or /login is 403, never a 500."""
    fake.login(flask_client, "/login")
    logout = flask_client.post("/logout", headers=headers)
    link = flask_client.post("/login", headers=headers)
    assert (403, 403, True) == (
        logout.status_code,
        link.status_code,
        "Signed in as John Doe" in flask_client.get("/").text,
    )


def test_flask_example_forged_state_refused(fake: FakeChattz, flask_client: Any) -> None:
    """A callback for another browser's login is refused with 400."""
    other = fake.sync_session()
    try:
        started = other.start_login()
    finally:
        other.close()
    flask_client.get("/login")
    response = flask_client.get(path_of(fake.authorize(started.url)))
    assert 400 == response.status_code


@pytest.mark.checklist(7)
def test_checklist_7_flask_example_repeated_code_refused(
    fake: FakeChattz, flask_client: Any
) -> None:
    """A callback with the code parameter twice is refused, not last-wins."""
    login = flask_client.get("/login")
    callback = fake.authorize(login.headers["location"])
    response = flask_client.get(path_of(callback) + "&code=second")
    assert (400, True) == (
        response.status_code,
        "<h1 id=error>Login link not valid</h1>" in response.text,
    )


@pytest.mark.checklist(9)
def test_checklist_9_flask_example_unsafe_next_dropped(fake: FakeChattz, flask_client: Any) -> None:
    """?next=//evil is dropped: the user lands on /."""
    login = flask_client.get("/login?next=//evil.example")
    back = flask_client.get(path_of(fake.authorize(login.headers["location"])))
    assert "/" == back.headers["location"]


def test_flask_example_inactive_user_gets_the_account_disabled_page(
    fake: FakeChattz, flask_app: Any, flask_client: Any
) -> None:
    """A user marked inactive: 403 "Account disabled", the page every framework gives."""
    fake.login(flask_client, "/login")
    fake.logout(flask_client)
    flask_app.extensions["chattz_accounts"].store.set_active("1", False)
    refused = fake.login(flask_client, "/login")
    assert (403, True, True) == (
        refused.status_code,
        DISABLED_PAGE in refused.text,
        "Log in with Chattz" in flask_client.get("/").text,
    )


def test_flask_example_disabled_user_is_signed_out_of_open_sessions(
    fake: FakeChattz, flask_app: Any, flask_client: Any
) -> None:
    """Review repro: a session signed in before set_active(False) no longer opens /account."""
    first = fake.login(flask_client, "/login", next="/account")
    flask_app.extensions["chattz_accounts"].store.set_active("1", False)
    after = flask_client.get("/account")
    assert (True, 303, "/login?next=%2Faccount", True) == (
        "Account 1, Chattz user johndoe (id 123)" in first.text,
        after.status_code,
        after.headers["location"],
        "Log in with Chattz" in flask_client.get("/").text,
    )


# --- worker ------------------------------------------------------------------------


async def saved_token(fake: FakeChattz, chattz: AsyncChattzOAuth, path: Path) -> Token:
    """Log in through the fake and save the token as the worker expects."""
    started = chattz.start_login()
    token = await chattz.complete_login(fake.authorize(started.url), started)
    await anyio.Path(path).write_text(json.dumps(token.to_dict()))
    return token


async def test_worker_example_valid_token(
    fake: FakeChattz, chattz: AsyncChattzOAuth, tmp_path: Path
) -> None:
    """A saved, unexpired token fetches its user."""
    path = tmp_path / "token.json"
    await saved_token(fake, chattz, path)
    user = await load_example("worker").run(chattz, path)
    assert ("johndoe", 123) == (user.username, user.id)


async def test_worker_example_expired_without_refresh_asks_for_login(
    fake: FakeChattz, tmp_path: Path
) -> None:
    """An expired token without a refresh token raises LoginNeeded; nothing is sent."""
    worker = load_example("worker")
    path = tmp_path / "token.json"
    async with fake.session() as chattz:
        await saved_token(fake, chattz, path)
    sent = len(fake.requests)
    async with fake.session(clock=lambda: time.time() + 7200) as later:
        with pytest.raises(worker.LoginNeeded):
            await worker.run(later, path)
    assert sent == len(fake.requests)


async def test_worker_example_refreshes_and_saves_the_new_token(tmp_path: Path) -> None:
    """With a refresh token, an expired token is refreshed and written back (mode 600)."""
    fake = FakeChattz(issue_refresh_tokens=True)
    path = tmp_path / "token.json"
    async with fake.session() as chattz:
        old = await saved_token(fake, chattz, path)
    async with fake.session(clock=lambda: time.time() + 7200) as later:
        user = await load_example("worker").run(later, path)
    new = Token.from_dict(json.loads(path.read_text()))
    assert (123, True, 0o600) == (
        user.id,
        new.access_token != old.access_token,
        stat.S_IMODE(path.stat().st_mode),
    )


# --- the docs' FastAPI quickstart -----------------------------------------------


def test_fastapi_quickstart_runs_as_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/fastapi_quickstart/test_app.py (the FastAPI page's test) passes as written."""
    folder = EXAMPLES / "fastapi_quickstart"
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    try:
        spec = importlib.util.spec_from_file_location("quickstart_test_app", folder / "test_app.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.test_login_then_home_knows_the_user(monkeypatch)
    finally:
        sys.modules.pop("app", None)


# --- Django (sync views, in-process with Django's test client) -----------------------

DJANGO_APP = EXAMPLES / "django_app"


@pytest.fixture
def django_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeChattz, Any]]:
    """The Django example's URLs and views (its settings mirrored) on a served fake."""
    from tests import django_setup

    django_setup.configure()
    from django.test import Client, override_settings  # type: ignore[import-untyped]

    from chattz_oauth_async.integrations.django import get_session

    monkeypatch.syspath_prepend(str(DJANGO_APP))
    fake = FakeChattz()
    with (
        django_setup.database(),  # the accounts app's tables, on the tests' SQLite file
        fake.serve() as server,
        override_settings(
            ROOT_URLCONF="chattz_site.urls",
            MIDDLEWARE=[
                "django.middleware.security.SecurityMiddleware",
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ],
            SESSION_ENGINE="django.contrib.sessions.backends.db",
            LOGIN_REDIRECT_URL="/",
            LOGOUT_REDIRECT_URL="/",
            CHATTZ_CLIENT_ID=fake.client.client_id,
            CHATTZ_CLIENT_SECRET=fake.client.client_secret,
            CHATTZ_REDIRECT_URI=fake.client.redirect_uri,
            CHATTZ_BASE_URL=server.base_url,
            # The example's production cookies (Django's test client sends Secure ones over http).
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-sessionid",
            CSRF_COOKIE_SECURE=True,
            CSRF_COOKIE_NAME="__Host-csrftoken",
        ),
    ):
        try:
            yield fake, Client()
        finally:
            # The views' process-wide session keeps its connection to this fake after the
            # fake stops (until the settings change): closed here, not left for exit as an
            # unclosed socket (the ResourceWarning the suite printed at exit).
            get_session().close()


def test_django_example_login_then_hello_then_logout(
    django_client: tuple[FakeChattz, Any],
) -> None:
    """Logged out: a login link; Allow: "Hello, John Doe" on /; logout forgets the user."""
    fake, client = django_client
    before = client.get("/").content.decode()
    login = client.get("/login?next=/")
    back = client.get(path_of(fake.authorize(login["Location"])))
    hello = client.get("/").content.decode()
    token = client.cookies["__Host-csrftoken"].value
    client.post("/logout", {"csrfmiddlewaretoken": token})
    after = client.get("/").content.decode()
    assert (True, 303, "/", True, True, True) == (
        "Log in with Chattz" in before,
        back.status_code,
        back["Location"],
        "Hello, John Doe" in hello,
        "123" in hello,
        "Log in with Chattz" in after,
    )


def test_django_example_links_a_second_chattz_account_with_its_form(
    django_client: tuple[FakeChattz, Any],
) -> None:
    """The page's "Link another Chattz account" form (POST, CSRF token) links Jane to John."""
    fake, client = django_client
    jane = fake.add_user(id=456, username="jane")
    client.get(path_of(fake.authorize(client.get("/login")["Location"])))
    hello = client.get("/").content.decode()
    form = re.search(r'<form method=post action="(/login/link)">.*?value=([\w-]+)>', hello)
    assert form is not None, hello
    by_get = client.get(form.group(1))
    started = client.post(form.group(1), {"csrfmiddlewaretoken": form.group(2)})
    back = client.get(path_of(fake.authorize(started["Location"], user=jane)))
    assert (405, 303, "/", True) == (
        by_get.status_code,
        back.status_code,
        back["Location"],
        "your Chattz user ids: 123, 456." in client.get("/").content.decode(),
    )


def test_django_example_deny_and_forged_callback_give_400(
    django_client: tuple[FakeChattz, Any],
) -> None:
    """Deny gives the 400 'Login cancelled' page; another browser's callback gives 400."""
    from django.test import Client

    fake, client = django_client
    denied = client.get(path_of(fake.authorize(client.get("/login")["Location"], approve=False)))
    forged = path_of(fake.authorize(Client().get("/login")["Location"]))
    refused = client.get(forged)
    assert (400, True, 400, True) == (
        denied.status_code,
        "Login cancelled" in denied.content.decode(),
        refused.status_code,
        "Login link not valid" in refused.content.decode(),
    )


def test_django_example_two_tabs_both_log_in(django_client: tuple[FakeChattz, Any]) -> None:
    """Two logins started in one browser both complete."""
    fake, client = django_client
    first, second = client.get("/login?next=/one"), client.get("/login?next=/two")
    answers = [
        client.get(path_of(fake.authorize(login["Location"])))["Location"]
        for login in (second, first)
    ]
    assert ["/two", "/one"] == answers


def test_django_example_settings_pass_django_checks() -> None:
    """`manage.py check` accepts the example's settings (run as shipped, in a subprocess)."""
    env = {
        **os.environ,
        "APP_SECRET_KEY": SECRET,
        "CHATTZ_CLIENT_ID": "id",
        "CHATTZ_CLIENT_SECRET": "secret",
        "CHATTZ_REDIRECT_URI": "https://app.example/callback",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=DJANGO_APP,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (0, "System check identified no issues (0 silenced).") == (
        out.returncode,
        out.stdout.strip(),
    )


def test_django_example_migrates_its_sqlite_database(tmp_path: Path) -> None:
    """`manage.py migrate` (what run.py does first) creates the accounts table as shipped."""
    env = {
        **os.environ,
        "APP_SECRET_KEY": SECRET,
        "APP_DATABASE": str(tmp_path / "db.sqlite3"),
        "CHATTZ_CLIENT_ID": "id",
        "CHATTZ_CLIENT_SECRET": "secret",
        "CHATTZ_REDIRECT_URI": "https://app.example/callback",
    }
    runs = [
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=DJANGO_APP,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for command in (["migrate", "--verbosity", "0"], ["showmigrations", "chattz_oauth_async"])
    ]
    assert ([0, 0], "chattz_oauth_async\n [X] 0001_initial") == (
        [run.returncode for run in runs],
        runs[1].stdout.strip(),
    )


# --- every cookie the examples set is __Host- when Secure on / --------------------------


def test_flask_example_cookies_are_host_prefixed_over_https(
    fake: FakeChattz, tmp_path: Path
) -> None:
    """Over https the Flask example's login and session cookies are Secure and __Host-."""
    chattz = fake.sync_session(redirect_uri="https://app.example/callback")
    fake.add_client("test-client", "test-secret", "https://app.example/callback")
    try:
        app = load_example("flask_app").create_app(
            chattz, SECRET, database_url=sqlite_url(tmp_path, sync=True)
        )
        with app.test_client() as client:
            base = "https://app.example"
            login = client.get(f"{base}/login")
            back = client.get(base + path_of(fake.authorize(login.headers["location"])))
            names = [h.split("=", 1)[0] for h in back.headers.getlist("Set-Cookie")]
            secure = ["Secure" in h for h in back.headers.getlist("Set-Cookie")]
    finally:
        chattz.close()
    assert (True, True, True, True) == (
        all(secure),
        login.headers["Set-Cookie"].startswith("__Host-chattz_login_"),
        all(name.startswith("__Host-") for name in names),
        "__Host-session" in names,
    )


@ASYNCIO
async def test_fastapi_example_cookies_are_host_prefixed_over_https(
    fake: FakeChattz, tmp_path: Path
) -> None:
    """Over https the FastAPI example's login and session cookies are Secure and __Host-."""
    fake.add_client("test-client", "test-secret", "https://app.example/callback")
    async with fake.session(redirect_uri="https://app.example/callback") as chattz:
        app = load_example("fastapi_app").create_app(
            chattz, SECRET, database_url=sqlite_url(tmp_path)
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="https://app.example") as c,
        ):
            login = await c.get("/login")
            back = await c.get(fake.authorize(login.headers["location"]))
            home = await c.get("/")
    headers = login.headers.get_list("set-cookie") + back.headers.get_list("set-cookie")
    assert (True, True, True) == (
        all(h.startswith("__Host-") and "secure" in h.lower() for h in headers),
        any(h.startswith("__Host-session=") for h in headers),
        "Signed in as John Doe" in home.text,
    )
