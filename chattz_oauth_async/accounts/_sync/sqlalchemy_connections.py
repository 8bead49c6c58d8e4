# GENERATED from chattz_oauth_async/accounts/_async/sqlalchemy_connections.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""How the SQLAlchemy store uses its connections: errors mapped, one more try, autocommit.

:func:`run` is every store call: the database's errors become
:class:`~chattz_oauth_async.AccountStoreError` (:func:`database_errors`) and
a connection a database restart closed is tried once more (:func:`once_more`).
Reads go without BEGIN and COMMIT (:func:`autocommit`), a sign-in statement
alone in autocommit mode (:func:`write_alone`, SQLite's driver isolation set
and set back), and SQLite with a ``user_key`` is refused while its foreign
keys are off (:class:`ForeignKeys`). The store
(``sqlalchemy_store.py``) decides what to run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy import Connection, Engine

from ...errors import AccountStoreError, ConfigurationError
from .._failures import report, store_error
from .._synchronization import (
    sync_driver_isolation,
    sync_require_asyncio,
    sync_to_the_end,
    driver_isolation_level,
)

__all__ = [
    "FOREIGN_KEYS_FIX",
    "ForeignKeys",
    "autocommit",
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


def run(work: Callable[[], T]) -> T:
    """``work()`` under :func:`database_errors`, through :func:`once_more`, run to its end
    even when its caller is cancelled (``accounts/_synchronization.py``: the caller gets
    its cancellation at once, and the database work ends as it would have).

    Raises:
        AccountStoreError: The database failed.
    """
    with database_errors():
        return sync_to_the_end(lambda: once_more(work))


def autocommit(connection: Connection) -> Connection:
    """``connection`` for one read on its own: no BEGIN and COMMIT round trips.

    SQLite's driver begins a transaction before a write only, so a read needs
    nothing (and SQLAlchemy's AUTOCOMMIT would cost a PRAGMA at check-in).
    """
    if connection.dialect.name == "sqlite":
        return connection
    return connection.execution_options(isolation_level="AUTOCOMMIT")


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
    solo: Engine, query: Any, values: dict[str, Any], foreign_keys: ForeignKeys
) -> Any:
    """The row ``query`` returns, run alone in autocommit mode; None if none or a conflict.

    ``solo``: the store's engine in autocommit mode (the engine itself on SQLite).

    Raises:
        AccountStoreError: The database failed, other than a unique-key conflict.
    """
    try:
        return run(lambda: _execute_alone(solo, query, values, foreign_keys))
    except AccountStoreError as exc:
        if isinstance(exc.__cause__, IntegrityError):  # a lost race, or no such user
            return None
        raise


def _execute_alone(
    solo: Engine, query: Any, values: dict[str, Any], foreign_keys: ForeignKeys
) -> Any:
    with solo.connect() as connection:
        foreign_keys.require(connection)
        if connection.dialect.name != "sqlite":
            row = (connection.execute(query, values)).first()
            connection.commit()  # nothing to send in autocommit mode
            return row
        # The driver's own autocommit: no BEGIN, no COMMIT, no PRAGMA. The level
        # to restore is read before any await, and set back whatever happens: a
        # cancelled sign-in must not hand the pool a connection in autocommit
        # (every later transaction on it would write statement by statement).
        previous = driver_isolation_level(connection)
        try:
            sync_driver_isolation(connection, None)
            row = (connection.execute(query, values)).first()
            # Nothing to send, unless the app's "begin" event sent a BEGIN itself
            # (SQLAlchemy's recipe for SQLite's transactions): then it commits.
            connection.commit()
            return row
        finally:
            # A statement cancelled mid-way invalidates the connection (it is
            # discarded, nothing to restore); asking it would raise over the
            # cancellation.
            if not connection.invalidated:
                sync_driver_isolation(connection, previous)
