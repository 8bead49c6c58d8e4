"""The transport under the async session's own client: connections per event loop, and a bound.

Why it exists: httpx's pool (httpcore 1.0) does work for every connection it
holds on every request. It polls each idle socket (encode/httpcore#928) and
walks its connections and queued requests in loops that grow with both
(#929, #1110); none of the fixes is released. Tasks of a burst then contend
for the same idle connection and retry, and 300 concurrent logins through one
pool of 100 connections make about 40 logins/s where this transport makes
about 500 (``python benchmarks/bench.py --load``, docs/performance.md).
Delete it, and give the session's client a plain pool, once a released
httpcore fixes those issues and that benchmark shows raw httpx within noise
of the session at 300 and 1,000 concurrent logins.

Per running event loop (an asyncio loop, or a trio run), because a
connection cannot move between event loops:

- at most ``max_in_flight`` requests hold a slot at a time; the others wait
  their turn (the wait counts against the session's deadline). A request
  counts as possibly sent once it holds a slot: it marks the ``Wire`` in its
  :data:`WIRE` extension then, so a login that timed out waiting stays open;
- each request holding a slot gets a one-connection inner transport, the one
  given back last first, so a quiet app keeps few connections warm; inner
  transports idle for longer than the keep-alive expiry are closed;
- the loop's inner transports are closed when the loop ends: an async
  generator holds them, and every runner finalizes those at shutdown
  (``asyncio.run()``, ``asyncio.Runner``, asgiref's ``async_to_sync``,
  ``trio.run()``).

Without a bound (httpx2, whose pool queues well: a bound cost half its
throughput at 300 and 1,000 concurrent logins) each loop gets one inner
transport with a pool, shared by all its requests.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any, Final

import anyio
import httpx

from ._synchronization import async_loop_key, async_shielded

__all__ = ["WIRE", "LoopTransport", "loop_transport"]

#: The request extension holding the ``Wire`` that a request marks once it holds a slot.
WIRE: Final = "chattz_oauth_async.wire"


class _Loop:
    """One event loop's inner transports, and its slots."""

    __slots__ = ("closed", "free", "keeper", "made", "shared", "slots")

    def __init__(self, slots: anyio.Semaphore | None, shared: Any) -> None:
        self.slots = slots
        #: The inner transport every request shares (no bound), or None.
        self.shared = shared
        #: Inner transports not lent out, with when each came back (oldest first).
        self.free: collections.deque[tuple[Any, float]] = collections.deque()
        #: Every inner transport of this loop, lent or not.
        self.made: dict[Any, None] = {} if shared is None else {shared: None}
        #: Closed by aclose() or the loop's end: a request waiting for a slot goes on a new one.
        self.closed = False
        self.keeper: Any = None

    def give_back(self, inner: Any) -> None:
        """Put a lent inner transport (None: none was made) back on top, and free its slot."""
        if inner is not None and not self.closed:
            self.free.append((inner, time.monotonic()))
        if self.slots is not None:
            self.slots.release()


