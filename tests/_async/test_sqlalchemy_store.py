"""AsyncSQLAlchemyStore on real databases: SQLite (a file in tmp_path) and PostgreSQL.

Every test runs on both (the PostgreSQL ones are marked ``postgres``; see
tests/postgres.py). SQLAlchemy's asyncio extension and aiosqlite run on asyncio
only (aiosqlite hands results back through asyncio futures; trio refuses
them), so this module's ``anyio_backend`` is asyncio alone. Written once for
AsyncSQLAlchemyStore; scripts/gen_sync.py generates the same tests for
SQLAlchemyStore (a sync engine, threads instead of tasks) in tests/_sync/.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from chattz_oauth_async.accounts import (
    Account,
    AccountLinkedElsewhere,
    AccountStoreError,
    AsyncAccounts,
    InactiveUser,
    LinkRefused,
    Outcome,
    Profile,
    SessionUser,
    SignupsClosed,
    UnlinkRefused,
)
from chattz_oauth_async.accounts._alone import driver_connection
from chattz_oauth_async.accounts._values import MAX_CHATTZ_ID, MAX_NAME
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore, accounts, users
from chattz_oauth_async.errors import ConfigurationError
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, linking
from tests.helpers import async_gather
from tests.round_trips import RoundTrips

pytestmark = pytest.mark.anyio

NOW = dt.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
JOHN = ChattzUser(id=5, username="john", email="john@example.com", first_name="John")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio."""
    return "asyncio"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: a SQLite file, or a new PostgreSQL database (psycopg 3)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, disposed of afterwards."""
    engine = create_async_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def store(engine: AsyncEngine) -> AsyncSQLAlchemyStore:
    """The store, its tables created."""
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    return store


async def rows(engine: AsyncEngine, table: Table) -> int:
    """How many rows ``table`` holds."""
    async with engine.connect() as connection:
        count: int = (
            await connection.execute(select(func.count()).select_from(table))
        ).scalar_one()
        return count


async def active(connection: AsyncConnection, user_id: str) -> bool | None:
    """An app's is_active hook: every user may sign in."""
    return True


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    """(local users, linked accounts)."""
    return await rows(engine, users), await rows(engine, accounts)


async def test_first_login_creates_one_user_and_one_link(store: AsyncSQLAlchemyStore) -> None:
    """The first login writes a chattz_users row and its link; find reads the same account."""
    signed_in = await AsyncAccounts(store, clock=lambda: NOW).sign_in(JOHN, login=PLAIN)
    expected = Account("1", Profile.from_user(JOHN), NOW, NOW)
    assert (Outcome.CREATED, expected, expected, (1, 1)) == (
        signed_in.outcome,
        signed_in.account,
        await store.find(5),
        await counts(store.engine),
    )


async def test_second_login_signs_in_and_refreshes_the_stored_profile(
    store: AsyncSQLAlchemyStore,
) -> None:
    """A later login updates the row's profile and last login, and keeps linked_at."""
    await AsyncAccounts(store, clock=lambda: NOW).sign_in(JOHN, login=PLAIN)
    later = NOW + dt.timedelta(hours=1)
    renamed = ChattzUser(id=5, username="johnny", last_name="Doe", avatar="https://a.test/j.png")
    signed_in = await AsyncAccounts(store, clock=lambda: later).sign_in(renamed, login=PLAIN)
    expected = Account("1", Profile.from_user(renamed), NOW, later)
    assert (Outcome.SIGNED_IN, expected, (1, 1)) == (
        signed_in.outcome,
        await store.find(5),
        await counts(store.engine),
    )


async def test_signed_in_user_links_without_a_new_user(store: AsyncSQLAlchemyStore) -> None:
    """Linking to the signed-in user writes the link only."""
    signed_in = await AsyncAccounts(store).sign_in(
        JOHN, login=linking("42"), signed_in_user_id="42"
    )
    assert (Outcome.LINKED, "42", (0, 1)) == (
        signed_in.outcome,
        signed_in.user_id,
        await counts(store.engine),
    )


