"""The few lines where the async session and its sync twin truly differ.

``scripts/gen_sync.py`` renames ``async_*``/``Async*`` names in ``_async/`` to
their ``sync_*``/``Sync*`` partners defined here, side by side.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final, NoReturn, TypeVar

import anyio

from .errors import ConfigurationError


@functools.cache
def _sniffer() -> Callable[[], str]:
    """sniffio's ``current_async_library``, imported on first use (about 1 ms of import time)."""
    try:
        from sniffio import current_async_library
    except ImportError:  # trio depends on sniffio: without it only asyncio can be running
        return lambda: "asyncio"
    return current_async_library


def current_async_library() -> str:
    """``"asyncio"``, ``"trio"``, ...: the async library running this code."""
    return _sniffer()()


__all__ = [
    "AsyncSignal",
    "AsyncWithHint",
    "SyncSignal",
    "SyncWithHint",
    "async_call_hook",
    "async_deadline",
    "async_loop_key",
    "async_raw_chunks",
    "async_request_timeouts",
    "async_shielded",
    "async_sleep",
    "sync_call_hook",
    "sync_deadline",
    "sync_loop_key",
    "sync_raw_chunks",
    "sync_request_timeouts",
    "sync_shielded",
    "sync_sleep",
]

_T = TypeVar("_T")


class AsyncSignal:
    """A one-shot wake-up for the task that made it, which any thread may fire.

    Made by a waiting task (on asyncio or trio, in any thread's event loop);
    :meth:`fire` schedules the wake-up on that task's own loop
    (``call_soon_threadsafe``, trio's ``run_sync_soon``), so a task in one
    thread's loop can be woken by work finished in another's. An ``anyio.Lock``
    or ``Event`` shared by two threads' loops is not: a waiter in the other loop
    was never woken and hung.
    """

    __slots__ = ("_event", "_soon")

    def __init__(self) -> None:
        self._event = anyio.Event()
        if current_async_library() == "trio":
            import trio

            self._soon: Callable[[Callable[[], object]], object] = (
                trio.lowlevel.current_trio_token().run_sync_soon
            )
        else:
            import asyncio  # loaded already: an asyncio loop is running

            self._soon = asyncio.get_running_loop().call_soon_threadsafe

    def fire(self) -> None:
        """Wake the waiter (from any thread); a waiter whose loop has ended is skipped."""
        with contextlib.suppress(RuntimeError):  # a closed loop; trio's RunFinishedError
            self._soon(self._event.set)

    async def wait(self) -> None:
        """Wait until :meth:`fire` (cancellable)."""
        await self._event.wait()


