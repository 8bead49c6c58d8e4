"""The command line: ``python -m chattz_oauth_async demo`` and ``... login``.

``demo`` runs the whole documented flow against a fake Chattz served on a
loopback port over real HTTP, and prints each step. ``demo --browser`` does it
in your browser, through a small local site with a "Log in with Chattz" button.

``login`` is for bot and worker developers: it signs you in against the real
provider through a loopback redirect URI registered with Chattz (for example
``http://127.0.0.1:8765/callback``), prints the user and can save the token.

Exit status: 0 on success, 1 when the login fails (denied, timed out, port in
use, state mismatch, provider or network error), 2 for bad usage or settings.
Neither command ever prints the client secret, a code or a token.

Importing :mod:`chattz_oauth_async` does not import this module.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import hmac
import html
import http.cookies
import json
import os
import queue
import secrets
import sys
import threading
import webbrowser
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ._loopback import LoopbackHTTPServer, QuietHandler
from .errors import (
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    StateMismatchError,
)

if TYPE_CHECKING:
    from ._async.session import AsyncChattzOAuth
    from ._sync.session import ChattzOAuth
    from .models import ChattzUser, Token

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Query parameters whose values are never printed.
_HIDDEN_PARAMS = frozenset({"code", "state", "code_challenge", "access_token"})
_SEALED_COOKIE = "chattz_demo_login"
_HTML_TYPE = [("Content-Type", "text/html; charset=utf-8")]


class CommandError(Exception):
    """A failure to report as one line, with the exit status to use."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


def redact_url(url: str) -> str:
    """Show a URL with the values of secret-looking query parameters replaced."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    shown = urlencode(
        [(k, "<redacted>" if k in _HIDDEN_PARAMS else v) for k, v in pairs], safe="<>:/"
    )
    return urlunsplit(parts._replace(query=shown))


def describe_user(user: ChattzUser) -> str:
    """One line about a user (never their token)."""
    return (
        f"{user.display_name} (username {user.username}, id {user.id}, "
        f"email {user.email or 'not shared'})"
    )


def describe_expiry(token: Token) -> str:
    """When a token expires, in words."""
    if token.expires_at is None:
        return "expiry unknown (the provider sent no expires_in)"
    when = datetime.datetime.fromtimestamp(token.expires_at, datetime.UTC)
    return f"expires in {token.expires_in} s, at {when:%Y-%m-%d %H:%M:%S} UTC"


# --- demo ------------------------------------------------------------------------


async def _demo_flow(chattz: AsyncChattzOAuth, out: TextIO) -> None:
    """Run the documented flow, playing the browser with a separate plain HTTP client."""
    import httpx

    from .testing import parse_form

    def step(text: str) -> None:
        print(text, file=out, flush=True)

    login = chattz.start_login()
    step(f"1. Built the authorize URL (state and PKCE challenge): {redact_url(login.url)}")
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        page = await browser.get(login.url)
        if page.status_code != 200:
            raise CommandError(f"the authorize page answered HTTP {page.status_code}")
        action, _, fields, _ = parse_form(page.text)
        step(
            f"2. Browser: GET /oauth/authorize -> {page.status_code}, consent page "
            f"(signed in as {_page_user(page.text)})"
        )
        answer = await browser.post(
            urljoin(login.url, action), data={**fields, "decision": "allow"}
        )
        location = answer.headers.get("location")
        if answer.status_code != 302 or not location:
            raise CommandError(f"clicking Allow answered HTTP {answer.status_code}, no redirect")
        step(f'3. Browser: clicked "Allow" -> {answer.status_code} to {redact_url(location)}')
    token = await chattz.complete_login(location, login)
    step(
        "4. Parsed the callback, checked the state, exchanged the code: "
        f"access token <redacted>, {describe_expiry(token)}"
    )
    user = await chattz.userinfo(token)
    step("5. GET /oauth/userinfo with the Bearer token")
    step(f"User: {describe_user(user)}")


def _page_user(page: str) -> str:
    marker = "Signed in as "
    start = page.find(marker) + len(marker)
    return html.unescape(page[start : page.find("<", start)])


def _run_demo(args: argparse.Namespace, out: TextIO) -> int:
    if args.browser:
        return _run_browser_demo(args, out)
    import anyio

    from .testing import FakeChattz

    fake = FakeChattz()
    with fake.serve() as server:
        print(
            f"Chattz OAuth demo against a fake provider at {server.base_url} "
            "(real HTTP on loopback)",
            file=out,
            flush=True,
        )

        async def flow() -> None:
            async with fake.session(real_http=True, pkce=True) as chattz:
                await _demo_flow(chattz, out)

        anyio.run(flow)
    print("Done: the whole flow worked.", file=out, flush=True)
    return EXIT_OK


def _browser_handler(
    chattz: ChattzOAuth, key: bytes, finish: Callable[[str | None, str], None]
) -> type[QuietHandler]:
    """The demo site's request handler: a login button, /login and /callback."""
    from .login import LoginRequest

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
                reason = _failure(exc)
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
    from ._sync.session import ChattzOAuth
    from .testing import FakeChattz

    fake = FakeChattz()
    done = threading.Event()
    outcome: list[tuple[str | None, str]] = []

    def finish(error: str | None, text: str) -> None:
        if not done.is_set():
            outcome.append((error, text))
            done.set()

    with fake.serve() as server:
        # Bind first: the redirect URI registered with the fake needs the port.
        site = LoopbackHTTPServer("127.0.0.1", args.port, _placeholder_handler())
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
                if not done.wait(args.timeout):
                    raise CommandError(f"nobody logged in within {args.timeout:g} s (timed out)")
        finally:
            site.stop_thread()
    error, text = outcome[0]
    if error is not None:
        raise CommandError(error)
    print(text, file=out)
    print("Done: the whole flow worked in the browser.", file=out, flush=True)
    return EXIT_OK


