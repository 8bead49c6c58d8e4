"""Field test: a wrong DATABASE_URL on PostgreSQL is the site's setup, not a database that is away.

psycopg reports a connection the server refuses (a database or role that does not
exist) as an OperationalError without a SQLSTATE. The store used to call that
"the account database failed (OperationalError); try again" (transient, a WARNING),
the same as a server that is down; the owner who mistyped the URL was told to wait.
A port nobody listens on stays transient: that is what a restarting database looks like.
Asyncio only (SQLAlchemy's asyncio extension over psycopg).
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.diagnostics import Fault, classify
from chattz_oauth_async.errors import AccountStoreError
from tests.postgres import ROLE, PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    """Asyncio only: SQLAlchemy's asyncio extension."""
    return "asyncio"


async def _failure(url: str) -> AccountStoreError:
    engine = create_async_engine(url)
    try:
        with pytest.raises(AccountStoreError) as caught:
            await AsyncSQLAlchemyStore(engine).create_tables()
    finally:
        await engine.dispose()
    return caught.value


@pytest.mark.parametrize(
    ("url", "message", "cause"),
    [
        (
            "postgresql+psycopg://{role}@127.0.0.1:{port}/no_such_database",
            "the account database is misconfigured (SQLSTATE 3D000: no such database)",
            "SQLSTATE 3D000: no such database",
        ),
        (
            "postgresql+psycopg://no_such_role@127.0.0.1:{port}/postgres",
            "the account database is misconfigured (SQLSTATE 28000: no such role)",
            "SQLSTATE 28000: no such role",
        ),
    ],
    ids=["database", "role"],
)
async def test_a_url_the_server_refuses_is_a_misconfiguration(
    postgres_server: PostgresServer,
    url: str,
    message: str,
    cause: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    error = await _failure(url.format(role=ROLE, port=postgres_server.port))
    assert (message, False, cause) == (str(error), error.transient, error.cause)
    assert "no_such" not in repr(error)  # the names in the URL are values: never repeated
    diagnosis = classify(error)
    assert (Fault.CONFIGURATION, "database_refused") == (diagnosis.fault, diagnosis.reason)
    # Logged once, at ERROR, with the fix (not the create_user advice of a constraint).
    [record] = [r for r in caplog.records if r.name == "chattz_oauth_async.accounts"]
    assert (logging.ERROR, True, False) == (
        record.levelno,
        "check the database URL's database name, user and password" in record.getMessage(),
        "no_such" in record.getMessage(),
    )


async def test_a_server_that_is_not_there_stays_transient() -> None:
    # Port 1 on loopback: nobody listens, as while a database restarts.
    error = await _failure(f"postgresql+psycopg://{ROLE}@127.0.0.1:1/postgres")
    expected = ("the account database failed (OperationalError); try again", True)
    assert expected == (str(error), error.transient)
