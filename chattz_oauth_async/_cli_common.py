"""What the command line's commands share: exit statuses, errors, and words for users and tokens."""

from __future__ import annotations

import datetime
import html
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import AuthorizationDenied, ChattzOAuthError, StateMismatchError
from .models import ChattzUser, Token

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CommandError",
    "describe_expiry",
    "describe_user",
    "failure_reason",
    "redact_url",
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


def describe_expiry(token: Token) -> str:
    """When a token expires, in words."""
    if token.expires_at is None:
        return "expiry unknown (the provider sent no expires_in)"
    when = datetime.datetime.fromtimestamp(token.expires_at, datetime.UTC)
    return f"expires in {token.expires_in} s, at {when:%Y-%m-%d %H:%M:%S} UTC"


def failure_reason(exc: ChattzOAuthError) -> str:
    """Why a login failed, in words (the caller says that it failed)."""
    if isinstance(exc, StateMismatchError):
        return "state mismatch: the callback does not belong to this login (nothing was exchanged)"
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
