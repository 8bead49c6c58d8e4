"""What a database failure means for a sign-in: try again later, or the site is misconfigured.

Both stores (SQLAlchemy and Django's ORM) pass the driver's exception through
:func:`store_error`, which reads only its class, its SQLSTATE (PostgreSQL),
its SQLite result code, and the *names* PostgreSQL's diagnostics or
SQLite's message give (table, column, constraint): never a value, since a
driver's message can quote the values sent.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from ..diagnostics import log_failure
from ..errors import AccountStoreError

__all__ = ["report", "store_error"]

logger = logging.getLogger("chattz_oauth_async.accounts")

#: PostgreSQL SQLSTATE classes (and codes) a retry may get past: connection exceptions,
#: transaction rollbacks (serialization failures, deadlocks), insufficient resources,
#: operator intervention (shutdown, cancelled statements), lock_not_available.
_TRANSIENT_CLASSES: Final = frozenset({"08", "40", "53", "57", "58", "HV"})
_TRANSIENT_CODES: Final = frozenset({"55P03", "55006"})
#: SQLite result codes a retry may get past.
_SQLITE_TRANSIENT: Final = frozenset(
    {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_INTERRUPT"}
)
#: DB-API exception classes that mean the site's setup is wrong, whatever the database.
_PERMANENT_CLASSES: Final = frozenset(
    {"IntegrityError", "ProgrammingError", "DataError", "NotSupportedError"}
)
#: SQLite messages that name a schema object (never a value): the site's setup is wrong.
_SQLITE_NAMES: Final = (
    re.compile(r"^(NOT NULL|UNIQUE|CHECK|FOREIGN KEY) constraint failed: [\w.,' ]+$"),
    re.compile(r"^no such (table|column): [\w.]+$"),
    re.compile(r"^table \w+ has no column named \w+$"),
)


def _chain(exc: BaseException) -> list[BaseException]:
    # SQLAlchemy keeps the driver's exception as .orig (aiosqlite's adapter chains the
    # sqlite3 one behind it); Django chains it as __cause__.
    found: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(found) < 6:
        item = todo.pop(0)
        if isinstance(item, BaseException) and item not in found:
            found.append(item)
            todo += [getattr(item, "orig", None), item.__cause__]
    return found


def _driver(exc: BaseException) -> BaseException:
    chain = _chain(exc)
    for item in chain:
        if getattr(item, "sqlstate", None) or getattr(item, "sqlite_errorname", None):
            return item
    return chain[1] if len(chain) > 1 else exc


#: PostgreSQL's refusals while a connection starts, which libpq reports without a SQLSTATE
#: (psycopg's ``sqlstate`` is None): a wrong database, role or password in the URL is the
#: site's setup, not a database that is away. The quoted parts are values: never kept.
_POSTGRES_STARTUP: Final = (
    (re.compile(r'FATAL:\s+database "[^"]*" does not exist'), "3D000", "no such database"),
    (re.compile(r'FATAL:\s+role "[^"]*" does not exist'), "28000", "no such role"),
    (re.compile(r"FATAL:\s+password authentication failed"), "28P01", "wrong password"),
    (re.compile(r"FATAL:\s+no pg_hba\.conf entry"), "28000", "no pg_hba.conf entry"),
)


def _startup_refusal(driver: BaseException) -> str | None:
    """The cause of a connection the PostgreSQL server refused for its settings, else None."""
    message = str(driver)
    for pattern, sqlstate, what in _POSTGRES_STARTUP:
        if pattern.search(message):
            return f"SQLSTATE {sqlstate}: {what}"
    return None


#: PostgreSQL messages of a missing table or column: their quoted parts are names.
_POSTGRES_NAMES: Final = re.compile(r'^(?:relation|column) "([\w.]+)"(?: of relation "(\w+)")?')


def _postgres(driver: BaseException, sqlstate: str) -> tuple[bool, str]:
    diag = getattr(driver, "diag", None)
    parts = []
    if sqlstate in ("42P01", "42703"):  # undefined table or column: no diagnostics name it
        found = _POSTGRES_NAMES.match(str(getattr(diag, "message_primary", "") or ""))
        parts += [f"missing {name}" for name in (found.groups() if found else ()) if name]
    for label, attribute in (
        ("table", "table_name"),
        ("column", "column_name"),
        ("constraint", "constraint_name"),
    ):
        name = getattr(diag, attribute, None)
        if isinstance(name, str) and name:
            parts.append(f"{label} {name}")
    transient = sqlstate[:2] in _TRANSIENT_CLASSES or sqlstate in _TRANSIENT_CODES
    return transient, f"SQLSTATE {sqlstate}" + (f": {', '.join(parts)}" if parts else "")


def _schema_message(driver: BaseException) -> str | None:
    """SQLite's message when it only names schema objects (a missing table, a constraint)."""
    message = str(driver.args[0]) if driver.args else ""
    return message if any(pattern.match(message) for pattern in _SQLITE_NAMES) else None


def _sqlite(driver: BaseException, code: str) -> tuple[bool, str]:
    named = _schema_message(driver)
    if named is not None:
        return False, named
    # Busy, locked, I/O, full: try again. Anything else (a file that cannot be opened,
    # a read-only or corrupt database, a statement the schema cannot run): the setup.
    return code in _SQLITE_TRANSIENT, code


def store_error(exc: BaseException) -> AccountStoreError:
    """The :class:`~chattz_oauth_async.AccountStoreError` for a database failure (not raised).

    ``transient`` is False for what only fixing the site's setup cures: a
    missing table or column, a NOT NULL, unique or check constraint the
    insert violates, a database file that cannot be opened; True for lost
    connections, locks, timeouts and deadlocks. Its ``cause`` names what
    failed (SQLSTATE and names, or the SQLite message's names), never a value.
    """
    driver = _driver(exc)
    sqlstate = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
    code = getattr(driver, "sqlite_errorname", None)
    if isinstance(sqlstate, str) and len(sqlstate) == 5:
        transient, cause = _postgres(driver, sqlstate)
    elif isinstance(code, str):
        transient, cause = _sqlite(driver, code)
    elif (named := _schema_message(driver)) is not None:
        transient, cause = False, named
    elif (refused := _startup_refusal(driver)) is not None:
        transient, cause = False, refused
    else:
        transient = type(driver).__name__ not in _PERMANENT_CLASSES
        cause = type(driver).__name__
    if transient:
        message = f"the account database failed ({type(driver).__name__}); try again"
    else:
        message = f"the account database is misconfigured ({cause})"
    return AccountStoreError(message, transient=transient, cause=cause)


def report(error: AccountStoreError) -> AccountStoreError:
    """Log ``error`` once (ERROR if the site is misconfigured, else WARNING) and return it.

    The record names the cause and the fix (:func:`~chattz_oauth_async.diagnostics.log_failure`);
    the login flow, seeing the same error, does not log it again.
    """
    log_failure(error, logger=logger, where="accounts")
    return error
