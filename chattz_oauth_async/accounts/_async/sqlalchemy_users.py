"""The SQLAlchemy store's local users: its own ``chattz_users`` rows, or the app's through hooks.

The hooks' types (:data:`CreateUser`, :data:`IsActive`, :data:`HasPassword`),
their defaults on ``chattz_users``, and the rules around them: what an app's
``create_user`` may raise or return (:func:`new_user`). Whether a user may
sign in when no ``is_active`` hook says is SQL (``Statements.user_state`` in
``accounts/_statements.py``). The store (``sqlalchemy_store.py``) calls them
inside its own transactions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..._ids import is_user_id_text
from ...errors import AccountStoreError, ChattzOAuthError, ConfigurationError
from .._failures import report
from .._synchronization import async_hook_result
from .._tables import users
from .._values import Profile

__all__ = [
    "CreateUser",
    "HasPassword",
    "IsActive",
    "UserState",
    "insert_user",
    "new_user",
    "no_password",
]

#: ``create_user(connection, profile, now)`` inserts a local user and returns its id as text.
CreateUser = Callable[[AsyncConnection, Profile, dt.datetime], Awaitable[str]]
#: What ``is_active`` answers: True (may sign in), False (refused), None (no such user).
UserState = bool | None
#: ``is_active(connection, user_id)``: the user's :data:`UserState`.
IsActive = Callable[[AsyncConnection, str], Awaitable[UserState]]
#: ``has_password(connection, user_id)``: whether the user can sign in without Chattz.
HasPassword = Callable[[AsyncConnection, str], Awaitable[bool]]


async def insert_user(connection: AsyncConnection, profile: Profile, now: dt.datetime) -> str:
    """The default ``create_user``: a ``chattz_users`` row; its id as text."""
    result = await connection.execute(
        insert(users).values(display_name=profile.display_name, created_at=now)
    )
    (user_id,) = result.inserted_primary_key or (None,)
    return "" if user_id is None else str(user_id)


async def no_password(connection: AsyncConnection, user_id: str) -> bool:
    """The default ``has_password``: False."""
    return False  # the store's own users sign in through Chattz only


async def new_user(
    create_user: CreateUser, connection: AsyncConnection, profile: Profile, now: dt.datetime
) -> str:
    """The id of the user ``create_user`` inserts for ``profile``, checked before any link.

    Raises:
        AccountStoreError: The hook raised something that is not a
            ChattzOAuthError (``transient=False``, its cause kept).
        ConfigurationError: The hook returned something that is not a user id.
    """
    try:
        user_id: object = await async_hook_result(
            "create_user", create_user(connection, profile, now)
        )
    except (ChattzOAuthError, SQLAlchemyError):
        raise
    except Exception as exc:
        # The app's hook: raising rolls the new user back with the link.
        name = type(exc).__name__
        raise report(
            AccountStoreError(f"create_user failed ({name})", transient=False, cause=name)
        ) from exc
    if not isinstance(user_id, str) or not is_user_id_text(user_id):  # no link to a non-id
        raise ConfigurationError(
            "create_user must return the new user's id as 1 to 64 printable characters"
        )
    return user_id
