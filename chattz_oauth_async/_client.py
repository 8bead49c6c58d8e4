"""The HTTP clients a session sends through, and how it builds its own.

- :class:`ClientRecipe`: how a session builds a client: httpx or httpx2,
  explicit timeouts, no redirects, no cookie jar, no settings taken from the
  environment, and the pool limits it bounds its requests in flight to.
- :class:`AsyncClients`: the async session's clients. A session that builds
  its own keeps one client per event loop, made on first use in that loop
  and closed when that loop ends; a client passed in is the caller's, used
  as it is, and a failure from using it in another event loop is named.
- :class:`SyncClients`: the same for the sync twin: one client per process.

``scripts/gen_sync.py`` renames the ``Async*``/``async_*`` names below to
their ``Sync*``/``sync_*`` partners in the generated twin.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from types import ModuleType, TracebackType
from typing import Any, Final, Protocol

import anyio
import anyio.lowlevel

from .errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "AsyncClientLike",
    "AsyncClients",
    "AsyncTransportLike",
    "ClientRecipe",
    "SyncClientLike",
    "SyncClients",
    "SyncTransportLike",
    "async_checkpoint",
    "sync_checkpoint",
]

#: Connections in the pool of a client the session builds, and so the most
#: requests the session keeps in flight through it (per event loop, or per
#: process for the sync twin). httpx's pool degrades badly when more requests
#: wait on it than it has connections; waiting here instead keeps it fast.
DEFAULT_MAX_CONNECTIONS: Final = 100
_STACKS: Final = ("httpx", "httpx2")


class AsyncClientLike(Protocol):
    """What the async session uses of a client: ``httpx.AsyncClient`` or ``httpx2.AsyncClient``."""

    @property
    def headers(self) -> Any: ...

    @property
    def is_closed(self) -> bool: ...

    def build_request(
        self, method: str, url: str, *, headers: Any = ..., content: Any = ...
    ) -> Any: ...

    async def send(
        self, request: Any, *, stream: bool = ..., follow_redirects: bool = ...
    ) -> Any: ...

    async def aclose(self) -> None: ...


class SyncClientLike(Protocol):
    """What the sync session uses of a client: ``httpx.Client`` or ``httpx2.Client``."""

    @property
    def headers(self) -> Any: ...

    @property
    def is_closed(self) -> bool: ...

    def build_request(
        self, method: str, url: str, *, headers: Any = ..., content: Any = ...
    ) -> Any: ...

    def send(self, request: Any, *, stream: bool = ..., follow_redirects: bool = ...) -> Any: ...

    def close(self) -> None: ...


class AsyncTransportLike(Protocol):
    """An ``httpx.AsyncBaseTransport`` or ``httpx2.AsyncBaseTransport``."""

    async def handle_async_request(self, request: Any) -> Any: ...


class SyncTransportLike(Protocol):
    """An ``httpx.BaseTransport`` or ``httpx2.BaseTransport``."""

    def handle_request(self, request: Any) -> Any: ...


def _check_client(client: object, wanted: str, other: str, session: str) -> None:
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


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuses every cookie: a session holds no per-user state between calls."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class ClientRecipe:
    """How a session builds the clients it owns.

    Every client built here has explicit timeouts, never follows redirects,
    keeps no cookies, and ignores the environment (``trust_env=False``): no
    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (a loopback ``http://``
    provider would otherwise send the client secret to a proxy in cleartext,
    and a SOCKS or malformed proxy variable would break construction), and
    no ``SSL_CERT_FILE``/``SSL_CERT_DIR`` (the trusted CAs are certifi's).
    One TLS context is shared by every client built, so a new event loop
    does not load the CA bundle again.

    Args:
        stack: ``"httpx"`` or ``"httpx2"``.
        timeout: A number of seconds, an ``httpx.Timeout``, or None for the
            library's defaults (``connect``, and ``read`` for the rest).
        transport: Build the client over this transport instead of a pool.

    Raises:
        ConfigurationError: An unknown stack, or ``httpx2`` is not installed.
    """

    __slots__ = ("_ssl_context", "_timeout", "module", "transport")

    def __init__(
        self,
        stack: str,
        timeout: Any,
        default_timeout: tuple[float, float],
        transport: object | None = None,
    ) -> None:
        if stack not in _STACKS:
            raise ConfigurationError(f"http must be 'httpx' or 'httpx2', not {stack!r}")
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
        elif not isinstance(timeout, (int, float)):
            # An httpx.Timeout (or httpx2's): rebuilt for the chosen stack.
            parts = ("connect", "read", "write", "pool")
            timeout = self.module.Timeout(**{part: getattr(timeout, part) for part in parts})
        self._timeout = timeout
        self.transport = transport
        self._ssl_context = (
            self.module.create_ssl_context(trust_env=False) if transport is None else None
        )

    def _options(self) -> dict[str, Any]:
        return {
            "timeout": self._timeout,
            "follow_redirects": False,
            "trust_env": False,
            "cookies": http.cookiejar.CookieJar(policy=_NoCookies()),
            "limits": self.module.Limits(max_connections=DEFAULT_MAX_CONNECTIONS),
            "transport": self.transport,
            **({} if self._ssl_context is None else {"verify": self._ssl_context}),
        }

    def build_async(self) -> AsyncClientLike:
        """A new ``AsyncClient`` of the chosen stack."""
        client: AsyncClientLike = self.module.AsyncClient(**self._options())
        return client

    def build_sync(self) -> SyncClientLike:
        """A new ``Client`` of the chosen stack."""
        client: SyncClientLike = self.module.Client(**self._options())
        return client


def _loop_key() -> object:
    """The running event loop (asyncio) or run (trio).

    The same object as anyio's ``current_token().native_token``; asyncio's
    loop is asked for directly, which costs 0.4 us a request instead of 5.7.
    """
    asyncio = sys.modules.get("asyncio")  # a running asyncio loop means it is imported
    if asyncio is not None:
        with contextlib.suppress(RuntimeError):
            return asyncio.get_running_loop()
    return anyio.lowlevel.current_token().native_token


def _other_loop_error() -> ConfigurationError:
    return ConfigurationError(
        "the http_client (or transport) you passed was used in another event loop, "
        "and httpx connections cannot move between event loops (each asyncio.run(), "
        "each async_to_sync() call and each test may run its own loop). Pass no "
        "http_client: the session then makes one client per event loop; or create "
        "your client inside the loop that uses it"
    )


class _LoopClient:
    """One event loop's client, its in-flight slots, and what closes it."""

    __slots__ = ("abandoned", "client", "keeper", "slots")

    def __init__(self, client: AsyncClientLike, slots: anyio.Semaphore) -> None:
        self.client = client
        self.slots = slots
        self.keeper: Any = None
        self.abandoned = False


class AsyncClients:
    """The clients of one async session.

    With a ``recipe`` (the session builds its own), each event loop gets its
    own client on first use, and at most :data:`DEFAULT_MAX_CONNECTIONS`
    requests in flight through it; the rest wait their turn (the wait counts
    against the session's deadline). The client is closed when its loop
    ends: it is held open by an async generator that the loop finalizes at
    shutdown (``asyncio.run()``, ``asyncio.Runner``, asgiref's
    ``async_to_sync`` and ``trio.run()`` all do), whose ``finally`` closes it.

    With ``given`` (the caller's client) or a recipe with a transport, there
    is one client for every loop; only a failure from using it in a loop
    other than the last one that used it is turned into a ConfigurationError.

    Raises:
        ConfigurationError: ``given`` is not an httpx/httpx2 ``AsyncClient``.
    """

    def __init__(self, source: ClientRecipe | AsyncClientLike) -> None:
        self._lock = threading.Lock()
        self._loops: dict[object, _LoopClient] = {}
        self._last_loop: object = None
        #: A client the first event loop takes (per-loop mode only).
        self._spare: AsyncClientLike | None = None
        self._single: AsyncClientLike | None = None
        if isinstance(source, ClientRecipe):
            self.owns_single = True
            self._build = source.build_async
            #: Shows which headers and exceptions the clients have.
            self.template = source.build_async()
            if source.transport is not None:
                self._single = self.template
            else:
                self._spare = self.template
        else:
            _check_client(source, "AsyncClient", "Client", "ChattzOAuth")
            self.owns_single = False
            self._single = self.template = source

    @property
    def current(self) -> AsyncClientLike | None:
        """The client requests from the running loop go through (None: not made yet)."""
        if self._single is not None:
            return self._single
        try:
            key = _loop_key()
        except Exception:  # no event loop running here
            return None
        entry = self._loops.get(key)
        return None if entry is None else entry.client

    def lease(self, deadline: float) -> _Lease:
        """The client for one request from the running loop, with a slot in flight.

        ``deadline`` is for the sync twin: here the caller's cancel scope bounds the wait.
        Use as ``async with clients.lease(deadline) as client``.
        """
        return _Lease(self)

    async def _open(self, key: object) -> _LoopClient:
        """Make this loop's client and tie its closing to the loop's end."""
        self._drop_closed_loops()
        with self._lock:
            client, self._spare = self._spare, None
        if client is None:
            client = self._build()
        slots = anyio.Semaphore(DEFAULT_MAX_CONNECTIONS, fast_acquire=True)
        entry = _LoopClient(client, slots)
        entry.keeper = self._keep(key, entry)
        with self._lock:
            self._loops[key] = entry
        # Iterating it once registers it with the loop, which closes it at shutdown.
        await entry.keeper.__anext__()
        return entry

    async def _keep(self, key: object, entry: _LoopClient) -> AsyncIterator[None]:
        try:
            yield
        finally:
            with self._lock:
                if self._loops.get(key) is entry:
                    del self._loops[key]
            if not entry.abandoned:
                await entry.client.aclose()

    def _drop_closed_loops(self) -> None:
        """Forget the clients of asyncio loops closed without finalizing them.

        A loop closed by hand without ``loop.shutdown_asyncgens()`` never ran
        the keeper's ``finally``; its connections can no longer be closed
        politely, so they are dropped (the garbage collector closes them).
        """
        with self._lock:
            # asyncio loops say when they are closed; trio always finalizes at the end.
            dead = [key for key in self._loops if getattr(key, "is_closed", lambda: False)()]
            entries = [self._loops.pop(key) for key in dead]
        for entry in entries:
            entry.abandoned = True
            # Finish the keeper here, so no finalizer later calls into the dead loop.
            with contextlib.suppress(StopIteration, RuntimeError):
                entry.keeper.aclose().send(None)

    async def aclose(self) -> None:
        """Close what the session owns that this loop can close.

        A caller's client stays open. Of the session's own clients, this
        loop's is closed now; those of loops that have ended are closed
        already, and those of loops still running in other threads close
        when their loops end (closing them from here would break their
        requests in flight).
        """
        if self._single is not None:
            if self.owns_single:
                await self._single.aclose()
            return
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            await spare.aclose()
        try:
            key = _loop_key()
        except Exception:
            return
        entry = self._loops.get(key)
        if entry is not None:
            await entry.keeper.aclose()


class _Lease:
    """``async with`` one request's client (a class: ``asynccontextmanager`` costs 5 us).

    Raises:
        ConfigurationError: A client used by another event loop failed here.
    """

    __slots__ = ("_clients", "_entry", "_key")

    def __init__(self, clients: AsyncClients) -> None:
        self._clients = clients
        self._entry: _LoopClient | None = None

    async def __aenter__(self) -> AsyncClientLike:
        clients = self._clients
        self._key = key = _loop_key()
        if clients._single is not None:
            return clients._single
        entry = clients._loops.get(key)
        if entry is None:
            entry = await clients._open(key)
        await entry.slots.acquire()
        self._entry = entry
        return entry.client

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._entry is not None:
            self._entry.slots.release()
            return
        clients, key = self._clients, self._key
        if isinstance(exc, RuntimeError) and clients._last_loop not in (None, key):
            raise _other_loop_error() from exc
        if exc is None:
            clients._last_loop = key


class SyncClients:
    """The clients of one sync session: one per process, thread-safe.

    The client the session builds is shared by every thread, with at most
    :data:`DEFAULT_MAX_CONNECTIONS` requests in flight; the others wait, up
    to the call's deadline.

    Raises:
        ConfigurationError: ``given`` is not an httpx/httpx2 ``Client``.
    """

    def __init__(self, source: ClientRecipe | SyncClientLike) -> None:
        self._slots: threading.BoundedSemaphore | None = None
        if isinstance(source, ClientRecipe):
            self.owns_single = True
            self._single: SyncClientLike = source.build_sync()
            if source.transport is None:
                self._slots = threading.BoundedSemaphore(DEFAULT_MAX_CONNECTIONS)
        else:
            _check_client(source, "Client", "AsyncClient", "AsyncChattzOAuth")
            self.owns_single = False
            self._single = source
        self.template = self._single

    @property
    def current(self) -> SyncClientLike:
        """The client requests go through."""
        return self._single

    @contextlib.contextmanager
    def lease(self, deadline: float) -> Iterator[SyncClientLike]:
        """The client for one request, with a slot in flight taken before ``deadline``.

        Raises:
            TimeoutError: No slot came free before the deadline.
        """
        if self._slots is None:
            yield self._single
            return
        if not self._slots.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise TimeoutError
        try:
            yield self._single
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the client if the session built it."""
        if self.owns_single:
            self._single.close()


async def async_checkpoint() -> None:
    """Let other tasks run (between body chunks: decoding is CPU work)."""
    await anyio.lowlevel.checkpoint()


def sync_checkpoint() -> None:
    """Nothing to yield to in blocking code."""
