# GENERATED from chattz_oauth_async/accounts/_async/sqlalchemy_store.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The account store on SQLAlchemy 2: :class:`SQLAlchemyStore` over an ``Engine``.

The store decides what each call runs and in which transaction. Its SQL:
``accounts/_statements.py``; its tables: ``accounts/_tables.py``; how it uses
a connection (database errors, the second try after a restart, autocommit):
``sqlalchemy_connections.py``; the local users and the app's hooks:
``sqlalchemy_users.py``. Public from
:mod:`chattz_oauth_async.accounts.sqlalchemy`. SQLAlchemy's asyncio extension
runs on asyncio only (``sqlite+aiosqlite``, ``postgresql+psycopg``); the
generated sync twin serves any thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, MetaData, Table, delete, exists, select
from sqlalchemy import update as update_
from sqlalchemy.exc import IntegrityError
from sqlalchemy import Connection, Engine

from ... import _checks as checks
from ...errors import AccountStoreError, ConfigurationError, UnlinkRefused
from .._alone import ForeignKeys
from .._failures import report
from .._statements import Binds, Statements, translated_name, written
from .._synchronization import sync_create_all, sync_hook_result
from .._tables import accounts, link_table, metadata, users
from .._values import Account, Outcome, Profile
from .sqlalchemy_connections import (
    all_alone,
    alone_for_hooks,
    first_alone,
    require_foreign_keys,
    run,
    write_alone,
)
from .sqlalchemy_users import CreateUser, HasPassword, IsActive, insert_user, new_user, no_password

