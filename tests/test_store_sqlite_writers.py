"""The SQLAlchemy store's writes on one SQLite engine take turns.

SQLite lets one connection write at a time; a connection that finds the write lock
taken sleeps in its busy handler and tries again, and writers arriving meanwhile pass
it. Under ten concurrent web logins (``benchmarks/weblogin.py``) one login waited
1.1 s and the slowest one in a hundred 450 ms; past ``sqlite3``'s busy timeout (5 s)
a login fails with "database is locked". ``run(..., writes=True)`` in
``accounts/_async/sqlalchemy_connections.py`` queues the store's writes on one engine
for a lock (``async_sqlite_writer``, one per event loop; ``sync_sqlite_writer`` for
threads), so they never meet in SQLite.

Each test runs with no busy timeout (``timeout=0``): a write that finds SQLite's lock
taken fails at once, so any two of the store's writes that meet show as an
AccountStoreError. Without the turns every test here fails.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chattz_oauth_async.accounts import Accounts, AsyncAccounts, Outcome
from chattz_oauth_async.accounts._synchronization import (
    async_sqlite_writer,
    sync_sqlite_writer,
)
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, SQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN

USERS = [ChattzUser(id=n, username=f"user{n}") for n in range(1, 11)]


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio."""
    return "asyncio"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite file with no busy timeout, its pool large enough for ten at once."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}",
        connect_args={"timeout": 0},
        pool_size=10,
    )
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_ten_concurrent_sign_ins_never_meet_in_sqlite(engine: AsyncEngine) -> None:
    """Ten first logins at once (each a transaction), then five waves of ten returning
    logins (each one statement): every one succeeds, with the outcome it should have."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    first = await asyncio.gather(*(accounts.sign_in(user, login=PLAIN) for user in USERS))
    outcomes = [sign_in.outcome for sign_in in first]
    for _ in range(5):
        again = await asyncio.gather(*(accounts.sign_in(user, login=PLAIN) for user in USERS))
        outcomes += [sign_in.outcome for sign_in in again]
        assert [s.user_id for s in again] == [s.user_id for s in first]
    assert outcomes == [Outcome.CREATED] * 10 + [Outcome.SIGNED_IN] * 50


@pytest.mark.anyio
async def test_concurrent_links_unlinks_and_deactivations_never_meet_in_sqlite(
    engine: AsyncEngine,
) -> None:
    """The store's other writes take the same turns: ten links, then ten unlinks and
    ten deactivations, each ten at once."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    owners = await asyncio.gather(*(accounts.sign_in(user, login=PLAIN) for user in USERS))
    extra = [ChattzUser(id=100 + n, username=f"extra{n}") for n in range(1, 11)]
    pairs = list(zip(owners, extra, strict=True))
    linked = await asyncio.gather(*(accounts.link(o.user_id, user) for o, user in pairs))
    unlinked = await asyncio.gather(*(accounts.unlink(o.user_id, user.id) for o, user in pairs))
    deactivated = await asyncio.gather(
        *(store.set_active(owner.user_id, False) for owner in owners)
    )
    assert [s.outcome for s in linked] == [Outcome.LINKED] * 10
    assert (unlinked, deactivated) == ([True] * 10, [True] * 10)


def test_the_sync_store_s_threads_never_meet_in_sqlite(tmp_path: Path) -> None:
    """Ten threads signing in at once through the sync store, twenty logins each."""
    engine = create_engine(
        f"sqlite:///{tmp_path / 'accounts.db'}",
        connect_args={"timeout": 0, "check_same_thread": False},
        pool_size=10,
    )
    store = SQLAlchemyStore(engine)
    store.create_tables()
    accounts = Accounts(store)
    start = threading.Barrier(len(USERS))
    outcomes: dict[int, list[Outcome]] = {}
    failures: list[BaseException] = []

    def logins(user: ChattzUser) -> None:
        start.wait()
        try:
            outcomes[user.id] = [accounts.sign_in(user, login=PLAIN).outcome for _ in range(20)]
        except BaseException as exc:  # reported below, with the thread's user
            failures.append(exc)

    threads = [threading.Thread(target=logins, args=(user,)) for user in USERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert failures == []
    assert outcomes == {user.id: [Outcome.CREATED] + [Outcome.SIGNED_IN] * 19 for user in USERS}


def test_one_writer_lock_per_engine_and_event_loop(tmp_path: Path) -> None:
    """Within one loop an engine's writes share a lock; another loop (asyncio.Lock belongs
    to the loop that waits on it) and another engine get their own; the sync store's
    threads share one per engine. The locks keep no engine alive."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}"
    one, two = create_async_engine(url), create_async_engine(url)

    async def locks() -> tuple[asyncio.Lock, asyncio.Lock, asyncio.Lock]:
        return async_sqlite_writer(one), async_sqlite_writer(one), async_sqlite_writer(two)

    first, same, other_engine = asyncio.run(locks())
    other_loop, _, _ = asyncio.run(locks())
    assert (first is same, first is other_engine, first is other_loop) == (True, False, False)

    sync_one = create_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    seen: list[threading.Lock] = []
    threads = [
        threading.Thread(target=lambda: seen.append(sync_sqlite_writer(sync_one))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen[0] is seen[1]


def test_the_writer_locks_keep_no_engine_alive(tmp_path: Path) -> None:
    """An engine dropped by the app goes, its locks with it."""

    def engines_used() -> list[weakref.ref[object]]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}")
        sync_engine = create_engine(f"sqlite:///{tmp_path / 'accounts.db'}")

        async def lock() -> None:
            async_sqlite_writer(engine)

        asyncio.run(lock())
        sync_sqlite_writer(sync_engine)
        return [weakref.ref(engine.sync_engine), weakref.ref(sync_engine)]

    kept = engines_used()
    gc.collect()
    assert [ref() for ref in kept] == [None, None]
