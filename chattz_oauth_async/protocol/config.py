"""The client's configuration: :class:`ClientConfig`, the provider's endpoints, URL checks."""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

import attrs

from ..errors import ConfigurationError, InsecureTransportError
from ._text import VISIBLE_ASCII, form_quote, query_quote

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
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(name: str, url: object) -> str:
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"{name} must be a non-empty URL string")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        raise ConfigurationError(f"{name} is not a valid URL: {url!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{name} must be an absolute https:// URL: {url!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise InsecureTransportError(
            f"{name} must use https:// (plain http:// is only allowed for "
            f"loopback hosts such as 127.0.0.1 or localhost): {url!r}"
        )
    if parts.fragment or "#" in url:
        raise ConfigurationError(f"{name} must not contain a fragment: {url!r}")
    if parts.username or parts.password:
        raise ConfigurationError(f"{name} must not contain credentials")
    return url


@attrs.frozen(repr=False)
class ClientConfig:
    """A registered Chattz client and the provider it talks to.

    Build it with :meth:`create`, which validates every value. The client
    secret never appears in ``repr()``.
    """

    client_id: str
    client_secret: str
    redirect_uri: str
    base_url: str = DEFAULT_BASE_URL
    authorize_endpoint: str = ""
    token_endpoint: str = ""
    userinfo_endpoint: str = ""
    # Precomputed so that the hot paths only append the per-call values.
    _authorize_prefix: str = ""
    _token_form_prefix: str = ""
    _refresh_form_prefix: str = ""

    @classmethod
    def create(
        cls,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        base_url: str = DEFAULT_BASE_URL,
    ) -> ClientConfig:
        """Validate the client's settings.

        Raises:
            ConfigurationError: A value is empty or not a valid URL.
            InsecureTransportError: ``base_url`` or ``redirect_uri`` uses
                ``http://`` for a host that is not loopback.
        """
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"{name} must be a non-empty string")
            if not VISIBLE_ASCII.fullmatch(value) and name == "client_id":
                raise ConfigurationError("client_id must be printable ASCII")
        _check_url("redirect_uri", redirect_uri)
        base = _check_url("base_url", base_url).rstrip("/")
        if urlsplit(base).query:
            raise ConfigurationError("base_url must not contain a query")
        authorize_endpoint = base + AUTHORIZE_PATH
        common = f"&client_id={form_quote(client_id)}&client_secret={form_quote(client_secret)}"
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            base_url=base,
            authorize_endpoint=authorize_endpoint,
            token_endpoint=base + TOKEN_PATH,
            userinfo_endpoint=base + USERINFO_PATH,
            authorize_prefix=(
                f"{authorize_endpoint}?response_type=code&client_id={query_quote(client_id)}"
                f"&redirect_uri={query_quote(redirect_uri)}"
            ),
            token_form_prefix=(
                f"grant_type=authorization_code{common}&redirect_uri={form_quote(redirect_uri)}"
            ),
            refresh_form_prefix=f"grant_type=refresh_token{common}",
        )

    def __repr__(self) -> str:
        return (
            f"ClientConfig(client_id={self.client_id!r}, "
            f"redirect_uri={self.redirect_uri!r}, base_url={self.base_url!r}, "
            "client_secret=<redacted>)"
        )
