"""The SQLAlchemy store's writes on one SQLite engine take turns.

SQLite lets one connection write at a time; a connection that finds the write lock
taken sleeps in its busy handler and tries again, and writers arriving meanwhile pass
it. Under ten concurrent web logins (``benchmarks/weblogin.py``) one login waited
1.1 s and the slowest one in a hundred 450 ms; past ``sqlite3``'s busy timeout (5 s)
a login fails with "database is locked". ``run(..., writes=True)`` in
``accounts/_async/sqlalchemy_connections.py`` queues the store's writes on one engine
for a lock (``async_sqlite_turn``, one per engine and event loop; ``sync_sqlite_turn``
for threads), so they never meet in SQLite.

The concurrency tests in one event loop run with no busy timeout (``timeout=0``): a write
that finds SQLite's lock taken fails at once, so any two of the store's writes that meet
show as an AccountStoreError; without the turns they fail. Two event loops on one engine
(each loop its own lock), a store hook that calls the store's writes (a ConfigurationError,
not a wait for itself) and the locks' lifetime are tested after them.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool, QueuePool

from chattz_oauth_async import ConfigurationError
from chattz_oauth_async.accounts import Accounts, AsyncAccounts, Outcome
from chattz_oauth_async.accounts._async.sqlalchemy_users import insert_user
from chattz_oauth_async.accounts._sync.sqlalchemy_users import insert_user as sync_insert_user
from chattz_oauth_async.accounts._synchronization import async_sqlite_turn, sync_sqlite_turn
from chattz_oauth_async.accounts._values import Profile
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, SQLAlchemyStore
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN

#: What a store hook that calls the store's writes on SQLite gets.
REENTERED = (
    "the account store was called from inside one of its own writes on SQLite (a create_user "
    "or has_password hook that calls the store?): it would wait for itself. A hook works "
    "through the connection it is given"
)
USERS = [ChattzUser(id=n, username=f"user{n}") for n in range(1, 11)]


async def always_active(connection: AsyncConnection, user_id: str) -> bool:
    return True


def sync_always_active(connection: Connection, user_id: str) -> bool:
    return True


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
        poolclass=AsyncAdaptedQueuePool,  # SQLAlchemy 2.0's default for a file is NullPool
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
        poolclass=QueuePool,
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


def test_two_event_loops_write_through_one_engine(tmp_path: Path) -> None:
    """Each event loop has its own turns (an asyncio.Lock belongs to the loop that waits on
    it): two threads, each running a loop of ten concurrent sign-ins three times through one
    engine, all succeed (one lock for both failed with "bound to a different event loop")."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}", poolclass=NullPool
    )
    store = AsyncSQLAlchemyStore(engine)
    asyncio.run(store.create_tables())
    accounts = AsyncAccounts(store)
    outcomes: dict[int, list[Outcome]] = {}
    start = threading.Barrier(2)

    def loop(first_id: int) -> None:
        users = [ChattzUser(id=first_id + n, username=f"u{first_id + n}") for n in range(10)]

        async def logins() -> list[Outcome]:
            found = []
            for _ in range(3):
                wave = await asyncio.gather(*(accounts.sign_in(u, login=PLAIN) for u in users))
                found += [sign_in.outcome for sign_in in wave]
            return found

        start.wait()
        try:
            outcomes[first_id] = asyncio.run(logins())
        except Exception as exc:  # shown by the assertion below
            outcomes[first_id] = [exc]  # type: ignore[list-item]

    threads = [threading.Thread(target=loop, args=(first,)) for first in (1, 101)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [Outcome.CREATED] * 10 + [Outcome.SIGNED_IN] * 20
    assert outcomes == {1: expected, 101: expected}


@pytest.mark.anyio
async def test_a_hook_that_calls_the_store_s_writes_is_a_configuration_error(
    engine: AsyncEngine,
) -> None:
    """A create_user hook (run inside the first login's write) that writes through the store
    would wait for its own turn: a ConfigurationError at once, nothing written."""

    async def create_user(connection: AsyncConnection, profile: Profile, now: Any) -> str:
        user_id = await insert_user(connection, profile, now)
        await store.unlink(user_id, 999)
        return user_id

    store = AsyncSQLAlchemyStore(engine, create_user=create_user, is_active=always_active)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    with pytest.raises(ConfigurationError) as refused:
        async with asyncio.timeout(10):  # a guard: the old code waited for itself for ever
            await accounts.sign_in(USERS[0], login=PLAIN)
    assert (str(refused.value), await accounts.find(USERS[0].id)) == (REENTERED, None)


@pytest.mark.anyio
async def test_a_task_a_hook_leaves_running_writes_once_the_turn_is_over(
    engine: AsyncEngine,
) -> None:
    """A create_user hook starts a task of its own (it inherits the hook's context, turn
    included) that writes through the store after the sign-in: it is not refused."""
    later = asyncio.Event()
    left: list[asyncio.Task[bool]] = []

    async def unlink_later(user_id: str) -> bool:
        await later.wait()
        return await store.unlink(user_id, 999)

    async def create_user(connection: AsyncConnection, profile: Profile, now: Any) -> str:
        user_id = await insert_user(connection, profile, now)
        left.append(asyncio.ensure_future(unlink_later(user_id)))
        return user_id

    store = AsyncSQLAlchemyStore(engine, create_user=create_user, is_active=always_active)
    await store.create_tables()
    signed_in = await AsyncAccounts(store).sign_in(USERS[0], login=PLAIN)
    later.set()
    async with asyncio.timeout(10):
        unlinked = await left[0]
    assert (signed_in.outcome, unlinked) == (Outcome.CREATED, False)


def test_a_sync_hook_that_calls_the_store_s_writes_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    """The same in the sync store's thread (its threading.Lock would wait for ever)."""

    def create_user(connection: Connection, profile: Profile, now: Any) -> str:
        user_id = sync_insert_user(connection, profile, now)
        store.unlink(user_id, 999)
        return user_id

    engine = create_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    store = SQLAlchemyStore(engine, create_user=create_user, is_active=sync_always_active)
    store.create_tables()
    accounts = Accounts(store)
    refused: list[str] = []

    def first_login() -> None:
        try:
            accounts.sign_in(USERS[0], login=PLAIN)
        except ConfigurationError as exc:
            refused.append(str(exc))

    # A daemon thread, joined with a guard: the old code waited for itself for ever.
    thread = threading.Thread(target=first_login, daemon=True)
    thread.start()
    thread.join(10)
    assert (refused, thread.is_alive()) == ([REENTERED], False)
    assert accounts.find(USERS[0].id) is None
    engine.dispose()


def test_the_turns_keep_no_engine_alive(tmp_path: Path) -> None:
    """An engine dropped by the app goes, its locks with it."""

    def engines_used() -> list[weakref.ref[object]]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}")
        sync_engine = create_engine(f"sqlite:///{tmp_path / 'accounts.db'}")

        async def turn() -> None:
            async with async_sqlite_turn(engine):
                pass

        asyncio.run(turn())
        with sync_sqlite_turn(sync_engine):
            pass
        return [weakref.ref(engine.sync_engine), weakref.ref(sync_engine)]

    kept = engines_used()
    gc.collect()
    assert [ref() for ref in kept] == [None, None]
