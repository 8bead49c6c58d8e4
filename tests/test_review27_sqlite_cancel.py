"""Review of issue 27 item 1: a cancelled sign-in on SQLite, through the single-statement path.

``AsyncSQLAlchemyStore._write_one`` (``write_alone`` in
``accounts/_async/sqlalchemy_connections.py``) runs a sign-in statement on its own, with
no BEGIN and no COMMIT (it starts with ``WITH``, so Python's ``sqlite3`` begins no
transaction before it). (Until 2026-12-06 it switched the driver's ``isolation_level`` to
None and back around the statement.) Two rules a cancelled sign-in (a timeout, a client
gone) must keep:

- The connection goes back to the pool as it came (checklist line 34). Left in the
  driver's autocommit, every later ``engine.begin()`` on it writes statement by statement:
  ``unlink``'s guard raised UnlinkRefused with the user's last link already deleted, and a
  first login that loses its race keeps its user row.
- The cancellation propagates (checklist line 34): a statement cancelled mid-way is not
  turned into ``AccountStoreError`` ("the account database failed ... try again").

asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio (the store
refuses trio with ConfigurationError, see tests/test_sqlalchemy_store_trio.py); the sync
twin has no cancellation to test.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from chattz_oauth_async.accounts import AsyncAccounts, SignIn, UnlinkRefused
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, cancel_the_next_update

pytestmark = pytest.mark.anyio

JOHN = ChattzUser(id=5, username="john")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio."""
    return "asyncio"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite file behind a pool of one connection: every call reuses the same one."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}",
        poolclass=AsyncAdaptedQueuePool,  # SQLAlchemy 2.0's default for a file is NullPool
        pool_size=1,
        max_overflow=0,
    )
    try:
        yield engine
    finally:
        await engine.dispose()


async def pooled_isolation(engine: AsyncEngine) -> Any:
    """The sqlite3 driver's ``isolation_level`` of the pooled connection."""
    async with engine.connect() as connection:
        raw: Any = await connection.get_raw_connection()
        return raw.dbapi_connection.isolation_level


async def returning_login(engine: AsyncEngine) -> tuple[AsyncAccounts, SignIn, Any]:
    """A store with John's account; the pooled connection's isolation level before."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    first = await accounts.sign_in(JOHN, login=PLAIN)
    return accounts, first, await pooled_isolation(engine)


@pytest.mark.parametrize("delay", [0.0, 0.00005, 0.0002, 0.001])
async def test_a_cancelled_sign_in_gives_the_pool_its_connection_back_as_it_was(
    engine: AsyncEngine, delay: float
) -> None:
    """A returning sign-in cancelled by a timeout: the connection keeps its isolation
    level, and the last link's unlink is still refused with the link kept."""
    accounts, first, before = await returning_login(engine)

    async def logins() -> None:
        async with asyncio.timeout(delay):
            for _ in range(50):  # cancelled at some await of some sign-in
                await accounts.sign_in(JOHN, login=PLAIN)

    with pytest.raises(TimeoutError):
        await logins()
    after = await pooled_isolation(engine)
    with pytest.raises(UnlinkRefused):
        await accounts.unlink(first.user_id, 5)
    kept = await accounts.find(5)
    assert (before, first.user_id) == (after, kept and kept.user_id)


async def test_a_sign_in_statement_cancelled_mid_way_raises_the_cancellation(
    engine: AsyncEngine,
) -> None:
    """The cancellation arrives while the sign-in's UPDATE runs (raised where aiosqlite's
    await would raise it): CancelledError comes out, not AccountStoreError, and the next
    sign-in works."""
    accounts, first, before = await returning_login(engine)
    cancel_the_next_update(engine)
    with pytest.raises(asyncio.CancelledError):
        await accounts.sign_in(JOHN, login=PLAIN)
    again = await accounts.sign_in(JOHN, login=PLAIN)
    assert (first.user_id, before) == (again.user_id, await pooled_isolation(engine))


@pytest.mark.checklist(34)
async def test_a_sign_in_cancelled_while_its_statement_waits_runs_it_to_the_end(
    tmp_path: Path,
) -> None:
    """Cancelled while its UPDATE waits for another writer's lock: the caller gets its
    cancellation at once, and the statement still runs to its end once the lock is free, its
    connection back in the pool as it was. Before, the cancelled statement's connection was
    thrown away with the statement open, and SQLite kept its write lock: every later write
    failed with "database is locked" (seen as a flaky unlink under load)."""
    path = tmp_path / "accounts.db"
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{path}", poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0
    )
    try:
        accounts, first, before = await returning_login(engine)
        sent = asyncio.Event()

        def update_sent(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "UPDATE chattz_accounts" in statement:
                sent.set()

        event.listen(engine.sync_engine, "before_cursor_execute", update_sent)
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # the database's write lock, held by another writer
        try:
            login = asyncio.ensure_future(accounts.sign_in(JOHN, login=PLAIN))
            await sent.wait()
            login.cancel()
            # At once, while the statement still waits for the lock (the old code made the
            # caller wait out SQLite's busy timeout, and the statement then failed).
            async with asyncio.timeout(10):
                with pytest.raises(asyncio.CancelledError):
                    await login
        finally:
            writer.execute("COMMIT")
            writer.close()
        after = await pooled_isolation(engine)  # the pool's one connection, once it is back
        with pytest.raises(UnlinkRefused):
            await accounts.unlink(first.user_id, 5)  # a write: the lock is free
        kept = await accounts.find(5)
        assert (before, first.user_id, True) == (
            after,
            kept and kept.user_id,
            kept is not None and kept.last_login_at > first.account.last_login_at,
        )
    finally:
        await engine.dispose()
