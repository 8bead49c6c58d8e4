"""``python -m chattz_oauth_async fake``: serve the fake Chattz provider on loopback until stopped.

It prints the base URL and the client credentials to use (test values, not
secrets: this provider exists only on your machine), then serves until Ctrl-C
or SIGTERM, and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from types import FrameType
from typing import Any, TextIO

from ._cli_common import EXIT_OK, EXIT_USAGE, CommandError
from .protocol import is_loopback_host
from .testing import FakeChattz

__all__ = ["add_fake_command"]

#: The redirect URI the fake registers unless told otherwise: the one ``login --help`` shows.
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"


def add_fake_command(commands: Any) -> None:
    """Add the ``fake`` subcommand to the command line's subparsers."""
    fake = commands.add_parser(
        "fake",
        help="serve a fake Chattz provider on loopback until Ctrl-C",
        description=(
            "Serve the fake Chattz provider over HTTP on a loopback address until Ctrl-C "
            "(or SIGTERM), printing its base URL and the client credentials to use. "
            "Its consent page signs you in as the documentation's example user, johndoe."
        ),
    )
    fake.add_argument("--host", default="127.0.0.1", help="a loopback address (127.0.0.1)")
    fake.add_argument("--port", type=int, default=9000, help="the port (9000; 0 picks a free one)")
    fake.add_argument("--client-id", default="test-client", help="(test-client)")
    fake.add_argument("--client-secret", default="test-secret", help="(test-secret)")
    fake.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help=f"the one redirect URI registered for the client ({DEFAULT_REDIRECT_URI})",
    )
    fake.add_argument(
        "--auto-approve", action="store_true", help="skip the consent page: approve at once"
    )
    fake.set_defaults(run=run_fake)


class _Stop(Exception):
    """SIGTERM arrived: stop serving."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def run_fake(args: argparse.Namespace, out: TextIO) -> int:
    """Serve until SIGINT or SIGTERM; exit status 0."""
    if not is_loopback_host(args.host):
        raise CommandError(f"--host must be a loopback address (got {args.host!r})", EXIT_USAGE)
    fake = FakeChattz(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uri=args.redirect_uri,
        auto_approve=args.auto_approve,
    )
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        server = fake.serve(args.host, args.port)
        try:
            server.start()
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror}"
            ) from None
        # The settings are printed inside the suppress: a Ctrl-C that comes as
        # soon as they are read must still end the command cleanly.
        with server, contextlib.suppress(KeyboardInterrupt, _Stop):
            print(f"Fake Chattz provider at {server.base_url} (Ctrl-C to stop)", file=out)
            print("Use these settings:", file=out)
            print(f"  CHATTZ_BASE_URL={server.base_url}", file=out)
            print(f"  CHATTZ_CLIENT_ID={fake.client.client_id}", file=out)
            print(f"  CHATTZ_CLIENT_SECRET={fake.client.client_secret}", file=out)
            print(f"  CHATTZ_REDIRECT_URI={fake.client.redirect_uri}", file=out, flush=True)
            threading.Event().wait()
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    print("Stopped.", file=out, flush=True)
    return EXIT_OK
