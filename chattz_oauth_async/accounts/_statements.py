"""The SQL of the SQLAlchemy account store, with no I/O: what ``sqlalchemy_store.py`` runs.

:class:`Statements` builds, for a store's links table and dialect, the
sign-in statements (PostgreSQL's single statement of CTEs, SQLite's
``INSERT ... SELECT`` and ``UPDATE ... RETURNING``; built once per store),
the reads and writes of a link, the columns a read returns and the "user is
active" test; ``accounts/_async/sqlalchemy_store.py`` runs them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    SmallInteger,
    String,
    Table,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
    type_coerce,
)
from sqlalchemy import update as update_

from ._tables import users
from ._values import PROFILE_COLUMNS, Account, Outcome, Profile, as_utc

__all__ = ["Binds", "Statements", "dialect_insert", "integer_range", "translated_name", "written"]

_TIMES = ("linked_at", "last_login_at")
#: The most digits of a ``chattz_users`` id the store reads (18: always a BIGINT).
_OWN_ID_DIGITS = 18
#: A ``chattz_users`` id as the store writes one, as text: what the SQL of
#: :meth:`Statements.active_user` casts to a number on PostgreSQL.
_CANONICAL_ID = f"^(0|[1-9][0-9]{{0,{_OWN_ID_DIGITS - 1}}})$"
#: The columns a sign-in statement returns (the others are what it wrote).
_WRITTEN = ("user_id", "linked_at")


def _constant(text: str) -> Any:
    """A string of this module's own written into the SQL, not bound at every execution.

    Only for constants: a quote, a percent sign or a colon would need escaping.
    """
    if any(ch in text for ch in "'%:\\"):  # pragma: no cover - a programming error
        raise ValueError(f"not a plain constant: {text!r}")
    return literal_column(f"'{text}'", String)


def dialect_insert(name: str) -> Any:
    """The ``insert`` with ``ON CONFLICT`` of PostgreSQL or SQLite."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if name == "postgresql" else sqlite.insert


def integer_range(column_type: Any, dialect: str) -> int:
    """The largest value an integer column of ``column_type`` holds on ``dialect``.

    SQLite's INTEGER holds 64 bits whatever the declared type; PostgreSQL's
    ``INTEGER`` 32 and ``SMALLINT`` 16. A value past it fails in the database
    ("out of range", or a driver's ``OverflowError``), so it is no key.
    """
    if dialect == "sqlite" or isinstance(column_type, BigInteger):
        return 2**63 - 1
    if isinstance(column_type, SmallInteger):
        return 2**15 - 1
    return 2**31 - 1 if isinstance(column_type, Integer) else 2**63 - 1


def translated_name(table: Table, engine: Any) -> str:
    """``table``'s name as SQL text names it (``pg_get_serial_sequence``'s argument), with
    ``engine``'s ``schema_translate_map`` applied as SQLAlchemy applies it to the table."""
    translate = engine.get_execution_options().get("schema_translate_map") or {}
    schema = translate.get(table.schema, table.schema)
    preparer = engine.dialect.identifier_preparer
    name = preparer.quote(table.name)
    return name if schema is None else f"{preparer.quote_schema(schema)}.{name}"


def written(row: Any, profile: Profile, now: dt.datetime) -> Account:
    """The account a sign-in statement wrote: its user and link time from ``row``."""
    return Account(
        user_id=str(row.user_id),
        profile=profile,
        linked_at=as_utc(row.linked_at),
        last_login_at=now,
    )


