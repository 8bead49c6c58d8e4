"""End to end in headless Chromium: the FastAPI and Django examples against FakeChattz over HTTP.

Each example is served by uvicorn on ``http://localhost:PORT`` (the FastAPI one
in a thread of this process, the Django project as shipped, in a subprocess
with its own settings) and the fake provider on ``http://127.0.0.1:PORT2``:
two different sites, so the browser applies SameSite to the login cookie for
real on the provider's redirect back. The tests log in (Allow, Deny, two tabs,
a forged callback), see the logged-in page, and log out with the page's own
button (both examples keep their accounts in SQLite, in a fresh temporary
folder; the FastAPI example's account page then sends the browser back to
the login).

Needs Debian's chromium (``apt-get install chromium``; path overridable with
CHATTZ_CHROMIUM) and the ``playwright`` package; never ``playwright install``.
Run with ``pytest -m browser tests/browser``. When either is missing the tests
skip, except when CI is set, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from chattz_oauth_async.testing import FakeChattz, FakeServer

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHATTZ_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
SCREENSHOT = Path(tempfile.gettempdir()) / "chattz_browser_logged_in_{}.png"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "fastapi_app.py"
CLIENT_ID, CLIENT_SECRET = "browser-client", "browser-secret"
APP_SECRET = "browser-test-secret-" * 2


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through playwright (skipped outside CI if missing)."""
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser tests must run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Sites:
    """The app's and the provider's base URLs, the fake itself, and the app's error-page link."""

    def __init__(
        self, name: str, app_url: str, fake: FakeChattz, provider: FakeServer, retry_link: str
    ) -> None:
        self.name = name
        self.app_url = app_url
        self.fake = fake
        self.provider_url = provider.base_url
        self.retry_link = retry_link


