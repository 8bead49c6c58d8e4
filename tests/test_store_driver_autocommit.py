"""PostgreSQL (psycopg): the store's statements run in the driver's own autocommit, and the
app's pool gets every connection back as it lent it.

``alone`` in ``accounts/_alone.py`` switches psycopg's
``autocommit`` on for a read or a sign-in's single statement (no BEGIN, no COMMIT) and
back before the connection returns to the app's pool. Left on, every later transaction of
the app on that connection would write statement by statement, and a rollback would undo
nothing. Each test here uses a pool of one connection, so the next checkout is the
connection the store used: after a sign-in, a failed statement, a cancelled sign-in and a
switch back that psycopg refuses (then the connection is thrown away, never reused).
asyncio only: psycopg's async connections under SQLAlchemy's asyncio extension.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chattz_oauth_async.accounts import AccountStoreError, AsyncAccounts, Outcome, _alone
from chattz_oauth_async.accounts._synchronization import async_run_on
from chattz_oauth_async.accounts._tables import users
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, cancel_the_next_update

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]

JOHN = ChattzUser(id=5, username="john")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension."""
    return "asyncio"


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """The app's engine, a pool of one connection: each checkout is the store's last one."""
    engine = create_async_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


async def pooled(engine: AsyncEngine) -> tuple[int, bool]:
    """The pooled psycopg connection's server process id and its ``autocommit``."""
    async with engine.connect() as connection:
        raw: Any = await connection.get_raw_connection()
        driver = raw.driver_connection
        return driver.info.backend_pid, driver.autocommit


async def rolled_back_insert_kept(engine: AsyncEngine) -> bool:
    """Whether a user row the app inserts and then rolls back is still there."""
    async with engine.connect() as connection:
        now = dt.datetime.now(dt.UTC)
        await connection.execute(insert(users).values(display_name="rolled back", created_at=now))
        await connection.rollback()
    async with engine.connect() as connection:
        count = await connection.execute(
            select(func.count()).select_from(users).where(users.c.display_name == "rolled back")
        )
        return bool(count.scalar_one())


async def john(engine: AsyncEngine) -> AsyncAccounts:
    """The store on ``engine`` with John's account."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    await accounts.sign_in(JOHN, login=PLAIN)
    return accounts


async def test_a_sign_in_runs_in_autocommit_and_gives_the_connection_back_without(
    engine: AsyncEngine,
) -> None:
    """The sign-in's statement runs with no transaction open (psycopg sent no BEGIN), and
    the app's next transaction on the same connection still rolls back."""
    accounts = await john(engine)
    before = await pooled(engine)
    states: list[str] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        states.append(conn.connection.driver_connection.info.transaction_status.name)

    event.listen(engine.sync_engine, "after_cursor_execute", after)
    again = await accounts.sign_in(JOHN, login=PLAIN)
    event.remove(engine.sync_engine, "after_cursor_execute", after)
    assert (Outcome.SIGNED_IN, ["IDLE"], before, (before[0], False), False) == (
        again.outcome,
        states,
        await pooled(engine),
        before,
        await rolled_back_insert_kept(engine),
    )


async def test_a_read_gives_the_connection_back_without_autocommit(engine: AsyncEngine) -> None:
    """``find`` and ``session_account`` read in autocommit too, and switch it back."""
    accounts = await john(engine)
    before = await pooled(engine)
    found = await accounts.find(5)
    held = await accounts.session_account(found.user_id if found else "", 5)
    assert (before, (before[0], False), 5, False) == (
        await pooled(engine),
        before,
        held and held.profile.chattz_id,
        await rolled_back_insert_kept(engine),
    )


async def test_a_failed_statement_gives_the_connection_back_without_autocommit(
    engine: AsyncEngine,
) -> None:
    """A statement the database refuses: its error comes out, the connection goes back to
    the pool out of autocommit, kept (nothing is wrong with it)."""
    await john(engine)
    before = await pooled(engine)
    with pytest.raises(DataError):
        await async_run_on(engine, _alone.first_row, text("SELECT 1 / 0"), None, None)
    assert ((before[0], False), before, False) == (
        await pooled(engine),
        before,
        await rolled_back_insert_kept(engine),
    )


async def test_an_autocommit_engine_keeps_its_autocommit(postgres_url: str) -> None:
    """An app's engine built with ``isolation_level="AUTOCOMMIT"``: set back to on."""
    engine = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        accounts = await john(engine)
        await accounts.sign_in(JOHN, login=PLAIN)
        assert (await pooled(engine))[1] is True
    finally:
        await engine.dispose()


