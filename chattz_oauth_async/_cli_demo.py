"""``chattz-oauth demo``: the whole flow against a fake Chattz on loopback.

Without ``--browser`` it plays both the browser and "your app" in this
process and prints each step, then signs the user in to a local account in a
throwaway SQLite database (twice: the first login creates the account, the
second finds it) when SQLAlchemy is installed
(``pip install 'chattz_oauth_async[sqlalchemy]'``). With ``--browser`` it
serves a small local site with a "Log in with Chattz" button.
"""

from __future__ import annotations

import argparse
import html
import http.cookies
import importlib.util
import secrets
import tempfile
import threading
import webbrowser
from collections.abc import Callable
from typing import Any, Final, TextIO
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

from ._async.session import AsyncChattzOAuth
from ._cli_common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    describe_expiry,
    describe_time,
    describe_user,
    failure_reason,
    port_number,
    redact_url,
    seconds,
)
from ._loopback import LoopbackHTTPServer, QuietHandler
from ._sync.session import ChattzOAuth
from .errors import ChattzOAuthError
from .login import LoginRequest
from .models import ChattzUser
from .testing import FakeChattz, parse_form

__all__ = ["add_demo_command", "run_demo"]

_SEALED_COOKIE: Final = "chattz_demo_login"
#: What ``--browser`` waits for by default, in seconds.
_BROWSER_TIMEOUT: Final = 300.0
#: What each sign-in outcome means, in words ({user} is the local user id).
_OUTCOMES: Final = {
    "created": "a new local user {user} was created",
    "signed_in": "the same local user {user} signed in",
    "linked": "the Chattz account was linked to local user {user}",
}


def add_demo_command(commands: Any) -> None:
    """Add the ``demo`` subcommand to the command line's subparsers."""
    demo = commands.add_parser(
        "demo",
        help="run the whole login flow against a fake Chattz on loopback",
        description=(
            "Run the whole documented login against a fake Chattz provider served on "
            "loopback, over real HTTP, and print each step with secrets redacted. This "
            'process plays both the browser and "your app"; with SQLAlchemy installed it '
            "also signs the user in to a local account in a throwaway SQLite database. "
            "--browser does it in your own browser instead, through a small local site."
        ),
    )
    demo.add_argument(
        "--browser", action="store_true", help="do it in your browser through a local demo site"
    )
    demo.add_argument(
        "--no-open", action="store_true", help="with --browser: print the URL, open nothing"
    )
    demo.add_argument(
        "--port", type=port_number, help="with --browser: the demo site's port (a free one)"
    )
    demo.add_argument(
        "--timeout",
        type=seconds,
        help=f"with --browser: seconds to wait for you to log in ({_BROWSER_TIMEOUT:g})",
    )
    demo.set_defaults(run=run_demo)


