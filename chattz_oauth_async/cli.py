"""The command line: ``python -m chattz_oauth_async demo``, ``login`` and ``fake``.

``demo`` runs the whole documented flow against a fake Chattz served on a
loopback port over real HTTP, and prints each step. ``demo --browser`` does it
in your browser, through a small local site with a "Log in with Chattz" button.

``login`` is for bot and worker developers: it signs you in against the real
provider through a loopback redirect URI registered with Chattz (for example
``http://127.0.0.1:8765/callback``), prints the user and can save the token.

``fake`` serves the fake provider on loopback until Ctrl-C, so that ``login``,
other languages' clients or a local stack can be tried against it; it prints
its base URL and its (test) client credentials.

Exit status: 0 on success, 1 when the login fails (denied, timed out, port in
use, state mismatch, provider or network error), 2 for bad usage or settings.
``demo`` and ``login`` never print the client secret, a code or a token.

Importing :mod:`chattz_oauth_async` does not import this module.
"""

from __future__ import annotations

import argparse
import errno
import hmac
import json
import os
import queue
import sys
import threading
import webbrowser
from collections.abc import Callable, Sequence
from typing import TextIO
from urllib.parse import parse_qsl, urlsplit

from ._cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    describe_expiry,
    describe_user,
    failure_reason,
    redact_url,
    small_page,
)
from ._cli_demo import run_demo
from ._cli_fake import add_fake_command
from ._loopback import LoopbackHTTPServer, QuietHandler
from ._sync.session import ChattzOAuth
from .errors import ChattzOAuthError, ConfigurationError
from .models import Token
from .protocol import DEFAULT_BASE_URL, is_loopback_host

__all__ = ["main"]

_HTML_TYPE = [("Content-Type", "text/html; charset=utf-8")]
_TRY_WITH_FAKE = """\
Try it without a Chattz account, against the fake provider:
  python -m chattz_oauth_async fake --port 9000        # in another terminal
  CHATTZ_CLIENT_SECRET=test-secret python -m chattz_oauth_async login \\
      --base-url http://127.0.0.1:9000 --client-id test-client \\
      --redirect-uri http://127.0.0.1:8765/callback
"""


def _setting(value: str | None, env: str, flag: str, *, required: bool = True) -> str:
    result = value or os.environ.get(env) or ""
    if required and not result:
        raise CommandError(f"missing {flag} (or the {env} environment variable)", EXIT_USAGE)
    return result


def _listen_address(redirect_uri: str) -> tuple[str, int, str]:
    """The host, port and path to listen on for a loopback redirect URI."""
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
                self.answer(404, _HTML_TYPE, small_page("Not found."))
            elif not belongs(self.path):
                message = "This request does not belong to the login in progress."
                self.answer(400, _HTML_TYPE, small_page(message))
            elif not taken.acquire(blocking=False):
                self.answer(409, _HTML_TYPE, small_page("Login already handled."))
            else:
                arrived.put(self.path)
                try:
                    message = replies.get(timeout=60)
                except queue.Empty:
                    message = "The command line did not answer."
                self.answer(200, _HTML_TYPE, small_page(message, "You can close this tab."))

    return Handler


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
                replies.put(f"Login failed: {failure_reason(exc)}.")
                raise CommandError(f"login failed: {failure_reason(exc)}") from None
            replies.put(f"Logged in as {user.display_name}.")
        finally:
            listener.stop_thread()
    print(f"Logged in as {describe_user(user)}", file=out)
    print(f"Access token {describe_expiry(token)}", file=out)
    if args.save:
        _save_token(args.save, token)
        print(f"Token saved to {args.save} (mode 0600)", file=out)
    return EXIT_OK


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
    demo.set_defaults(run=run_demo)
    login = commands.add_parser(
        "login",
        help="sign in to Chattz through a loopback redirect URI and show the user",
        description="Sign in to Chattz through a loopback redirect URI and show the user.",
        epilog=_TRY_WITH_FAKE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    add_fake_command(commands)
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
        print(f"error: login failed: {failure_reason(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, not a traceback, whatever went wrong
        print(f"error: {type(exc).__name__}: {redact_url(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