def _placeholder_handler() -> type[QuietHandler]:

    return QuietHandler


# --- login -----------------------------------------------------------------------


def _setting(value: str | None, env: str, flag: str, *, required: bool = True) -> str:
    result = value or os.environ.get(env) or ""
    if required and not result:
        raise CommandError(f"missing {flag} (or the {env} environment variable)", EXIT_USAGE)
    return result


def _listen_address(redirect_uri: str) -> tuple[str, int, str]:
    """The host, port and path to listen on for a loopback redirect URI."""
    from .protocol import is_loopback_host

    try:
        parts = urlsplit(redirect_uri)
        port = parts.port or 80
    except ValueError:
        parts, port = urlsplit(""), 0
    if parts.scheme != "http" or not is_loopback_host(parts.hostname):
        raise CommandError(
            "--redirect-uri must be a loopback http:// URL registered with Chattz, such as "
            f"http://127.0.0.1:8765/callback (got {redirect_uri!r})",
            EXIT_USAGE,
        )
    return str(parts.hostname), port, parts.path or "/"


def _callback_handler(
    path: str, state: str, arrived: queue.Queue[str], replies: queue.Queue[str]
) -> type[QuietHandler]:
    """Hand the one callback carrying this login's ``state`` to the command; refuse the rest.

    Any web page can make the browser send a request to a loopback port (an
    ``<img>`` is enough), so a request that does not carry exactly this
    state is answered 400 and the command keeps waiting.
    """
    taken = threading.Lock()

    def belongs(target: str) -> bool:
        states = [v for k, v in parse_qsl(urlsplit(target).query) if k == "state"]
        return len(states) == 1 and hmac.compare_digest(states[0].encode(), state.encode())

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path != path:
                self.answer(404, _HTML_TYPE, _small_page("Not found."))
            elif not belongs(self.path):
                message = "This request does not belong to the login in progress."
                self.answer(400, _HTML_TYPE, _small_page(message))
            elif not taken.acquire(blocking=False):
                self.answer(409, _HTML_TYPE, _small_page("Login already handled."))
            else:
                arrived.put(self.path)
                try:
                    message = replies.get(timeout=60)
                except queue.Empty:
                    message = "The command line did not answer."
                self.answer(200, _HTML_TYPE, _small_page(message, "You can close this tab."))

    return Handler


def _small_page(*paragraphs: str) -> bytes:
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Chattz login</title></head>\n<body>{body}</body></html>\n"
    ).encode()


