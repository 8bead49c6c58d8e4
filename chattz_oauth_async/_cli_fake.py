"""``chattz-oauth fake``: serve the fake Chattz provider on loopback until stopped.

It prints the ``CHATTZ_*`` settings to use as one ``export ...`` line to paste
into the shell that runs your app (test values, not secrets: this provider
exists only on your machine), with a redirect URI for a web app on
port 8000 unless ``--redirect-uri`` says otherwise, then serves until Ctrl-C
or SIGTERM and exits 0. Each request is logged as one line: method, path and
status, never a query, a form, a code or a token.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
import threading
from types import FrameType
from typing import Any, Final, TextIO

from ._cli_common import EXIT_OK, EXIT_USAGE, CommandError, port_number, redirect_uri
from .errors import ChattzOAuthError
from .protocol import ClientConfig, is_loopback_host
from .testing import FakeChattz, FakeResponse, FakeServer

__all__ = ["add_fake_command"]

#: The redirect URI the fake registers unless told otherwise: a web app's on port 8000.
DEFAULT_REDIRECT_URI: Final = "http://127.0.0.1:8000/callback"
#: The longest token lifetime accepted: a year.
_MAX_LIFETIME: Final = 365 * 86400
#: Longest path the request log shows.
_MAX_LOGGED_PATH: Final = 200


def _lifetime(text: str) -> int:
    """An ``argparse`` type: a token lifetime, whole seconds from 1 to a year."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value <= _MAX_LIFETIME:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of seconds from 1 to {_MAX_LIFETIME} (a year), such as "
            f"3600, not {text!r}"
        )
    return value


def add_fake_command(commands: Any) -> None:
    """Add the ``fake`` subcommand to the command line's subparsers."""
    fake = commands.add_parser(
        "fake",
        help="serve a fake Chattz provider on loopback until Ctrl-C",
        description=(
            "Serve the fake Chattz provider over HTTP on a loopback address until Ctrl-C "
            "(or SIGTERM), printing the CHATTZ_* settings to use and one line per request "
            "(method, path, status). Its consent page signs you in as the documentation's "
            "example user, johndoe."
        ),
    )
    fake.add_argument("--host", default="127.0.0.1", help="a loopback address (127.0.0.1)")
    fake.add_argument(
        "--port", type=port_number, default=9000, help="the port (9000; 0 picks a free one)"
    )
    fake.add_argument("--client-id", default="test-client", help="(test-client)")
    fake.add_argument("--client-secret", default="test-secret", help="(test-secret)")
    fake.add_argument(
        "--redirect-uri",
        type=redirect_uri,
        default=DEFAULT_REDIRECT_URI,
        help=(
            "the one redirect URI registered for the client: your app's callback "
            f"({DEFAULT_REDIRECT_URI}; http://127.0.0.1:8765/callback for the login command)"
        ),
    )
    fake.add_argument(
        "--auto-approve", action="store_true", help="skip the consent page: approve at once"
    )
    fake.add_argument(
        "--refresh-tokens",
        action="store_true",
        help="issue refresh tokens (rotated at each refresh) and accept the refresh_token grant",
    )
    fake.add_argument(
        "--token-lifetime",
        type=_lifetime,
        default=3600,
        metavar="SECONDS",
        help="expires_in of access tokens (3600); short ones let a worker's refresh be seen",
    )
    fake.add_argument("--quiet", action="store_true", help="log no requests")
    fake.set_defaults(run=run_fake)


class _Stop(Exception):
    """SIGTERM arrived: stop serving."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _logged(fake: FakeChattz, out: TextIO) -> Any:
    """The fake's handler, printing ``METHOD /path -> status`` for each request."""
    lock = threading.Lock()

    def handle(method: str, target: str, headers: Any, body: bytes) -> FakeResponse:
        answer = fake.handle(method, target, headers, body)
        path = target.partition("?")[0].partition("#")[0][:_MAX_LOGGED_PATH]
        shown = "".join(ch if ch.isprintable() and not ch.isspace() else "?" for ch in path)
        status = "connection dropped" if answer.drop else str(answer.status)
        with lock:
            print(f"{method[:16]} {shown} -> {status}", file=out, flush=True)
        return answer

    return handle


def run_fake(args: argparse.Namespace, out: TextIO) -> int:
    """Serve until SIGINT or SIGTERM; exit status 0."""
    if not is_loopback_host(args.host):
        raise CommandError(f"--host must be a loopback address (got {args.host!r})", EXIT_USAGE)
    try:
        ClientConfig(args.client_id, args.client_secret, args.redirect_uri)
    except ChattzOAuthError as exc:
        raise CommandError(f"bad settings: {exc}", EXIT_USAGE) from None
    fake = FakeChattz(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uri=args.redirect_uri,
        auto_approve=args.auto_approve,
        issue_refresh_tokens=args.refresh_tokens,
        token_lifetime=args.token_lifetime,
    )
    handler = fake.handle if args.quiet else _logged(fake, out)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        server = FakeServer(handler, args.host, args.port, reuse_address=True)
        try:
            server.start()
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
            ) from None
        # The settings are printed inside the suppress: a Ctrl-C that comes as
        # soon as they are read must still end the command cleanly.
        with server, contextlib.suppress(KeyboardInterrupt, _Stop):
            _print_settings(fake, server, args, out)
            threading.Event().wait()
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    print("Stopped.", file=out, flush=True)
    return EXIT_OK


def _print_settings(
    fake: FakeChattz, server: FakeServer, args: argparse.Namespace, out: TextIO
) -> None:
    client = fake.client
    print(f"Fake Chattz provider at {server.base_url} (Ctrl-C to stop)", file=out)
    settings = {
        "CHATTZ_BASE_URL": server.base_url,
        "CHATTZ_CLIENT_ID": client.client_id,
        "CHATTZ_CLIENT_SECRET": client.client_secret,
        "CHATTZ_REDIRECT_URI": client.redirect_uri,
    }
    print("Paste this line in the shell that runs your app:", file=out)
    line = " ".join(f"{name}={shlex.quote(value)}" for name, value in settings.items())
    print(f"export {line}", file=out)
    tokens = f"access tokens last {args.token_lifetime} s; " + (
        "refresh tokens are issued (rotated at each refresh)"
        if args.refresh_tokens
        else "no refresh tokens (--refresh-tokens to issue them)"
    )
    print(f"Tokens: {tokens}.", file=out)
    if not args.quiet:
        print("Requests (method, path, status):", file=out)
    out.flush()
    sys.stdout.flush()
