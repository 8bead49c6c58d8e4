"""The few lines where the async session and its sync twin truly differ.

``scripts/gen_sync.py`` renames ``async_*``/``Async*`` names in ``_async/`` to
their ``sync_*``/``Sync*`` partners defined here, side by side.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio

from .errors import ConfigurationError

__all__ = [
    "AsyncLock",
    "SyncLock",
    "async_call_hook",
    "async_deadline",
    "async_sleep",
    "sync_call_hook",
    "sync_deadline",
    "sync_sleep",
]

# anyio.Lock binds to no event loop when created, so a session may be built
# at import time and used from any loop on asyncio or trio.
AsyncLock = anyio.Lock
SyncLock = threading.Lock


async def async_sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


def sync_sleep(seconds: float) -> None:
    time.sleep(seconds)


@contextlib.contextmanager
def async_deadline(seconds: float) -> Iterator[None]:
    """Cancel whatever runs inside after ``seconds``, raising TimeoutError."""
    with anyio.fail_after(seconds):
        yield


@contextlib.contextmanager
def sync_deadline(seconds: float) -> Iterator[None]:
    """Blocking I/O cannot be interrupted: the session checks its deadline
    between body chunks and relies on httpx's per-operation timeouts."""
    yield


async def async_call_hook(hook: Callable[..., Any], *args: Any) -> None:
    """Call a user hook that may be a plain function or a coroutine function."""
    result = hook(*args)
    if inspect.isawaitable(result):
        await result


def sync_call_hook(hook: Callable[..., Any], *args: Any) -> None:
    result: Awaitable[Any] | None = hook(*args)
    if inspect.isawaitable(result):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # don't leave a never-awaited coroutine behind
        raise ConfigurationError("the sync client needs a plain (non-async) hook function")