async def test_link_to_someone_else_is_refused(store: AsyncSQLAlchemyStore) -> None:
    """A Chattz account linked to user 42, completed by user 43: refused, the row unchanged."""
    linked = await AsyncAccounts(store, clock=lambda: NOW).sign_in(
        JOHN, login=linking("42"), signed_in_user_id="42"
    )
    with pytest.raises(AccountLinkedElsewhere):
        await AsyncAccounts(store).sign_in(
            ChattzUser(id=5, username="renamed"), login=linking("43"), signed_in_user_id="43"
        )
    assert linked.account == await store.find(5)


class RacedStore(AsyncSQLAlchemyStore):
    """Another worker's login creates each Chattz id's account (user "1") just after this find."""

    async def find(self, chattz_id: int) -> Account | None:
        found = await super().find(chattz_id)
        if found is None:
            await super().create(Profile(chattz_id, "winner"), NOW)
        return found

    async def sign_in_once(
        self, profile: Profile, now: dt.datetime, **options: Any
    ) -> tuple[Account, Outcome] | None:
        # The one-statement sign-in loses the race: the other login's link is in, nothing of
        # this one's written (what ON CONFLICT DO NOTHING gives), and the full path decides.
        if await super().find(profile.chattz_id) is None:
            await super().create(Profile(profile.chattz_id, "winner"), NOW)
        return None


async def test_link_race_lost_is_refused(engine: AsyncEngine) -> None:
    """Bob's link loses the unique key to another login's: AccountLinkedElsewhere."""
    store = RacedStore(engine)
    await store.create_tables()
    with pytest.raises(AccountLinkedElsewhere):
        await AsyncAccounts(store).sign_in(JOHN, login=linking("bob"), signed_in_user_id="bob")
    found = await store.find(5)
    assert ("1", (1, 1)) == (found and found.user_id, await counts(engine))


async def test_create_race_lost_leaves_no_user_behind(engine: AsyncEngine) -> None:
    """A create that loses the race rolls its new user back and signs in to the winner's link."""
    store = RacedStore(engine)
    await store.create_tables()
    signed_in = await AsyncAccounts(store).sign_in(JOHN, login=PLAIN)
    assert (Outcome.SIGNED_IN, "1", (1, 1)) == (
        signed_in.outcome,
        signed_in.user_id,
        await counts(engine),
    )


async def test_signups_closed_writes_nothing(store: AsyncSQLAlchemyStore) -> None:
    """Sign-ups closed: SignupsClosed, and no row in either table."""
    with pytest.raises(SignupsClosed):
        await AsyncAccounts(store, signups=False).sign_in(JOHN, login=PLAIN)
    assert (0, 0) == await counts(store.engine)


async def test_unlink_only_removes_the_owners_link(store: AsyncSQLAlchemyStore) -> None:
    """unlink by another user leaves the link; by its owner removes it (the user stays)."""
    accounts_ = AsyncAccounts(store)
    await accounts_.sign_in(JOHN, login=PLAIN)
    await accounts_.link("1", ChattzUser(id=6, username="second"))
    results = [await accounts_.unlink("2", 5), await accounts_.unlink("1", 5)]
    assert ([False, True], None, (1, 1)) == (
        results,
        await accounts_.find(5),
        await counts(store.engine),
    )


async def test_unlink_of_the_last_link_is_refused(store: AsyncSQLAlchemyStore) -> None:
    """The store's users have no password: their last link stays (UnlinkRefused), others go."""
    accounts_ = AsyncAccounts(store)
    await accounts_.sign_in(JOHN, login=PLAIN)
    await accounts_.link("1", ChattzUser(id=6, username="second"))
    removed = await accounts_.unlink("1", 6)
    with pytest.raises(UnlinkRefused) as caught:
        await accounts_.unlink("1", 5)
    assert (True, 5, [5]) == (
        removed,
        caught.value.chattz_id,
        [account.chattz_id for account in await accounts_.accounts_of("1")],
    )


