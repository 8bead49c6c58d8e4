"""``chattz-oauth login``: sign in through a loopback redirect URI, show the user, save the token.

It listens on the redirect URI registered with Chattz (for example
``http://127.0.0.1:8765/callback``), hands the one callback that carries this
login's state to the session, and answers the browser's tab with the outcome:
200 when the login worked, 400 when it failed.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import hmac
import json
import os
import queue
import sys
import threading
import webbrowser
from typing import Any, Final, TextIO
from urllib.parse import parse_qsl, urlsplit

from ._cli_common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    describe_expiry,
    describe_user,
    failure_reason,
    seconds,
    small_page,
)
from ._loopback import LoopbackHTTPServer, QuietHandler
from ._sync.session import ChattzOAuth
from .errors import ChattzOAuthError, ConfigurationError
from .models import Token
from .protocol import DEFAULT_BASE_URL, is_loopback_host

__all__ = ["add_login_command"]

_HTML_TYPE: Final = [("Content-Type", "text/html; charset=utf-8")]
#: Seconds the callback page waits for the command's verdict.
_VERDICT_WAIT: Final = 60.0
_TRY_WITH_FAKE: Final = """\
Try it without a Chattz account, against the fake provider (its client's
redirect URI is http://127.0.0.1:8000/callback unless you give it another):
  {prog} fake --port 9000        # in another terminal
  CHATTZ_CLIENT_SECRET=test-secret {prog} login \\
      --base-url http://127.0.0.1:9000 --client-id test-client \\
      --redirect-uri http://127.0.0.1:8000/callback
"""


def add_login_command(commands: Any, prog: str) -> None:
    """Add the ``login`` subcommand to the command line's subparsers."""
    login = commands.add_parser(
        "login",
        help="sign in to Chattz through a loopback redirect URI and show the user",
        description=(
            "Sign in to Chattz through a loopback redirect URI registered with Chattz, show "
            "the user, and optionally save the token (for bots and workers). PKCE is on."
        ),
        epilog=_TRY_WITH_FAKE.format(prog=prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # No abbreviations: "--client-secret VALUE" must be refused, not read as a file name.
        allow_abbrev=False,
    )
    login.add_argument("--client-id", help="default: $CHATTZ_CLIENT_ID")
    # The secret itself as a flag is refused without repeating it (argparse's "unrecognized
    # arguments" would print it to the terminal or a CI log).
    login.add_argument("--client-secret", nargs="?", action=_NoSecretFlag, help=argparse.SUPPRESS)
    login.add_argument(
        "--client-secret-file",
        metavar="FILE",
        help="read the client secret from FILE's first line (- for standard input); "
        "default: $CHATTZ_CLIENT_SECRET. There is no flag for the secret itself: "
        "other users of the machine see a command's flags (ps)",
    )
    login.add_argument(
        "--redirect-uri",
        help="a loopback http:// URL registered with Chattz; default: $CHATTZ_REDIRECT_URI",
    )
    login.add_argument("--base-url", help="default: $CHATTZ_BASE_URL or https://chattz.net")
    login.add_argument(
        "--timeout", type=seconds, default=300, help="seconds to wait for the callback (300)"
    )
    login.add_argument(
        "--no-browser", action="store_true", help="only print the URL (headless machines)"
    )
    login.add_argument(
        "--pkce",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="use PKCE (S256); on unless --no-pkce",
    )
    login.add_argument("--save", metavar="FILE", help="write the token JSON there, mode 0600")
    login.set_defaults(run=run_login)


class _NoSecretFlag(argparse.Action):
    """``--client-secret VALUE``: refused, the value never shown."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        parser.error(
            "--client-secret is not accepted (every user of the machine sees a command's "
            "flags): set CHATTZ_CLIENT_SECRET or pass --client-secret-file FILE (- for "
            "standard input)"
        )


def _setting(value: str | None, env: str, flag: str, *, required: bool = True) -> str:
    result = value or os.environ.get(env) or ""
    if required and not result:
        raise CommandError(f"missing {flag} (or the {env} environment variable)", EXIT_USAGE)
    return result


def _client_secret(path: str | None, stdin: TextIO) -> str:
    """The client secret: the first line of ``path`` (``-``: ``stdin``), or the variable.

    Raises:
        CommandError: Neither given, or the file is unreadable or starts with an empty line.
    """
    if path is None:
        return _setting(None, "CHATTZ_CLIENT_SECRET", "--client-secret-file")
    try:
        if path == "-" and stdin.isatty():  # typed: asked for, and not echoed
            line = getpass.getpass("Chattz client secret: ")
        elif path == "-":
            line = stdin.readline()
        else:
            with open(path, encoding="utf-8-sig") as file:  # a BOM is not the secret's
                line = file.readline()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise CommandError(f"--client-secret-file {path!r}: {reason}", EXIT_USAGE) from None
    secret = line.strip()
    if not secret:  # the message never shows what the file holds
        raise CommandError(
            f"--client-secret-file {path!r}: its first line is empty (the secret goes there)",
            EXIT_USAGE,
        )
    return secret


def _listen_address(uri: str) -> tuple[str, int, str]:
    """The host, port and path to listen on for a loopback redirect URI."""
    try:
        parts = urlsplit(uri)
        port = parts.port or 80
    except ValueError:
        parts, port = urlsplit(""), 0
    if parts.scheme != "http" or not is_loopback_host(parts.hostname):
        raise CommandError(
            "--redirect-uri must be a loopback http:// URL registered with Chattz, such as "
            f"http://127.0.0.1:8765/callback (got {uri!r})",
            EXIT_USAGE,
        )
    return str(parts.hostname), port, parts.path or "/"


def _check_save_path(path: str | None) -> None:
    """Refuse a --save target that cannot be written, before the login starts."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CommandError(f"--save {path!r} is a folder: give a file name", EXIT_USAGE)
    if not os.path.isdir(folder):
        raise CommandError(f"--save {path!r}: the folder {folder!r} does not exist", EXIT_USAGE)
    if not os.access(folder, os.W_OK):
        raise CommandError(f"--save {path!r}: the folder {folder!r} is not writable", EXIT_USAGE)


def _callback_handler(
    path: str,
    state: str,
    arrived: queue.Queue[str],
    verdicts: queue.Queue[tuple[int, str]],
) -> type[QuietHandler]:
    """Hand the one callback carrying this login's ``state`` to the command; refuse the rest.

    Any web page can make the browser send a request to a loopback port (an
    ``<img>`` is enough), so a request that does not carry exactly this
    state is answered 400 and the command keeps waiting. The callback's own
    page answers with the command's verdict: 200 when the login worked, 400
    when it failed.
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
                    status, message = verdicts.get(timeout=_VERDICT_WAIT)
                except queue.Empty:
                    status, message = 500, "The command line did not answer."
                self.answer(status, _HTML_TYPE, small_page(message, "You can close this tab."))

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


def _listen(host: str, port: int, handler: type[QuietHandler]) -> LoopbackHTTPServer:
    try:
        # SO_REUSEADDR: running the command again within a minute finds the port in
        # TIME_WAIT (the last callback's connection), which is not "in use".
        return LoopbackHTTPServer(host, port, handler, reuse_address=True)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                f"cannot listen on {host}:{port}: the port is in use "
                "(stop the program using it, or register another redirect URI)"
            ) from None
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def run_login(args: argparse.Namespace, out: Any) -> int:
    """Sign in once; exit status 0, 1 when the login fails, 2 for bad settings."""
    client_id = _setting(args.client_id, "CHATTZ_CLIENT_ID", "--client-id")
    client_secret = _client_secret(args.client_secret_file, sys.stdin)
    uri = _setting(args.redirect_uri, "CHATTZ_REDIRECT_URI", "--redirect-uri")
    base_url = (
        _setting(args.base_url, "CHATTZ_BASE_URL", "--base-url", required=False) or DEFAULT_BASE_URL
    )
    host, port, path = _listen_address(uri)
    _check_save_path(args.save)
    try:
        chattz = ChattzOAuth(client_id, client_secret, uri, base_url=base_url, pkce=args.pkce)
    except ConfigurationError as exc:
        raise CommandError(f"bad settings: {exc}", EXIT_USAGE) from None
    arrived: queue.Queue[str] = queue.Queue()
    verdicts: queue.Queue[tuple[int, str]] = queue.Queue()
    with chattz:
        login = chattz.start_login()
        listener = _listen(host, port, _callback_handler(path, login.state, arrived, verdicts))
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
                verdicts.put((400, f"Login failed: {failure_reason(exc)}."))
                raise CommandError(f"login failed: {failure_reason(exc)}") from None
            verdicts.put((200, f"Logged in as {user.display_name}."))
        finally:
            listener.stop_thread()
    print(f"Logged in as {describe_user(user)}", file=out)
    print(f"Access token {describe_expiry(token)}", file=out)
    if args.save:
        _save_token(args.save, token)
        print(f"Token saved to {args.save} (mode 0600)", file=out)
    return EXIT_OK
