"""The asyncio side of the session's total deadline, imported on first use.

See :func:`chattz_oauth_async._synchronization.async_deadline`.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Final

__all__ = ["AsyncioDeadline"]


class _DeadlineWatch:
    """Cancels the tasks of one asyncio loop that run past their deadline.

    One periodic check per loop, armed only while calls are in flight, stands
    in for a timer per request: ``asyncio.timeout()`` or an anyio cancel scope
    cost 10-20 microseconds per request (a timer handle, a heap push, a
    cancel), which was 5% of a whole login on the in-process benchmark. The
    price is precision: a deadline fires up to ``INTERVAL`` late.
    """

    INTERVAL: Final = 0.05

    # No reference to the loop: it is the key of _WATCHES, which must not keep it alive.
    __slots__ = ("_entries", "_handle")

    def __init__(self) -> None:
        self._entries: set[AsyncioDeadline] = set()
        self._handle: asyncio.TimerHandle | None = None

    def add(self, entry: AsyncioDeadline) -> None:
        self._entries.add(entry)
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(self.INTERVAL, self._sweep)

    def discard(self, entry: AsyncioDeadline) -> None:
        self._entries.discard(entry)

    def _sweep(self) -> None:
        self._handle = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        for entry in [entry for entry in self._entries if entry.when <= now]:
            self._entries.discard(entry)
            entry.expire()
        if self._entries:
            self._handle = loop.call_later(self.INTERVAL, self._sweep)


_WATCHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _DeadlineWatch] = (
    weakref.WeakKeyDictionary()
)


_last: tuple[weakref.ref[asyncio.AbstractEventLoop], _DeadlineWatch] | None = None


def _watch_for(loop: asyncio.AbstractEventLoop) -> _DeadlineWatch:
    """The loop's watch; the last one used is cached (most processes run one loop)."""
    global _last
    if _last is not None and _last[0]() is loop:
        return _last[1]
    watch = _WATCHES.get(loop)
    if watch is None:
        watch = _WATCHES[loop] = _DeadlineWatch()
    _last = (weakref.ref(loop), watch)
    return watch


class AsyncioDeadline:
    """Like ``asyncio.timeout()``: cancel the task at the deadline, raise TimeoutError."""

    __slots__ = ("_cancelling", "_expired", "_task", "_watch", "when")

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float) -> None:
        self.when = loop.time() + seconds
        self._expired = False
        self._watch = _watch_for(loop)

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - an async with always runs in a task
            raise RuntimeError("a deadline needs a running task")
        self._task = task
        self._cancelling = task.cancelling()
        self._watch.add(self)

    def expire(self) -> None:
        self._expired = True
        self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: object,
    ) -> None:
        self._watch.discard(self)
        # The same bookkeeping as asyncio.timeout(): only a cancellation we
        # caused (and no other pending one) becomes TimeoutError.
        if (
            self._expired
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise TimeoutError from exc