async def test_concurrent_unlinks_never_strand_a_user(store: AsyncSQLAlchemyStore) -> None:
    """Two unlinks of one user's two links at once: one is removed, one refused, one stays."""
    accounts_ = AsyncAccounts(store)
    await accounts_.sign_in(JOHN, login=PLAIN)
    await accounts_.link("1", ChattzUser(id=6, username="second"))
    outcomes: list[str] = []

    async def unlink(chattz_id: int) -> None:
        try:
            outcomes.append(str(await accounts_.unlink("1", chattz_id)))
        except UnlinkRefused:
            outcomes.append("refused")
        except AccountStoreError as exc:  # PostgreSQL may report a lock wait as transient
            outcomes.append(f"transient={exc.transient}")

    await async_gather([lambda: unlink(5), lambda: unlink(6)])
    assert (["True", "refused"], 1) == (
        sorted(outcomes),
        len(await accounts_.accounts_of("1")),
    )


async def test_unlink_with_a_password_hook_removes_the_last_link(engine: AsyncEngine) -> None:
    """has_password says the user has another way in: their last link may go."""

    async def has_password(connection: AsyncConnection, user_id: str) -> bool:
        return user_id == "1"

    store = AsyncSQLAlchemyStore(engine, has_password=has_password)
    await store.create_tables()
    await AsyncAccounts(store).sign_in(JOHN, login=PLAIN)
    assert (True, []) == (
        await AsyncAccounts(store).unlink("1", 5),
        await AsyncAccounts(store).accounts_of("1"),
    )


async def test_inactive_user_is_refused_until_active_again(store: AsyncSQLAlchemyStore) -> None:
    """set_active(user, False): InactiveUser, the row not refreshed; True: signs in again."""
    accounts_ = AsyncAccounts(store, clock=lambda: NOW)
    await accounts_.sign_in(JOHN, login=PLAIN)
    marked = await store.set_active("1", False)
    with pytest.raises(InactiveUser):
        await AsyncAccounts(store, clock=lambda: NOW + dt.timedelta(1)).sign_in(JOHN, login=PLAIN)
    found = await store.find(5)
    await store.set_active("1", True)
    again = await accounts_.sign_in(JOHN, login=PLAIN)
    assert (True, NOW, Outcome.SIGNED_IN, False) == (
        marked,
        found and found.last_login_at,
        again.outcome,
        await store.set_active("99", False),
    )


async def test_a_deleted_users_link_never_signs_anyone_in(
    store: AsyncSQLAlchemyStore, engine: AsyncEngine
) -> None:
    """The user row deleted by hand: the link is removed at the next login, a new user made."""
    accounts_ = AsyncAccounts(store)
    first = await accounts_.sign_in(JOHN, login=PLAIN)
    async with engine.begin() as connection:
        await connection.execute(users.delete())
    again = await accounts_.sign_in(JOHN, login=PLAIN)
    assert (Outcome.CREATED, True, (1, 1)) == (
        again.outcome,
        again.user_id != first.user_id,
        await counts(engine),
    )


async def test_linking_login_refused_in_a_race_writes_nothing(
    store: AsyncSQLAlchemyStore, engine: AsyncEngine
) -> None:
    """The link changes hands between find and update: the UPDATE's condition writes nothing."""
    accounts_ = AsyncAccounts(store, clock=lambda: NOW)
    await accounts_.sign_in(JOHN, login=linking("42"), signed_in_user_id="42")

    class Racing(AsyncSQLAlchemyStore):
        async def is_active(self, user_id: str) -> bool | None:
            async with engine.begin() as connection:  # another login relinks it to 43
                await connection.execute(accounts.update().values(user_id="43"))
            return True

    racing = AsyncAccounts(Racing(engine), clock=lambda: NOW + dt.timedelta(1))
    with pytest.raises(AccountLinkedElsewhere):
        await racing.sign_in(
            ChattzUser(id=5, username="renamed"), login=linking("42"), signed_in_user_id="42"
        )
    found = await store.find(5)
    assert ("43", "john", NOW) == (
        found and found.user_id,
        found and found.profile.username,
        found and found.last_login_at,
    )


