"""A store hook of the wrong kind is a ConfigurationError that says so, and writes nothing.

``AsyncSQLAlchemyStore``'s hooks (``create_user``, ``is_active``, ``has_password``) get an
``AsyncConnection`` and are awaited; ``SQLAlchemyStore``'s get a ``Connection`` and are
called. A plain function given to the async store used to come out of a first login as
``AccountStoreError("create_user failed (TypeError)")``, permanent and blamed on the
database; an async function given to the sync store returned a coroutine where a user id
was expected. Both now name the hook and the store to use instead
(``accounts/_synchronization.py``: ``async_hook_result`` and ``sync_hook_result``).
SQLite in memory through one connection; asyncio for the async store.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Coroutine
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from chattz_oauth_async import ConfigurationError
from chattz_oauth_async.accounts import Accounts, AsyncAccounts
from chattz_oauth_async.accounts._values import Profile
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, SQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN

JOHN = ChattzUser(id=5, username="john")
app = MetaData()
people = Table("people", app, Column("id", Integer, primary_key=True), Column("name", String))

ASYNC_HINT = (
    "{name} returned {kind}, not an awaitable: AsyncSQLAlchemyStore's hooks get an "
    "AsyncConnection and must be async functions (a plain function goes with SQLAlchemyStore)"
)
SYNC_HINT = (
    "{name} is an async function, which SQLAlchemyStore cannot await: pass a plain function "
    "(or use AsyncSQLAlchemyStore)"
)


def plain_create_user(connection: Any, profile: Profile, now: dt.datetime) -> str:
    return "1"  # what a sync hook returns: never a user made on the async connection


async def async_create_user(connection: Any, profile: Profile, now: dt.datetime) -> str:
    raise AssertionError("never awaited by the sync store")  # pragma: no cover


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension."""
    return "asyncio"


def foreign_keys_on(engine: Engine) -> None:
    """SQLite's foreign keys on for every connection (what a store with ``user_key`` needs)."""

    @event.listens_for(engine, "connect")
    def on(dbapi: Any, record: Any) -> None:
        dbapi.execute("PRAGMA foreign_keys=ON")


async def async_engine() -> AsyncEngine:
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    foreign_keys_on(engine.sync_engine)
    async with engine.begin() as connection:
        await connection.run_sync(app.create_all)
    return engine


async def async_rows(engine: AsyncEngine, store: AsyncSQLAlchemyStore) -> tuple[int, int]:
    async with engine.connect() as connection:
        links = await connection.execute(select(func.count()).select_from(store._links))
        made = await connection.execute(select(func.count()).select_from(people))
        return links.scalar_one(), made.scalar_one()


@pytest.mark.anyio
async def test_a_plain_create_user_on_the_async_store_is_a_configuration_error() -> None:
    """The first login raises ConfigurationError naming the hook; no link, no user."""
    engine = await async_engine()
    try:
        store = AsyncSQLAlchemyStore(
            engine,
            create_user=plain_create_user,  # type: ignore[arg-type]
            user_key=people.c.id,
        )
        await store.create_tables()
        with pytest.raises(ConfigurationError) as caught:
            await AsyncAccounts(store).sign_in(JOHN, login=PLAIN)
        assert (ASYNC_HINT.format(name="create_user", kind="str"), (0, 0)) == (
            str(caught.value),
            await async_rows(engine, store),
        )
    finally:
        await engine.dispose()


@pytest.mark.anyio
@pytest.mark.parametrize("hook", ["is_active", "has_password"])
async def test_a_plain_check_hook_on_the_async_store_is_a_configuration_error(hook: str) -> None:
    """``is_active`` (asked by ``is_active()``) and ``has_password`` (asked when the last link
    is unlinked): ConfigurationError naming the hook; the link is kept."""

    async def create_user(connection: Any, profile: Profile, now: dt.datetime) -> str:
        made = await connection.execute(people.insert().values(name=profile.username))
        return str(made.inserted_primary_key[0])

    async def is_active(connection: Any, user_id: str) -> bool:
        return True

    def plain(connection: Any, user_id: str) -> bool:
        return True

    engine = await async_engine()
    try:
        options: dict[str, Any] = {"is_active": is_active, hook: plain}
        store = AsyncSQLAlchemyStore(engine, create_user=create_user, **options)
        await store.create_tables()
        first = await AsyncAccounts(store).sign_in(JOHN, login=PLAIN)
        ask: Coroutine[Any, Any, object] = (
            store.is_active(first.user_id)
            if hook == "is_active"
            else store.unlink(first.user_id, JOHN.id)
        )
        with pytest.raises(ConfigurationError) as caught:
            await ask
        assert (ASYNC_HINT.format(name=hook, kind="bool"), (1, 1)) == (
            str(caught.value),
            await async_rows(engine, store),
        )
    finally:
        await engine.dispose()


def test_an_async_create_user_on_the_sync_store_is_a_configuration_error() -> None:
    """The first login raises ConfigurationError naming the hook; nothing is written and no
    never-awaited coroutine is left behind."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    foreign_keys_on(engine)
    app.create_all(engine)
    store = SQLAlchemyStore(
        engine,
        create_user=async_create_user,  # type: ignore[arg-type]
        user_key=people.c.id,
    )
    store.create_tables()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine ... was never awaited" would fail here
        with pytest.raises(ConfigurationError) as caught:
            Accounts(store).sign_in(JOHN, login=PLAIN)
    with engine.connect() as connection:
        links = connection.execute(select(func.count()).select_from(store._links)).scalar_one()
        made = connection.execute(select(func.count()).select_from(people)).scalar_one()
    assert (SYNC_HINT.format(name="create_user"), (0, 0)) == (str(caught.value), (links, made))
