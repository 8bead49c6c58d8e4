"""The SQLAlchemy tables of the account store.

``chattz_accounts`` holds one row per linked Chattz account; its primary key
is the Chattz id, so the database itself refuses a second link (two workers'
concurrent first logins make one account). ``chattz_users`` is the local user
table the store creates users in, unless the app passes its own
``create_user``. Needs SQLAlchemy 2 (``pip install 'chattz_oauth_async[sqlalchemy]'``).
"""

from __future__ import annotations

try:
    from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chattz_oauth_async.accounts.sqlalchemy needs SQLAlchemy 2: "
        "pip install 'chattz_oauth_async[sqlalchemy]'"
    ) from exc

from .._ids import MAX_USER_ID
from ._values import MAX_AVATAR, MAX_EMAIL, MAX_NAME

__all__ = ["accounts", "metadata", "users"]

#: The tables' metadata: ``metadata.create_all(engine)``, or copy them into your migrations.
metadata = MetaData()

#: Local users the store creates for new sign-ups (unless given ``create_user``).
users = Table(
    "chattz_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("display_name", String(2 * MAX_NAME + 1), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # SQLite would otherwise give a deleted newest user's id to the next user, and with it
    # any link left behind; PostgreSQL's sequences never reuse one.
    sqlite_autoincrement=True,
)

#: One row per linked Chattz account; the primary key is the Chattz id.
accounts = Table(
    "chattz_accounts",
    metadata,
    Column("chattz_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", String(MAX_USER_ID), nullable=False, index=True),
    Column("username", String(MAX_NAME), nullable=False),
    Column("email", String(MAX_EMAIL)),
    Column("first_name", String(MAX_NAME)),
    Column("last_name", String(MAX_NAME)),
    Column("avatar", String(MAX_AVATAR)),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True), nullable=False),
)
