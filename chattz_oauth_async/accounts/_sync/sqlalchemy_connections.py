# GENERATED from chattz_oauth_async/accounts/_async/sqlalchemy_connections.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""How the SQLAlchemy store uses its connections: errors mapped, one more try, autocommit.

:func:`run` is every store call: the database's errors become
:class:`~chattz_oauth_async.AccountStoreError` (:func:`database_errors`) and
a connection a database restart closed is tried once more (:func:`once_more`).
Reads and a sign-in's single statement go without BEGIN and COMMIT
(:func:`alone`, :func:`write_alone`), and SQLite with a ``user_key`` is
refused while its foreign keys are off (:class:`ForeignKeys`). The store
(``sqlalchemy_store.py``) decides what to run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy import Connection, Engine

from ...errors import AccountStoreError, ConfigurationError
from .._failures import report, store_error
from .._synchronization import (
    sync_driver_autocommit,
    sync_require_asyncio,
    sync_sqlite_turn,
    sync_to_the_end,
    driver_connection,
)

__all__ = [
    "FOREIGN_KEYS_FIX",
    "ForeignKeys",
    "alone",
    "database_errors",
    "once_more",
    "run",
    "write_alone",
]

logger = logging.getLogger("chattz_oauth_async.accounts")

T = TypeVar("T")

#: What a SQLite engine with ``user_key`` needs (shown in the ConfigurationError and the docs).
FOREIGN_KEYS_FIX = (
    "turn SQLite's foreign keys on for every connection: "
    '@event.listens_for(engine.sync_engine, "connect") def on(dbapi, record): '
    'dbapi.execute("PRAGMA foreign_keys=ON")'
)


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """The database's errors as AccountStoreError, the driver's exception kept as the cause.

    Raises:
        ConfigurationError: The async store runs outside asyncio.
        AccountStoreError: The database failed (reported, unless a unique-key
            conflict, which may be a lost race the caller decides on).
    """
    sync_require_asyncio("SQLAlchemyStore")
    try:
        yield
    except SQLAlchemyError as exc:
        # The driver's message can quote the values sent: keep it as the cause only.
        error = store_error(exc)
        if not isinstance(exc, IntegrityError):  # maybe a lost race: the caller decides
            report(error)
        raise error from exc


def once_more(work: Callable[[], T]) -> T:
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
        return work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    logger.info("accounts: the database closed a pooled connection (a restart?): trying again")
    return work()


def run(engine: Engine, work: Callable[[], T], *, writes: bool) -> T:
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
            return once_more(work)
        if not writes:
            return sync_to_the_end(lambda: once_more(work))

        def in_turn() -> T:
            with sync_sqlite_turn(engine):
                return once_more(work)

        return sync_to_the_end(in_turn)


@contextlib.contextmanager
def alone(engine: Engine) -> Iterator[Connection]:
    """A connection of ``engine`` whose statements each commit on their own: no round
    trips for BEGIN and COMMIT, for a read or a single write.

    - psycopg: the driver's own ``autocommit``, switched on here and back before
      the connection returns to the app's pool (nothing is sent either way).
      SQLAlchemy's ``AUTOCOMMIT`` execution option does the same through its
      isolation-level machinery, at 60 to 100 µs more per sign-in
      (``benchmarks/store_layers.py``).
    - SQLite: nothing to switch. Python's ``sqlite3`` begins a transaction before
      a statement starting with INSERT, UPDATE, DELETE or REPLACE only, and the
      store's single writes start with ``WITH`` (``accounts/_statements.py``). A
      transaction open anyway (SQLAlchemy's "begin" event recipe for SQLite, or
      ``sqlite3``'s ``autocommit=False``) is committed when the block ends.
    - Other drivers: SQLAlchemy's ``AUTOCOMMIT`` execution option.
    """
    with engine.connect() as connection:
        dialect = connection.dialect
        if dialect.name == "sqlite":
            yield connection
            if driver_connection(connection).in_transaction:
                connection.commit()
        elif dialect.driver != "psycopg":
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        else:
            previous = driver_connection(connection).autocommit
            sync_driver_autocommit(connection, True)
            try:
                yield connection
            finally:
                _switch_back(connection, previous)


def _switch_back(connection: Connection, previous: bool) -> None:
    """psycopg's ``autocommit`` set back to ``previous``, or ``connection`` discarded.

    A connection left in autocommit would make every later transaction of the
    app on it write statement by statement. A statement cancelled mid-way, or
    a connection the database closed, refuses the switch: then the pool never
    sees the connection again. An invalidated connection is discarded already.
    """
    if connection.invalidated:
        return
    try:
        sync_driver_autocommit(connection, previous)
    except Exception:  # psycopg's ProgrammingError or OperationalError: not reusable
        connection.invalidate()


class ForeignKeys:
    """SQLite with ``user_key``: the store refuses to work while foreign keys are off.

    Without them SQLite ignores ON DELETE CASCADE and reuses a deleted
    newest id, so a deleted user's link would sign in the next user.
    Asked once per store (a site sets the connect event for every connection or none).
    """

    def __init__(self, engine: Engine, user_key: object) -> None:
        # SQLite enforces ON DELETE CASCADE only with foreign keys on: checked on first use.
        self._checked = user_key is None or engine.dialect.name != "sqlite"

    def require(self, connection: Connection) -> None:
        """Check ``PRAGMA foreign_keys`` on ``connection``, the first time only.

        Raises:
            ConfigurationError: ``PRAGMA foreign_keys`` is off.
        """
        if self._checked:
            return
        on = (connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        if not on:
            raise ConfigurationError(f"user_key on SQLite: {FOREIGN_KEYS_FIX}")
        self._checked = True


def write_alone(
    engine: Engine, query: Any, values: dict[str, Any], foreign_keys: ForeignKeys
) -> Any:
    """The row ``query`` returns, run :func:`alone`; None if none or a conflict.

    Raises:
        AccountStoreError: The database failed, other than a unique-key conflict.
    """
    try:
        return run(
            engine, lambda: _execute_alone(engine, query, values, foreign_keys), writes=True
        )
    except AccountStoreError as exc:
        if isinstance(exc.__cause__, IntegrityError):  # a lost race, or no such user
            return None
        raise


def _execute_alone(
    engine: Engine, query: Any, values: dict[str, Any], foreign_keys: ForeignKeys
) -> Any:
    with alone(engine) as connection:
        foreign_keys.require(connection)
        return (connection.execute(query, values)).first()