def _load_example() -> Any:
    spec = importlib.util.spec_from_file_location("example_fastapi_app_browser", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until(ready: Any, alive: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not ready():
        if time.monotonic() > deadline or not alive():
            raise RuntimeError(f"{what} did not start within 20 s")
        time.sleep(0.05)


@contextmanager
def _fastapi_example(app_url: str, sock: socket.socket) -> Iterator[str]:
    """The FastAPI example under uvicorn in a thread; its lifespan reads CHATTZ_* variables.

    Its accounts live in a SQLite file of a fresh temporary folder.
    """
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite+aiosqlite:///{Path(folder) / 'accounts.db'}"
        app = _load_example().create_app(secret_key=APP_SECRET, database_url=database)
        with _uvicorn_thread(app, sock):
            yield "Try again"


@contextmanager
def _uvicorn_thread(app: Any, sock: socket.socket) -> Iterator[None]:
    """Serve ``app`` on ``sock`` from a thread of this process until the block ends."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-e2e", daemon=True
    )
    thread.start()
    try:
        _wait_until(lambda: server.started, thread.is_alive, "uvicorn")
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop within 15 s"


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def _django_example(app_url: str, sock: socket.socket) -> Iterator[str]:
    """The Django example project as shipped, under uvicorn in a subprocess.

    Its accounts live in a SQLite file of a fresh temporary folder, migrated first.
    """
    port = sock.getsockname()[1]
    sock.close()  # the subprocess binds it again (the port stays free in between)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "APP_SECRET_KEY": APP_SECRET,
            "APP_DATABASE": str(Path(folder) / "db.sqlite3"),
            "DJANGO_DEBUG": "1",  # plain http on this machine
            "DJANGO_ALLOWED_HOSTS": "localhost",
        }
        project = EXAMPLES / "django_app"
        migrate = [sys.executable, "manage.py", "migrate", "--verbosity", "0"]
        subprocess.run(migrate, cwd=project, env=env, check=True, timeout=120)
        command = [sys.executable, "-m", "uvicorn", "chattz_site.asgi:application"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        process = subprocess.Popen(command, cwd=project, env=env)
        try:
            _wait_until(lambda: _accepts(port), lambda: process.poll() is None, "Django example")
            yield "Back to the site"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


EXAMPLE_SERVERS = {"fastapi": _fastapi_example, "django": _django_example}


@pytest.fixture(scope="module", params=sorted(EXAMPLE_SERVERS))
def sites(request: pytest.FixtureRequest, browser: Any) -> Iterator[Sites]:
    """FakeChattz on 127.0.0.1 and an example app on localhost (FastAPI, then Django).

    Asks for ``browser`` first so nothing is served when the tests skip.
    """
    sock = _free_port()
    app_url = f"http://localhost:{sock.getsockname()[1]}"
    fake = FakeChattz()
    fake.add_client(CLIENT_ID, CLIENT_SECRET, f"{app_url}/callback")
    with fake.serve(host="127.0.0.1", port=0) as provider, pytest.MonkeyPatch.context() as env:
        # Each example builds (and closes) its session from these.
        env.setenv("CHATTZ_CLIENT_ID", CLIENT_ID)
        env.setenv("CHATTZ_CLIENT_SECRET", CLIENT_SECRET)
        env.setenv("CHATTZ_REDIRECT_URI", f"{app_url}/callback")
        env.setenv("CHATTZ_BASE_URL", provider.base_url)
        with EXAMPLE_SERVERS[request.param](app_url, sock) as retry_link:
            yield Sites(request.param, app_url, fake, provider, retry_link)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (its own cookies) with bounded waits."""
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


def _pending_login_cookies(ctx: Any) -> list[str]:
    return [c["name"] for c in ctx.cookies() if c["name"].startswith("chattz_login_")]


def _answer_consent(sites: Sites, context: Any, button: str) -> tuple[Any, Any]:
    """Click "Log in with Chattz" on the app, then ``button`` on Chattz's consent page.

    Returns the page and the app's response to the callback.
    """
    page = context.new_page()
    page.goto(f"{sites.app_url}/")
    page.get_by_text("Log in with Chattz").click()
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    with page.expect_response(lambda r: "/callback" in r.url) as callback:
        page.get_by_role("button", name=button).click()
    return page, callback.value


def test_browser_login_allow_lands_logged_in(sites: Sites, context: Any) -> None:
    """Click "Log in with Chattz", Allow on Chattz, and land on / greeted as John."""
    page, callback = _answer_consent(sites, context, "Allow")
    page.wait_for_url(f"{sites.app_url}/")
    hello = page.locator("#hello").inner_text()
    page.screenshot(path=str(SCREENSHOT).format(sites.name), full_page=True)
    assert (303, "Hello, John Doe", []) == (
        callback.status,
        hello,
        _pending_login_cookies(context),
    )


def test_browser_login_cookie_attributes(sites: Sites, context: Any) -> None:
    """While the login is pending the browser holds one HttpOnly, SameSite=Lax cookie."""
    page = context.new_page()
    page.goto(f"{sites.app_url}/login")
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    [cookie] = [c for c in context.cookies() if c["name"].startswith("chattz_login_")]
    assert ("localhost", "/", True, "Lax") == (
        cookie["domain"],
        cookie["path"],
        cookie["httpOnly"],
        cookie["sameSite"],
    )


def test_browser_deny_shows_friendly_error_page(sites: Sites, context: Any) -> None:
    """Deny on the consent page leads to the app's friendly 400 page."""
    page, callback = _answer_consent(sites, context, "Deny")
    page.wait_for_load_state()
    assert (400, "Login cancelled", True) == (
        callback.status,
        page.locator("#error").inner_text(),
        page.get_by_role("link", name=sites.retry_link).is_visible(),
    )


def test_browser_two_tabs_started_before_either_completes_both_log_in(
    sites: Sites, context: Any
) -> None:
    """Two tabs open the consent page, then Allow in tab 2 and tab 1: both succeed."""
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.goto(f"{sites.app_url}/login")
        page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    assert 2 == len(_pending_login_cookies(context))
    statuses = []
    for page in (second, first):
        with page.expect_response(lambda r: "/callback" in r.url) as callback:
            page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{sites.app_url}/")
        statuses.append((callback.value.status, page.locator("#hello").inner_text()))
    assert [(303, "Hello, John Doe")] * 2 == statuses
    assert [] == _pending_login_cookies(context)


def test_browser_forged_callback_with_another_browsers_state_refused(
    sites: Sites, browser: Any, context: Any
) -> None:
    """An attacker's valid callback URL opened in the victim's browser gives 400."""
    mallory = sites.fake.add_user(id=666, username="mallory", first_name="Mallory")
    attacker = browser.new_context()
    attacker.set_default_timeout(TIMEOUT_MS)
    captured: list[str] = []

    def capture(route: Any) -> None:
        # Submit the consent form for the attacker, but keep the redirect back
        # (the callback URL with the attacker's code and state) unfollowed.
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        captured.append(answer.headers["location"])
        route.fulfill(status=200, body="captured")

    try:
        attacker.route(lambda url: url.startswith(f"{sites.provider_url}/oauth/authorize"), capture)
        page = attacker.new_page()
        page.goto(f"{sites.app_url}/login")
        page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
        page.evaluate(
            "id => { document.querySelector('input[name=user]').value = id }", str(mallory.id)
        )
        with page.expect_response(lambda r: r.request.method == "POST"):
            page.get_by_role("button", name="Allow").click()
    finally:
        attacker.close()
    [forged] = captured
    exchanges = sum(1 for r in sites.fake.requests if r.path == "/oauth/token")
    victim = context.new_page()
    victim.goto(f"{sites.app_url}/login")  # the victim has a login of their own going
    response = victim.goto(forged)
    assert (True, 400, "Login link not valid", exchanges) == (
        forged.startswith(f"{sites.app_url}/callback?"),
        response.status,
        victim.locator("#error").inner_text(),
        sum(1 for r in sites.fake.requests if r.path == "/oauth/token"),
    )
    victim.goto(f"{sites.app_url}/")
    assert True is victim.get_by_text("Log in with Chattz").is_visible()


def _redirects_to(response: Any) -> list[str]:
    """The URLs a navigation was redirected from, first asked first."""
    chain: list[str] = []
    request = response.request.redirected_from
    while request is not None:
        chain.insert(0, request.url)
        request = request.redirected_from
    return chain


def _session_cookies(ctx: Any) -> list[str]:
    return [c["name"] for c in ctx.cookies() if c["name"] in ("session", "__Host-session")]


@pytest.mark.parametrize("sites", ["fastapi"], indirect=True)
def test_browser_login_account_page_logout(sites: Sites, context: Any) -> None:
    """Alice opens /account, logs in, sees her name there, clicks Log out and is signed out."""
    alice = sites.fake.add_user(id=42, username="alice", first_name="Alice", last_name="Liddell")
    page = context.new_page()
    page.goto(f"{sites.app_url}/account")  # signed out: to /login?next=/account, then Chattz
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    page.evaluate(  # Alice is the one signed in at Chattz
        "id => { document.querySelector('input[name=user]').value = id }", str(alice.id)
    )
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{sites.app_url}/account")
    signed_in = (page.locator("#account").inner_text(), _session_cookies(context))
    with page.expect_response(lambda r: r.url.endswith("/logout")) as logout:
        page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{sites.app_url}/")
    home = page.get_by_text("Log in with Chattz").is_visible()
    again = page.goto(f"{sites.app_url}/account")
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    assert (("Alice Liddell", ["session"]), 303, True, []) == (
        signed_in,
        logout.value.status,
        home,
        _session_cookies(context),
    )
    assert [f"{sites.app_url}/account", f"{sites.app_url}/login?next=%2Faccount"] == (
        _redirects_to(again)
    )


@pytest.mark.parametrize("sites", ["django"], indirect=True)
def test_browser_django_login_page_logout(sites: Sites, context: Any) -> None:
    """Bob logs in to the Django example, sees his name, clicks Log out (POST, CSRF): signed out."""
    bob = sites.fake.add_user(id=43, username="bob", first_name="Bob", last_name="Brown")
    page = context.new_page()
    page.goto(f"{sites.app_url}/login")
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    page.evaluate(  # Bob is the one signed in at Chattz
        "id => { document.querySelector('input[name=user]').value = id }", str(bob.id)
    )
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{sites.app_url}/")
    signed_in = (page.locator("#hello").inner_text(), _django_session(context))
    with page.expect_response(lambda r: r.url.endswith("/logout")) as logout:
        page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{sites.app_url}/")
    assert (("Hello, Bob Brown", ["sessionid"]), 303, True, []) == (
        signed_in,
        logout.value.status,
        page.get_by_text("Log in with Chattz").is_visible(),
        _django_session(context),
    )


def _django_session(ctx: Any) -> list[str]:
    return [c["name"] for c in ctx.cookies() if c["name"] == "sessionid"]


def _sign_in_at_chattz_as(page: Any, user_id: int) -> None:
    """On Chattz's consent page: be ``user_id`` there, and Allow."""
    page.evaluate("id => { document.querySelector('input[name=user]').value = id }", str(user_id))
    page.get_by_role("button", name="Allow").click()


@pytest.mark.parametrize("sites", ["django"], indirect=True)
def test_browser_django_link_then_unlink_but_never_the_last(sites: Sites, context: Any) -> None:
    """Carol links Dan's Chattz account with the button, unlinks her first one, and the last
    one is refused (409) by its Unlink button: she keeps a way in."""
    carol = sites.fake.add_user(id=51, username="carol", first_name="Carol")
    dan = sites.fake.add_user(id=52, username="dan", first_name="Dan")
    page = context.new_page()
    page.goto(f"{sites.app_url}/login")
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    _sign_in_at_chattz_as(page, carol.id)
    page.wait_for_url(f"{sites.app_url}/")
    page.get_by_role("button", name="Link another Chattz account").click()
    page.wait_for_url(f"{sites.provider_url}/oauth/authorize**")
    _sign_in_at_chattz_as(page, dan.id)
    page.wait_for_url(f"{sites.app_url}/")
    linked = page.get_by_text("your Chattz user ids").inner_text()
    page.get_by_role("button", name="Unlink carol").click()
    page.wait_for_url(f"{sites.app_url}/")
    after = page.get_by_text("your Chattz user ids").inner_text()
    with page.expect_response(lambda r: r.url.endswith("/login/unlink")) as refused:
        page.get_by_role("button", name="Unlink dan").click()
    assert (True, True, 409, "Chattz account not unlinked") == (
        "51, 52" in linked,
        after.endswith("ids: 52."),
        refused.value.status,
        page.locator("#error").inner_text(),
    )
