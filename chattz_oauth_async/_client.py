"""What a session's HTTP client is, and how the session builds its own.

- :class:`AsyncClientLike`, :class:`SyncClientLike` (and the transport
  protocols): the types a caller's client or transport must have, checked
  by type checkers whether or not httpx2 is installed; ``check_client``
  checks them at run time.
- :class:`ClientRecipe`: how a session builds a client: httpx or httpx2,
  explicit timeouts, no redirects, no cookie jar, no settings taken from the
  environment, and :data:`DEFAULT_MAX_CONNECTIONS` connections.

``scripts/gen_sync.py`` renames the ``Async*`` names to their ``Sync*``
partners in the generated twin.
"""

from __future__ import annotations

import http.cookiejar
import math
import ssl
import sys
from types import ModuleType
from typing import Any, Final, Protocol

from ._http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "KEEPALIVE_EXPIRY",
    "AsyncClientLike",
    "AsyncTransportLike",
    "ClientRecipe",
    "SyncClientLike",
    "SyncTransportLike",
    "check_client",
    "check_transport",
    "client_source",
]

#: Connections in the pool of a client the session builds, and so the most
#: requests the session keeps in flight through it (per event loop, or per
#: process for the sync twin). httpx's pool degrades badly when more requests
#: wait on it than it has connections; waiting here instead keeps it fast.
DEFAULT_MAX_CONNECTIONS: Final = 100
#: Seconds an idle connection stays open (httpx's default, set explicitly:
#: the session closes the one-connection clients idle for longer).
KEEPALIVE_EXPIRY: Final = 5.0
_STACKS: Final = ("httpx", "httpx2")


class ClientBase(Protocol):
    """What both sessions use of any client, httpx's or httpx2's, async or sync."""

    @property
    def headers(self) -> Any: ...

    @property
    def is_closed(self) -> bool: ...

    @property
    def timeout(self) -> Any: ...

    def build_request(
        self, method: str, url: str, *, headers: Any = ..., content: Any = ..., timeout: Any = ...
    ) -> Any: ...


class AsyncClientLike(ClientBase, Protocol):
    """What the async session uses of a client: ``httpx.AsyncClient`` or ``httpx2.AsyncClient``."""

    async def send(
        self, request: Any, *, stream: bool = ..., follow_redirects: bool = ...
    ) -> Any: ...

    async def aclose(self) -> None: ...


class SyncClientLike(ClientBase, Protocol):
    """What the sync session uses of a client: ``httpx.Client`` or ``httpx2.Client``."""

    def send(self, request: Any, *, stream: bool = ..., follow_redirects: bool = ...) -> Any: ...

    def close(self) -> None: ...


class AsyncTransportLike(Protocol):
    """An ``httpx.AsyncBaseTransport`` or ``httpx2.AsyncBaseTransport``."""

    async def handle_async_request(self, request: Any) -> Any: ...


class SyncTransportLike(Protocol):
    """An ``httpx.BaseTransport`` or ``httpx2.BaseTransport``."""

    def handle_request(self, request: Any) -> Any: ...


def check_client(client: object, wanted: str, other: str, session: str) -> None:
    """Refuse anything but an ``httpx``/``httpx2`` client of the ``wanted`` class."""
    for name in _STACKS:
        module = sys.modules.get(name)  # a client of a stack never imported cannot exist
        if module is not None and isinstance(client, getattr(module, wanted)):
            return
    for name in _STACKS:
        module = sys.modules.get(name)
        if module is not None and isinstance(client, getattr(module, other)):
            raise ConfigurationError(
                f"http_client is a {name}.{other}, but this session needs a "
                f"{name}.{wanted}: use {session} for it, or pass a {wanted}"
            )
    raise ConfigurationError(
        f"http_client must be an httpx.{wanted} or httpx2.{wanted}, not {type(client).__name__}"
    )


_TIMEOUT_PARTS: Final = ("connect", "read", "write", "pool")


def _seconds(value: object) -> bool:
    """Whether ``value`` is a finite number of seconds > 0 (not a bool)."""
    return type(value) in (int, float) and 0 < value < math.inf  # type: ignore[operator]


