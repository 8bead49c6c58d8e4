"""How the SQLAlchemy store uses its connections: errors mapped, one more try, autocommit.

:func:`run` is every store call: the database's errors become
:class:`~chattz_oauth_async.AccountStoreError` (:func:`database_errors`) and
a connection a database restart closed is tried once more (:func:`once_more`).
Reads and a sign-in's single statement go without BEGIN and COMMIT, each
call in one greenlet (:func:`first_alone`, :func:`all_alone`,
:func:`write_alone`: the sync code of ``accounts/_alone.py``), and SQLite
with a ``user_key`` is refused while its foreign keys are off
(:func:`require_foreign_keys`). The store (``sqlalchemy_store.py``)
decides what to run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ...errors import AccountStoreError
from .._alone import ForeignKeys, all_rows, autocommit_off, autocommit_on, first_row
from .._failures import report, store_error
from .._synchronization import (
    async_on_connection,
    async_require_asyncio,
    async_run_on,
    async_sqlite_turn,
    async_to_the_end,
)

__all__ = [
    "all_alone",
    "alone_for_hooks",
    "database_errors",
    "first_alone",
    "once_more",
    "require_foreign_keys",
    "run",
    "write_alone",
]

logger = logging.getLogger("chattz_oauth_async.accounts")

T = TypeVar("T")


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """The database's errors as AccountStoreError, the driver's exception kept as the cause.

    Raises:
        ConfigurationError: The async store runs outside asyncio.
        AccountStoreError: The database failed (reported, unless a unique-key
            conflict, which may be a lost race the caller decides on).
    """
    async_require_asyncio("AsyncSQLAlchemyStore")
    try:
        yield
    except SQLAlchemyError as exc:
        # The driver's message can quote the values sent: keep it as the cause only.
        error = store_error(exc)
        if not isinstance(exc, IntegrityError):  # maybe a lost race: the caller decides
            report(error)
        raise error from exc


async def once_more(work: Callable[[], Awaitable[T]]) -> T:
    """``work()``, run once more when the database had closed its pooled connection.

    A database restart closes every connection the pool keeps; the first
    statement on one fails with a disconnect, and SQLAlchemy then invalidates
    the whole pool, so the second try gets a new connection: a restart costs
    no login and no page, with or without ``pool_pre_ping`` (which pays a
    round trip per checkout to the same end). Tried twice at most: a database
    that is down fails the second try's connect, and that error is raised.
    Each ``work`` is one statement or one transaction: a disconnect rolls a
    transaction back, and a sign-in written just before the connection broke
    is found by its second try (then a returning login's outcome).
    """
    try:
        return await work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    logger.info("accounts: the database closed a pooled connection (a restart?): trying again")
    return await work()


async def run(engine: AsyncEngine, work: Callable[[], Awaitable[T]], *, writes: bool) -> T:
    """``work()`` on ``engine`` under :func:`database_errors`, through :func:`once_more`.

    On SQLite:

    - ``writes``: the store's writes on one engine take turns
      (``async_sqlite_turn`` in ``accounts/_synchronization.py``), so that
      they never wait for each other in SQLite's busy handler, which sleeps
      and lets newcomers pass: under ten concurrent web logins the slowest
      took 1.07 s, and a login that waits past the busy timeout (5 s) fails
      with "database is locked"; in turn, the slowest took 126 ms
      (``benchmarks/weblogin.py``, docs/performance.md). Reads need no turn.
    - Run to its end even when its caller is cancelled (the caller gets its
      cancellation at once: ``async_to_the_end``). aiosqlite's thread goes
      on running a statement whose caller was cancelled, and a connection
      thrown away with it open kept SQLite's write lock. The task costs
      three more turns of the event loop per call.

    psycopg needs neither: PostgreSQL locks rows, not the database, and on
    cancellation psycopg has the server cancel the statement and waits for
    that, and SQLAlchemy then discards the connection (a transaction is
    rolled back with it).

    Raises:
        AccountStoreError: The database failed.
    """
    with database_errors():
        if engine.dialect.name != "sqlite":
            return await once_more(work)
        if not writes:
            return await async_to_the_end(lambda: once_more(work))

        async def in_turn() -> T:
            async with async_sqlite_turn(engine):
                return await once_more(work)

        return await async_to_the_end(in_turn)


async def first_alone(
    engine: AsyncEngine,
    query: Any,
    values: dict[str, Any] | None,
    foreign_keys: ForeignKeys | None,
    *,
    writes: bool,
) -> Any:
    """The first row ``query`` returns (or None), run alone: each statement its own
    commit, the whole call one greenlet (``accounts/_alone.py``), under :func:`run`.

    Raises:
        AccountStoreError: The database failed.
    """
    return await run(
        engine,
        lambda: async_run_on(engine, first_row, query, values, foreign_keys),
        writes=writes,
    )


async def all_alone(engine: AsyncEngine, query: Any) -> Sequence[Any]:
    """Every row ``query`` returns, read alone (``accounts/_alone.py``), under :func:`run`.

    Raises:
        AccountStoreError: The database failed.
    """
    return await run(engine, lambda: async_run_on(engine, all_rows, query), writes=False)


async def write_alone(
    engine: AsyncEngine, query: Any, values: dict[str, Any], foreign_keys: ForeignKeys
) -> Any:
    """The row ``query`` returns, run alone (:func:`first_alone`); None if none or a conflict.

    Raises:
        AccountStoreError: The database failed, other than a unique-key conflict.
    """
    try:
        return await first_alone(engine, query, values, foreign_keys, writes=True)
    except AccountStoreError as exc:
        if isinstance(exc.__cause__, IntegrityError):  # a lost race, or no such user
            return None
        raise


@contextlib.asynccontextmanager
async def alone_for_hooks(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of ``engine`` in the mode of ``accounts/_alone.py``'s ``alone``, as an
    ``AsyncConnection``: for reads that call the app's hooks, which get one."""
    async with engine.connect() as connection:
        previous = await async_on_connection(connection, autocommit_on)
        completed = False
        try:
            yield connection
            completed = True
        finally:
            await async_on_connection(connection, autocommit_off, previous, completed)


async def require_foreign_keys(connection: AsyncConnection, foreign_keys: ForeignKeys) -> None:
    """:meth:`ForeignKeys.require` on ``connection``, unless asked already.

    Raises:
        ConfigurationError: SQLite with ``user_key``, and ``PRAGMA foreign_keys`` is off.
    """
    if not foreign_keys.checked:
        await async_on_connection(connection, foreign_keys.require)
