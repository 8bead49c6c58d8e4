"""The HTTP client a session sends through: the caller's, or one it builds.

- :class:`AsyncClientLike`, :class:`SyncClientLike` (and the transport
  protocols): the types a caller's client or transport must have, checked
  by type checkers whether or not httpx2 is installed; ``check_client``
  checks them at run time.
- :func:`build_async_client`, :func:`build_sync_client`: the client of a
  session, with what its ``http``, ``timeout`` and ``transport`` arguments
  ask for. A client the session builds has explicit timeouts, never follows
  redirects, keeps no cookies and takes no settings from the environment.
  The async one sends through a :class:`~chattz_oauth_async._transport.LoopTransport`
  (connections per event loop, at most :data:`DEFAULT_MAX_CONNECTIONS` in
  flight per loop); the sync one through one pool of that many connections,
  shared by every thread (a thread waits for a free connection up to its
  call's deadline).

``scripts/gen_sync.py`` renames the ``Async*``/``*_async_*`` names to their
``Sync*``/``*_sync_*`` partners in the generated twin.
"""

from __future__ import annotations

import functools
import http.cookiejar
import math
import ssl
import sys
from types import ModuleType
from typing import Any, Final, NamedTuple, Protocol

from ._transport import loop_transport
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "KEEPALIVE_EXPIRY",
    "AsyncClientLike",
    "AsyncTransportLike",
    "SessionClient",
    "SyncClientLike",
    "SyncTransportLike",
    "build_async_client",
    "build_sync_client",
    "check_client",
    "check_transport",
    "closed_client_error",
    "other_loop_error",
]

#: The most requests a session built client keeps in flight, and so its
#: connections (per event loop for the async session on httpx, per process
#: for the sync one). httpx's async pool degrades badly when more requests
#: wait on it than it has connections (see ``_transport``); waiting for a
#: slot instead keeps it fast.
DEFAULT_MAX_CONNECTIONS: Final = 100
#: Seconds an idle connection stays open (httpx's default, set explicitly).
KEEPALIVE_EXPIRY: Final = 5.0
#: Per-operation timeouts of a client the session builds (seconds): connect, and the rest.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 10.0
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

    def stream(self, method: str, url: Any, *, headers: Any = ..., content: Any = ...) -> Any: ...


class AsyncClientLike(ClientBase, Protocol):
    """What the async session uses of a client: ``httpx.AsyncClient`` or ``httpx2.AsyncClient``."""

    async def send(
        self, request: Any, *, stream: bool = ..., follow_redirects: bool = ...
    ) -> Any: ...

    async def request(
        self, method: str, url: Any, *, headers: Any = ..., content: Any = ...
    ) -> Any: ...

    async def aclose(self) -> None: ...


class SyncClientLike(ClientBase, Protocol):
    """What the sync session uses of a client: ``httpx.Client`` or ``httpx2.Client``."""

    def send(self, request: Any, *, stream: bool = ..., follow_redirects: bool = ...) -> Any: ...

    def request(self, method: str, url: Any, *, headers: Any = ..., content: Any = ...) -> Any: ...

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


def closed_client_error(owned: bool) -> ConfigurationError:
    """The error for a call through a closed ``http_client``."""
    if owned:
        return ConfigurationError(
            "this session's http_client was closed (someone called its close or aclose): "
            "build a new session; the session's own aclose()/close() keeps it open"
        )
    return ConfigurationError("the http_client you passed is closed: pass an open client, or none")


def other_loop_error() -> ConfigurationError:
    """The error for a caller's client (or transport) used from a second event loop."""
    return ConfigurationError(
        "the http_client (or transport) you passed was used in another event loop, "
        "and httpx connections cannot move between event loops (each asyncio.run(), "
        "each async_to_sync() call and each test may run its own loop). Pass no "
        "http_client: the session then keeps connections per event loop; or create "
        "your client inside the loop that uses it"
    )


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuses every cookie: a session holds no per-user state between calls."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class SessionClient(NamedTuple):
    """A session's HTTP client, and what the session owns of it."""

    #: The client every request of the session goes through.
    client: Any
    #: What ``aclose()``/``close()`` closes: the transport the session built
    #: or was given; None for a caller's client, which stays the caller's.
    transport: Any
    #: Requests go through a LoopTransport: it marks a request as possibly
    #: sent once it holds a slot, and keeps connections per event loop.
    per_loop: bool


def _stack(http: object) -> ModuleType:
    if http not in _STACKS:
        raise ConfigurationError("http must be 'httpx' or 'httpx2'")
    try:
        # Imported on request only: httpx2 is an optional dependency.
        return __import__(str(http))
    except ImportError:
        raise ConfigurationError(
            "http='httpx2' needs the httpx2 package: pip install 'chattz_oauth_async[httpx2]'"
        ) from None


_TIMEOUT_PARTS: Final = ("connect", "read", "write", "pool")


def _seconds(value: object) -> bool:
    """Whether ``value`` is a finite number of seconds > 0 (not a bool)."""
    return type(value) in (int, float) and 0 < value < math.inf  # type: ignore[operator]