async def test_accounts_of_lists_links_oldest_first(store: AsyncSQLAlchemyStore) -> None:
    """accounts_of gives one user's links in the order they were made."""
    for offset, chattz_id in enumerate((9, 5, 7)):
        clock = lambda offset=offset: NOW + dt.timedelta(seconds=offset)  # noqa: E731
        user = ChattzUser(id=chattz_id, username=f"u{chattz_id}")
        await AsyncAccounts(store, clock=clock).sign_in(
            user, login=linking("42"), signed_in_user_id="42"
        )
    await AsyncAccounts(store).sign_in(
        ChattzUser(id=8, username="other"), login=linking("43"), signed_in_user_id="43"
    )
    found = await AsyncAccounts(store).accounts_of("42")
    assert ([9, 5, 7], []) == (
        [account.chattz_id for account in found],
        await AsyncAccounts(store).accounts_of("44"),
    )


async def test_same_email_or_username_gets_an_account_of_its_own(
    store: AsyncSQLAlchemyStore,
) -> None:
    """A Chattz user with an existing account's e-mail and username is a new local user."""
    accounts_ = AsyncAccounts(store)
    first = await accounts_.sign_in(JOHN, login=PLAIN)
    twin = await accounts_.sign_in(
        ChattzUser(id=6, username="john", email="john@example.com"), login=PLAIN
    )
    assert (Outcome.CREATED, "2", "1", (2, 2)) == (
        twin.outcome,
        twin.user_id,
        first.user_id,
        await counts(store.engine),
    )


async def test_concurrent_first_logins_make_one_account(store: AsyncSQLAlchemyStore) -> None:
    """50 concurrent first logins of one Chattz user: one account, one user, all signed in to it."""
    accounts_ = AsyncAccounts(store)
    results = []

    async def login() -> None:
        results.append(await accounts_.sign_in(JOHN, login=PLAIN))

    await async_gather([login] * 50)
    outcomes = sorted(result.outcome.value for result in results)
    stored = await store.find(5)
    assert (["created"] + ["signed_in"] * 49, {stored and stored.user_id}, (1, 1)) == (
        outcomes,
        {result.user_id for result in results},
        await counts(store.engine),
    )


async def test_concurrent_linking_logins_of_two_users_link_once_and_the_loser_writes_nothing(
    store: AsyncSQLAlchemyStore,
) -> None:
    """50 concurrent linking logins of one new Chattz account, half by each of two signed-in
    users (their sessions checked in the linking statement): the first link stands, every
    login of the other user is refused, and none of theirs wrote anything."""
    accounts_ = AsyncAccounts(store)
    one = await accounts_.sign_in(ChattzUser(id=1, username="one"), login=PLAIN)
    two = await accounts_.sign_in(ChattzUser(id=2, username="two"), login=PLAIN)
    results: dict[str, list[str]] = {one.user_id: [], two.user_id: []}

    async def login(user_id: str, chattz_id: int) -> None:
        user = ChattzUser(id=9, username=f"by{user_id}")
        session = SessionUser(user_id, chattz_id)
        try:
            signed_in = await accounts_.sign_in(
                user, login=linking(user_id), signed_in_user_id=session
            )
        except AccountLinkedElsewhere:
            results[user_id].append("refused")
        else:
            results[user_id].append(signed_in.outcome.value)

    await async_gather([lambda: login(one.user_id, 1), lambda: login(two.user_id, 2)] * 25)
    stored = await store.find(9)
    assert stored is not None
    owner, loser = stored.user_id, ({one.user_id, two.user_id} - {stored.user_id}).pop()
    assert (
        ["linked"] + ["signed_in"] * 24,
        ["refused"] * 25,
        f"by{owner}",
        (2, 3),
    ) == (
        sorted(results[owner]),
        results[loser],
        stored.profile.username,
        await counts(store.engine),
    )