def check_transport(transport: object, method: str) -> None:
    """Refuse a ``transport=`` without the ``method`` its session calls.

    Raises:
        ConfigurationError: ``transport`` is not None and has no such method
            (an async session needs ``handle_async_request``, a sync one
            ``handle_request``).
    """
    if transport is not None and not callable(getattr(transport, method, None)):
        raise ConfigurationError(
            f"transport must be an httpx transport with {method}(), not {type(transport).__name__}"
        )


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuses every cookie: a session holds no per-user state between calls."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class ClientRecipe:
    """How a session builds the clients it owns.

    Every client built here has explicit timeouts, never follows redirects,
    keeps no cookies, and takes no proxy from the environment
    (``trust_env=False``: ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` would
    send a loopback ``http://`` provider's client secret to a proxy in
    cleartext, and a SOCKS or malformed proxy variable would break
    construction). Certificates are always verified; the CAs trusted are
    certifi's (httpx) or the system's (httpx2), or, when ``SSL_CERT_FILE``/
    ``SSL_CERT_DIR`` are set, exactly the ones they name (the standard way to
    trust a private CA; they choose the trusted roots, they cannot turn
    verification off). One TLS context is shared by every client
    built, so a new event loop does not load the CA bundle again.

    Args:
        stack: ``"httpx"`` or ``"httpx2"``.
        timeout: A number of seconds, an ``httpx.Timeout``, or None for the
            library's defaults (``connect``, and ``read`` for the rest).
        transport: Build the client over this transport instead of a pool.

    Raises:
        ConfigurationError: An unknown stack, ``httpx2`` is not installed, or
            ``SSL_CERT_FILE``/``SSL_CERT_DIR`` name certificates that cannot
            be loaded.
    """

    __slots__ = (
        "_ssl_context",
        "_timeout",
        "max_connections",
        "max_in_flight",
        "module",
        "transport",
    )

    def __init__(
        self,
        stack: str,
        timeout: Any,
        default_timeout: tuple[float, float],
        transport: object | None = None,
    ) -> None:
        if stack not in _STACKS:
            raise ConfigurationError("http must be 'httpx' or 'httpx2'")
        try:
            # Imported on request only: httpx2 is an optional dependency.
            self.module: ModuleType = __import__(stack)
        except ImportError:
            raise ConfigurationError(
                "http='httpx2' needs the httpx2 package: pip install 'chattz_oauth_async[httpx2]'"
            ) from None
        read, connect = default_timeout
        if timeout is None:
            timeout = self.module.Timeout(read, connect=connect)
        elif _seconds(timeout):
            timeout = float(timeout)
        else:
            # An httpx.Timeout (or httpx2's): rebuilt for the chosen stack.
            parts = {part: getattr(timeout, part, False) for part in _TIMEOUT_PARTS}
            if not all(value is None or _seconds(value) for value in parts.values()):
                # A NaN, negative or infinite value fails only at the first
                # request, deep in the I/O library: refuse it here.
                raise ConfigurationError(
                    "timeout must be a finite number of seconds > 0, or an httpx.Timeout "
                    "whose parts are such numbers or None"
                )
            timeout = self.module.Timeout(**parts)
        self._timeout = timeout
        self.transport = transport
        #: The most connections, and so the most requests the session keeps in flight.
        self.max_connections: int = DEFAULT_MAX_CONNECTIONS
        #: The most requests the session keeps in flight through the clients
        #: built here; None for no bound of its own. httpx 0.28's pool
        #: collapses when more requests wait on it than it has connections
        #: (300 concurrent flows: ~40 flows/s), so the session never lets it
        #: queue: the async session lends each request one of this many
        #: one-connection clients (see ``_loops``), the sync one bounds its
        #: shared client's pool. httpx2's pool queues well, and a bound in
        #: front of it cost more than half its throughput at 300 and 1,000
        #: concurrent flows (python benchmarks/bench.py --load), so it gets none.
        self.max_in_flight: int | None = (
            self.max_connections if self.module.__name__ == "httpx" else None
        )
        self._ssl_context: ssl.SSLContext | None = None
        if transport is None:
            try:
                # trust_env here reads only SSL_CERT_FILE and SSL_CERT_DIR.
                self._ssl_context = self.module.create_ssl_context(trust_env=True)
            except (OSError, ssl.SSLError):
                raise ConfigurationError(
                    "the CA certificates named by SSL_CERT_FILE or SSL_CERT_DIR "
                    "cannot be loaded: fix or unset the variable"
                ) from None

    def _options(self, connections: int) -> dict[str, Any]:
        return {
            "timeout": self._timeout,
            "follow_redirects": False,
            "trust_env": False,
            "cookies": http.cookiejar.CookieJar(policy=_NoCookies()),
            # Keep every connection of a burst alive (httpx keeps 20 by default):
            # otherwise most requests of a burst each pay a new TCP and TLS handshake.
            "limits": self.module.Limits(
                max_connections=connections,
                max_keepalive_connections=connections,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            ),
            "transport": self.transport,
            **({} if self._ssl_context is None else {"verify": self._ssl_context}),
        }

    def build_async(self) -> AsyncClientLike:
        """A new ``AsyncClient`` of the chosen stack.

        With a bound (httpx), one connection: the session lends it to one
        request at a time; without (httpx2), a pool of ``max_connections``.
        """
        connections = self.max_connections if self.max_in_flight is None else 1
        client: AsyncClientLike = self.module.AsyncClient(**self._options(connections))
        return client

    def build_sync(self) -> SyncClientLike:
        """A new ``Client`` of the chosen stack, with a pool of ``max_connections``."""
        client: SyncClientLike = self.module.Client(**self._options(self.max_connections))
        return client


def client_source(
    client: Any, http: str, timeout: Any, transport: object | None
) -> ClientRecipe | Any:
    """Where a session's clients come from: the caller's ``client``, or a recipe for its own.

    Raises:
        ConfigurationError: ``http``, ``timeout`` or ``transport`` (which describe the
            client the session builds) given with a client of the caller's; or
            any error of :class:`ClientRecipe`.
    """
    if client is None:
        return ClientRecipe(
            http, timeout, (DEFAULT_READ_TIMEOUT, DEFAULT_CONNECT_TIMEOUT), transport
        )
    if transport is not None or timeout is not None or http != "httpx":
        raise ConfigurationError(
            "transport, timeout and http apply to the client the session builds; "
            "with your own http_client, set them on that client instead"
        )
    return client
