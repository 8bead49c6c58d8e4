"""The store's per-login statements read one link and one user, however many links the
user has: on SQLite and PostgreSQL, with the store's own users and with the app's.

A linking login and the signed-in session's check look a link up by its Chattz id and its
user. With only a ``user_id`` index, PostgreSQL's planner picked it on a young table (no
statistics yet: both indexes look like one row) and read every link of the user; and a text
comparison of the user ids made it scan ``chattz_users``. Each test here gives one user
:data:`LINKS` links, records the statements a real call sends, and reads their plans with
the same values: on PostgreSQL each runs again under ``EXPLAIN ANALYZE`` in a transaction
rolled back, and every scan of the store's tables must read at most one row, filter none
away and be no sequential scan; on SQLite ``EXPLAIN QUERY PLAN`` must search every table
by a key. (With the ``user_id`` index alone, the 6 PostgreSQL tests of a linking login and of
the session check fail.) asyncio only: SQLAlchemy's asyncio extension.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from chattz_oauth_async.accounts import AsyncAccounts, Outcome, SessionUser
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests._async import test_sqlalchemy_faults as faults
from tests._async.test_sqlalchemy_faults import database_url, engine
from tests.accounts_helpers import PLAIN, linking
from tests.plans import wasteful

__all__ = ["database_url", "engine"]  # the fixtures: SQLite (foreign keys on) and PostgreSQL

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize(
        "database_url",
        ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
        indirect=True,
    ),
    pytest.mark.parametrize("app_users", [False, True], ids=["chattz_users", "app_users"]),
]

#: How many links the signed-in user has when the plans are read.
LINKS = 120
#: The tables the store reads (``app_users``: the app's, with ``user_key``).
TABLES = ("chattz_accounts", "chattz_users", "app_users")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension."""
    return "asyncio"


def chattz(chattz_id: int) -> ChattzUser:
    return ChattzUser(id=chattz_id, username=f"user{chattz_id}")


async def linked_user(
    engine: AsyncEngine, app_users: bool
) -> tuple[AsyncAccounts, AsyncSQLAlchemyStore, str]:
    """A store, and a user with :data:`LINKS` links (Chattz ids 1 to LINKS)."""
    if app_users:
        store = await faults.app_store(engine)
    else:
        store = AsyncSQLAlchemyStore(engine)
        await store.create_tables()
    accounts = AsyncAccounts(store)
    user_id = (await accounts.sign_in(chattz(1), login=PLAIN)).user_id
    session = SessionUser(user_id, 1)
    for chattz_id in range(2, LINKS + 1):
        signed_in = await accounts.sign_in(
            chattz(chattz_id), login=linking(user_id), signed_in_user_id=session
        )
        assert Outcome.LINKED is signed_in.outcome
    return accounts, store, user_id


async def sent_by(engine: AsyncEngine, call: Callable[[], Awaitable[object]]) -> list[Any]:
    """The statements ``call`` sends, with their values."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await call()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert sent, "the call sent no statement"
    return sent


async def assert_reads_one_row(engine: AsyncEngine, call: Callable[[], Awaitable[object]]) -> None:
    """Every statement ``call`` sends reads each table it touches by a key, one row."""
    sent = await sent_by(engine, call)
    wrong: list[object] = []
    reads = 0
    async with engine.connect() as connection:
        for statement, values in sent:
            if engine.dialect.name == "sqlite":
                plan = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, values)
                for line in (row[-1] for row in plan.all()):
                    if line.startswith(("SCAN ", "SEARCH ")) and line != "SCAN CONSTANT ROW":
                        reads += 1
                        if not (line.startswith("SEARCH ") and line.endswith("=?)")):
                            wrong.append(line)
                continue
            explained = await connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, values
            )
            scanned, wasted = wasteful(explained.scalar_one()[0]["Plan"], TABLES)
            reads += scanned
            wrong += wasted
        await connection.rollback()
    assert (reads > 0, wrong) == (True, [])


async def test_a_linking_login_reads_one_link_and_one_user(
    engine: AsyncEngine, app_users: bool
) -> None:
    """A signed-in user with 120 links links one more: every lookup of its statement (the
    link's refresh, the new link's probe, the session's link and its user) reads one row."""
    accounts, _, user_id = await linked_user(engine, app_users)

    async def link() -> None:
        signed_in = await accounts.sign_in(
            chattz(LINKS + 1), login=linking(user_id), signed_in_user_id=SessionUser(user_id, 7)
        )
        assert Outcome.LINKED is signed_in.outcome

    await assert_reads_one_row(engine, link)


async def test_a_linking_login_of_a_link_of_ones_own_reads_one_row(
    engine: AsyncEngine, app_users: bool
) -> None:
    """The same user links Chattz id 60, one of their 120 links already: a refresh."""
    accounts, _, user_id = await linked_user(engine, app_users)

    async def relink() -> None:
        signed_in = await accounts.sign_in(
            chattz(60), login=linking(user_id), signed_in_user_id=SessionUser(user_id, 7)
        )
        assert (Outcome.SIGNED_IN, user_id) == (signed_in.outcome, signed_in.user_id)

    await assert_reads_one_row(engine, relink)


async def test_the_session_check_reads_one_link_and_one_user(
    engine: AsyncEngine, app_users: bool
) -> None:
    """``session_account`` (the signed-in session's check, at a linking login's POST and
    wherever an app checks its session) for a user with 120 links: one link, one user."""
    _, store, user_id = await linked_user(engine, app_users)

    async def check() -> None:
        account = await store.session_account(user_id, 60)
        assert (user_id, 60) == (account and account.user_id, account and account.profile.chattz_id)

    await assert_reads_one_row(engine, check)


async def test_a_returning_login_of_a_user_with_many_links_reads_one_of_each(
    engine: AsyncEngine, app_users: bool
) -> None:
    """A plain returning login of one of the 120 links: one link, one user."""
    accounts, _, user_id = await linked_user(engine, app_users)

    async def returning() -> None:
        signed_in = await accounts.sign_in(chattz(60), login=PLAIN)
        assert (Outcome.SIGNED_IN, user_id) == (signed_in.outcome, signed_in.user_id)

    await assert_reads_one_row(engine, returning)