async def test_linking_login_of_a_stale_session_is_refused_and_writes_nothing(
    store: AsyncSQLAlchemyStore,
) -> None:
    """A session whose link is gone, whose user is disabled, or another user's: LinkRefused."""
    accounts_ = AsyncAccounts(store)
    one = await accounts_.sign_in(ChattzUser(id=1, username="one"), login=PLAIN)
    two = await accounts_.sign_in(ChattzUser(id=2, username="two"), login=PLAIN)
    new = ChattzUser(id=9, username="new")
    refused = []
    for session in (SessionUser(one.user_id, 2), SessionUser(one.user_id, 3)):
        with pytest.raises(LinkRefused):
            await accounts_.sign_in(new, login=linking(one.user_id), signed_in_user_id=session)
        refused.append(await store.find(9))
    await store.set_active(one.user_id, False)
    with pytest.raises(LinkRefused):
        await accounts_.sign_in(
            new, login=linking(one.user_id), signed_in_user_id=SessionUser(one.user_id, 1)
        )
    refused.append(await store.find(9))
    assert ([None] * 3, (2, 2), two.user_id) == (
        refused,
        await counts(store.engine),
        (await store.find(2) or one).user_id,
    )


async def test_hostile_profile_is_stored_cleaned(store: AsyncSQLAlchemyStore) -> None:
    """NUL, lone surrogates, overlong text and 4-byte characters: stored, read back equal."""
    hostile = ChattzUser(
        id=MAX_CHATTZ_ID,
        username="😀" * 400,
        email="x\x00@y.z",
        first_name="\ud800A\x00B",
        last_name="Robert'); DROP TABLE chattz_accounts;--",
        avatar="javascript:alert(1)",
    )
    accounts_ = AsyncAccounts(store)
    created = await accounts_.sign_in(hostile, login=PLAIN)
    again = await accounts_.sign_in(hostile, login=PLAIN)
    found = await store.find(MAX_CHATTZ_ID)
    assert ("😀" * MAX_NAME, "AB", Outcome.SIGNED_IN, created.account.profile) == (
        created.account.profile.username,
        created.account.profile.first_name,
        again.outcome,
        found.profile if found is not None else None,
    )


async def test_create_user_hook_makes_the_users_row(store: AsyncSQLAlchemyStore) -> None:
    """A create_user hook's id is the link's user id, written in the same transaction."""

    async def create_user(connection: AsyncConnection, profile: Profile, now: dt.datetime) -> str:
        await connection.execute(insert(users).values(display_name="app user", created_at=now))
        return f"app-{profile.chattz_id}"

    hooked = AsyncSQLAlchemyStore(store.engine, create_user=create_user, is_active=active)
    signed_in = await AsyncAccounts(hooked).sign_in(JOHN, login=PLAIN)
    assert ("app-5", (1, 1)) == (signed_in.user_id, await counts(store.engine))


async def test_create_user_hook_that_raises_leaves_nothing(store: AsyncSQLAlchemyStore) -> None:
    """The hook inserts a user, then fails: AccountStoreError (cause kept), no row left."""

    async def create_user(connection: AsyncConnection, profile: Profile, now: dt.datetime) -> str:
        await connection.execute(insert(users).values(display_name="half", created_at=now))
        raise RuntimeError("the app's users table said no")

    hooked = AsyncSQLAlchemyStore(store.engine, create_user=create_user, is_active=active)
    with pytest.raises(AccountStoreError) as caught:
        await AsyncAccounts(hooked).sign_in(JOHN, login=PLAIN)
    assert (RuntimeError, (0, 0)) == (type(caught.value.__cause__), await counts(store.engine))


async def test_create_user_hook_returning_no_id_leaves_nothing(
    store: AsyncSQLAlchemyStore,
) -> None:
    """A hook returning something that is not a user id: ConfigurationError, rolled back."""

    async def create_user(connection: AsyncConnection, profile: Profile, now: dt.datetime) -> str:
        await connection.execute(insert(users).values(display_name="half", created_at=now))
        return None  # type: ignore[return-value]

    hooked = AsyncSQLAlchemyStore(store.engine, create_user=create_user, is_active=active)
    with pytest.raises(ConfigurationError):
        await AsyncAccounts(hooked).sign_in(JOHN, login=PLAIN)
    assert (0, 0) == await counts(store.engine)


