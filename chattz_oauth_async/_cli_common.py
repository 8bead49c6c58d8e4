"""What the command line's commands share: exit statuses, errors, and words for users and tokens."""

from __future__ import annotations

import argparse
import datetime
import html
import math
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import AuthorizationDenied, ChattzOAuthError, StateMismatchError
from .models import ChattzUser, Token
from .protocol import ClientConfig

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "MAX_SECONDS",
    "CommandError",
    "describe_expiry",
    "describe_time",
    "describe_user",
    "failure_reason",
    "port_number",
    "redact_url",
    "redirect_uri",
    "seconds",
    "small_page",
]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
#: Query parameters whose values are never printed.
_HIDDEN_PARAMS: Final = frozenset({"code", "state", "code_challenge", "access_token"})


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


def describe_time(when: float | datetime.datetime) -> str:
    """An instant the one way the commands print them: ``2026-12-06 08:57:24 UTC``."""
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime.fromtimestamp(when, datetime.UTC)
    elif when.tzinfo is not None:
        when = when.astimezone(datetime.UTC)
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"


def describe_expiry(token: Token) -> str:
    """When a token expires, in words."""
    if token.expires_at is None:
        return "expiry unknown (the provider sent no expires_in)"
    return f"expires in {token.expires_in} s, at {describe_time(token.expires_at)}"


def failure_reason(exc: ChattzOAuthError) -> str:
    """Why a login failed, in words (the caller says that it failed)."""
    if isinstance(exc, StateMismatchError):
        return f"state mismatch: {exc} (nothing was exchanged)"
    if isinstance(exc, AuthorizationDenied):
        return f"authorization denied ({exc})"
    return str(exc)


def small_page(*paragraphs: str) -> bytes:
    """A minimal HTML page of escaped paragraphs."""
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Chattz login</title></head>\n<body>{body}</body></html>\n"
    ).encode()


# --- argument types: each refuses a bad value with a sentence, before anything starts ---


def port_number(text: str) -> int:
    """An ``argparse`` type: a TCP port, 0 to 65535 (0 picks a free one)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be a port number from 0 to 65535 (0 picks a free one), not {text!r}"
        )
    return value


#: The longest wait a command accepts: a day (the standard library's waits overflow far beyond).
MAX_SECONDS: Final = 86400


def seconds(text: str) -> float:
    """An ``argparse`` type: a number of seconds greater than 0, at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds greater than 0 and at most {MAX_SECONDS} (a day), "
            f"such as 300, not {text!r}"
        )
    return value


def redirect_uri(text: str) -> str:
    """An ``argparse`` type: a redirect URI the library accepts (https, or http on loopback)."""
    try:
        ClientConfig("check", "check", text)
    except ChattzOAuthError as exc:
        raise argparse.ArgumentTypeError(
            "must be an absolute URL such as http://127.0.0.1:8000/callback or "
            f"https://app.example/callback, not {text!r} ({exc})"
        ) from None
    return text
