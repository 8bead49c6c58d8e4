"""The README's engine on PostgreSQL: a database restart and workers starting at once.

A server of the test's own (tests/postgres.py) is restarted between two logins:
the second login signs in, and so does a read of the signed-in account after a
second restart, with ``pool_pre_ping=True`` (the README's engine) and without it
(the store tries a statement once more on a connection the restart closed), and
no code is spent on a login that fails. Eight engines (eight workers) creating
the tables at once on an empty database all succeed (the advisory lock of
``create_tables``). Asyncio only (psycopg's async connections under SQLAlchemy).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async.accounts import AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.integrations.cookies import LoginCookies
from chattz_oauth_async.integrations.flow import AsyncLoginFlow, LoginFinish, WebRequest
from chattz_oauth_async.testing import FakeChattz
from tests.postgres import PostgresServer, running

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]

KEY = "database-restart-test-key-" * 2
APP = "http://127.0.0.1:8000"


@pytest.fixture
def anyio_backend() -> str:
    """Asyncio only: SQLAlchemy's asyncio extension."""
    return "asyncio"


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, free to restart."""
    with running() as server:
        yield server


async def log_in(fake: FakeChattz, flow: AsyncLoginFlow) -> LoginFinish:
    """One whole login through the flow, framework-free."""
    started = flow.begin(WebRequest(APP, {}))
    cookies = {c.name: c.value for c in started.cookies if c.value}
    back = fake.authorize(started.location)
    return await flow.finish(WebRequest(back, cookies, parse_qsl(urlsplit(back).query)))


@pytest.mark.parametrize("pre_ping", [True, False], ids=["pool_pre_ping", "no-pre-ping"])
async def test_a_database_restart_between_logins(
    own_server: PostgresServer, pre_ping: bool
) -> None:
    """After a restart the next login signs in, and after another the session's account reads."""
    engine = create_async_engine(own_server.url(), pool_pre_ping=pre_ping)
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    fake = FakeChattz(redirect_uri=f"{APP}/callback", auto_approve=True)
    try:
        async with fake.session() as chattz:
            flow = AsyncLoginFlow(chattz, LoginCookies(KEY), accounts=AsyncAccounts(store))
            first = await log_in(fake, flow)
            await asyncio.to_thread(own_server.restart)
            second = await log_in(fake, flow)
            await asyncio.to_thread(own_server.restart)
            assert second.result is not None
            assert second.result.signed_in is not None
            account = second.result.signed_in.account
            read = await store.session_account(account.user_id, account.chattz_id)
    finally:
        await engine.dispose()
    failed = None if second.error is None else type(second.error).__name__
    assert (None, None, account) == (first.error, failed, read)


async def test_workers_creating_the_tables_at_once_all_start(
    postgres_server: PostgresServer,
) -> None:
    """Eight engines run create_tables at once on an empty database: none fails, three rounds."""
    for _ in range(3):
        url = postgres_server.url(postgres_server.new_database())
        engines = [create_async_engine(url) for _ in range(8)]
        try:
            outcomes = await asyncio.gather(
                *(AsyncSQLAlchemyStore(engine).create_tables() for engine in engines),
                return_exceptions=True,
            )
            async with engines[0].connect() as connection:
                tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            for engine in engines:
                await engine.dispose()
        assert ([None] * 8, True) == (outcomes, {"chattz_accounts", "chattz_users"} <= set(tables))