async def test_database_failing_mid_create_leaves_no_user(store: AsyncSQLAlchemyStore) -> None:
    """chattz_accounts dropped: the user insert is rolled back with the failed link."""
    async with store.engine.begin() as connection:
        await connection.execute(text("DROP TABLE chattz_accounts"))
    with pytest.raises(AccountStoreError) as caught:
        await store.create(Profile.from_user(JOHN), NOW)
    assert (True, 0) == (
        isinstance(caught.value.__cause__, SQLAlchemyError),
        await rows(store.engine, users),
    )


async def test_no_database_error_escapes_a_public_method(store: AsyncSQLAlchemyStore) -> None:
    """With the tables gone, every public call raises AccountStoreError, the cause kept."""
    async with store.engine.begin() as connection:
        await connection.execute(text("DROP TABLE chattz_accounts"))
        await connection.execute(text("DROP TABLE chattz_users"))
    profile = Profile.from_user(JOHN)
    accounts_ = AsyncAccounts(store)
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: store.find(5),
        lambda: store.create(profile, NOW),
        lambda: store.link(profile, "42", NOW),
        lambda: store.update(profile, NOW, user_id="42"),
        lambda: store.unlink("42", 5),
        lambda: store.is_active("42"),
        lambda: store.accounts_of("42"),
        lambda: accounts_.sign_in(JOHN, login=PLAIN),
        lambda: accounts_.sign_in(JOHN, login=linking("42"), signed_in_user_id="42"),
        lambda: accounts_.find(5),
        lambda: accounts_.unlink("42", 5),
        lambda: accounts_.accounts_of("42"),
    ]
    causes = []
    for call in calls:
        with pytest.raises(AccountStoreError) as caught:
            await call()
        causes.append(isinstance(caught.value.__cause__, SQLAlchemyError))
    assert [True] * len(calls) == causes


async def test_unreachable_database_is_a_store_error(tmp_path: Path) -> None:
    """A database that cannot be opened: AccountStoreError from create_tables and sign_in."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    store = AsyncSQLAlchemyStore(engine)
    threads = set(threading.enumerate())
    try:
        with pytest.raises(AccountStoreError):
            await store.create_tables()
        with pytest.raises(AccountStoreError):
            await AsyncAccounts(store).sign_in(JOHN, login=PLAIN)
    finally:
        await engine.dispose()
        # aiosqlite's thread of a failed connect answers the event loop once more after
        # the error (aiosqlite 0.22): let it, while the loop is still open.
        for thread in set(threading.enumerate()) - threads:
            thread.join(timeout=5)


async def test_reprs_and_errors_hide_the_database_password(closed_port: int) -> None:
    """The store's and the accounts' reprs, and a failed connection's error, hide the password."""
    url = f"postgresql+psycopg://app:s3cret-pw@127.0.0.1:{closed_port}/app"
    engine = create_async_engine(url)
    store = AsyncSQLAlchemyStore(engine)
    try:
        with pytest.raises(AccountStoreError) as caught:
            await store.find(5)
        shown = repr(store) + repr(AsyncAccounts(store)) + str(caught.value) + repr(caught.value)
    finally:
        await engine.dispose()
    assert (False, True) == ("s3cret-pw" in shown, "app:***@127.0.0.1" in shown)


