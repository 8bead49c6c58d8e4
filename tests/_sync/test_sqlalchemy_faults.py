# GENERATED from tests/_async/test_sqlalchemy_faults.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""SQLAlchemyStore when the site's setup is wrong, or the data was edited by hand.

A permanent failure (a missing table, a NOT NULL column the app's users table
adds, a unique constraint a create_user hook violates) is AccountStoreError
with ``transient=False``, logged once with the names of what failed (never a
value); a deleted user's link never signs anyone in (a foreign key with ON
DELETE CASCADE to the app's users table, ``user_key=``); a time typed into
the table by hand never breaks a read. SQLite and PostgreSQL, asyncio only
(SQLAlchemy's asyncio extension); scripts/gen_sync.py makes the sync twin.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, text
from sqlalchemy import Connection, Engine, create_engine

from chattz_oauth_async.accounts import (
    AccountStoreError,
    Accounts,
    LinkRefused,
    Outcome,
    Profile,
    SessionUser,
)
from chattz_oauth_async.accounts._synchronization import sync_create_all
from chattz_oauth_async.accounts._values import UNKNOWN_TIME
from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore
from chattz_oauth_async.errors import ConfigurationError
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, linking
from tests.round_trips import RoundTrips


NOW = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
JOHN = ChattzUser(id=5, username="john", email="john@example.com", first_name="John")


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: SQLAlchemy's asyncio extension and aiosqlite do not run on trio."""
    return "asyncio"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: a SQLite file, or a new PostgreSQL database (psycopg 3)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accounts.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database (SQLite with foreign keys on), disposed of afterwards."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(getattr(engine, "sync_engine", engine), "connect")
        def foreign_keys(connection: Any, record: Any) -> None:
            connection.execute("PRAGMA foreign_keys=ON")

    try:
        yield engine
    finally:
        engine.dispose()


#: The app's own users table: an integer key SQLite reuses, a unique name, a NOT NULL column.
app = MetaData()
app_users = Table(
    "app_users",
    app,
    Column("id", Integer, primary_key=True),
    Column("name", String(150), nullable=False, unique=True),
)


def create_app_user(connection: Connection, profile: Profile, now: dt.datetime) -> str:
    """The app's hook: its user named after the Chattz username (its unique column)."""
    result = connection.execute(insert(app_users).values(name=profile.username))
    (user_id,) = result.inserted_primary_key or (None,)
    return str(user_id)


def app_store(engine: Engine, **options: Any) -> SQLAlchemyStore:
    """A store creating users in app_users, its links keyed to app_users.id."""
    with engine.begin() as connection:
        sync_create_all(connection, app)
    store = SQLAlchemyStore(
        engine, create_user=create_app_user, user_key=app_users.c.id, **options
    )
    store.create_tables()
    return store


def misconfigured(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The ERROR lines the accounts logged."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "chattz_oauth_async.accounts" and r.levelno == logging.ERROR
    ]


def test_missing_table_is_a_permanent_failure_logged_once(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """No chattz_accounts table: transient=False, its name in the cause and in one log line."""
    store = SQLAlchemyStore(engine)
    with caplog.at_level(logging.ERROR), pytest.raises(AccountStoreError) as caught:
        Accounts(store).sign_in(JOHN, login=PLAIN)
    logged = misconfigured(caplog)
    assert (False, True, 1, True) == (
        caught.value.transient,
        "chattz_accounts" in str(caught.value.cause),
        len(logged),
        "chattz_accounts" in logged[0],
    )


def test_not_null_column_of_the_users_table_is_a_permanent_failure(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The app adds a required column the hook does not fill: not transient, the column named."""
    key = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:  # the app's table, one column more than the hook fills
        connection.execute(
            text(
                f"CREATE TABLE app_users (id {key} PRIMARY KEY, name VARCHAR(150) NOT NULL,"
                " nickname VARCHAR(20) NOT NULL)"
            )
        )
    store = app_store(engine)
    with caplog.at_level(logging.ERROR), pytest.raises(AccountStoreError) as caught:
        Accounts(store).sign_in(JOHN, login=PLAIN)
    logged = misconfigured(caplog)
    assert (False, True, 1, "john" in str(caught.value.cause)) == (
        caught.value.transient,
        "nickname" in str(caught.value.cause),
        len(logged),
        False,
    )


def test_unique_name_the_hook_collides_with_is_a_permanent_failure(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A local user already named 'john': the hook's insert violates app_users' unique name."""
    store = app_store(engine)
    with engine.begin() as connection:
        connection.execute(insert(app_users).values(name="john"))
    with caplog.at_level(logging.ERROR), pytest.raises(AccountStoreError) as caught:
        Accounts(store).sign_in(JOHN, login=PLAIN)
    cause = str(caught.value.cause)
    assert (False, True, False, 1) == (
        caught.value.transient,
        "app_users" in cause,
        "john" in cause.replace("app_users", ""),
        len(misconfigured(caplog)),
    )


def test_a_deleted_users_reused_id_never_inherits_the_link(engine: Engine) -> None:
    """user_key: deleting app user 1 deletes its link; a new app user 1 gets nothing of it."""
    store = app_store(engine)
    accounts_ = Accounts(store)
    first = accounts_.sign_in(JOHN, login=PLAIN)
    with engine.begin() as connection:
        connection.execute(app_users.delete())
        connection.execute(insert(app_users).values(id=int(first.user_id), name="bob"))
    gone = store.find(5)
    again = accounts_.sign_in(JOHN, login=PLAIN)
    assert (None, Outcome.CREATED, True) == (
        gone,
        again.outcome,
        again.user_id != first.user_id,
    )


def test_links_keyed_to_the_app_users_table_sign_in_and_list(engine: Engine) -> None:
    """With user_key, ids are the app's integers as text, found and listed as usual."""
    store = app_store(engine)
    accounts_ = Accounts(store, clock=lambda: NOW)
    first = accounts_.sign_in(JOHN, login=PLAIN)
    again = accounts_.sign_in(JOHN, login=PLAIN)
    listed = accounts_.accounts_of(first.user_id)
    assert (Outcome.SIGNED_IN, first.user_id, [5], None) == (
        again.outcome,
        again.user_id,
        [account.chattz_id for account in listed],
        store.is_active("not-a-number"),
    )


@pytest.mark.parametrize("user_id", ["2147483648", "9" * 30, str(-(2**63) - 1)])
def test_an_id_past_the_app_users_key_range_is_no_user(
    engine: Engine, user_id: str
) -> None:
    """user_key an INTEGER column: an id past its range on this database (PostgreSQL's 32
    bits, SQLite's 64) is no user, never a database error (an OverflowError on SQLite, an
    "out of range" AccountStoreError on PostgreSQL, before)."""
    store = app_store(engine)
    Accounts(store).sign_in(JOHN, login=PLAIN)
    assert (None, None, []) == (
        store.is_active(user_id),
        store.session_account(user_id, 5),
        store.accounts_of(user_id),
    )


def test_round_trips_per_sign_in_with_the_apps_users_table(engine: Engine) -> None:
    """user_key and create_user: pinned round trips (BEGIN and COMMIT counted) per sign-in.

    The app's INSERT cannot join the store's statement: a first login is the statement
    (or, on SQLite, the refresh) and then one transaction with the hook and the link.
    Returning and linking logins, and the session check, are one statement each.
    """
    store = app_store(engine)
    trips = RoundTrips(engine)
    accounts_ = Accounts(store)
    runs: list[tuple[Outcome | None, list[str]]] = []
    with trips.counting() as seen:
        first = accounts_.sign_in(JOHN, login=PLAIN)
    runs.append((first.outcome, seen))
    session = SessionUser(first.user_id, 5)
    for user, login, signed_in in (
        (JOHN, PLAIN, None),
        (ChattzUser(id=6, username="six"), linking(first.user_id), session),
    ):
        with trips.counting() as seen:
            result = accounts_.sign_in(user, login=login, signed_in_user_id=signed_in)
        runs.append((result.outcome, seen))
    with trips.counting() as seen:
        accounts_.session_account(first.user_id, 5)
    runs.append((None, seen))
    # Every sign-in statement starts with WITH: PostgreSQL's CTEs, SQLite's single writes.
    assert [
        (Outcome.CREATED, ["WITH", "BEGIN", "INSERT", "INSERT", "COMMIT"]),
        (Outcome.SIGNED_IN, ["WITH"]),
        (Outcome.LINKED, ["WITH"]),
        (None, ["SELECT"]),
    ] == runs


def test_a_linking_login_of_a_deleted_user_is_refused_and_writes_nothing(
    engine: Engine,
) -> None:
    """user_key: the session's user is deleted (its links cascade): LinkRefused, no link."""
    store = app_store(engine)
    accounts_ = Accounts(store)
    first = accounts_.sign_in(JOHN, login=PLAIN)
    with engine.begin() as connection:
        connection.execute(app_users.delete())
    with pytest.raises(LinkRefused):
        accounts_.sign_in(
            ChattzUser(id=6, username="six"),
            login=linking(first.user_id),
            signed_in_user_id=SessionUser(first.user_id, 5),
        )
    assert (None, None) == (store.find(6), store.find(5))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlites_explicit_begin_recipe_keeps_every_write(engine: Engine) -> None:
    """SQLAlchemy's recipe for SQLite transactions (the driver's autocommit, and a "begin"
    event that sends BEGIN itself): every sign-in's writes are committed, none rolled back."""
    target = getattr(engine, "sync_engine", engine)

    @event.listens_for(target, "connect")
    def driver_autocommit(connection: Any, record: Any) -> None:
        connection.isolation_level = None

    @event.listens_for(target, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    store = SQLAlchemyStore(engine)
    store.create_tables()
    accounts_ = Accounts(store)
    first = accounts_.sign_in(JOHN, login=PLAIN)
    again = accounts_.sign_in(ChattzUser(id=5, username="renamed"), login=PLAIN)
    linked = accounts_.sign_in(
        ChattzUser(id=6, username="six"),
        login=linking(first.user_id),
        signed_in_user_id=SessionUser(first.user_id, 5),
    )
    found, six = store.find(5), store.find(6)
    assert (Outcome.SIGNED_IN, Outcome.LINKED, "renamed", first.user_id) == (
        again.outcome,
        linked.outcome,
        found and found.profile.username,
        six and six.user_id,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("value", ["yesterday", 12345, ""])
def test_a_time_edited_by_hand_never_breaks_a_read(
    engine: Engine, value: object
) -> None:
    """SQLite keeps any type: free text or a number in linked_at reads as UNKNOWN_TIME."""
    store = SQLAlchemyStore(engine)
    store.create_tables()
    accounts_ = Accounts(store, clock=lambda: NOW)
    accounts_.sign_in(JOHN, login=PLAIN)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE chattz_accounts SET linked_at = :v, last_login_at = :v"), {"v": value}
        )
    found = store.find(5)
    listed = accounts_.accounts_of("1")
    again = accounts_.sign_in(JOHN, login=PLAIN)
    assert ((UNKNOWN_TIME, UNKNOWN_TIME), 1, Outcome.SIGNED_IN, NOW) == (
        found and (found.linked_at, found.last_login_at),
        len(listed),
        again.outcome,
        again.account.last_login_at,
    )


def test_sqlite_without_foreign_keys_is_refused_before_any_link(tmp_path: Path) -> None:
    """Review repro: user_key on SQLite with foreign keys off (SQLAlchemy's default).

    SQLite then ignores ON DELETE CASCADE and reuses a deleted newest id, so a
    deleted user's link would sign its Chattz user in as the next user. The store
    refuses (ConfigurationError naming the connect event) and writes nothing.
    """
    engine = create_engine(f"sqlite:///{tmp_path / 'nofk.db'}")
    try:
        with engine.begin() as connection:
            sync_create_all(connection, app)
        store = SQLAlchemyStore(engine, create_user=create_app_user, user_key=app_users.c.id)
        with pytest.raises(ConfigurationError) as at_setup:
            store.create_tables()
        with engine.begin() as connection:
            sync_create_all(connection, store.metadata)  # made by hand: still refused
        with pytest.raises(ConfigurationError) as at_login:
            Accounts(store).sign_in(JOHN, login=PLAIN)
        with engine.connect() as connection:
            rows = (connection.execute(text("SELECT count(*) FROM app_users"))).scalar()
    finally:
        engine.dispose()
    assert (True, True, 0) == (
        "PRAGMA foreign_keys=ON" in str(at_setup.value),
        "PRAGMA foreign_keys=ON" in str(at_login.value),
        rows,
    )


def test_review_repro_a_reused_id_never_signs_mallory_in_as_alice(
    engine: Engine,
) -> None:
    """Review repro: Mallory's user is deleted, Alice signs up (SQLite gives her the same id).

    Mallory's next Chattz login gets a new user of her own, never Alice's.
    """
    store = app_store(engine)
    accounts_ = Accounts(store)
    mallory = ChattzUser(id=666, username="mallory")
    first = accounts_.sign_in(mallory, login=PLAIN)
    with engine.begin() as connection:
        connection.execute(app_users.delete().where(app_users.c.id == int(first.user_id)))
        made = connection.execute(insert(app_users).values(name="alice"))
        alice = str((made.inserted_primary_key or (None,))[0])
    again = accounts_.sign_in(mallory, login=PLAIN)
    assert (Outcome.CREATED, True, True) == (
        again.outcome,
        again.user_id != alice,
        engine.dialect.name != "sqlite" or alice == first.user_id,  # the id was reused
    )


def test_create_user_without_user_key_or_is_active_is_refused() -> None:
    """create_user alone: nothing could tell a deleted user from a live one: refused."""

    def create_user(connection: Connection, profile: Profile, now: dt.datetime) -> str:
        return "1"  # pragma: no cover - never called

    engine = create_engine("sqlite://")
    with pytest.raises(ConfigurationError) as caught:
        SQLAlchemyStore(engine, create_user=create_user)
    assert "user_key" in str(caught.value)
