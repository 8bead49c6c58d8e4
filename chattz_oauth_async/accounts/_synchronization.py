"""The few lines where the account stores' async code and its sync twin truly differ.

``scripts/gen_sync.py`` renames ``async_*`` names in ``accounts/_async/`` to
their ``sync_*`` partners defined here, side by side (as
:mod:`chattz_oauth_async._synchronization` does for the session).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.util import greenlet_spawn

from .._synchronization import current_async_library
from ..errors import ConfigurationError

__all__ = [
    "CREATE_TABLES_LOCK",
    "async_create_all",
    "async_hook_result",
    "async_on_connection",
    "async_require_asyncio",
    "async_run_on",
    "async_sqlite_turn",
    "async_to_the_end",
    "create_all",
    "sync_create_all",
    "sync_hook_result",
    "sync_on_connection",
    "sync_require_asyncio",
    "sync_run_on",
    "sync_sqlite_turn",
    "sync_to_the_end",
]

T = TypeVar("T")


#: The PostgreSQL advisory lock ``create_tables`` holds (the bytes "chattzTB").
CREATE_TABLES_LOCK = int.from_bytes(b"chattzTB", "big")


def create_all(connection: Any, metadata: Any) -> None:
    """``metadata.create_all`` in the connection's transaction, one creator at a time.

    Workers that start at once on an empty PostgreSQL database (``uvicorn
    --workers 4``) would each see the tables missing and create them; all but
    one failed on the catalog's unique keys. The transaction-scoped advisory
    lock makes the others wait, then find the tables and create nothing.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CREATE_TABLES_LOCK})
    metadata.create_all(connection)


async def async_create_all(connection: Any, metadata: Any) -> None:
    """:func:`create_all` on a SQLAlchemy ``AsyncConnection`` (it runs sync DDL)."""
    await connection.run_sync(create_all, metadata)


def sync_create_all(connection: Any, metadata: Any) -> None:
    """:func:`create_all` on a SQLAlchemy ``Connection``."""
    create_all(connection, metadata)


async def async_run_on(engine: Any, work: Callable[..., T], *args: Any) -> T:
    """``work(engine.sync_engine, *args)``, the whole call in one greenlet of SQLAlchemy's
    asyncio bridge.

    ``work`` is sync code on SQLAlchemy's sync ``Engine`` (``accounts/_alone.py``);
    each driver call in it is awaited through the bridge, as an ``AsyncConnection``
    does for each of its steps. One greenlet per call instead of one per connect,
    execute and close: a returning sign-in on PostgreSQL went from 1.42 to 1.20 times
    the hand-minimal store's time (``benchmarks/store_layers.py``, docs/performance.md).
    """
    return await greenlet_spawn(work, engine.sync_engine, *args)


def sync_run_on(engine: Any, work: Callable[..., T], *args: Any) -> T:
    """``work(engine, *args)``: the sync store's engine is the sync ``Engine`` already."""
    return work(engine, *args)


async def async_on_connection(connection: Any, work: Callable[..., T], *args: Any) -> T:
    """``work(connection, *args)`` on the sync ``Connection`` under an ``AsyncConnection``."""
    return await connection.run_sync(work, *args)  # type: ignore[no-any-return]


def sync_on_connection(connection: Any, work: Callable[..., T], *args: Any) -> T:
    """``work(connection, *args)`` on a sync ``Connection``."""
    return work(connection, *args)


async def async_hook_result(name: str, result: Any) -> Any:
    """What the app's store hook ``name`` returned, awaited.

    Raises:
        ConfigurationError: The hook is a plain function: the async store's
            hooks get an ``AsyncConnection`` and must be ``async def``.
    """
    if not isinstance(result, Awaitable):
        raise ConfigurationError(
            f"{name} returned {type(result).__name__}, not an awaitable: AsyncSQLAlchemyStore's "
            f"hooks get an AsyncConnection and must be async functions (a plain function goes "
            f"with SQLAlchemyStore)"
        )
    return await result


def sync_hook_result(name: str, result: Any) -> Any:
    """What the app's store hook ``name`` returned (the sync store cannot await).

    Raises:
        ConfigurationError: The hook is an async function.
    """
    if isinstance(result, Awaitable):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # no never-awaited coroutine left behind
        raise ConfigurationError(
            f"{name} is an async function, which SQLAlchemyStore cannot await: pass a plain "
            f"function (or use AsyncSQLAlchemyStore)"
        )
    return result


def async_require_asyncio(what: str) -> None:
    """Refuse to run ``what`` outside asyncio (SQLAlchemy's asyncio extension needs it).

    Raises:
        ConfigurationError: The running async library is trio (or another).
    """
    library = current_async_library()
    if library != "asyncio":
        raise ConfigurationError(
            f"{what} runs on asyncio only (SQLAlchemy's asyncio extension), not {library}: "
            "on trio, use the sync store through anyio.to_thread.run_sync"
        )


