"""The store's per-login statements read one link and one user, however many links the
user has (PostgreSQL; SQLite's plans too).

A linking login and the signed-in session's check look a link up by its Chattz id and its
user. With only a ``user_id`` index, PostgreSQL's planner picked it on a young table (no
statistics yet: both indexes look like one row) and read every link of the user; and a text
comparison of the user ids made it scan ``chattz_users``. Each test here records the
statements a real call sends, then runs each again under ``EXPLAIN ANALYZE`` in a
transaction it rolls back, with the same values, after the user has
:data:`LINKS` links: every scan of the store's tables must read at most one row and filter
none away. On SQLite, ``EXPLAIN QUERY PLAN`` of the same statements must search the store's
tables by a key, never scan them.
asyncio only: psycopg's async connections under SQLAlchemy's asyncio extension.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chattz_oauth_async.accounts import AsyncAccounts, Outcome, SessionUser
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, linking

pytestmark = pytest.mark.anyio

#: How many links the signed-in user has when the plans are read.
LINKS = 120
TABLES = ("chattz_accounts", "chattz_users")
#: The lines of SQLite's EXPLAIN QUERY PLAN that read a table (or an alias of one).
READS = ("SCAN ", "SEARCH ")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension."""
    return "asyncio"


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh PostgreSQL database."""
    engine = create_async_engine(postgres_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of ``plan`` (EXPLAIN's JSON) that reads one of the store's tables."""
    if plan.get("Relation Name") in TABLES and "Scan" in plan["Node Type"]:
        yield plan
    for child in plan.get("Plans", ()):
        yield from scans(child)


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


async def plans_of(engine: AsyncEngine, call: Callable[[], Awaitable[object]]) -> list[Any]:
    """The scans of the store's tables in the statements ``call`` sends: (table, node type,
    index, rows read per loop, rows filtered away) for each, run again under
    ``EXPLAIN ANALYZE`` and rolled back."""
    sent = await sent_by(engine, call)
    found = []
    async with engine.connect() as connection:
        for statement, parameters in sent:
            explained = await connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            )
            for node in scans(explained.scalar_one()[0]["Plan"]):
                loops = max(node["Actual Loops"], 1)
                found.append(
                    (
                        node["Relation Name"],
                        node["Node Type"],
                        node.get("Index Name"),
                        node["Actual Rows"] / loops,
                        node.get("Rows Removed by Filter", 0),
                    )
                )
        await connection.rollback()
    return found


def chattz(chattz_id: int) -> ChattzUser:
    return ChattzUser(id=chattz_id, username=f"user{chattz_id}")


async def linked_user(engine: AsyncEngine) -> tuple[AsyncAccounts, AsyncSQLAlchemyStore, str]:
    """A store, and a user with :data:`LINKS` links (Chattz ids 1 to LINKS)."""
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


def assert_exact(found: list[Any]) -> None:
    assert found, "no scan of the store's tables"
    for table, node, index, rows, filtered in found:
        assert node != "Seq Scan", (table, node)
        assert (rows <= 1, filtered) == (True, 0), (table, node, index, rows, filtered)


@pytest.mark.postgres
async def test_a_linking_login_reads_one_link_and_one_user(engine: AsyncEngine) -> None:
    """A signed-in user with 120 links links one more: its statement's every lookup (the
    link's refresh, the new link's probe, the session's link and its user) reads at most one
    row, through an index, none filtered away."""
    accounts, _, user_id = await linked_user(engine)

    async def link() -> None:
        signed_in = await accounts.sign_in(
            chattz(LINKS + 1), login=linking(user_id), signed_in_user_id=SessionUser(user_id, 7)
        )
        assert Outcome.LINKED is signed_in.outcome

    assert_exact(await plans_of(engine, link))


@pytest.mark.postgres
async def test_the_session_check_reads_one_link_and_one_user(engine: AsyncEngine) -> None:
    """``session_account`` (the signed-in session's check, at a linking login's POST and
    wherever an app checks its session) for a user with 120 links: one link, one user."""
    _, store, user_id = await linked_user(engine)

    async def check() -> None:
        account = await store.session_account(user_id, 60)
        assert (user_id, 60) == (account and account.user_id, account and account.profile.chattz_id)

    assert_exact(await plans_of(engine, check))


@pytest.mark.postgres
async def test_a_returning_login_of_a_user_with_many_links_reads_one_of_each(
    engine: AsyncEngine,
) -> None:
    """A plain returning login of one of the 120 links: one link, one user."""
    accounts, _, user_id = await linked_user(engine)

    async def returning() -> None:
        signed_in = await accounts.sign_in(chattz(60), login=PLAIN)
        assert (Outcome.SIGNED_IN, user_id) == (signed_in.outcome, signed_in.user_id)

    assert_exact(await plans_of(engine, returning))


async def test_on_sqlite_every_statement_searches_by_a_key(tmp_path: Path) -> None:
    """SQLite, a user with 120 links: a linking login (a new link, then one the user has), the
    session check and a returning login; ``EXPLAIN QUERY PLAN`` of every statement they send
    searches the store's tables by a key and scans none."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'plans.db'}")
    try:
        accounts, store, user_id = await linked_user(engine)
        session = SessionUser(user_id, 7)

        async def calls() -> None:
            for chattz_id in (LINKS + 1, 60):
                await accounts.sign_in(
                    chattz(chattz_id), login=linking(user_id), signed_in_user_id=session
                )
            await store.session_account(user_id, 60)
            await accounts.sign_in(chattz(60), login=PLAIN)

        lines = []
        async with engine.connect() as connection:
            for statement, values in await sent_by(engine, calls):
                plan = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, values)
                lines += [row[-1] for row in plan.all() if row[-1].startswith(READS)]
    finally:
        await engine.dispose()
    assert lines, "no plan line reads a table"
    searched = [
        line.startswith("SEARCH ") and line.endswith("=?)")
        for line in lines
        if line != "SCAN CONSTANT ROW"  # an INSERT's VALUES, no table
    ]
    assert all(searched), lines