def _save_token(path: str, token: Token) -> None:
    """Write the token JSON readable by the owner only (0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            json.dump(token.to_dict(), handle, indent=2)
            handle.write("\n")
    finally:
        if fd >= 0:
            os.close(fd)


def _run_login(args: argparse.Namespace, out: TextIO) -> int:
    from ._sync.session import ChattzOAuth
    from .protocol import DEFAULT_BASE_URL

    client_id = _setting(args.client_id, "CHATTZ_CLIENT_ID", "--client-id")
    client_secret = _setting(args.client_secret, "CHATTZ_CLIENT_SECRET", "--client-secret")
    redirect_uri = _setting(args.redirect_uri, "CHATTZ_REDIRECT_URI", "--redirect-uri")
    base_url = (
        _setting(args.base_url, "CHATTZ_BASE_URL", "--base-url", required=False) or DEFAULT_BASE_URL
    )
    host, port, path = _listen_address(redirect_uri)
    try:
        chattz = ChattzOAuth(
            client_id, client_secret, redirect_uri, base_url=base_url, pkce=args.pkce
        )
    except ConfigurationError as exc:
        raise CommandError(f"bad settings: {exc}", EXIT_USAGE) from None
    arrived: queue.Queue[str] = queue.Queue()
    replies: queue.Queue[str] = queue.Queue()
    with chattz:
        login = chattz.start_login()
        handler = _callback_handler(path, login.state, arrived, replies)
        try:
            listener = LoopbackHTTPServer(host, port, handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"cannot listen on {host}:{port}: the port is in use "
                    "(stop the program using it, or register another redirect URI)"
                ) from None
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        listener.start_thread("chattz-login-callback")
        try:
            print(f"Open this URL in your browser to log in:\n  {login.url}", file=out, flush=True)
            if not args.no_browser:
                webbrowser.open(login.url)
            print(
                f"Waiting for the callback on http://{host}:{port}{path} "
                f"(timeout {args.timeout:g} s)...",
                file=out,
                flush=True,
            )
            try:
                callback = arrived.get(timeout=args.timeout)
            except queue.Empty:
                raise CommandError(
                    f"no callback within {args.timeout:g} s (timed out); run the command again"
                ) from None
            try:
                token = chattz.complete_login(callback, login)
                user = chattz.userinfo(token)
            except ChattzOAuthError as exc:
                replies.put(f"Login failed: {_failure(exc)}.")
                raise CommandError(f"login failed: {_failure(exc)}") from None
            replies.put(f"Logged in as {user.display_name}.")
        finally:
            listener.stop_thread()
    print(f"Logged in as {describe_user(user)}", file=out)
    print(f"Access token {describe_expiry(token)}", file=out)
    if args.save:
        _save_token(args.save, token)
        print(f"Token saved to {args.save} (mode 0600)", file=out)
    return EXIT_OK


def _failure(exc: ChattzOAuthError) -> str:
    """Why a login failed, in words (the caller says that it failed)."""
    if isinstance(exc, StateMismatchError):
        return "state mismatch: the callback does not belong to this login (nothing was exchanged)"
    if isinstance(exc, AuthorizationDenied):
        return f"authorization denied ({exc})"
    return str(exc)


# --- entry point -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m chattz_oauth_async``."""
    parser = argparse.ArgumentParser(
        prog="python -m chattz_oauth_async", description="Chattz OAuth tools."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="run the whole login flow against a fake Chattz on loopback"
    )
    demo.add_argument(
        "--browser", action="store_true", help="do it in your browser through a local demo site"
    )
    demo.add_argument(
        "--no-open", action="store_true", help="with --browser: print the URL, open nothing"
    )
    demo.add_argument("--port", type=int, default=0, help="with --browser: the demo site's port")
    demo.add_argument(
        "--timeout", type=float, default=300, help="with --browser: seconds to wait (300)"
    )
    demo.set_defaults(run=_run_demo)
    login = commands.add_parser(
        "login", help="sign in to Chattz through a loopback redirect URI and show the user"
    )
    login.add_argument("--client-id", help="default: $CHATTZ_CLIENT_ID")
    login.add_argument(
        "--client-secret",
        help="default: $CHATTZ_CLIENT_SECRET (prefer the variable: flags show in ps)",
    )
    login.add_argument(
        "--redirect-uri",
        help="a loopback http:// URL registered with Chattz; default: $CHATTZ_REDIRECT_URI",
    )
    login.add_argument("--base-url", help="default: $CHATTZ_BASE_URL or https://chattz.net")
    login.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for the callback (300)"
    )
    login.add_argument(
        "--no-browser", action="store_true", help="only print the URL (headless machines)"
    )
    login.add_argument("--pkce", action="store_true", help="use PKCE (S256)")
    login.add_argument("--save", metavar="FILE", help="write the token JSON there, mode 0600")
    login.set_defaults(run=_run_login)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments (``sys.argv[1:]`` when None).
        out: Where to print progress (standard output when None); errors go
            to standard error as one line.

    Returns:
        The exit status: 0 success, 1 failed login, 2 bad usage or settings.
    """
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace, TextIO], int] = args.run
    try:
        return run(args, out or sys.stdout)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except ChattzOAuthError as exc:
        print(f"error: login failed: {_failure(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, not a traceback, whatever went wrong
        print(f"error: {type(exc).__name__}: {redact_url(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
