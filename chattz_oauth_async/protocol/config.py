"""The client's configuration: :class:`ClientConfig`, the provider's endpoints, URL checks."""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import SplitResult, urlsplit

import attrs

from ..errors import ConfigurationError, InsecureTransportError
from ._text import encodable, form_quote, query_quote, visible_ascii

__all__ = [
    "AUTHORIZE_PATH",
    "DEFAULT_BASE_URL",
    "DEFAULT_LOGIN_MAX_AGE",
    "TOKEN_PATH",
    "USERINFO_PATH",
    "ClientConfig",
    "is_loopback_host",
]

DEFAULT_BASE_URL: Final = "https://chattz.net"
AUTHORIZE_PATH: Final = "/oauth/authorize"
TOKEN_PATH: Final = "/oauth/token"
USERINFO_PATH: Final = "/oauth/userinfo"

#: How long (seconds) a started login may take before its state expires.
DEFAULT_LOGIN_MAX_AGE: Final = 600


def is_loopback_host(host: str | None) -> bool:
    """Tell whether ``host`` names this machine: localhost, 127.0.0.0/8 or ::1."""
    if not isinstance(host, str) or not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(url: str) -> SplitResult | None:
    """``url`` split, or None if urllib refuses it (a bad port or IPv6 literal)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return None
    return parts


def _check_url(name: str, url: object) -> str:
    # Messages never quote the value: a client secret passed in the wrong
    # position (redirect_uri, base_url) would land in an exception and a log.
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"{name} must be a non-empty URL string")
    if not encodable(url):
        raise ConfigurationError(f"{name} is not a valid URL: it cannot be encoded as UTF-8")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        # urllib drops tabs and newlines before parsing, so the checks below would
        # judge another URL than the one sent (and a CR/LF would reach a Location header).
        raise ConfigurationError(f"{name} must not contain spaces or control characters")
    parts = _split(url)
    if parts is None:
        # Raised outside the ``except``: urllib's ValueError quotes the value
        # and would hang on as __context__.
        raise ConfigurationError(f"{name} is not a valid URL")
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{name} must be an absolute https:// URL")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise InsecureTransportError(
            f"{name} must use https:// (plain http:// is only allowed for "
            "loopback hosts such as 127.0.0.1 or localhost)"
        )
    if parts.fragment or "#" in url:
        raise ConfigurationError(f"{name} must not contain a fragment")
    if parts.username or parts.password:
        raise ConfigurationError(f"{name} must not contain credentials")
    return url


def _check_client_id(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not visible_ascii(value):
        raise ConfigurationError("client_id must be a non-empty string of printable ASCII")


def _check_client_secret(_: object, __: object, value: str) -> None:
    # The messages never quote the value: it is a secret.
    if not isinstance(value, str) or not value:
        raise ConfigurationError("client_secret must be a non-empty string")
    if not encodable(value):
        raise ConfigurationError(
            "client_secret cannot be encoded as UTF-8 (it holds a lone surrogate: "
            "was it read from undecodable bytes?)"
        )
    if any(ch < " " or ch == "\x7f" for ch in value):
        # RFC 6749 Appendix A.2: a client secret is printable characters (VSCHAR). A
        # newline here is almost always the line end of the file it was read from, and
        # Chattz would refuse it as invalid_client at the first login.
        raise ConfigurationError(
            "client_secret holds a control character such as a newline or a tab (was it "
            "read from a file with its line end?); a client secret is printable characters "
            "only (RFC 6749, Appendix A.2)"
        )


def _check_redirect_uri(_: object, __: object, value: str | None) -> None:
    if value is not None:
        _check_url("redirect_uri", value)


def _no_redirect_uri(what: str) -> ConfigurationError:
    return ConfigurationError(
        f"{what} needs redirect_uri, which is not set: pass the callback URL registered "
        "with Chattz (CHATTZ_REDIRECT_URI for from_env()); a session without one can only "
        "refresh tokens and read userinfo"
    )


def _check_base_url(_: object, __: object, value: object) -> None:
    if urlsplit(_check_url("base_url", value)).query:
        raise ConfigurationError("base_url must not contain a query")


def _strip_slash(value: str) -> str:
    # Anything but a string passes through to the validator, which names the mistake.
    return value.rstrip("/") if isinstance(value, str) else value


@attrs.frozen(repr=False)
class ClientConfig:
    """A registered Chattz client and the provider it talks to, valid once built.

    ``ClientConfig(client_id, client_secret, redirect_uri, base_url)`` checks
    every value and derives the endpoints from ``base_url`` (a trailing slash
    is dropped). The client secret never appears in ``repr()``.

    ``redirect_uri`` may be None for a worker or bot that never sends a user
    to Chattz (it refreshes tokens and reads userinfo): then building an
    authorize URL or a code exchange raises :class:`ConfigurationError`
    naming the missing redirect URI.

    Attributes:
        client_id: The client id Chattz gave you (printable ASCII).
        client_secret: The client secret.
        redirect_uri: Your callback URL, exactly as registered; None when the
            client never starts a login.
        base_url: The provider, ``https://chattz.net`` unless you test against a fake.
        authorize_endpoint: ``base_url`` + ``/oauth/authorize`` (derived).
        token_endpoint: ``base_url`` + ``/oauth/token`` (derived).
        userinfo_endpoint: ``base_url`` + ``/oauth/userinfo`` (derived).
        authorize_prefix: The authorize URL up to the per-login parameters
            (derived; reading it raises ConfigurationError without a redirect URI).
        token_form_prefix: The code exchange's form without the code (derived;
            it holds the secret; reading it raises ConfigurationError without
            a redirect URI).
        refresh_form_prefix: The refresh form without the refresh token
            (derived; it holds the secret).

    Raises:
        ConfigurationError: A value is empty, not a string, cannot be encoded,
            or is not a valid URL.
        InsecureTransportError: ``base_url`` or ``redirect_uri`` uses
            ``http://`` for a host that is not loopback.
    """

    client_id: str = attrs.field(validator=_check_client_id)
    client_secret: str = attrs.field(validator=_check_client_secret)
    redirect_uri: str | None = attrs.field(default=None, validator=_check_redirect_uri)
    base_url: str = attrs.field(
        default=DEFAULT_BASE_URL, converter=_strip_slash, validator=_check_base_url
    )
    authorize_endpoint: str = attrs.field(init=False)
    token_endpoint: str = attrs.field(init=False)
    userinfo_endpoint: str = attrs.field(init=False)
    # Precomputed so that the hot paths only append the per-call values.
    _authorize_prefix: str | None = attrs.field(init=False)
    _token_form_prefix: str | None = attrs.field(init=False)
    refresh_form_prefix: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        # Runs after the validators, so every value here is known to be good.
        base = self.base_url
        secret = form_quote(self.client_secret, "client_secret")
        client_id = form_quote(self.client_id, "client_id")
        common = f"&client_id={client_id}&client_secret={secret}"
        redirect = self.redirect_uri
        derived = {
            "authorize_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "userinfo_endpoint": base + USERINFO_PATH,
            "_authorize_prefix": None
            if redirect is None
            else (
                f"{base}{AUTHORIZE_PATH}?response_type=code"
                f"&client_id={query_quote(self.client_id, 'client_id')}"
                f"&redirect_uri={query_quote(redirect, 'redirect_uri')}"
            ),
            "_token_form_prefix": None
            if redirect is None
            else (
                f"grant_type=authorization_code{common}"
                f"&redirect_uri={form_quote(redirect, 'redirect_uri')}"
            ),
            "refresh_form_prefix": f"grant_type=refresh_token{common}",
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # the attrs idiom for a frozen class

    @property
    def authorize_prefix(self) -> str:
        """The authorize URL up to the per-login parameters.

        Raises:
            ConfigurationError: No redirect URI is configured.
        """
        if self._authorize_prefix is None:
            raise _no_redirect_uri("a login")
        return self._authorize_prefix

    @property
    def token_form_prefix(self) -> str:
        """The code exchange's form without the code (it holds the secret).

        Raises:
            ConfigurationError: No redirect URI is configured.
        """
        if self._token_form_prefix is None:
            raise _no_redirect_uri("a code exchange")
        return self._token_form_prefix

    def __repr__(self) -> str:
        return (
            f"ClientConfig(client_id={self.client_id!r}, "
            f"redirect_uri={self.redirect_uri!r}, base_url={self.base_url!r}, "
            "client_secret=<redacted>)"
        )
