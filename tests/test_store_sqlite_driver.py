"""SQLite's single-statement sign-ins run on aiosqlite's connection itself, unless watched.

``accounts/_prepared.py`` compiles the store's SQLite sign-in statements once; the store
runs them with aiosqlite's ``execute_fetchall`` (one trip to the connection's thread, no
cursor) instead of through SQLAlchemy (four trips), while nothing watches the engine's
statements (``sqlalchemy_connections.watched``): a ``before_cursor_execute`` or
``after_cursor_execute`` listener, ``echo=True`` or the ``sqlalchemy.engine`` log at INFO
send them through SQLAlchemy like any other. asyncio only (aiosqlite); the rows written
either way read back the same through SQLAlchemy (the store's SQLite tests in
``tests/_async`` run the driver's path).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, bindparam, event, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chattz_oauth_async import AccountStoreError
from chattz_oauth_async.accounts import AsyncAccounts, Outcome
from chattz_oauth_async.accounts._async.sqlalchemy_connections import watched
from chattz_oauth_async.accounts._prepared import Prepared
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN

pytestmark = pytest.mark.anyio

JOHN = ChattzUser(id=5, username="john")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio."""
    return "asyncio"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite file behind a pool of one connection."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}", pool_size=1, max_overflow=0
    )
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of aiosqlite's ``execute_fetchall`` and ``cursor`` calls."""
    counts = {"execute_fetchall": 0, "cursor": 0}
    for name in counts:
        original = getattr(aiosqlite.Connection, name)

        def counted(self: Any, *args: Any, _name: str = name, _original: Any = original) -> Any:
            counts[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(aiosqlite.Connection, name, counted)
    return counts


async def returning(engine: AsyncEngine) -> AsyncAccounts:
    """Accounts on ``engine`` with John's account made."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    await accounts.sign_in(JOHN, login=PLAIN)
    return accounts


async def test_a_returning_sign_in_is_one_driver_call_and_no_cursor(
    engine: AsyncEngine, trips: dict[str, int]
) -> None:
    """One ``execute_fetchall``, no cursor opened; the profile written reads back."""
    accounts = await returning(engine)
    trips.update(execute_fetchall=0, cursor=0)
    renamed = ChattzUser(id=5, username="johnny", email="j@example.com")
    signed_in = await accounts.sign_in(renamed, login=PLAIN)
    counted = dict(trips)
    found = await accounts.find(5)
    assert (Outcome.SIGNED_IN, {"execute_fetchall": 1, "cursor": 0}) == (
        signed_in.outcome,
        counted,
    )
    assert (signed_in.user_id, "johnny", "j@example.com", signed_in.account.last_login_at) == (
        found and found.user_id,
        found and found.profile.username,
        found and found.profile.email,
        found and found.last_login_at,
    )


async def test_a_listener_on_the_engine_sees_the_sign_in_statement(
    engine: AsyncEngine, trips: dict[str, int]
) -> None:
    """With a ``before_cursor_execute`` listener the statement goes through SQLAlchemy."""
    accounts = await returning(engine)
    seen: list[str] = []

    def saw(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.split()[0] + " " + statement.split("UPDATE ")[-1].split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", saw)
    trips.update(execute_fetchall=0)
    signed_in = await accounts.sign_in(JOHN, login=PLAIN)
    assert (Outcome.SIGNED_IN, ["WITH chattz_accounts"], 0) == (
        signed_in.outcome,
        seen,
        trips["execute_fetchall"],
    )


async def test_echo_logs_the_sign_in_statement(
    tmp_path: Path, trips: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    """``echo=True``: SQLAlchemy runs the statement, and its log shows it."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'echo.db'}", echo=True)
    try:
        accounts = await returning(engine)
        trips.update(execute_fetchall=0)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"):
            await accounts.sign_in(JOHN, login=PLAIN)
        logged = [
            r.getMessage() for r in caplog.records if "UPDATE chattz_accounts" in r.getMessage()
        ]
        assert (1, 0) == (len(logged), trips["execute_fetchall"])
    finally:
        await engine.dispose()


def _listener(*args: Any) -> None:
    """A listener that does nothing."""


@pytest.mark.parametrize(
    ("watch", "expected"),
    [
        (None, False),
        ("before_cursor_execute", True),
        ("after_cursor_execute", True),
        ("Engine:after_cursor_execute", True),
        ("echo", True),
        ("log", True),
    ],
)
def test_watched(watch: str | None, expected: bool) -> None:
    """What counts as watching an engine's statements."""
    engine = create_async_engine("sqlite+aiosqlite://", echo=watch == "echo")
    target: Any = Engine if watch and watch.startswith("Engine:") else engine.sync_engine
    name = watch.removeprefix("Engine:") if watch and watch.endswith("execute") else None
    log = logging.getLogger("sqlalchemy.engine.Engine")
    level = log.level
    if name:
        event.listen(target, name, _listener)
    if watch == "log":
        log.setLevel(logging.INFO)
    try:
        assert expected == watched(engine)
    finally:
        if name:
            event.remove(target, name, _listener)
        log.setLevel(level)