async def test_a_cancelled_sign_in_gives_the_connection_back_without_autocommit(
    engine: AsyncEngine,
) -> None:
    """The cancellation raised where the statement would be sent: CancelledError comes out
    (not AccountStoreError), the pool's connection is out of autocommit, and the next
    sign-in works."""
    accounts = await john(engine)
    cancel_the_next_update(engine)
    with pytest.raises(asyncio.CancelledError):
        await accounts.sign_in(JOHN, login=PLAIN)
    again = await accounts.sign_in(JOHN, login=PLAIN)
    assert (Outcome.SIGNED_IN, False, False) == (
        again.outcome,
        (await pooled(engine))[1],
        await rolled_back_insert_kept(engine),
    )


async def test_a_connection_that_refuses_the_switch_back_is_thrown_away(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg refuses to switch autocommit off (a connection the database closed, a
    statement still running): the sign-in keeps its result, and the pool never hands that
    connection out again."""
    accounts = await john(engine)
    before = await pooled(engine)
    switch = _alone.driver_autocommit

    def refused(connection: Any, on: bool) -> None:
        if not on:
            raise psycopg.ProgrammingError("can't change 'autocommit' now")
        switch(connection, on)

    monkeypatch.setattr(_alone, "driver_autocommit", refused)
    again = await accounts.sign_in(JOHN, login=PLAIN)
    monkeypatch.setattr(_alone, "driver_autocommit", switch)
    after = await pooled(engine)
    assert (Outcome.SIGNED_IN, True, False, False) == (
        again.outcome,
        after[0] != before[0],
        after[1],
        await rolled_back_insert_kept(engine),
    )


async def test_a_database_error_in_autocommit_is_an_account_store_error(
    engine: AsyncEngine, postgres_url: str
) -> None:
    """Through the store, a statement the server cancels (its ``statement_timeout``, while
    another transaction holds the link's row) is AccountStoreError, the driver's error its
    cause; the pool's connection is out of autocommit and still rolls back."""
    accounts = await john(engine)
    async with engine.connect() as connection:  # the pool's one connection: the store's next
        await connection.exec_driver_sql("SET statement_timeout = 200")
        await connection.commit()
    holder = await psycopg.AsyncConnection.connect(
        postgres_url.replace("postgresql+psycopg://", "postgresql://")
    )
    try:
        await holder.execute("SELECT * FROM chattz_accounts WHERE chattz_id = 5 FOR UPDATE")
        with pytest.raises(AccountStoreError) as caught:
            await accounts.sign_in(JOHN, login=PLAIN)
        await holder.rollback()
    finally:
        await holder.close()
    async with engine.connect() as connection:
        await connection.exec_driver_sql("SET statement_timeout = 0")
        await connection.commit()
    assert (False, False) == ((await pooled(engine))[1], await rolled_back_insert_kept(engine))
    cause = caught.value.__cause__
    assert (OperationalError, psycopg.errors.QueryCanceled) == (
        type(cause),
        type(getattr(cause, "orig", None)),
    )


@pytest.mark.checklist(34)
async def test_a_sign_in_cancelled_while_its_statement_waits_for_a_lock(
    engine: AsyncEngine, postgres_url: str
) -> None:
    """Cancelled while its statement waits for a row another transaction holds: psycopg has
    the server cancel the statement, so the caller gets its cancellation without waiting
    for the lock, nothing is written, the connection is not handed out again in
    autocommit, and no lock stays held (the next sign-in writes)."""
    accounts = await john(engine)
    before = await accounts.find(5)
    sent = asyncio.Event()

    def update_sent(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "UPDATE chattz_accounts" in statement:
            sent.set()

    event.listen(engine.sync_engine, "before_cursor_execute", update_sent)
    holder = await psycopg.AsyncConnection.connect(
        postgres_url.replace("postgresql+psycopg://", "postgresql://")
    )
    try:
        await holder.execute("SELECT * FROM chattz_accounts WHERE chattz_id = 5 FOR UPDATE")
        login = asyncio.ensure_future(accounts.sign_in(JOHN, login=PLAIN))
        await sent.wait()
        login.cancel()
        async with asyncio.timeout(10):  # the lock is held until after this
            with pytest.raises(asyncio.CancelledError):
                await login
        await holder.rollback()
    finally:
        await holder.close()
    event.remove(engine.sync_engine, "before_cursor_execute", update_sent)
    after = await accounts.find(5)
    again = await accounts.sign_in(JOHN, login=PLAIN)
    assert (before and before.last_login_at, False, Outcome.SIGNED_IN, True, False) == (
        after and after.last_login_at,
        (await pooled(engine))[1],
        again.outcome,
        bool(before and again.account.last_login_at > before.last_login_at),
        await rolled_back_insert_kept(engine),
    )
