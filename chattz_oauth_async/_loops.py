"""Which client a session's request goes through, per event loop, and how many at once.

- :class:`AsyncClients`: the async session's clients. A session that builds
  its own keeps them per event loop, made on first use in that loop and
  closed when that loop ends: on httpx a bank of one-connection clients,
  one lent to each request in flight (at most ``max_in_flight``); on httpx2
  one shared client. A client passed in is the caller's, used as it is,
  and a failure from using it in another event loop is named.
- :class:`SyncClients`: the same for the sync twin: one client per process.

``scripts/gen_sync.py`` renames the ``Async*``/``async_*`` names to their
``Sync*``/``sync_*`` partners in the generated twin.
"""

from __future__ import annotations

import collections
import contextlib
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any

import anyio

from ._client import (
    KEEPALIVE_EXPIRY,
    AsyncClientLike,
    ClientRecipe,
    SyncClientLike,
    check_client,
    check_transport,
)
from ._synchronization import async_shielded
from .errors import ConfigurationError

__all__ = [
    "AsyncClients",
    "SyncClients",
    "async_checkpoint",
    "sync_checkpoint",
]


def _loop_key() -> object:
    """The running event loop (asyncio) or run (trio).

    The same object as anyio's ``current_token().native_token``; asyncio's
    loop is asked for directly, which costs 0.4 us a request instead of 5.7.
    """
    asyncio = sys.modules.get("asyncio")  # a running asyncio loop means it is imported
    if asyncio is not None:
        with contextlib.suppress(RuntimeError):
            return asyncio.get_running_loop()
    import anyio.lowlevel  # here, not at the top: 1-2 ms of import time asyncio never needs

    return anyio.lowlevel.current_token().native_token


def _closed_error(owned: bool) -> ConfigurationError:
    if owned:
        return ConfigurationError(
            "this session's HTTP client was closed (aclose()/close(), or the end of "
            "its `with` block): build a new session"
        )
    return ConfigurationError("the http_client you passed is closed: pass an open client, or none")


def _closed_while_waiting_error() -> ConfigurationError:
    return ConfigurationError(
        "this session's HTTP clients for this event loop were closed (aclose(), or the "
        "end of its `async with` block) while this call waited for one; a call made "
        "after aclose() opens new ones"
    )


def _other_loop_error() -> ConfigurationError:
    return ConfigurationError(
        "the http_client (or transport) you passed was used in another event loop, "
        "and httpx connections cannot move between event loops (each asyncio.run(), "
        "each async_to_sync() call and each test may run its own loop). Pass no "
        "http_client: the session then makes its clients per event loop; or create "
        "your client inside the loop that uses it"
    )


class _LoopClients:
    """One event loop's clients, and what closes them.

    Either one ``client`` that every request shares (a recipe without a
    bound: httpx2), or a bank of one-connection clients lent one per
    request (``slots`` set: httpx). httpx 0.28's pool does work for every
    connection it holds on every request (it polls each idle socket, and
    tasks that start together contend for the same idle connection and
    retry), so one pool of 100 connections served about 170 logins a second
    on loopback where 100 one-connection clients serve about 550
    (``python benchmarks/bench.py --load``). The bank is a stack: the
    client used last is lent first, so a quiet app keeps few connections
    warm, and the next request closes the clients idle for longer than the
    keep-alive expiry.
    """

    __slots__ = ("abandoned", "client", "closed", "free", "keeper", "made", "slots")

    def __init__(self, client: AsyncClientLike, slots: anyio.Semaphore | None) -> None:
        #: The client shared by every request, or the bank's last one lent.
        self.client = client
        self.slots = slots
        #: Bank clients not lent out, with when each came back (oldest first).
        self.free: collections.deque[tuple[AsyncClientLike, float]] = collections.deque()
        #: Every client of this loop, lent or not (closed with the loop).
        self.made: dict[AsyncClientLike, None] = {client: None}
        if slots is not None:
            self.free.append((client, time.monotonic()))
        self.keeper: Any = None
        #: Closed by ``aclose()`` or the loop's end: calls still waiting for a slot must not start.
        self.closed = False
        self.abandoned = False

    def borrow(
        self, build: Callable[[], AsyncClientLike]
    ) -> tuple[AsyncClientLike, list[AsyncClientLike]]:
        """A bank client for one request (the caller holds a slot), and expired ones to close."""
        free = self.free
        if free:
            client = free.pop()[0]
        else:
            client = build()
            self.made[client] = None
        self.client = client
        expired = []
        if free:
            now = time.monotonic()
            while free and now - free[0][1] > KEEPALIVE_EXPIRY:
                # Stays in made until closed: if closing is cut short, the loop's end closes it.
                expired.append(free.popleft()[0])
        return client, expired

    def give_back(self, client: AsyncClientLike) -> None:
        """Return a lent client to the top of the bank."""
        self.free.append((client, time.monotonic()))