class LoopTransport(httpx.AsyncBaseTransport):
    """Sends each request through an inner transport of the running event loop.

    Args:
        make: Builds one inner transport (``httpx.AsyncHTTPTransport`` with
            the session's TLS context, so none loads the CA bundle again).
        max_in_flight: The bound on requests holding a slot, per loop; None
            for one shared inner transport per loop and no bound.
        keepalive_expiry: Seconds an idle inner transport is kept.
    """

    _stream_class: type[_Lent]

    def __init__(
        self, make: Callable[[], Any], max_in_flight: int | None, keepalive_expiry: float
    ) -> None:
        self._make = make
        self._max_in_flight = max_in_flight
        self._expiry = keepalive_expiry
        self._lock = threading.Lock()
        self._loops: dict[object, _Loop] = {}

    async def _loop(self) -> _Loop:
        key = async_loop_key()
        loop = self._loops.get(key)
        if loop is not None:
            return loop
        self._drop_closed_loops()
        if self._max_in_flight is None:
            loop = _Loop(None, self._make())
        else:
            loop = _Loop(anyio.Semaphore(self._max_in_flight, fast_acquire=True), None)
        loop.keeper = self._keep(key, loop)
        with self._lock:
            self._loops[key] = loop
        await loop.keeper.__anext__()  # registers it with the loop, which finalizes it at the end
        return loop

    async def _keep(self, key: object, loop: _Loop) -> AsyncIterator[None]:
        try:
            yield
        finally:
            loop.closed = True
            with self._lock:
                if self._loops.get(key) is loop:
                    del self._loops[key]
            for inner in list(loop.made):
                await inner.aclose()

    def _drop_closed_loops(self) -> None:
        """Forget asyncio loops closed without finalizing them (no ``shutdown_asyncgens()``).

        Their connections cannot be closed politely any more; the garbage collector closes them.
        """
        with self._lock:
            dead = [key for key in self._loops if getattr(key, "is_closed", lambda: False)()]
            loops = [self._loops.pop(key) for key in dead]
        for loop in loops:
            loop.closed, loop.made = True, {}
            # Finish the keeper here, so no finalizer later calls into the dead loop.
            with contextlib.suppress(StopIteration, RuntimeError):
                loop.keeper.aclose().send(None)

    async def handle_async_request(self, request: Any) -> Any:
        """Send ``request`` through one of this loop's inner transports, holding a slot."""
        wire = request.extensions.get(WIRE)
        while True:
            loop = await self._loop()
            if loop.slots is None:
                if wire is not None:
                    wire.maybe_sent = True
                return await loop.shared.handle_async_request(request)
            await loop.slots.acquire()
            if not loop.closed:
                break
            loop.slots.release()  # aclose() ran while this request waited: go on new connections
        free = loop.free
        inner = free.pop()[0] if free else None
        try:
            if inner is None:
                inner = self._make()
                loop.made[inner] = None
            expired = []
            now = time.monotonic()
            while free and now - free[0][1] > self._expiry:
                expired.append(free.popleft()[0])
            if expired:
                # async_shielded: an anyio shield does not stop asyncio's task.cancel().
                await async_shielded(_close_all, loop, expired)
            if wire is not None:
                wire.maybe_sent = True
            response = await inner.handle_async_request(request)
        except BaseException:
            loop.give_back(inner)
            raise
        give_back = functools.partial(loop.give_back, inner)
        response.stream = self._stream_class(response.stream, give_back)
        return response

    async def aclose(self) -> None:
        """Close the running loop's inner transports; a later request opens new ones.

        Those of loops that have ended are closed already, and those of loops
        still running in other threads close when their loops end (closing
        them from here would break their requests in flight).
        """
        loop = self._loops.get(async_loop_key())
        if loop is not None:
            await loop.keeper.aclose()


async def _close_all(loop: _Loop, expired: list[Any]) -> None:
    """Close expired inner transports, each forgotten once closed."""
    for inner in expired:
        try:
            await inner.aclose()
        finally:
            loop.made.pop(inner, None)


class _Lent(httpx.AsyncByteStream):
    """A response body that gives its inner transport and slot back once closed."""

    def __init__(self, stream: Any, give_back: Callable[[], None]) -> None:
        self._stream = stream
        self._give_back: Callable[[], None] | None = give_back

    def __aiter__(self) -> AsyncIterator[bytes]:
        iterator: AsyncIterator[bytes] = self._stream.__aiter__()
        return iterator

    async def aclose(self) -> None:
        give_back, self._give_back = self._give_back, None
        try:
            await self._stream.aclose()
        finally:
            if give_back is not None:
                give_back()


LoopTransport._stream_class = _Lent


@functools.cache
def _for_stack(module: ModuleType) -> type[LoopTransport]:
    """LoopTransport as a subclass of ``module``'s transport (and its body of its stream) class."""
    if module is httpx:
        return LoopTransport
    stream = type("_Lent", (_Lent, module.AsyncByteStream), {})
    bases = (LoopTransport, module.AsyncBaseTransport)
    transport: type[LoopTransport] = type("LoopTransport", bases, {"_stream_class": stream})
    return transport


def loop_transport(
    module: ModuleType, make: Callable[[], Any], max_in_flight: int | None, keepalive_expiry: float
) -> LoopTransport:
    """A :class:`LoopTransport` that is an ``AsyncBaseTransport`` of ``module`` (httpx/httpx2)."""
    return _for_stack(module)(make, max_in_flight, keepalive_expiry)
