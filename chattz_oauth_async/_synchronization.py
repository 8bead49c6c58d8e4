"""The few lines where the async session and its sync twin truly differ.

``scripts/gen_sync.py`` renames ``async_*``/``Async*`` names in ``_async/`` to
their ``sync_*``/``Sync*`` partners defined here, side by side.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final

import anyio

from .errors import ConfigurationError

__all__ = [
    "AsyncLock",
    "SyncLock",
    "async_call_hook",
    "async_deadline",
    "async_raw_chunks",
    "async_sleep",
    "sync_call_hook",
    "sync_deadline",
    "sync_raw_chunks",
    "sync_sleep",
]

# anyio.Lock binds to no event loop when created, so a session may be built
# at import time and used from any loop on asyncio or trio.


def AsyncLock() -> anyio.Lock:
    """A new anyio.Lock (looked up on first use: it costs import time)."""
    return anyio.Lock()


SyncLock = threading.Lock


async def async_sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


def sync_sleep(seconds: float) -> None:
    time.sleep(seconds)


class _AnyioDeadline:
    """``anyio.fail_after`` as an async context manager (trio, and any non-asyncio loop)."""

    __slots__ = ("_scope",)

    def __init__(self, seconds: float) -> None:
        self._scope = anyio.fail_after(seconds)

    async def __aenter__(self) -> None:
        self._scope.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._scope.__exit__(*exc_info)


def async_deadline(seconds: float) -> contextlib.AbstractAsyncContextManager[None]:
    """Cancel whatever runs inside after ``seconds``, raising TimeoutError.

    On asyncio, one shared periodic check per loop
    (:mod:`chattz_oauth_async._asyncio_deadline`: a few microseconds a
    request where a cancel scope costs twenty); elsewhere (trio), anyio's.
    """
    asyncio = sys.modules.get("asyncio")  # never imported here: it is slow to import
    if asyncio is not None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            return (_asyncio_deadline or _load_asyncio_deadline())(loop, seconds)
    return _AnyioDeadline(seconds)


_DeadlineFactory = Callable[[Any, float], contextlib.AbstractAsyncContextManager[None]]
_asyncio_deadline: _DeadlineFactory | None = None


def _load_asyncio_deadline() -> _DeadlineFactory:
    global _asyncio_deadline
    from ._asyncio_deadline import AsyncioDeadline

    _asyncio_deadline = AsyncioDeadline
    return AsyncioDeadline


_NO_DEADLINE: Final = contextlib.nullcontext(None)


def sync_deadline(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Blocking I/O cannot be interrupted: the session checks its deadline when
    headers arrive and between body chunks, and relies on httpx's per-operation
    timeouts in between."""
    return _NO_DEADLINE


@contextlib.asynccontextmanager
async def async_raw_chunks(response: Any) -> AsyncIterator[AsyncIterator[bytes]]:
    """A streamed response's raw chunks, every layer finished even when reading stops early.

    httpx and httpcore stream through nested async generators. Leaving the
    loop early (a size cap, a deadline) leaves them suspended, and trio warns
    when the garbage collector finds them. So the connection is closed first,
    which makes the innermost read fail at once, and that failure ends every
    layer. The loop is bounded in case a custom transport ignores the close.
    """
    chunks = response.aiter_raw()
    try:
        yield chunks
    finally:
        await response.aclose()
        for _ in range(8):
            try:
                await chunks.__anext__()
            except Exception:  # StopAsyncIteration, or the closed stream's error
                break
        else:
            await chunks.aclose()


@contextlib.contextmanager
def sync_raw_chunks(response: Any) -> Iterator[Iterator[bytes]]:
    chunks = response.iter_raw()
    try:
        yield chunks
    finally:
        chunks.close()


async def async_call_hook(hook: Callable[..., Any], *args: Any) -> None:
    """Call a user hook that may be a plain function or a coroutine function."""
    result = hook(*args)
    if isinstance(result, Awaitable):
        await result


def sync_call_hook(hook: Callable[..., Any], *args: Any) -> None:
    result: Awaitable[Any] | None = hook(*args)
    if isinstance(result, Awaitable):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # don't leave a never-awaited coroutine behind
        raise ConfigurationError("the sync client needs a plain (non-async) hook function")