def test_store_needs_an_engine() -> None:
    """Anything but an engine of the right kind is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        AsyncSQLAlchemyStore("sqlite://")  # type: ignore[arg-type]


async def test_a_deleted_users_id_is_never_given_to_a_new_user(
    store: AsyncSQLAlchemyStore, engine: AsyncEngine
) -> None:
    """Deleting the newest user never hands its id (and any link left to it) to the next one."""
    accounts_ = AsyncAccounts(store, clock=lambda: NOW)
    alice = await accounts_.sign_in(ChattzUser(id=1, username="alice"), login=PLAIN)
    async with engine.begin() as connection:
        await connection.execute(users.delete().where(users.c.id == int(alice.user_id)))
    bob = await accounts_.sign_in(ChattzUser(id=2, username="bob"), login=PLAIN)
    assert (Outcome.CREATED, True) == (bob.outcome, int(bob.user_id) > int(alice.user_id))


async def test_a_row_edited_by_hand_still_signs_in_and_is_cleaned(
    store: AsyncSQLAlchemyStore, engine: AsyncEngine
) -> None:
    """A stored profile that fails the Profile checks never locks its user out."""
    accounts_ = AsyncAccounts(store, clock=lambda: NOW)
    first = await accounts_.sign_in(JOHN, login=PLAIN)
    async with engine.begin() as connection:
        await connection.execute(
            accounts.update().values(username="john  doe", avatar="javascript:alert(1)")
        )
    found = await store.find(JOHN.id)
    again = await accounts_.sign_in(JOHN, login=PLAIN)
    assert ("john doe", None) == (
        found.profile.username if found else None,
        found.profile.avatar if found else "",
    )
    assert (Outcome.SIGNED_IN, first.user_id, "john") == (
        again.outcome,
        again.user_id,
        again.account.profile.username,
    )


async def test_round_trips_per_sign_in(store: AsyncSQLAlchemyStore, engine: AsyncEngine) -> None:
    """Each kind of sign-in in its pinned number of round trips (BEGIN and COMMIT counted).

    PostgreSQL: every one a single statement (CTEs), autocommit. SQLite (no writes in
    CTEs): the refresh or the insert alone, and a first login's user and link in one
    transaction after the refresh found nothing. A regression to more round trips fails.
    """
    trips = RoundTrips(engine)
    accounts_ = AsyncAccounts(store)
    second = ChattzUser(id=6, username="second")
    runs: list[tuple[Outcome | None, list[str]]] = []
    for user, login, signed_in in (
        (JOHN, PLAIN, None),  # first login: a user and its link
        (JOHN, PLAIN, "7"),  # returning login
        (second, linking("1"), SessionUser("1", 5)),  # linking a new Chattz account
        (second, linking("1"), SessionUser("1", 5)),  # linking one linked already
        (ChattzUser(id=8, username="third"), linking("1"), "1"),  # linking, no session to check
    ):
        with trips.counting() as seen:
            result = await accounts_.sign_in(user, login=login, signed_in_user_id=signed_in)
        runs.append((result.outcome, seen))
    with trips.counting() as seen:
        await accounts_.session_account("1", 5)
    runs.append((None, seen))
    if engine.dialect.name == "postgresql":
        expected = [
            (Outcome.CREATED, ["WITH"]),
            (Outcome.SIGNED_IN, ["WITH"]),
            (Outcome.LINKED, ["WITH"]),
            (Outcome.SIGNED_IN, ["WITH"]),
            (Outcome.LINKED, ["WITH"]),
            (None, ["SELECT"]),
        ]
    else:
        # WITH ... UPDATE and WITH ... INSERT: each its own transaction in SQLite.
        expected = [
            (Outcome.CREATED, ["WITH", "BEGIN", "INSERT", "INSERT", "COMMIT"]),
            (Outcome.SIGNED_IN, ["WITH"]),
            (Outcome.LINKED, ["WITH"]),
            (Outcome.SIGNED_IN, ["WITH", "WITH"]),
            (Outcome.LINKED, ["WITH"]),
            (None, ["SELECT"]),
        ]
    assert expected == runs


async def test_session_account_and_is_active_with_an_is_active_hook(
    store: AsyncSQLAlchemyStore, database_url: str
) -> None:
    """An is_active hook answers session_account (True: the account; False: None) and
    is_active, on a connection the pool gets back as it lent it (psycopg: not in autocommit;
    a pool of one connection, so the next checkout is the one the store used)."""
    john = await AsyncAccounts(store, clock=lambda: NOW).sign_in(JOHN, login=PLAIN)
    answers = {john.user_id: True}

    async def is_active(connection: AsyncConnection, user_id: str) -> bool | None:
        return answers.get(user_id)

    single = create_async_engine(
        database_url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0
    )
    try:
        hooked = AsyncSQLAlchemyStore(single, is_active=is_active)
        held = await hooked.session_account(john.user_id, 5)
        states = [await hooked.is_active(john.user_id), await hooked.is_active("2")]
        answers[john.user_id] = False
        refused = await hooked.session_account(john.user_id, 5)
        async with single.connect() as connection:
            postgresql = connection.dialect.name == "postgresql"
            autocommit = postgresql and driver_connection(connection).autocommit
    finally:
        await single.dispose()
    assert (john.account, [True, None], None, False) == (held, states, refused, autocommit)


@pytest.mark.parametrize("user_id", ["²", "١", "9" * 30, "9" * 19, "1.0", " 1", "", "01"])
async def test_a_user_id_that_is_no_chattz_users_id_is_no_user(
    store: AsyncSQLAlchemyStore, user_id: str
) -> None:
    """Text that is not a chattz_users id (superscript or Arabic-Indic digits, out of range,
    not a number, John's id 1 with a leading zero): is_active says no such user, set_active
    changes nothing; no error. (An id
    past PostgreSQL's 32-bit INTEGER: test_an_id_past_the_id_range_on_postgresql.)"""
    await AsyncAccounts(store, clock=lambda: NOW).sign_in(JOHN, login=PLAIN)
    assert (None, False) == (
        await store.is_active(user_id),
        await store.set_active(user_id, False),
    )


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_an_id_past_the_id_range_on_postgresql(store: AsyncSQLAlchemyStore) -> None:
    """chattz_users.id is INTEGER, 32 bits on PostgreSQL: 2147483648 is no user, never an
    "out of range" AccountStoreError; 2147483647 is a possible one (no such user here)."""
    await AsyncAccounts(store, clock=lambda: NOW).sign_in(JOHN, login=PLAIN)
    assert (None, False, None, False) == (
        await store.is_active("2147483648"),
        await store.set_active("2147483648", False),
        await store.is_active("2147483647"),
        await store.set_active("2147483647", False),
    )


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_first_logins_under_a_schema_translate_map(engine: AsyncEngine) -> None:
    """PostgreSQL, the store's tables in schema ``tenant a`` through ``schema_translate_map``
    and in ``public`` too: a first login (its one statement) draws its user id from the
    tenant's own sequence, so a user the store then creates another way (``create``, the
    path of a lost race) gets the next id, and ``public`` gets no row."""
    async with engine.begin() as connection:
        await connection.execute(text('CREATE SCHEMA "tenant a"'))
    await AsyncSQLAlchemyStore(engine).create_tables()
    tenant = AsyncSQLAlchemyStore(engine.execution_options(schema_translate_map={None: "tenant a"}))
    await tenant.create_tables()
    first = await AsyncAccounts(tenant, clock=lambda: NOW).sign_in(JOHN, login=PLAIN)
    made, _ = await tenant.create(Profile.from_user(ChattzUser(id=6, username="ann")), NOW)
    async with engine.connect() as connection:
        public = await connection.scalar(select(func.count()).select_from(users))
    assert (Outcome.CREATED, "1", "2", 0) == (first.outcome, first.user_id, made.user_id, public)


async def test_session_account_only_while_the_link_and_its_user_stand(
    store: AsyncSQLAlchemyStore, engine: AsyncEngine
) -> None:
    """session_account: the account; None once its user is disabled or deleted, or bad values."""
    accounts_ = AsyncAccounts(store, clock=lambda: NOW)
    john = await accounts_.sign_in(JOHN, login=PLAIN)
    found = await accounts_.session_account(john.user_id, 5)
    refused = [
        await accounts_.session_account(user_id, chattz_id)
        for user_id, chattz_id in [("2", 5), (john.user_id, 6), (None, 5), ("1", "5"), ("1", True)]
    ]
    await store.set_active(john.user_id, False)
    disabled = await accounts_.session_account(john.user_id, 5)
    await store.set_active(john.user_id, True)
    again = await accounts_.session_account(john.user_id, 5)
    async with engine.begin() as connection:
        await connection.execute(users.delete())
    deleted = await accounts_.session_account(john.user_id, 5)
    assert (john.account, [None] * 5, None, john.account, None) == (
        found,
        refused,
        disabled,
        again,
        deleted,
    )