async def test_a_missing_table_on_the_driver_is_a_setup_fault(
    engine: AsyncEngine, trips: dict[str, int]
) -> None:
    """The tables were never made: AccountStoreError naming the table, not "try again"."""
    accounts = AsyncAccounts(AsyncSQLAlchemyStore(engine))
    with pytest.raises(AccountStoreError) as caught:
        await accounts.sign_in(JOHN, login=PLAIN)
    assert (False, "no such table: chattz_accounts", 1) == (
        caught.value.transient,
        caught.value.cause,
        trips["execute_fetchall"],
    )


async def test_a_sign_in_cancelled_while_its_statement_waits_runs_it_to_the_end(
    engine: AsyncEngine, trips: dict[str, int]
) -> None:
    """Cancelled while its UPDATE waits for another writer's lock, on the driver's path: the
    caller gets its cancellation at once, and the statement still runs once the lock is
    free (the pool's one connection is not thrown away with SQLite's lock held)."""
    accounts = await returning(engine)
    path = engine.url.database
    assert path is not None
    first = await accounts.find(5)
    loop = asyncio.get_running_loop()
    sent = asyncio.Event()

    def traced(statement: str) -> None:  # aiosqlite's thread
        if "UPDATE chattz_accounts" in statement:
            loop.call_soon_threadsafe(sent.set)

    async with engine.connect() as connection:
        raw: Any = await connection.get_raw_connection()
        await raw.driver_connection.set_trace_callback(traced)
    trips.update(execute_fetchall=0)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the database's write lock, held by another writer
    try:
        login = asyncio.ensure_future(accounts.sign_in(JOHN, login=PLAIN))
        async with asyncio.timeout(10):
            await sent.wait()
        login.cancel()
        async with asyncio.timeout(10):  # at once, while the statement waits for the lock
            with pytest.raises(asyncio.CancelledError):
                await login
    finally:
        writer.execute("COMMIT")
        writer.close()
    # The pool's one connection comes back once the cancelled statement has run.
    kept = await accounts.find(5)
    again = await accounts.sign_in(JOHN, login=PLAIN)  # a write: SQLite's lock is free
    assert first is not None
    assert kept is not None
    assert (True, Outcome.SIGNED_IN, 2) == (
        kept.last_login_at > first.last_login_at,
        again.outcome,
        trips["execute_fetchall"],
    )


# --- Prepared: no I/O --------------------------------------------------------------------

_TABLE = Table(
    "things",
    MetaData(),
    Column("id", String, primary_key=True),
    Column("seen", DateTime(timezone=True)),
    Column("owner", Uuid),
)
_SEEN = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
_OWNER = uuid.UUID("12345678-1234-5678-1234-567812345678")


def _statement() -> Any:
    things = _TABLE
    return (
        update(things)
        .where(things.c.id == bindparam("p_id", type_=String))
        .values(seen=bindparam("p_seen", type_=things.c.seen.type))
        .where(things.c.owner == bindparam("p_owner", type_=things.c.owner.type))
        .returning(things.c.id, things.c.owner)
    )


def test_prepared_binds_in_marker_order_converted_by_their_types() -> None:
    """qmark: the values in the markers' order, a time as SQLite's text, a UUID as its hex."""
    prepared = Prepared.of(_statement(), sqlite_dialect.dialect())
    parameters = prepared.parameters({"p_id": "a", "p_seen": _SEEN, "p_owner": _OWNER})
    assert (
        "UPDATE things SET seen=? WHERE things.id = ? AND things.owner = ? RETURNING id, owner",
        ("p_seen", "p_id", "p_owner"),
        ["2026-01-02 03:04:05.000006", "a", "12345678123456781234567812345678"],
        ("id", "owner"),
    ) == (prepared.sql, prepared.positions, parameters, prepared.columns)


def test_prepared_reads_the_first_row_converted() -> None:
    """The first row as a named tuple, a UUID column read back as a UUID; no rows: None."""
    prepared = Prepared.of(_statement(), sqlite_dialect.dialect())
    row = prepared.first([("a", "12345678123456781234567812345678"), ("b", None)])
    assert (("a", _OWNER), "a", _OWNER, None) == (tuple(row), row.id, row.owner, prepared.first([]))


def test_prepared_takes_named_parameters_for_a_named_paramstyle() -> None:
    """A driver that takes parameters by name gets them by name, converted."""
    prepared = Prepared.of(_statement(), sqlite_dialect.dialect(paramstyle="named"))
    parameters = prepared.parameters({"p_id": "a", "p_seen": _SEEN, "p_owner": _OWNER})
    assert (None, ":p_seen" in prepared.sql, "2026-01-02 03:04:05.000006") == (
        prepared.positions,
        True,
        parameters["p_seen"] if isinstance(parameters, dict) else None,
    )


def test_prepared_refuses_a_statement_rendered_at_execution() -> None:
    """An expanding IN needs SQLAlchemy at each execution: refused when compiled."""
    things = _TABLE
    statement = update(things).where(things.c.id.in_(bindparam("p_ids", expanding=True)))
    with pytest.raises(ValueError, match="parameters rendered at execution time"):
        Prepared.of(statement.values(seen=None), sqlite_dialect.dialect())
