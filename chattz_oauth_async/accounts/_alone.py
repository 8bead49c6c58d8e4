"""A store's read or single write on a connection of its own, each statement its own commit.

The hot paths of the SQLAlchemy store (a sign-in's single statement, the
session check of every request, a link's read) run here, as plain sync code
on a SQLAlchemy ``Connection``: the sync store calls these functions
directly; the async store runs each whole call in one greenlet of
SQLAlchemy's asyncio bridge (``async_run_on`` in
``accounts/_synchronization.py``) instead of one per step (connect, each
execute, close). A sign-in's statement on the app's engine went from 1.20 to
0.99 times the hand-minimal store's time, which runs its one statement through
an ``AsyncConnection`` (layer 3 of ``benchmarks/store_layers.py``). It is the
same ``Connection`` an ``AsyncConnection`` drives: SQLAlchemy's events,
logging, disconnect handling, ``schema_translate_map`` and error classes all
apply.

Each statement commits on its own, with no round trips for BEGIN and COMMIT
(:func:`alone`):

- psycopg: the driver's own ``autocommit``, switched on here and back before
  the connection returns to the app's pool (nothing is sent either way);
  SQLAlchemy's ``AUTOCOMMIT`` execution option does the same through its
  isolation-level machinery, at 60 to 100 µs more per sign-in.
- SQLite: nothing to switch. Python's ``sqlite3`` begins a transaction before a
  statement starting with INSERT, UPDATE, DELETE or REPLACE only, and the
  store's single writes start with ``WITH`` (``accounts/_statements.py``). A
  transaction open anyway (SQLAlchemy's "begin" event recipe for SQLite, or
  ``sqlite3``'s ``autocommit=False``) is committed when the block ends.
- Other drivers: SQLAlchemy's ``AUTOCOMMIT`` execution option.

SQLite with a ``user_key`` is refused while its foreign keys are off
(:class:`ForeignKeys`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row

from ..errors import ConfigurationError

__all__ = [
    "FOREIGN_KEYS_FIX",
    "ForeignKeys",
    "all_rows",
    "alone",
    "autocommit_off",
    "autocommit_on",
    "driver_autocommit",
    "driver_connection",
    "first_row",
]

#: What a SQLite engine with ``user_key`` needs (shown in the ConfigurationError and the docs).
FOREIGN_KEYS_FIX = (
    "turn SQLite's foreign keys on for every connection: "
    '@event.listens_for(engine.sync_engine, "connect") def on(dbapi, record): '
    'dbapi.execute("PRAGMA foreign_keys=ON")'
)

#: What :func:`autocommit_on` leaves for :func:`autocommit_off`: nothing to set back.
_NOTHING = object()


def driver_connection(connection: Any) -> Any:
    """The driver's own connection under a SQLAlchemy ``Connection`` or ``AsyncConnection``.

    Read with no await: psycopg's ``Connection`` or ``AsyncConnection``,
    ``sqlite3``'s ``Connection`` or aiosqlite's.
    """
    sync = getattr(connection, "sync_connection", None) or connection
    return sync.connection.driver_connection


def driver_autocommit(connection: Connection, on: bool) -> None:
    """psycopg's own ``autocommit`` set through the DBAPI connection (nothing is sent).

    Under SQLAlchemy's asyncio bridge the DBAPI connection is its adapter of
    psycopg's ``AsyncConnection``, which awaits ``set_autocommit`` in the
    greenlet this runs in.
    """
    connection.connection.dbapi_connection.autocommit = on  # type: ignore[union-attr]


def autocommit_on(connection: Connection) -> object:
    """Each statement on ``connection`` commits on its own from now on (see the module).

    Returns what :func:`autocommit_off` needs to set the connection back.
    """
    dialect = connection.dialect
    if dialect.name == "sqlite":
        return _NOTHING
    if dialect.driver != "psycopg":
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return _NOTHING  # SQLAlchemy resets the isolation level at check-in
    previous = bool(driver_connection(connection).autocommit)
    driver_autocommit(connection, True)
    return previous


def autocommit_off(connection: Connection, previous: object, completed: bool) -> None:
    """``connection`` as it was before :func:`autocommit_on`, or discarded.

    - psycopg: ``autocommit`` set back to ``previous``. A connection left in
      autocommit would make every later transaction of the app on it write
      statement by statement. A statement cancelled mid-way, or a connection
      the database closed, refuses the switch: then the pool never sees the
      connection again. An invalidated connection is discarded already.
    - SQLite, ``completed``: a transaction the driver opened anyway is committed.
    """
    if connection.invalidated:
        return
    if connection.dialect.name == "sqlite":
        if completed and driver_connection(connection).in_transaction:
            connection.commit()
        return
    if previous is _NOTHING:
        return
    try:
        driver_autocommit(connection, bool(previous))
    except Exception:  # psycopg's ProgrammingError or OperationalError: not reusable
        connection.invalidate()


@contextlib.contextmanager
def alone(engine: Engine) -> Iterator[Connection]:
    """A connection of ``engine`` whose statements each commit on their own: no round
    trips for BEGIN and COMMIT, for a read or a single write."""
    with engine.connect() as connection:
        previous = autocommit_on(connection)
        completed = False
        try:
            yield connection
            completed = True
        finally:
            autocommit_off(connection, previous, completed)


class ForeignKeys:
    """SQLite with ``user_key``: the store refuses to work while foreign keys are off.

    Without them SQLite ignores ON DELETE CASCADE and reuses a deleted
    newest id, so a deleted user's link would sign in the next user.
    Asked once per store (a site sets the connect event for every connection or none).
    """

    def __init__(self, engine: Any, user_key: object) -> None:
        # SQLite enforces ON DELETE CASCADE only with foreign keys on: checked on first use.
        #: Whether :meth:`require` has nothing left to ask.
        self.checked = user_key is None or engine.dialect.name != "sqlite"

    def require(self, connection: Connection) -> None:
        """Check ``PRAGMA foreign_keys`` on ``connection``, the first time only.

        Raises:
            ConfigurationError: ``PRAGMA foreign_keys`` is off.
        """
        if self.checked:
            return
        on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        if not on:
            raise ConfigurationError(f"user_key on SQLite: {FOREIGN_KEYS_FIX}")
        self.checked = True


def first_row(
    engine: Engine,
    query: Any,
    values: dict[str, Any] | None,
    foreign_keys: ForeignKeys | None,
) -> Row[Any] | None:
    """The first row ``query`` returns, run :func:`alone` (a read, or a single write),
    after :meth:`ForeignKeys.require` unless ``foreign_keys`` is None."""
    with alone(engine) as connection:
        if foreign_keys is not None:
            foreign_keys.require(connection)
        return connection.execute(query, values).first()


def all_rows(engine: Engine, query: Any) -> Sequence[Row[Any]]:
    """Every row ``query`` returns, read :func:`alone`."""
    with alone(engine) as connection:
        return connection.execute(query).all()
