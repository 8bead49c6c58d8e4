"""Local user ids: the one check, shared by the login state and the accounts.

A local user id is the app's primary key of a user as text: a Django pk (an
int or a UUID), or whatever the app's own users table uses. The login state
seals it (``LoginRequest.link_user_id``) and the account stores keep it in a
column of :data:`MAX_USER_ID` characters, so both read it through
:func:`user_id_text`.
"""

from __future__ import annotations

import uuid
from typing import Final

from .errors import AccountError

__all__ = ["MAX_USER_ID", "is_user_id_text", "user_id_text"]

#: Longest local user id (the app's primary key, as text).
MAX_USER_ID: Final = 64


def user_id_text(value: object) -> str:
    """``value`` as a local user id: a str, an int or a UUID, as 1 to 64 printable characters.

    Raises:
        AccountError: ``value`` is of another type (a bool included), empty,
            longer than :data:`MAX_USER_ID`, or holds unprintable characters.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, uuid.UUID)):
        raise AccountError("a local user id must be a string, an int or a UUID")
    text = str(value)
    if not text or len(text) > MAX_USER_ID or not text.isprintable():
        raise AccountError(f"a local user id must be 1 to {MAX_USER_ID} printable characters")
    return text


def is_user_id_text(value: object) -> bool:
    """Whether ``value`` is a str that :func:`user_id_text` keeps as it is (the sealed form)."""
    if not isinstance(value, str):
        return False
    try:
        return user_id_text(value) == value
    except AccountError:
        return False
