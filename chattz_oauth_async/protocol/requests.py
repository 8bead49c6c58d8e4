"""Building what the client sends: the authorize URL, the token, refresh and userinfo requests."""

from __future__ import annotations

from typing import Final

import attrs

from .. import _checks as checks
from ..errors import ConfigurationError
from ._text import form_quote, query_quote, visible_ascii
from .config import ClientConfig
from .pkce import code_challenge as _s256_challenge

__all__ = [
    "RESERVED_AUTHORIZE_PARAMS",
    "HTTPRequest",
    "authorize_url",
    "refresh_request",
    "token_request",
    "userinfo_request",
]

#: Parameters that authorize_url() sets itself and that extras may not override.
RESERVED_AUTHORIZE_PARAMS: Final = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
)
_FORM_HEADERS: Final = (
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Accept", "application/json"),
)


@attrs.frozen(repr=False)
class HTTPRequest:
    """A request to send, as plain values: method, URL, headers and body."""

    method: str = attrs.field(validator=checks.validator(checks.text))
    url: str = attrs.field(validator=checks.validator(checks.text))
    headers: tuple[tuple[str, str], ...] = attrs.field(validator=checks.validator(checks.pairs))
    body: bytes = attrs.field(
        default=b"", validator=checks.validator(checks.instance, kind=bytes, what="bytes")
    )

    def __repr__(self) -> str:
        # The body holds the client secret or a code; headers may hold a token.
        names = [name for name, _ in self.headers]
        return f"HTTPRequest({self.method} {self.url}, headers={names}, body=<redacted>)"


def authorize_url(
    config: ClientConfig,
    state: str,
    /,
    *,
    code_challenge: str | None = None,
    **extra: str,
) -> str:
    """Build the URL to send the user's browser to.

    Args:
        config: The client.
        state: The CSRF state to bind to this login (see :func:`new_state`).
        code_challenge: The PKCE S256 challenge, when PKCE is on.
        **extra: Further query parameters (``scope``, ``prompt``...).

    Raises:
        ConfigurationError: ``state`` is empty or cannot be encoded, an extra
            is not a string or names a parameter the library sets
            (``response_type``, ``client_id``, ``redirect_uri``, ``state``,
            ``code_challenge``, ``code_challenge_method``).
    """
    if not isinstance(state, str) or not state:
        raise ConfigurationError("state must be a non-empty string (use new_state())")
    url = f"{config.authorize_prefix}&state={query_quote(state, 'state')}"
    if code_challenge is not None:
        if not isinstance(code_challenge, str) or not visible_ascii(code_challenge):
            raise ConfigurationError("code_challenge must be a non-empty printable string")
        url += f"&code_challenge={query_quote(code_challenge, 'code_challenge')}"
        url += "&code_challenge_method=S256"
    for key, value in extra.items():
        if key in RESERVED_AUTHORIZE_PARAMS:
            raise ConfigurationError(
                f"authorize_url() sets {key!r} itself (PKCE: use the code_challenge "
                "argument, S256 only)"
            )
        if not key or not isinstance(value, str):
            raise ConfigurationError(
                f"query parameter {key!r} must be a non-empty name and a string"
            )
        what = f"query parameter {key!r}"
        url += f"&{query_quote(key, what)}={query_quote(value, what)}"
    return url


def _check_secret_value(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string")
    return value


def token_request(
    config: ClientConfig, code: str, *, code_verifier: str | None = None
) -> HTTPRequest:
    """Build the ``POST /oauth/token`` request that exchanges a code.

    The form carries grant_type, code, client_id, client_secret and
    redirect_uri exactly as documented (client_secret_post), plus
    ``code_verifier`` when PKCE is on. Secrets travel only in the body.

    Raises:
        ConfigurationError: ``code`` or ``code_verifier`` is empty or malformed.
    """
    code = form_quote(_check_secret_value("code", code), "the code")
    body = f"{config.token_form_prefix}&code={code}"
    if code_verifier is not None:
        _s256_challenge(code_verifier)  # validates the verifier's form
        body += f"&code_verifier={code_verifier}"
    return HTTPRequest("POST", config.token_endpoint, _FORM_HEADERS, body.encode())


def refresh_request(config: ClientConfig, refresh_token: str) -> HTTPRequest:
    """Build the ``POST /oauth/token`` request that refreshes a token (RFC 6749 section 6).

    Raises:
        ConfigurationError: The refresh token is empty or cannot be encoded
            (the message never shows it).
    """
    value = form_quote(_check_secret_value("refresh_token", refresh_token), "the refresh token")
    body = f"{config.refresh_form_prefix}&refresh_token={value}"
    return HTTPRequest("POST", config.token_endpoint, _FORM_HEADERS, body.encode())


def userinfo_request(config: ClientConfig, access_token: str) -> HTTPRequest:
    """Build the ``GET /oauth/userinfo`` request, token in the Authorization header only.

    Raises:
        ConfigurationError: The token is empty or not header-safe.
    """
    if not isinstance(access_token, str) or not visible_ascii(access_token):
        raise ConfigurationError("the access token must be a non-empty printable string")
    headers = (("Authorization", f"Bearer {access_token}"), ("Accept", "application/json"))
    return HTTPRequest("GET", config.userinfo_endpoint, headers)
