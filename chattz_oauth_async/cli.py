"""The command line: ``chattz-oauth`` (or ``python -m chattz_oauth_async``) demo, login, fake.

``demo`` runs the whole documented flow against a fake Chattz served on a
loopback port over real HTTP, and prints each step. ``demo --browser`` does it
in your browser, through a small local site with a "Log in with Chattz" button.

``login`` is for bot and worker developers: it signs you in against the real
provider through a loopback redirect URI registered with Chattz (for example
``http://127.0.0.1:8765/callback``), prints the user and can save the token.

``fake`` serves the fake provider on loopback until Ctrl-C, so that a web app
on your machine, ``login``, other languages' clients or a local stack can be
tried against it; it prints the ``CHATTZ_*`` settings to use and logs each
request (method, path, status).

Every argument is checked before anything starts. Exit status: 0 on success,
1 when the login fails (denied, timed out, port in use, state mismatch,
provider or network error), 2 for bad usage or settings. Errors are one
sentence on standard error. ``demo`` and ``login`` never print the client
secret, a code or a token.

Importing :mod:`chattz_oauth_async` does not import this module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Final, TextIO

from ._cli_common import EXIT_FAILED, CommandError, failure_reason, redact_url
from ._cli_demo import add_demo_command
from ._cli_fake import add_fake_command
from ._cli_login import add_login_command
from .errors import ChattzOAuthError

__all__ = ["PROG", "main"]

#: The console script's name: what ``--help`` shows unless told otherwise.
PROG: Final = "chattz-oauth"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The argument parser; ``prog`` is the command as the user typed it."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Chattz OAuth tools: see the login flow work (demo), sign in from a terminal "
            "(login), or serve a fake Chattz for your own app (fake)."
        ),
        epilog=f"Start with: {prog} demo",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('chattz_oauth_async')}"
    )
    parser.set_defaults(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_demo_command(commands)
    add_login_command(commands, prog)
    add_fake_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, prog: str = PROG) -> int:
    """Run the command line.

    Args:
        argv: The arguments (``sys.argv[1:]`` when None).
        out: Where to print progress (standard output when None); errors go
            to standard error as one line.
        prog: The command as typed, for help and hints: ``chattz-oauth``,
            or ``python -m chattz_oauth_async`` from ``__main__``.

    Returns:
        The exit status: 0 success, 1 failed login, 2 bad usage or settings.
    """
    args = build_parser(prog).parse_args(argv)
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
        detail = redact_url(str(exc)) or "no details"
        print(
            f"error: the command failed unexpectedly ({type(exc).__name__}: {detail}); "
            "this is a bug in chattz_oauth_async, please report it",
            file=sys.stderr,
        )
        return EXIT_FAILED