__all__ = ["SQLAlchemyStore"]


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
            AccountStoreError (``transient=False``, its cause kept).
        user_key: With ``create_user``: your users table's primary key column
            (``app_users.c.id``). The links table then gets a foreign key to it
            with ``ON DELETE CASCADE`` (deleting a user deletes their links, so
            an id your database reuses never inherits one) and ``user_id`` of
            its type; use :attr:`metadata` in your migrations. On SQLite,
            turn foreign keys on (``PRAGMA foreign_keys=ON`` in a connect event):
            SQLite enforces no cascade without it and reuses a deleted newest
            id, so the store refuses to work (ConfigurationError) until it is on.
        is_active: ``(connection, user_id) -> True | False | None``: whether a
            user may sign in (False: refused with
            :class:`~chattz_oauth_async.InactiveUser`), None for no such user
            (the link is removed). Default: ``chattz_users.is_active`` (see
            :meth:`set_active`); with ``user_key``, whether the row exists.
            ``create_user`` needs ``user_key`` or ``is_active``: with neither,
            nothing could tell a deleted (or reused) user from a live one.
        has_password: ``(connection, user_id) -> bool``: whether the user can
            sign in without Chattz (a usable password), so their last link may
            be removed. Default: False (the store's own users have no password).

    Raises:
        ConfigurationError: ``engine`` is not an ``Engine``,
            ``user_key`` without ``create_user``, or ``create_user`` with
            neither ``user_key`` nor ``is_active``.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        create_user: CreateUser | None = None,
        user_key: Column[Any] | None = None,
        is_active: IsActive | None = None,
        has_password: HasPassword | None = None,
    ) -> None:
        checks.instance("engine", engine, Engine, f"a SQLAlchemy {Engine.__name__}")
        for name, hook in (
            ("create_user", create_user),
            ("is_active", is_active),
            ("has_password", has_password),
        ):
            checks.optional(checks.function)(name, hook)
        if user_key is not None and (create_user is None or not isinstance(user_key, Column)):
            raise ConfigurationError("user_key is your users table's key column, with create_user")
        if create_user is not None and user_key is None and is_active is None:
            # Nothing could tell a deleted user from a live one: a reused id signs a stranger in.
            raise ConfigurationError(
                "create_user needs user_key=<your users table's key column> (or an is_active= "
                "hook), so a deleted user's link never signs anyone in"
            )
        self.engine = engine
        self._create_user = create_user or insert_user
        self._own_users = create_user is None
        self._user_key = user_key
        self._foreign_keys = ForeignKeys(engine, user_key)
        self._is_active = is_active
        self._has_password = has_password or no_password
        #: The tables this store uses: put them in your migrations (Alembic's target_metadata).
        self.metadata: MetaData = metadata if user_key is None else MetaData()
        self._links: Table = accounts if user_key is None else link_table(self.metadata, user_key)
        self._sql = Statements(
            self._links,
            dialect=engine.dialect.name,
            user_key=user_key,
            own_users=create_user is None,
            users_name=translated_name(users, engine),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url.render_as_string(hide_password=True)!r})"

    def _account(self, row: Any) -> Account:
        return Account.from_columns(row._mapping)

    def create_tables(self) -> None:
        """Create this store's tables if they do not exist yet.

        Raises:
            AccountStoreError: The database failed.
        """

        def attempt() -> None:
            with self.engine.begin() as connection:
                require_foreign_keys(connection, self._foreign_keys)
                sync_create_all(connection, self.metadata)

        run(self.engine, attempt, writes=True)

    def set_active(self, user_id: str, active: bool) -> bool:
        """Allow (True) or refuse (False) sign-ins of a ``chattz_users`` user; False if none.

        Raises:
            ConfigurationError: The store creates users through ``create_user``
                (mark them in your own table, and pass ``is_active``).
            AccountStoreError: The database failed.
        """
        if not self._own_users or type(active) is not bool:
            raise ConfigurationError("set_active(user_id, True/False) marks chattz_users users")
        own = self._sql.own_id(user_id)
        if own is None:
            return False
        query = update_(users).where(users.c.id == own).values(is_active=active)

        def attempt() -> bool:
            with self.engine.begin() as connection:
                return bool((connection.execute(query)).rowcount)

        return run(self.engine, attempt, writes=True)

    def find(self, chattz_id: int) -> Account | None:
        """The link of ``chattz_id``, or None."""
        query = self._sql.link(chattz_id)
        row = first_alone(self.engine, query, None, None, writes=False)
        return None if row is None else self._account(row)

    def create(self, profile: Profile, now: dt.datetime) -> tuple[Account, bool]:
        """A new local user linked to ``profile``, or the link another login made first.

        Raises:
            AccountStoreError: The database or the ``create_user`` hook failed;
                the transaction was rolled back.
            ConfigurationError: The hook returned something that is not a user id.
        """

        def attempt() -> Account:
            with self.engine.begin() as connection:
                require_foreign_keys(connection, self._foreign_keys)
                user_id = new_user(self._create_user, connection, profile, now)
                return self._insert(connection, profile, user_id, now)

        try:
            return run(self.engine, attempt, writes=True), True
        except AccountStoreError as exc:
            return self._existing(profile, exc)

    def link(self, profile: Profile, user_id: str, now: dt.datetime) -> tuple[Account, bool]:
        """``profile`` linked to ``user_id``, or the link another login made first."""

        def attempt() -> Account:
            with self.engine.begin() as connection:
                return self._insert(connection, profile, user_id, now)

        try:
            return run(self.engine, attempt, writes=True), True
        except AccountStoreError as exc:
            return self._existing(profile, exc)

    def _insert(
        self, connection: Connection, profile: Profile, user_id: str, now: dt.datetime
    ) -> Account:
        key = self._sql.key(user_id)
        if key is None:
            raise ConfigurationError("a user id that is not a key of the users table")
        require_foreign_keys(connection, self._foreign_keys)
        connection.execute(self._sql.insert_link(profile, key, now))
        return Account(user_id=user_id, profile=profile, linked_at=now, last_login_at=now)

    def _existing(self, profile: Profile, exc: AccountStoreError) -> tuple[Account, bool]:
        # Only a unique-key conflict on the Chattz id means another login won the race.
        if not isinstance(exc.__cause__, IntegrityError):
            raise exc
        account = self.find(profile.chattz_id)
        if account is None:
            raise report(exc) from exc.__cause__
        return account, False

    def update(self, profile: Profile, now: dt.datetime, *, user_id: str) -> Account | None:
        """Refresh the profile and last login of the link, only if it is ``user_id``'s.

        One statement (``UPDATE ... WHERE chattz_id AND user_id ... RETURNING``):
        a link that changed hands since it was read is never written.
        """
        key = self._sql.key(user_id)
        if key is None:
            return None
        query = self._sql.refresh(profile, key, now)

        def attempt() -> Any:
            with self.engine.begin() as connection:
                return (connection.execute(query)).first()

        row = run(self.engine, attempt, writes=True)
        return None if row is None else self._account(row)

    def sign_in_once(
        self,
        profile: Profile,
        now: dt.datetime,
        *,
        user_id: str | None,
        session: int | None,
        signups: bool,
    ) -> tuple[Account, Outcome] | None:
        """A returning, first or linking login in the fewest round trips the database allows.

        PostgreSQL: one statement, alone in autocommit mode (no BEGIN, no
        COMMIT): CTEs that refresh the link if it exists, is ``user_id``'s (when
        given) and its user is active; else insert the link (and, for a first
        login, the ``chattz_users`` row, only once its link is in, so a login
        that loses a race to another leaves no user behind); the signed-in
        ``session``'s link and user checked in the same statement. SQLite (no
        writes in CTEs): a returning login is one ``UPDATE ... RETURNING``, a
        linking login one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING
        RETURNING`` (each led by an empty ``WITH``, so that it commits on its
        own: see ``alone`` in ``accounts/_alone.py``), a first login the refresh
        and then one transaction (BEGIN, the user, the link, COMMIT). With
        ``create_user``, a first login is the statement and then that
        transaction, on both databases.

        None, having written nothing, for everything else (see
        ``AccountStore``): the engine's full path tells those cases apart.
        Not used with an ``is_active`` hook, which SQL cannot ask.
        """
        if self._is_active is not None or self.engine.dialect.name not in ("postgresql", "sqlite"):
            return None
        key = None if user_id is None else self._sql.key(user_id)
        if user_id is not None and key is None:
            return None
        values = Binds.values(profile, key, session, now)
        linking, checked = key is not None, session is not None
        postgresql = self.engine.dialect.name == "postgresql"
        outcome = None
        if postgresql:
            statement = self._sql.sign_in("pg", linking, checked, signups and self._own_users)
            row = self._write_one(statement, values)
            outcome = None if row is None else Outcome(row.outcome)
        else:  # SQLite: a linking login's new link first (the common case), then a refresh
            row = None
            if linking:
                row = self._write_one(self._sql.sign_in("link", True, checked), values)
                outcome = Outcome.LINKED
            if row is None:
                row = self._write_one(self._sql.sign_in("refresh", linking, checked), values)
                outcome = Outcome.SIGNED_IN
        if row is not None and outcome is not None:
            return written(row, profile, now), outcome
        if linking or not signups or (postgresql and self._own_users):
            return None
        # A first login the statement could not make (SQLite has no writes in CTEs; the app's
        # create_user is not SQL of ours): the user and its link in one transaction.
        account, made = self.create(profile, now)
        return (account, Outcome.CREATED) if made else None

    def _write_one(self, query: Any, values: dict[str, Any]) -> Any:
        """The row ``query`` returns, run alone in autocommit mode; None if none or a conflict."""
        return write_alone(self.engine, query, values, self._foreign_keys)

    def session_account(self, user_id: str, chattz_id: int) -> Account | None:
        """The link ``chattz_id`` if it is ``user_id``'s and the user active: one ``SELECT``.

        With an ``is_active`` hook, the link and then the hook.
        """
        key = self._sql.key(user_id)
        if key is None:
            return None
        query = self._sql.users_link(key, chattz_id, active=self._is_active is None)
        hook = self._is_active
        if hook is None:  # the link and its user asked in the one statement
            row = first_alone(self.engine, query, None, self._foreign_keys, writes=False)
            return None if row is None else self._account(row)

        def attempt() -> Any:
            with alone_for_hooks(self.engine) as reading:
                require_foreign_keys(reading, self._foreign_keys)
                row = (reading.execute(query)).first()
                if row is not None:
                    state = sync_hook_result("is_active", hook(reading, user_id))
                    row = row if state is True else None
                return row

        row = run(self.engine, attempt, writes=False)
        return None if row is None else self._account(row)

    def unlink(self, user_id: str, chattz_id: int, *, guard: bool = True) -> bool:
        """Remove the link of ``chattz_id`` if it is ``user_id``'s; never the last way in.

        Raises:
            UnlinkRefused: With ``guard``: no other link, and ``has_password``
                says no; nothing was removed.
            AccountStoreError: The database failed.
        """
        key = self._sql.key(user_id)
        if key is None:
            return False
        links = self._links

        def attempt() -> bool:
            with self.engine.begin() as connection:
                if guard and connection.dialect.name != "sqlite":
                    # Lock the user's links (in key order) first: two unlinks of one user take
                    # turns, so neither counts a link the other is removing. SQLite needs no
                    # lock: the DELETE below takes its write lock, which serializes writers.
                    mine = select(links.c.chattz_id).where(links.c.user_id == key)
                    connection.execute(mine.order_by(links.c.chattz_id).with_for_update())
                gone = delete(links).where(links.c.chattz_id == chattz_id, links.c.user_id == key)
                if not (connection.execute(gone)).rowcount:
                    return False
                if guard and not self._other_login(connection, user_id, key):
                    raise UnlinkRefused(chattz_id)  # rolls the DELETE back
                return True

        return run(self.engine, attempt, writes=True)

    def _other_login(self, connection: Connection, user_id: str, key: object) -> bool:
        left = select(exists().where(self._links.c.user_id == key))  # not count(*): one is enough
        if (connection.execute(left)).scalar_one():
            return True
        return bool(
            sync_hook_result("has_password", self._has_password(connection, user_id))
        )

    def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to ``user_id``, oldest link first."""
        key = self._sql.key(user_id)
        if key is None:
            return []
        rows = all_alone(self.engine, self._sql.links_of(key))
        return [self._account(row) for row in rows]

    def is_active(self, user_id: str) -> bool | None:
        """Whether ``user_id`` may sign in; None if there is no such user (see ``is_active=``)."""

        hook = self._is_active
        if hook is None:
            query = self._sql.user_state(user_id)
            if query is None:
                return None
            row = first_alone(self.engine, query, None, self._foreign_keys, writes=False)
            return None if row is None else bool(row[0])

        def attempt() -> bool | None:
            with self.engine.connect() as connection:
                state = hook(connection, user_id)
                result: bool | None = sync_hook_result("is_active", state)
                return result

        return run(self.engine, attempt, writes=False)