class AsyncClients:
    """The clients of one async session.

    Built from a :class:`ClientRecipe` (the session builds its own), each event loop gets its
    own clients on first use (see :class:`_LoopClients`), and at most the
    recipe's ``max_in_flight`` requests in flight through them; the rest wait
    their turn (the wait counts against the session's deadline). The clients
    are closed when their loop ends: they are held open by an async generator
    that the loop finalizes at shutdown (``asyncio.run()``, ``asyncio.Runner``,
    asgiref's ``async_to_sync`` and ``trio.run()`` all do), whose ``finally``
    closes them.

    From a client (the caller's) or a recipe with a transport, there
    is one client for every loop; only a failure from using it in a loop
    other than the last one that used it is turned into a ConfigurationError.

    Raises:
        ConfigurationError: the client is not an httpx/httpx2 ``AsyncClient``.
    """

    def __init__(self, source: ClientRecipe | AsyncClientLike) -> None:
        self._lock = threading.Lock()
        self._loops: dict[object, _LoopClients] = {}
        self._last_loop: object = None
        #: A client the first event loop takes (per-loop mode only).
        self._spare: AsyncClientLike | None = None
        self._single: AsyncClientLike | None = None
        self._max_in_flight: int | None = None
        if isinstance(source, ClientRecipe):
            check_transport(source.transport, "handle_async_request")
            self.owns_single = True
            self._build = source.build_async
            self._max_in_flight = source.max_in_flight
            #: Shows which headers and exceptions the clients have.
            self.template = source.build_async()
            if source.transport is not None:
                self._single = self.template
            else:
                self._spare = self.template
        else:
            check_client(source, "AsyncClient", "Client", "ChattzOAuth")
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

    async def _open(self, key: object) -> _LoopClients:
        """Make this loop's client and tie its closing to the loop's end."""
        self._drop_closed_loops()
        with self._lock:
            client, self._spare = self._spare, None
        if client is None:
            client = self._build()
        slots = (
            None
            if self._max_in_flight is None
            else anyio.Semaphore(self._max_in_flight, fast_acquire=True)
        )
        entry = _LoopClients(client, slots)
        entry.keeper = self._keep(key, entry)
        with self._lock:
            self._loops[key] = entry
        # Iterating it once registers it with the loop, which closes it at shutdown.
        await entry.keeper.__anext__()
        return entry

    async def _keep(self, key: object, entry: _LoopClients) -> AsyncIterator[None]:
        try:
            yield
        finally:
            entry.closed = True
            with self._lock:
                if self._loops.get(key) is entry:
                    del self._loops[key]
            if not entry.abandoned:
                for client in list(entry.made):
                    await client.aclose()

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


async def _close_all(entry: _LoopClients, clients: list[AsyncClientLike]) -> None:
    """Close expired bank clients, each forgotten once closed."""
    for client in clients:
        try:
            await client.aclose()
        finally:
            entry.made.pop(client, None)


class _Lease:
    """``async with`` one request's client (a class: ``asynccontextmanager`` costs 5 us).

    Raises:
        ConfigurationError: A client used by another event loop failed here,
            or ``aclose()`` closed this loop's clients while the call waited.
    """

    __slots__ = ("_client", "_clients", "_entry", "_key")

    def __init__(self, clients: AsyncClients) -> None:
        self._clients = clients
        self._entry: _LoopClients | None = None

    async def __aenter__(self) -> AsyncClientLike:
        clients = self._clients
        self._key = key = _loop_key()
        if clients._single is not None:
            if clients._single.is_closed:
                # httpx would raise a RuntimeError of its own.
                raise _closed_error(clients.owns_single)
            return clients._single
        entry = clients._loops.get(key)
        if entry is None:
            entry = await clients._open(key)
        if entry.slots is None:
            self._entry = entry
            return entry.client
        await entry.slots.acquire()
        if entry.closed:
            entry.slots.release()
            raise _closed_while_waiting_error()
        try:
            client, expired = entry.borrow(clients._build)
        except BaseException:
            entry.slots.release()
            raise
        self._entry, self._client = entry, client
        if expired:
            try:
                # async_shielded: an anyio shield does not stop asyncio's task.cancel().
                await async_shielded(_close_all, entry, expired)
            except BaseException:
                entry.give_back(client)
                entry.slots.release()
                raise
        return client

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        entry = self._entry
        if entry is not None:
            if entry.slots is not None:
                entry.give_back(self._client)
                entry.slots.release()
            return
        clients, key = self._clients, self._key
        if isinstance(exc, RuntimeError) and clients._last_loop not in (None, key):
            raise _other_loop_error() from exc
        if exc is None:
            clients._last_loop = key


class SyncClients:
    """The clients of one sync session: one per process, thread-safe.

    The client the session builds is shared by every thread, with at most
    the recipe's ``max_connections`` requests in flight; the others wait, up
    to the call's deadline.

    Raises:
        ConfigurationError: the client is not an httpx/httpx2 ``Client``.
    """

    def __init__(self, source: ClientRecipe | SyncClientLike) -> None:
        self._slots: threading.BoundedSemaphore | None = None
        if isinstance(source, ClientRecipe):
            check_transport(source.transport, "handle_request")
            self.owns_single = True
            self._single: SyncClientLike = source.build_sync()
            if source.transport is None and source.max_in_flight is not None:
                self._slots = threading.BoundedSemaphore(source.max_in_flight)
        else:
            check_client(source, "Client", "AsyncClient", "AsyncChattzOAuth")
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
            ConfigurationError: The session is closed (``close()`` may run while a call waits).
        """
        if self._single.is_closed:
            # httpx would raise a RuntimeError of its own.
            raise _closed_error(self.owns_single)
        if self._slots is None:
            yield self._single
            return
        if not self._slots.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise TimeoutError
        try:
            if self._single.is_closed:  # close() ran while this call waited
                raise _closed_error(self.owns_single)
            yield self._single
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the client if the session built it."""
        if self.owns_single:
            self._single.close()


async def async_checkpoint() -> None:
    """Let other tasks run (between body chunks: decoding is CPU work)."""
    import anyio.lowlevel  # see _loop_key

    await anyio.lowlevel.checkpoint()


def sync_checkpoint() -> None:
    """Nothing to yield to in blocking code."""