async def _demo_flow(
    chattz: AsyncChattzOAuth, out: TextIO | None
) -> tuple[LoginRequest, ChattzUser]:
    """Run the documented flow, playing the browser with a separate plain HTTP client.

    Prints each step to ``out`` (nothing when None); returns the completed login and its user.
    """

    def step(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    login = chattz.start_login()
    step(f"1. Your app built the authorize URL (state and PKCE challenge): {redact_url(login.url)}")
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        page = await browser.get(login.url)
        if page.status_code != 200:
            raise CommandError(f"the authorize page answered HTTP {page.status_code}")
        action, _, fields, _ = parse_form(page.text)
        step(
            f"2. Browser: GET /oauth/authorize -> {page.status_code}, the consent page "
            f"(signed in to Chattz as {_page_user(page.text)})"
        )
        answer = await browser.post(
            urljoin(login.url, action), data={**fields, "decision": "allow"}
        )
        location = answer.headers.get("location")
        if answer.status_code != 302 or not location:
            raise CommandError(f"clicking Allow answered HTTP {answer.status_code}, no redirect")
        step(
            f'3. Browser: clicked "Allow" -> {answer.status_code} to {redact_url(location)} '
            "(handed to your app here: nothing listens on that address)"
        )
    token = await chattz.complete_login(location, login)
    step(
        "4. Your app parsed the callback, checked the state, exchanged the code: "
        f"access token <redacted>, {describe_expiry(token)}"
    )
    user = await chattz.userinfo(token)
    step("5. Your app: GET /oauth/userinfo with the Bearer token")
    step(f"User: {describe_user(user)}")
    return login, user


async def _demo_accounts(
    chattz: AsyncChattzOAuth, completed: tuple[LoginRequest, ChattzUser], out: TextIO
) -> None:
    """Sign the login's user in to a local account in a throwaway SQLite file, then log in again."""
    if (
        importlib.util.find_spec("sqlalchemy") is None
        or importlib.util.find_spec("aiosqlite") is None
    ):
        print(
            "6. Local accounts: skipped (pip install 'chattz_oauth_async[sqlalchemy]' to see them)",
            file=out,
            flush=True,
        )
        return
    # SQLAlchemy is an optional extra: imported only when installed.
    from sqlalchemy.ext.asyncio import create_async_engine

    from .accounts import AsyncAccounts
    from .accounts.sqlalchemy import AsyncSQLAlchemyStore

    with tempfile.TemporaryDirectory(prefix="chattz-demo-") as folder:
        engine = create_async_engine(f"sqlite+aiosqlite:///{folder}/accounts.db")
        try:
            store = AsyncSQLAlchemyStore(engine)
            await store.create_tables()
            accounts = AsyncAccounts(store)
            login, user = completed
            first = await accounts.sign_in(user, login=login)
            print(
                f"6. Local account (SQLite): {_outcome(first.outcome.value, first.user_id)}, "
                f"linked to Chattz id {first.account.chattz_id} (never to the e-mail)",
                file=out,
                flush=True,
            )
            login, user = await _demo_flow(chattz, None)
            again = await accounts.sign_in(user, login=login)
            print(
                f"7. Logged in again: {_outcome(again.outcome.value, again.user_id)}, "
                f"profile refreshed at {describe_time(again.account.last_login_at)}",
                file=out,
                flush=True,
            )
        finally:
            await engine.dispose()


def _outcome(value: str, user_id: object) -> str:
    return _OUTCOMES.get(value, value + " (user {user})").format(user=user_id)


def _page_user(page: str) -> str:
    marker = "Signed in as "
    start = page.find(marker) + len(marker)
    return html.unescape(page[start : page.find("<", start)])


def run_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Run the demo (in-process, or ``--browser``); exit status 0."""
    if args.browser:
        return _run_browser_demo(args, out)
    given = [
        flag
        for flag, value in (("--port", args.port), ("--timeout", args.timeout))
        if value is not None
    ] + (["--no-open"] if args.no_open else [])
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise CommandError(
            f"{' and '.join(given)} only {verb} to demo --browser (the demo without it "
            "runs at once in this process and waits for nobody)",
            EXIT_USAGE,
        )
    fake = FakeChattz()
    with fake.serve() as server:
        print(
            f"Chattz OAuth demo against a fake Chattz provider at {server.base_url} "
            "(real HTTP on loopback).",
            file=out,
        )
        print(
            'This process plays both the browser and "your app": your app\'s redirect URI '
            f"{fake.client.redirect_uri} is only a name here, nothing listens on it.",
            file=out,
            flush=True,
        )

        async def flow() -> None:
            async with fake.session(real_http=True, pkce=True) as chattz:
                await _demo_accounts(chattz, await _demo_flow(chattz, out), out)

        anyio.run(flow)
    print("Done: the whole flow worked.", file=out)
    print(
        f'Next: run "{args.prog} demo --browser" to click through it in your browser, or '
        f'"{args.prog} fake" to point your own app at this fake (see docs/getting-started.md).',
        file=out,
        flush=True,
    )
    return EXIT_OK


def _browser_handler(
    chattz: ChattzOAuth, key: bytes, finish: Callable[[str | None, str], None]
) -> type[QuietHandler]:
    """The demo site's request handler: a login button, /login and /callback."""

    def page(title: str, body: str) -> bytes:
        return (
            f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
        ).encode()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            html_type = [("Content-Type", "text/html; charset=utf-8")]
            if path == "/":
                body = page(
                    "Chattz OAuth demo",
                    "<h1>Chattz OAuth demo</h1>\n"
                    '<form method="get" action="/login">'
                    '<button type="submit">Log in with Chattz</button></form>',
                )
                self.answer(200, html_type, body)
            elif path == "/login":
                login = chattz.start_login()
                cookie = f"{_SEALED_COOKIE}={login.seal(key)}; HttpOnly; SameSite=Lax; Path=/"
                self.answer(302, [("Location", login.url), ("Set-Cookie", cookie)], b"")
            elif path == "/callback":
                self._callback(html_type)
            else:
                self.answer(404, html_type, page("Not found", "<h1>Not found</h1>"))

        def _callback(self, html_type: list[tuple[str, str]]) -> None:
            jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
            sealed = jar[_SEALED_COOKIE].value if _SEALED_COOKIE in jar else ""
            try:
                login = LoginRequest.unseal(sealed, key) if sealed else None
                token = chattz.complete_login(self.path, login)
                user = chattz.userinfo(token)
            except ChattzOAuthError as exc:
                reason = failure_reason(exc)
                body = f"<h1>Login failed</h1>\n<p>{html.escape(reason)}</p>"
                self.answer(400, html_type, page("Login failed", body))
                finish(f"login failed: {reason}", "")
                return
            text = f"Signed in as {describe_user(user)}; access token {describe_expiry(token)}."
            body = (
                f"<h1>Welcome, {html.escape(user.display_name)}!</h1>\n<p>{html.escape(text)}</p>"
            )
            self.answer(
                200, html_type, page("Signed in", body + "\n<p>You can close this tab.</p>")
            )
            finish(None, text)

    return Handler


def _run_browser_demo(args: argparse.Namespace, out: TextIO) -> int:
    fake = FakeChattz()
    done = threading.Event()
    outcome: list[tuple[str | None, str]] = []

    def finish(error: str | None, text: str) -> None:
        if not done.is_set():
            outcome.append((error, text))
            done.set()

    with fake.serve() as server:
        # Bind first: the redirect URI registered with the fake needs the port.
        site = _listen(args.port or 0)
        try:
            client = fake.add_client(
                "demo-app", secrets.token_urlsafe(24), f"{site.base_url}/callback"
            )
            chattz = ChattzOAuth(
                client.client_id,
                client.client_secret,
                client.redirect_uri,
                base_url=server.base_url,
                pkce=True,
            )
            site.RequestHandlerClass = _browser_handler(chattz, secrets.token_bytes(32), finish)
            site.start_thread("chattz-demo-site")
            with chattz:
                print(f"Fake Chattz provider: {server.base_url}", file=out)
                print(f"Demo site: open {site.base_url}/ in your browser", file=out, flush=True)
                if not args.no_open:
                    webbrowser.open(f"{site.base_url}/")
                timeout = _BROWSER_TIMEOUT if args.timeout is None else args.timeout
                if not done.wait(timeout):
                    raise CommandError(f"nobody logged in within {timeout:g} s (timed out)")
        finally:
            site.stop_thread()
    error, text = outcome[0]
    if error is not None:
        raise CommandError(error)
    print(text, file=out)
    print("Done: the whole flow worked in the browser.", file=out)
    print(
        f'Next: run "{args.prog} fake" to point your own app at this fake provider '
        "(see docs/getting-started.md).",
        file=out,
        flush=True,
    )
    return EXIT_OK


def _listen(port: int) -> LoopbackHTTPServer:
    """The demo site's socket, bound first: the redirect URI registered with the fake needs it."""
    try:
        # SO_REUSEADDR: --port 8080 again within a minute finds the port in TIME_WAIT.
        return LoopbackHTTPServer("127.0.0.1", port, QuietHandler, reuse_address=True)
    except OSError as exc:
        raise CommandError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