def _timeout(module: ModuleType, timeout: object) -> Any:
    """``timeout=`` as the ``Timeout`` of ``module``: seconds, an ``httpx.Timeout``, or None.

    Raises:
        ConfigurationError: Not a finite number of seconds > 0, nor a
            Timeout whose parts are such numbers or None (a NaN, negative or
            infinite value would fail only at the first request, deep in the
            I/O library).
    """
    if timeout is None:
        return module.Timeout(DEFAULT_READ_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)
    if _seconds(timeout):
        return module.Timeout(float(timeout))  # type: ignore[arg-type]
    # An httpx.Timeout (or httpx2's): rebuilt for the chosen stack.
    parts = {part: getattr(timeout, part, False) for part in _TIMEOUT_PARTS}
    if not all(value is None or _seconds(value) for value in parts.values()):
        raise ConfigurationError(
            "timeout must be a finite number of seconds > 0, or an httpx.Timeout "
            "whose parts are such numbers or None"
        )
    return module.Timeout(**parts)


def _ssl_context(module: ModuleType) -> ssl.SSLContext:
    """The session's TLS context, shared by all its connections.

    Certificates are always verified; the CAs trusted are certifi's (httpx)
    or the system's (httpx2), or, when ``SSL_CERT_FILE``/``SSL_CERT_DIR``
    are set, exactly the ones they name (the standard way to trust a private
    CA; they choose the trusted roots, they cannot turn verification off).
    Loading a CA bundle takes 27-46 ms: one context per session, not one
    per connection or event loop.
    """
    try:
        # trust_env here reads only SSL_CERT_FILE and SSL_CERT_DIR.
        context: ssl.SSLContext = module.create_ssl_context(trust_env=True)
    except (OSError, ssl.SSLError):
        raise ConfigurationError(
            "the CA certificates named by SSL_CERT_FILE or SSL_CERT_DIR "
            "cannot be loaded: fix or unset the variable"
        ) from None
    return context


def _limits(module: ModuleType, connections: int) -> Any:
    # Keep every connection of a burst alive (httpx keeps 20 by default):
    # otherwise most requests of a burst each pay a new TCP and TLS handshake.
    return module.Limits(
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=KEEPALIVE_EXPIRY,
    )


def _options(module: ModuleType, timeout: object, transport: object) -> dict[str, Any]:
    """The client's settings. ``trust_env=False``: ``HTTP_PROXY``/``HTTPS_PROXY``/
    ``ALL_PROXY`` would send a loopback ``http://`` provider's client secret
    to a proxy in cleartext, and a SOCKS or malformed proxy variable would
    break construction."""
    return {
        "timeout": _timeout(module, timeout),
        "follow_redirects": False,
        "trust_env": False,
        "cookies": http.cookiejar.CookieJar(policy=_NoCookies()),
        "transport": transport,
    }


def _callers_client(
    client: object, http: str, timeout: object, transport: object, wanted: str, other: str
) -> SessionClient:
    if transport is not None or timeout is not None or http != "httpx":
        raise ConfigurationError(
            "transport, timeout and http apply to the client the session builds; "
            "with your own http_client, set them on that client instead"
        )
    session = "ChattzOAuth" if wanted == "Client" else "AsyncChattzOAuth"
    check_client(client, wanted, other, session)
    return SessionClient(client, None, False)


def build_async_client(
    client: object, http: str, timeout: object, transport: object
) -> SessionClient:
    """The async session's client: the caller's ``client``, or one built from the other arguments.

    On httpx, requests from each event loop go through at most
    :data:`DEFAULT_MAX_CONNECTIONS` one-connection inner transports; httpx2's
    pool queues well, so each loop gets one pool of that many connections.

    Raises:
        ConfigurationError: ``http``, ``timeout`` or ``transport`` given with
            a client of the caller's; a client that is not an httpx/httpx2
            ``AsyncClient``; an unknown ``http``, or httpx2 not installed; a
            bad ``timeout`` or ``transport``; CA certificates that cannot be
            loaded.
    """
    if client is not None:
        return _callers_client(client, http, timeout, transport, "AsyncClient", "Client")
    module = _stack(http)
    options = _options(module, timeout, transport)  # checks timeout before the CA bundle loads
    per_loop = transport is None
    if transport is None:
        bounded = module.__name__ == "httpx"
        inner = functools.partial(
            module.AsyncHTTPTransport,
            verify=_ssl_context(module),
            trust_env=False,
            limits=_limits(module, 1 if bounded else DEFAULT_MAX_CONNECTIONS),
        )
        bound = DEFAULT_MAX_CONNECTIONS if bounded else None
        transport = loop_transport(module, inner, bound, KEEPALIVE_EXPIRY)
    else:
        check_transport(transport, "handle_async_request")
    built = module.AsyncClient(**{**options, "transport": transport})
    return SessionClient(built, transport, per_loop)


def build_sync_client(
    client: object, http: str, timeout: object, transport: object
) -> SessionClient:
    """The sync session's client: the caller's ``client``, or one pool for every thread.

    Raises:
        ConfigurationError: As for :func:`build_async_client`, for a ``Client``.
    """
    if client is not None:
        return _callers_client(client, http, timeout, transport, "Client", "AsyncClient")
    module = _stack(http)
    options = _options(module, timeout, transport)  # checks timeout before the CA bundle loads
    if transport is None:
        transport = module.HTTPTransport(
            verify=_ssl_context(module),
            trust_env=False,
            limits=_limits(module, DEFAULT_MAX_CONNECTIONS),
        )
    else:
        check_transport(transport, "handle_request")
    built = module.Client(**{**options, "transport": transport})
    return SessionClient(built, transport, False)