def sync_require_asyncio(what: str) -> None:
    """Nothing to check in the sync twin: it runs in any thread."""


#: The lock the store's writes on one SQLite engine take turns with, per event loop (an
#: asyncio.Lock belongs to the loop that first waits on it; an app may run several loops).
_ASYNC_WRITERS: weakref.WeakKeyDictionary[
    Any, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()
#: The same for the sync store's threads: one lock per SQLite engine.
_SYNC_WRITERS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_SYNC_WRITERS_MADE = threading.Lock()


class _Turn:
    """One write's turn on one engine, while it lasts (a task made inside inherits it)."""

    __slots__ = ("engine", "held")

    def __init__(self, engine: object) -> None:
        self.engine = id(engine)
        self.held = True


#: The turns the running code took (a task made inside inherits them: a hook's).
_HOLDING: contextvars.ContextVar[tuple[_Turn, ...]] = contextvars.ContextVar(
    "chattz_oauth_async_sqlite_turns", default=()
)


@contextlib.asynccontextmanager
async def async_sqlite_turn(engine: Any) -> AsyncIterator[None]:
    """The store's turn to write on SQLite ``engine``, first come first served.

    SQLite lets one connection write at a time. A connection that finds the
    write lock taken sleeps in its busy handler (1, 2, 5 ... 100 ms) and tries
    again, and writers arriving meanwhile take the lock first: under ten
    concurrent web logins one waited over a second, and after ``sqlite3``'s
    busy timeout (5 s) a login fails with "database is locked". Queued here
    (an ``asyncio.Lock`` per engine and event loop), the store's writers in
    one process never meet in SQLite (``sqlalchemy_connections.run``).
    Another engine or process on the same file still meets them in the busy
    handler.

    Raises:
        ConfigurationError: The code holding the turn asked for it again: a
            store hook that calls the store's writes would wait for itself.
    """
    key = engine.sync_engine
    _refuse_reentry(key)
    per_loop = _ASYNC_WRITERS.get(key)
    if per_loop is None:
        per_loop = _ASYNC_WRITERS[key] = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    async with lock:
        with _holding(key):
            yield


@contextlib.contextmanager
def sync_sqlite_turn(engine: Any) -> Iterator[None]:
    """:func:`async_sqlite_turn` for the sync store's threads: a ``threading.Lock`` per engine.

    Raises:
        ConfigurationError: The thread holding the turn asked for it again.
    """
    _refuse_reentry(engine)
    with _SYNC_WRITERS_MADE:
        lock = _SYNC_WRITERS.get(engine)
        if lock is None:
            lock = _SYNC_WRITERS[engine] = threading.Lock()
    with lock, _holding(engine):
        yield


@contextlib.contextmanager
def _holding(engine: object) -> Iterator[None]:
    """Record the turn on ``engine`` for :func:`_refuse_reentry` while the block runs."""
    turn = _Turn(engine)
    token = _HOLDING.set((*_HOLDING.get(), turn))
    try:
        yield
    finally:
        turn.held = False  # a task a hook left running may write once the turn is over
        _HOLDING.reset(token)


def _refuse_reentry(engine: object) -> None:
    if any(turn.held and turn.engine == id(engine) for turn in _HOLDING.get()):
        raise ConfigurationError(
            "the account store was called from inside one of its own writes on SQLite "
            "(a create_user or has_password hook that calls the store?): it would wait for "
            "itself. A hook works through the connection it is given"
        )


#: The store's database work still running for callers that were cancelled (a reference
#: keeps each task alive until it ends: asyncio itself holds tasks only weakly).
_FINISHING: set[asyncio.Future[Any]] = set()


def _finished(task: asyncio.Future[Any]) -> None:
    _FINISHING.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: its caller was cancelled, or got it already


async def async_to_the_end(work: Callable[[], Awaitable[T]]) -> T:
    """``work()`` (one statement or one transaction) run to its end, even when its caller is
    cancelled; the caller gets its cancellation at once.

    A database call cancelled mid-way leaves its connection in a state nobody
    chose: on SQLite, an ``UPDATE ... RETURNING`` whose rows were not read yet
    keeps its write lock in a connection SQLAlchemy then throws away but
    Python's ``sqlite3`` cannot close while the statement is open, so every
    later write waits out its busy timeout and fails ("database is locked"); a
    cancelled transaction is rolled back only when that connection is
    finally collected. Run as a task of its own behind :func:`asyncio.shield`,
    the work ends as it would have (its connection back in the pool as it was,
    its transaction committed or rolled back), and a caller that is cancelled
    (a request timeout, a client gone) does not wait for it. asyncio only: the
    store refuses other libraries before this runs.
    """
    task = asyncio.ensure_future(work())
    _FINISHING.add(task)
    task.add_done_callback(_finished)
    return await asyncio.shield(task)


def sync_to_the_end(work: Callable[[], T]) -> T:
    """Threads are never cancelled: just ``work()``."""
    return work()
