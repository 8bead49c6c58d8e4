"""The SQLAlchemy tables of the account store.

``chattz_accounts`` holds one row per linked Chattz account; its primary key
is the Chattz id, so the database itself refuses a second link (two workers'
concurrent first logins make one account). ``chattz_users`` is the local user
table the store creates users in, unless the app passes its own
``create_user``. Needs SQLAlchemy 2 (``pip install 'chattz_oauth_async[sqlalchemy]'``).
"""

from __future__ import annotations

from typing import Any

try:
    from sqlalchemy import (
        BigInteger,
        Boolean,
        Column,
        DateTime,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        true,
    )
except ImportError as _missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chattz_oauth_async.accounts.sqlalchemy needs SQLAlchemy 2: "
        "pip install 'chattz_oauth_async[sqlalchemy]'"
    ) from _missing

from .._ids import MAX_USER_ID
from ._values import MAX_AVATAR, MAX_EMAIL, MAX_NAME

__all__ = ["accounts", "link_table", "metadata", "users"]

#: The tables' metadata: ``metadata.create_all(engine)``, or copy them into your migrations.
metadata: MetaData = MetaData()

#: Local users the store creates for new sign-ups (unless given ``create_user``).
users: Table = Table(
    "chattz_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("display_name", String(2 * MAX_NAME + 1), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # False: the user may not sign in (AsyncSQLAlchemyStore.set_active), like Django's is_active.
    Column("is_active", Boolean, nullable=False, server_default=true()),
    # SQLite would otherwise give a deleted newest user's id to the next user, and with it
    # any link left behind; PostgreSQL's sequences never reuse one.
    sqlite_autoincrement=True,
)


def link_table(target: MetaData, user_key: Column[Any] | None = None) -> Table:
    """``chattz_accounts`` in ``target``: one row per linked Chattz account, keyed on its id.

    With ``user_key`` (the primary key column of the app's own users table),
    ``user_id`` has that column's type and a foreign key to it with ``ON DELETE
    CASCADE``: deleting a user deletes their links, so a reused id never
    inherits one. Without it, ``user_id`` is text (the store's own
    ``chattz_users``, whose ids are never reused, or any id a ``create_user``
    hook returns).
    """
    if user_key is None:
        user_id = Column("user_id", String(MAX_USER_ID), nullable=False)
    else:
        user_id = Column(
            "user_id",
            user_key.type,
            ForeignKey(user_key, ondelete="CASCADE"),
            nullable=False,
        )
    return Table(
        "chattz_accounts",
        target,
        Column("chattz_id", BigInteger, primary_key=True, autoincrement=False),
        user_id,
        Column("username", String(MAX_NAME), nullable=False),
        Column("email", String(MAX_EMAIL)),
        Column("first_name", String(MAX_NAME)),
        Column("last_name", String(MAX_NAME)),
        Column("avatar", String(MAX_AVATAR)),
        Column("linked_at", DateTime(timezone=True), nullable=False),
        Column("last_login_at", DateTime(timezone=True), nullable=False),
        # A user's links (accounts_of), and a link looked up by both its Chattz id and its
        # user (a linking login, the signed-in session's link): with the Chattz id in this
        # index too, such a lookup reads one entry whichever index PostgreSQL's planner
        # picks. On user_id alone, a fresh table's plans scanned all of the user's links.
        Index("ix_chattz_accounts_user_id_chattz_id", "user_id", "chattz_id"),
    )


#: One row per linked Chattz account; the primary key is the Chattz id.
accounts: Table = link_table(metadata)
