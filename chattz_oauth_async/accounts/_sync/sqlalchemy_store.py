# GENERATED from chattz_oauth_async/accounts/_async/sqlalchemy_store.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The account store on SQLAlchemy 2: :class:`SQLAlchemyStore` over an ``Engine``.

Tables: ``accounts/_tables.py``. Public
from :mod:`chattz_oauth_async.accounts.sqlalchemy`. SQLAlchemy's asyncio
extension runs on asyncio only (``sqlite+aiosqlite``, ``postgresql+psycopg``);
the generated sync twin serves any thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy import Connection, Engine

from ..._ids import MAX_USER_ID
from ...errors import AccountStoreError, ChattzOAuthError, ConfigurationError
from .._synchronization import sync_create_all, sync_require_asyncio
from .._tables import accounts, metadata, users
from .._values import Account, Profile

__all__ = ["SQLAlchemyStore", "CreateUser"]

#: ``create_user(connection, profile, now)`` inserts a local user and returns its id as text.
CreateUser = Callable[[Connection, Profile, dt.datetime], str]


@contextlib.contextmanager
def _database_errors() -> Iterator[None]:
    sync_require_asyncio("SQLAlchemyStore")
    try:
        yield
    except SQLAlchemyError as exc:
        # The driver's message can quote the values sent: keep it as the cause only.
        raise AccountStoreError(f"the account database failed ({type(exc).__name__})") from exc


def _insert_user(connection: Connection, profile: Profile, now: dt.datetime) -> str:
    result = connection.execute(
        insert(users).values(display_name=profile.display_name, created_at=now)
    )
    (user_id,) = result.inserted_primary_key or (None,)
    return "" if user_id is None else str(user_id)


def _checked_user_id(user_id: object) -> str:
    """The new user's id, or ConfigurationError: no link is made to a user id that is not one."""
    if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_USER_ID:
        raise ConfigurationError(
            f"create_user must return the new user's id as 1 to {MAX_USER_ID} characters"
        )
    return user_id


class SQLAlchemyStore:
    """Accounts in a SQL database through SQLAlchemy 2.

    SQLite (``sqlite:///app.db``) for one machine, PostgreSQL
    (``postgresql+psycopg://...``) for many workers and machines. Every
    method is one short transaction; a write is its first statement, so
    SQLite takes its write lock at once instead of failing to upgrade one.
    Every method raises :class:`~chattz_oauth_async.AccountStoreError` when
    the database fails, the driver's exception kept as its cause (its message
    can quote the values sent); nothing of a failed call stays written.

    Args:
        engine: The app's engine (the store never disposes of it).
        create_user: Inserts the local user of a new sign-up, in the same
            transaction as its link, and returns its id as text; by default
            a row of ``chattz_users``. Pass your own to create rows in your
            users table. Whatever it raises rolls the transaction back; an
            exception that is not a ChattzOAuthError comes out as
            AccountStoreError (its cause kept).

    Raises:
        ConfigurationError: ``engine`` is not an ``Engine``.
    """

    def __init__(self, engine: Engine, *, create_user: CreateUser | None = None) -> None:
        if not isinstance(engine, Engine):
            raise ConfigurationError(
                f"{type(self).__name__} needs a SQLAlchemy {Engine.__name__}"
            )
        self.engine = engine
        self._create_user = create_user or _insert_user

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url.render_as_string(hide_password=True)!r})"

    def create_tables(self) -> None:
        """Create ``chattz_users`` and ``chattz_accounts`` if they do not exist yet.

        Raises:
            AccountStoreError: The database failed.
        """
        with _database_errors():
            with self.engine.begin() as connection:
                sync_create_all(connection, metadata)

    def find(self, chattz_id: int) -> Account | None:
        """The link of ``chattz_id``, or None."""
        with _database_errors():
            with self.engine.connect() as connection:
                return self._find(connection, chattz_id)

    def _find(self, connection: Connection, chattz_id: int) -> Account | None:
        query = select(accounts).where(accounts.c.chattz_id == chattz_id)
        row = (connection.execute(query)).first()
        return None if row is None else Account.from_columns(row._mapping)

    def create(self, profile: Profile, now: dt.datetime) -> tuple[Account, bool]:
        """A new local user linked to ``profile``, or the link another login made first.

        Raises:
            AccountStoreError: The database or the ``create_user`` hook failed;
                the transaction was rolled back.
            ConfigurationError: The hook returned something that is not a user id.
        """
        try:
            with _database_errors():
                with self.engine.begin() as connection:
                    user_id = _checked_user_id(self._new_user(connection, profile, now))
                    return self._insert(connection, profile, user_id, now), True
        except AccountStoreError as exc:
            return self._existing(profile, exc)

    def _new_user(
        self, connection: Connection, profile: Profile, now: dt.datetime
    ) -> object:
        try:
            return self._create_user(connection, profile, now)
        except (ChattzOAuthError, SQLAlchemyError):
            raise
        except Exception as exc:
            # The app's hook: raising rolls the new user back with the link.
            raise AccountStoreError(f"create_user failed ({type(exc).__name__})") from exc

    def link(self, profile: Profile, user_id: str, now: dt.datetime) -> tuple[Account, bool]:
        """``profile`` linked to ``user_id``, or the link another login made first."""
        try:
            with _database_errors():
                with self.engine.begin() as connection:
                    return self._insert(connection, profile, user_id, now), True
        except AccountStoreError as exc:
            return self._existing(profile, exc)

    def _insert(
        self, connection: Connection, profile: Profile, user_id: str, now: dt.datetime
    ) -> Account:
        values = {**profile.columns(), "chattz_id": profile.chattz_id, "user_id": user_id}
        connection.execute(
            insert(accounts).values(**values, linked_at=now, last_login_at=now)
        )
        return Account(user_id=user_id, profile=profile, linked_at=now, last_login_at=now)

    def _existing(self, profile: Profile, exc: AccountStoreError) -> tuple[Account, bool]:
        # Only a unique-key conflict on the Chattz id means another login won the race.
        if not isinstance(exc.__cause__, IntegrityError):
            raise exc
        account = self.find(profile.chattz_id)
        if account is None:
            raise exc
        return account, False

    def update(self, profile: Profile, now: dt.datetime) -> Account | None:
        """Refresh the profile and last login of ``profile``'s link; None if it is gone."""
        with _database_errors():
            with self.engine.begin() as connection:
                connection.execute(
                    update(accounts)
                    .where(accounts.c.chattz_id == profile.chattz_id)
                    .values(**profile.columns(), last_login_at=now)
                )
                return self._find(connection, profile.chattz_id)

    def unlink(self, chattz_id: int, user_id: str) -> bool:
        """Remove the link of ``chattz_id`` if it is ``user_id``'s."""
        with _database_errors():
            with self.engine.begin() as connection:
                result = connection.execute(
                    delete(accounts).where(
                        accounts.c.chattz_id == chattz_id, accounts.c.user_id == user_id
                    )
                )
                return bool(result.rowcount)

    def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to ``user_id``, oldest link first."""
        query = (
            select(accounts)
            .where(accounts.c.user_id == user_id)
            .order_by(accounts.c.linked_at, accounts.c.chattz_id)
        )
        with _database_errors():
            with self.engine.connect() as connection:
                rows = (connection.execute(query)).all()
        return [Account.from_columns(row._mapping) for row in rows]