class Binds:
    """The bound values of the sign-in statements (``p_<name>`` keys), typed as their columns."""

    def __init__(self, links: Table) -> None:
        self.chattz_id = bindparam("p_chattz_id", type_=links.c.chattz_id.type)
        self.user = bindparam("p_user_id", type_=links.c.user_id.type)
        self.session = bindparam("p_session", type_=links.c.chattz_id.type)
        self.now = bindparam("p_now", type_=links.c.last_login_at.type)
        self.display_name = bindparam("p_display_name", type_=users.c.display_name.type)
        self.profile = {
            name: bindparam(f"p_{name}", type_=links.c[name].type) for name in PROFILE_COLUMNS
        }

    @staticmethod
    def values(
        profile: Profile, user: object, session: int | None, now: dt.datetime
    ) -> dict[str, Any]:
        """The values of the binds for one sign-in (``user``: a key of the links' ``user_id``)."""
        return {
            **{f"p_{name}": value for name, value in profile.columns().items()},
            "p_chattz_id": profile.chattz_id,
            "p_user_id": user,
            "p_session": session,
            "p_now": now,
            "p_display_name": profile.display_name,
        }


class Statements:
    """The SQL of one store: its links table, its users (``user_key`` or ``chattz_users``).

    Args:
        links: The links table.
        dialect: The engine's dialect name (``postgresql``, ``sqlite``...).
        user_key: The app's users table's key column, or None.
        own_users: The users are ``chattz_users`` rows (no ``create_user`` hook).
        users_name: ``chattz_users`` as SQL text names it on the store's engine
            (:func:`translated_name`): a PostgreSQL first login draws its user id from
            that table's sequence.
    """

    def __init__(
        self,
        links: Table,
        *,
        dialect: str,
        user_key: Column[Any] | None,
        own_users: bool,
        users_name: str,
    ) -> None:
        self.links = links
        self.dialect = dialect
        self.users_name = users_name
        self.user_key = user_key
        self.own_users = own_users
        self._built: dict[tuple[str, bool, bool, bool], Any] = {}
        # SQLite keeps any type in any column: read stored times as they are, and parse them.
        sqlite = dialect == "sqlite"
        #: The columns a read returns, as :meth:`Account.from_columns` takes them.
        self.columns = [
            type_coerce(column, String).label(column.name)
            if sqlite and column.name in _TIMES
            else column
            for column in links.c
        ]
        #: What a sign-in statement returns: the rest of the row is what it wrote.
        self.written = [column for column in self.columns if column.name in _WRITTEN]

    def key(self, user_id: str) -> object:
        """``user_id`` as a value of the links' ``user_id`` column (None: cannot be one)."""
        python_type = str if self.user_key is None else self.user_key.type.python_type
        if python_type is str:
            return user_id
        try:
            key = uuid.UUID(user_id) if python_type is uuid.UUID else python_type(user_id)
        except (TypeError, ValueError):
            return None
        if isinstance(key, int) and self.user_key is not None:
            largest = integer_range(self.user_key.type, self.dialect)
            return key if -largest - 1 <= key <= largest else None
        return key

    def own_id(self, user_id: str) -> int | None:
        """``user_id`` as a ``chattz_users`` id, or None if it cannot be one.

        ASCII digits only (``int()`` takes "١", and "²" is a digit to
        ``isdigit``), no leading zero ("007" is not 7, as in the SQL of
        :meth:`active_user`), at most 18 of them, and within the id column's
        range on this database.
        """
        if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= _OWN_ID_DIGITS):
            return None
        own = int(user_id)
        if str(own) != user_id:
            return None
        return own if own <= integer_range(users.c.id.type, self.dialect) else None

    def link(self, chattz_id: int) -> Any:
        """``SELECT`` the link of ``chattz_id``."""
        return select(*self.columns).where(self.links.c.chattz_id == chattz_id)

    def users_link(self, key: object, chattz_id: int, *, active: bool) -> Any:
        """``SELECT`` the link of ``chattz_id`` if it is ``key``'s (and, with ``active``,
        its user active)."""
        links = self.links
        query = select(*self.columns).where(links.c.chattz_id == chattz_id, links.c.user_id == key)
        condition = self.active_user(links) if active else None
        return query if condition is None else query.where(condition)

    def user_state(self, user_id: str) -> Any:
        """``SELECT`` whether ``user_id`` may sign in, with no ``is_active`` hook: one row of
        one boolean if the user exists (with ``user_key``: the app's row exists; else
        ``chattz_users.is_active``), no row if not; None if ``user_id`` cannot be one."""
        if self.user_key is not None:
            key = self.key(user_id)
            return None if key is None else select(true()).where(self.user_key == key)
        own = self.own_id(user_id)
        return None if own is None else select(users.c.is_active).where(users.c.id == own)

    def links_of(self, key: object) -> Any:
        """``SELECT`` the links of ``key``, oldest first."""
        links = self.links
        query = select(*self.columns).where(links.c.user_id == key)
        return query.order_by(links.c.linked_at, links.c.chattz_id)

    def insert_link(self, profile: Profile, key: object, now: dt.datetime) -> Any:
        """``INSERT`` the link of ``profile`` to ``key``, made and used ``now``."""
        values = {**profile.columns(), "chattz_id": profile.chattz_id, "user_id": key}
        return insert(self.links).values(**values, linked_at=now, last_login_at=now)

    def refresh(self, profile: Profile, key: object, now: dt.datetime) -> Any:
        """``UPDATE`` the link's profile and last login if it is ``key``'s, ``RETURNING`` it."""
        links = self.links
        return (
            update_(links)
            .where(links.c.chattz_id == profile.chattz_id, links.c.user_id == key)
            .values(**profile.columns(), last_login_at=now)
            .returning(*self.columns)
        )

    def sign_in(self, kind: str, linking: bool, checked: bool, create: bool = False) -> Any:
        """The sign-in statement of ``kind``, built once per store (its values are bound).

        Built anew at each sign-in, SQLAlchemy's construction of these CTEs cost more
        CPU than the database's work; built once, each sign-in only binds values.
        """
        found = self._built.get((kind, linking, checked, create))
        if found is None:
            binds = Binds(self.links)
            if kind == "pg":
                found = self._pg_sign_in(binds, linking, checked, create=create)
            elif kind == "link":
                found = self._led_by_with(self._link_query(binds, checked))
            else:
                refresh = self._refresh_query(binds, linking, checked).returning(*self.written)
                found = self._led_by_with(refresh)
            self._built[(kind, linking, checked, create)] = found
        return found

    def _led_by_with(self, query: Any) -> Any:
        """``query`` led by an empty ``WITH`` (SQLite's kinds), so that it commits on its own.

        Python's ``sqlite3`` sends ``BEGIN`` before a statement that starts with
        INSERT, UPDATE, DELETE or REPLACE, and only then (its documented
        ``isolation_level`` behaviour); a statement that starts with ``WITH`` is
        its own transaction in SQLite. So a single write needs neither the
        driver's isolation level switched to autocommit and back (with aiosqlite,
        a trip to the connection's thread each way) nor a ``COMMIT``.
        """
        return query.add_cte(select(literal_column("1").label("one")).cte("alone"))

    def _session_holds(self, binds: Binds, checked: bool) -> Any:
        """SQL: the signed-in session's link is the linking user's, and its user active."""
        if not checked:
            return None
        theirs = self.links.alias("session_link")
        active = self.active_user(theirs)
        held = exists().where(theirs.c.chattz_id == binds.session, theirs.c.user_id == binds.user)
        return held if active is None else held.where(active)

    def _refresh_query(self, binds: Binds, linking: bool, checked: bool) -> Any:
        """``UPDATE`` the link's profile and last login if it is the linking user's (anyone's
        for a plain login) and its user active."""
        links = self.links
        query = update_(links).where(links.c.chattz_id == binds.chattz_id)
        for condition in (
            links.c.user_id == binds.user if linking else None,
            self.active_user(links),
            self._session_holds(binds, checked),
        ):
            if condition is not None:
                query = query.where(condition)
        return query.values(**binds.profile, last_login_at=binds.now)

    def _new_link(self, binds: Binds, user: Any) -> Any:
        """``SELECT`` of a new link's values (``user``: the user id, a bind or a column)."""
        values = {
            **binds.profile,
            "chattz_id": binds.chattz_id,
            "user_id": user,
            "linked_at": binds.now,
            "last_login_at": binds.now,
        }
        return [values[column.name].label(column.name) for column in self.links.c]

    def _link_query(self, binds: Binds, checked: bool) -> Any:
        """``INSERT`` the link to the linking user unless there is one (and the session holds)."""
        links = self.links
        source = select(*self._new_link(binds, binds.user)).where(
            ~exists().where(links.c.chattz_id == binds.chattz_id)
        )
        held = self._session_holds(binds, checked)
        if held is not None:
            source = source.where(held)
        insert_ = dialect_insert(self.dialect)(links)
        return (
            insert_.from_select([column.name for column in links.c], source)
            .on_conflict_do_nothing(index_elements=[links.c.chattz_id])
            .returning(*self.written)
        )

    def _pg_sign_in(self, binds: Binds, linking: bool, checked: bool, *, create: bool) -> Any:
        """PostgreSQL: the whole sign-in in one statement (see the store's ``sign_in_once``)."""
        links = self.links
        refreshed = (
            self._refresh_query(binds, linking, checked)
            .returning(links.c.user_id, links.c.linked_at)
            .cte("refreshed")
        )
        parts = [select(*refreshed.c, _constant(Outcome.SIGNED_IN.value).label("outcome"))]
        if linking:
            linked = self._link_query(binds, checked).cte("linked")
            parts.append(select(*linked.c, _constant(Outcome.LINKED.value).label("outcome")))
            return parts[0].union_all(parts[1])
        if not create:
            return parts[0]
        # A first login: a user id drawn only when there is no link (a returning login
        # spends none), the link inserted with it, and the user row only once its link is in:
        # a login that loses the race to another inserts neither.
        # The table's name is bound, not written into the SQL: a schema_translate_map names
        # it in another schema, and a schema's name may hold any character.
        table = bindparam("p_users_table", self.users_name, type_=String)
        serial = func.pg_get_serial_sequence(table, _constant("id"))
        fresh = (
            select(func.nextval(serial).label("id"))
            .where(~exists().where(links.c.chattz_id == binds.chattz_id))
            .cte("fresh")
        )
        user = cast(fresh.c.id, String)
        names = [column.name for column in links.c]
        linked = (
            dialect_insert("postgresql")(links)
            .from_select(names, select(*self._new_link(binds, user)).select_from(fresh))
            .on_conflict_do_nothing(index_elements=[links.c.chattz_id])
            .returning(links.c.user_id, links.c.linked_at)
            .cte("linked")
        )
        made = (
            insert(users)
            .from_select(
                ["id", "display_name", "created_at"],
                select(fresh.c.id, binds.display_name, binds.now).select_from(
                    fresh.join(linked, linked.c.user_id == cast(fresh.c.id, String))
                ),
            )
            .returning(users.c.id)
            .cte("made")
        )
        created = select(*linked.c, _constant(Outcome.CREATED.value).label("outcome"))
        return parts[0].union_all(created).add_cte(made)

    def active_user(self, links: Any) -> Any:
        """SQL: the user of ``links``' row exists and is active (None: nothing to ask)."""
        if self.user_key is not None:
            return exists().where(self.user_key == links.c.user_id).correlate(links)
        if not self.own_users:  # pragma: no cover - create_user has user_key or is_active
            return None
        if self.dialect == "postgresql":
            # CASE keeps the cast from ever seeing a user id that is not an id as the store
            # writes one (digits, no leading zero: "007" is not 7), so the key lookup on the
            # index is exact. No text comparison of the two: PostgreSQL would carry it over to
            # the bound user id ("chattz_users.id::text = '1'") and scan the users for it.
            number = links.c.user_id.regexp_match(_constant(_CANONICAL_ID))
            as_number = case((number, cast(links.c.user_id, BigInteger)))
            return exists().where(users.c.id == as_number, users.c.is_active).correlate(links)
        # SQLite: the cast is 0 for text (never an id) and 12 for "12abc"; the key lookup uses
        # the index, the text comparison makes it exact.
        same = cast(users.c.id, String) == links.c.user_id
        found = users.c.id == cast(links.c.user_id, Integer)
        return exists().where(found, same, users.c.is_active).correlate(links)