class SyncSignal:
    """:class:`AsyncSignal` for threads: a ``threading.Event``."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def fire(self) -> None:
        """Wake the waiting thread."""
        self._event.set()

    def wait(self) -> None:
        """Block until :meth:`fire`."""
        self._event.wait()


class AsyncWithHint:
    """Makes ``with`` on an async object say what to write instead.

    Python's own error is "'X' object does not support the context manager protocol".
    """

    def __enter__(self) -> NoReturn:
        raise ConfigurationError(
            f"{type(self).__name__} is async: use `async with`, or ChattzOAuth in sync code"
        )

    def __exit__(self, *exc_info: object) -> None:
        """Never reached: ``__enter__`` raises."""


class SyncWithHint:
    """Makes ``async with`` on a sync object say what to write instead."""

    async def __aenter__(self) -> NoReturn:
        raise ConfigurationError(
            f"{type(self).__name__} is sync: use `with`, or AsyncChattzOAuth in async code"
        )

    async def __aexit__(self, *exc_info: object) -> None:
        """Never reached: ``__aenter__`` raises."""


async def async_sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


def sync_sleep(seconds: float) -> None:
    time.sleep(seconds)


def async_deadline(seconds: float) -> contextlib.AbstractAsyncContextManager[object]:
    """Cancel whatever runs inside after ``seconds``, raising TimeoutError.

    The event loop's own primitive: ``asyncio.timeout()`` on asyncio, a
    ``trio.CancelScope`` on trio (what ``trio.fail_after`` does, without
    anyio's per-request wrapper), ``anyio.fail_after`` on anything else.
    """
    library = current_async_library()
    if library == "asyncio":
        # Imported here, not at the top: `import asyncio` costs about 15 ms
        # (python -X importtime after httpx, attrs and anyio), and code running
        # on asyncio has always loaded it already.
        import asyncio

        return asyncio.timeout(seconds)
    if library == "trio":
        return _TrioDeadline(seconds)
    return _AnyioDeadline(seconds)


class _TrioDeadline:
    """``trio.fail_after``, raising TimeoutError instead of trio.TooSlowError."""

    __slots__ = ("_scope",)

    def __init__(self, seconds: float) -> None:
        import trio  # optional: loaded whenever trio runs this code

        self._scope = trio.CancelScope(deadline=trio.current_time() + seconds)

    async def __aenter__(self) -> None:
        self._scope.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        handled = self._scope.__exit__(*exc_info)
        if self._scope.cancelled_caught:
            raise TimeoutError
        return handled


class _AnyioDeadline:
    """``anyio.fail_after`` as an async context manager."""

    __slots__ = ("_scope",)

    def __init__(self, seconds: float) -> None:
        self._scope = anyio.fail_after(seconds)

    async def __aenter__(self) -> None:
        self._scope.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._scope.__exit__(*exc_info)


async def async_shielded(call: Callable[..., Awaitable[_T]], *args: Any) -> _T:
    """Run ``call(*args)`` to its end even if the caller is cancelled meanwhile.

    The cancellation is delivered once it returns, in place of its result or
    its failure (a cancelled caller gets its cancellation), so ``call`` must
    be bounded (a session call is, by ``total_timeout``). On trio a shielded
    cancel scope does this. On asyncio a shield does not stop
    ``task.cancel()``, so the call runs as a task of its own and the caller
    keeps waiting for it.
    """
    failure: Exception | None = None
    with anyio.CancelScope(shield=True):
        try:
            if current_async_library() == "asyncio":
                result = await _asyncio_to_the_end(call(*args))
            else:
                result = await call(*args)
        except Exception as exc:
            failure = exc
    # A checkpoint, so an outer cancel scope's cancellation arrives now. Not
    # anyio.lowlevel.checkpoint(): importing anyio.lowlevel costs ~2 ms at import.
    await anyio.sleep(0)  # noqa: ASYNC115
    if failure is not None:
        raise failure
    return result


async def _asyncio_to_the_end(awaitable: Awaitable[_T]) -> _T:
    import asyncio  # loaded already: see async_deadline

    task = asyncio.ensure_future(awaitable)
    interrupted = False
    while not task.done():
        try:
            await asyncio.wait((task,))
        except asyncio.CancelledError:
            interrupted = True
    if interrupted:
        if not task.cancelled():
            task.exception()  # retrieved: the caller's cancellation wins
        raise asyncio.CancelledError
    return task.result()


def sync_shielded(call: Callable[..., _T], *args: Any) -> _T:
    """Threads are never cancelled: just call."""
    return call(*args)


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


def async_hook(name: str, hook: object) -> Callable[..., Any] | None:
    """``hook`` (a plain or a coroutine function), or None: what an async object may call.

    Raises:
        ConfigurationError: ``hook`` is neither None nor callable.
    """
    if hook is not None and not callable(hook):
        raise ConfigurationError(f"{name} must be a function, or None")
    return hook


def sync_hook(name: str, hook: object) -> Callable[..., Any] | None:
    """:func:`async_hook` for the sync twin, which cannot await: a coroutine function is
    refused when the object is built, not after the work whose outcome it was to get.

    Raises:
        ConfigurationError: ``hook`` is not callable, or is a coroutine function.
    """
    checked = async_hook(name, hook)
    if inspect.iscoroutinefunction(checked) or inspect.iscoroutinefunction(
        getattr(checked, "__call__", None)  # noqa: B004 (an object's async __call__)
    ):
        raise ConfigurationError(
            f"{name} is an async function, which the sync twin cannot await: pass a plain "
            "function (or use the async class)"
        )
    return checked


def sync_call_hook(hook: Callable[..., Any], *args: Any) -> None:
    result: Awaitable[Any] | None = hook(*args)
    if isinstance(result, Awaitable):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # don't leave a never-awaited coroutine behind
        raise ConfigurationError("the sync client needs a plain (non-async) hook function")


def async_loop_key() -> object:
    """The running event loop (asyncio) or run (trio): what a connection is bound to.

    The same object as anyio's ``current_token().native_token``; asyncio's
    loop is asked for directly, which costs 0.4 us a request instead of 5.7.
    """
    asyncio = sys.modules.get("asyncio")  # a running asyncio loop means it is imported
    if asyncio is not None:
        with contextlib.suppress(RuntimeError):
            return asyncio.get_running_loop()
    import anyio.lowlevel  # here, not at the top: 1-2 ms of import time asyncio never needs

    return anyio.lowlevel.current_token().native_token


def sync_loop_key() -> object:
    """Threads have no event loop: every sync call shares the same (None)."""
    return None


async def async_checkpoint() -> None:
    """Let other tasks run (between body chunks: decoding is CPU work)."""
    import anyio.lowlevel  # see async_loop_key

    await anyio.lowlevel.checkpoint()


def sync_checkpoint() -> None:
    """Nothing to yield to in blocking code."""


_CLIENT_TIMEOUTS: Final[dict[str, Any]] = {}


def async_request_timeouts(timeout: Any, remaining: float) -> dict[str, Any]:
    """``build_request`` keywords: none, the request keeps the client's timeouts.

    The async deadline cancels whatever runs past it, so nothing more is
    needed (and capping them costs ~6 us a request).
    """
    return _CLIENT_TIMEOUTS


def sync_request_timeouts(timeout: Any, remaining: float) -> dict[str, Any]:
    """``build_request`` keywords: the client's timeouts, none over what is left of the deadline.

    A blocking read cannot be cancelled, so each must end by the deadline on
    its own: a server that says nothing would otherwise hold the call for a
    whole read timeout (10 s by default) past a shorter ``total_timeout``.
    ``timeout`` is the client's ``httpx.Timeout``; a part that is None (no
    limit) becomes ``remaining``.
    """
    remaining = max(remaining, 0.001)
    parts = (getattr(timeout, part, None) for part in ("connect", "read", "write", "pool"))
    return {"timeout": tuple(remaining if part is None else min(part, remaining) for part in parts)}
