# GENERATED from chattz_oauth_async/accounts/_async/store.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""What an account store does: the :class:`AccountStore` protocol.

:class:`~chattz_oauth_async.accounts.Accounts` (``engine.py``) decides;
a store (``sqlalchemy_store.py``, the Django store, your own) reads and
writes. Public from :mod:`chattz_oauth_async.accounts`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from .._values import Account, Profile

__all__ = ["STORE_METHODS", "AccountStore"]

#: What an account store must have (see AccountStore).
STORE_METHODS = ("find", "create", "link", "update", "unlink", "accounts_of", "is_active")


class AccountStore(Protocol):
    """Where accounts live. The database enforces the rules that races could break.

    A Chattz id is linked at most once: a unique key on it, never a check
    before an insert. :meth:`create` and :meth:`link` are insert-or-get: when
    the link already exists (another worker's login won the race), they
    return it with ``False`` and write nothing. Every method runs in one
    transaction of its own and raises
    :class:`~chattz_oauth_async.AccountStoreError` when the database fails
    (``transient=False`` when the site's setup is wrong, logged once with
    its cause). :class:`Accounts` decides; a store only reads and
    writes, with the conditions that keep a decision true under races in
    its statements.
    """

    def find(self, chattz_id: int) -> Account | None:
        """The link of ``chattz_id``, or None."""
        ...

    def create(self, profile: Profile, now: dt.datetime) -> tuple[Account, bool]:
        """A new local user linked to ``profile``, True; or the existing link, False."""
        ...

    def link(self, profile: Profile, user_id: str, now: dt.datetime) -> tuple[Account, bool]:
        """Link ``profile`` to ``user_id``: (the link, True); or (the existing link, False)."""
        ...

    def update(self, profile: Profile, now: dt.datetime, *, user_id: str) -> Account | None:
        """Refresh the profile and last login of the link, only if it is ``user_id``'s.

        The ownership condition is part of the write (``UPDATE ... WHERE
        chattz_id = ... AND user_id = ...``): a link that changed hands since
        it was read is never written. None if no link of ``user_id``'s was updated.
        """
        ...

    def unlink(self, user_id: str, chattz_id: int, *, guard: bool = True) -> bool:
        """Remove the link of ``chattz_id`` if it is ``user_id``'s; True if one was removed.

        With ``guard`` (always, except for a link whose user is gone), refuse
        with :class:`~chattz_oauth_async.UnlinkRefused` and remove nothing when
        it is the user's last way in: no other link, and no other way to sign
        in (:meth:`has_other_login`); decided in the same transaction as the
        delete, so two concurrent unlinks cannot strand the user.
        """
        ...

    def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to ``user_id``, oldest link first."""
        ...

    def is_active(self, user_id: str) -> bool | None:
        """Whether local user ``user_id`` may sign in; None if there is no such user.

        None makes the engine remove the link (a deleted user's link must
        never sign anyone in) and treat the login as a first one.
        """
        ...

    # Optional, for speed: ``async def sign_in_once(profile, now, *, user_id, session,
    # signups) -> tuple[Account, Outcome] | None`` does the common sign-in in as few round
    # trips as the database allows, deciding nothing the rules above would not:
    # - the link of ``profile`` exists, is ``user_id``'s (anyone's when None) and its user
    #   is active: its profile refreshed, SIGNED_IN;
    # - no link, ``user_id`` None and ``signups``: a new user and its link, CREATED;
    # - no link, ``user_id`` given: linked to ``user_id``, LINKED;
    # - ``session`` (a Chattz id, with ``user_id``): all of it only if that link is
    #   ``user_id``'s and the user active, checked in the same statements.
    # Anything else (someone else's link, an inactive or deleted user, closed sign-ups, a
    # stale session, a lost race) returns None having written nothing, and the engine
    # takes the full path (find, is_active, update / create / link), which tells them apart.
