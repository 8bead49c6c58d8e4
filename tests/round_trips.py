"""Count the database round trips an engine makes: statements, and the driver's BEGIN and COMMIT.

SQLAlchemy's ``before_cursor_execute`` event sees each statement; the drivers
add their own round trips around them, which no statement event shows:
psycopg and Python's ``sqlite3`` send ``BEGIN`` before the first statement of
a transaction (``sqlite3``, as this Python runs it: before the first
INSERT, UPDATE or DELETE only) and ``COMMIT`` or ``ROLLBACK`` at its end;
nothing in autocommit mode (SQLAlchemy's ``AUTOCOMMIT``, psycopg's own
``autocommit``, or ``sqlite3``'s ``isolation_level = None``). :class:`RoundTrips`
models exactly that, per connection, so a test can pin how many round trips a
call makes:
``["BEGIN", "INSERT", "INSERT", "COMMIT"]``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

__all__ = ["RoundTrips"]

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class RoundTrips:
    """The round trips of an engine (sync or async) while :meth:`counting`, by verb."""

    def __init__(self, engine: Any) -> None:
        self.target = getattr(engine, "sync_engine", engine)
        self.sqlite = self.target.dialect.name == "sqlite"
        self.seen: list[str] = []
        self._open: set[int] = set()  # DBAPI connections inside a driver transaction

    def _execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.split()[0].upper()
        dbapi = id(conn.connection.dbapi_connection)
        driver = conn.connection.dbapi_connection
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if self.sqlite and driver.isolation_level is None:
            autocommit = True  # sqlite3's own autocommit
        if not self.sqlite and getattr(driver, "autocommit", False) is True:
            autocommit = True  # psycopg's own autocommit (the store's single statements)
        begins = not self.sqlite or verb in _WRITES
        if not autocommit and dbapi not in self._open and begins:
            self._open.add(dbapi)
            self.seen.append("BEGIN")
        self.seen.append(verb)

    def _end(self, verb: str) -> Any:
        def ended(conn: Any) -> None:
            dbapi = id(conn.connection.dbapi_connection)
            if dbapi in self._open:
                self._open.discard(dbapi)
                self.seen.append(verb)

        return ended

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The round trips made inside the block, in order (a new list each time)."""
        self.seen = []
        listeners = [
            ("before_cursor_execute", self._execute),
            ("commit", self._end("COMMIT")),
            ("rollback", self._end("ROLLBACK")),
        ]
        for name, listener in listeners:
            event.listen(self.target, name, listener)
        try:
            yield self.seen
        finally:
            for name, listener in listeners:
                event.remove(self.target, name, listener)
