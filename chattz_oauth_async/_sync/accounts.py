# GENERATED from chattz_oauth_async/_async/accounts.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Sign Chattz users into local accounts: :class:`Accounts` over an :class:`AccountStore`.

The rules live in :mod:`chattz_oauth_async.accounts.rules` (no I/O); this
module carries them out against a store. Public names come from
:mod:`chattz_oauth_async.accounts`.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Protocol

from ..accounts.rules import Step, check_link, plan
from ..accounts.values import MAX_CHATTZ_ID, MAX_USER_ID, Account, Outcome, Profile, SignIn
from ..errors import AccountError, ConfigurationError
from ..models import ChattzUser

__all__ = ["AccountStore", "Accounts"]

logger = logging.getLogger("chattz_oauth_async.accounts")

#: Attempts of a sign-in whose link changed between reading and writing it.
_ATTEMPTS = 3


class AccountStore(Protocol):
    """Where accounts live. The database enforces the rules that races could break.

    A Chattz id is linked at most once: a unique key on it, never a check
    before an insert. :meth:`create` and :meth:`link` are insert-or-get: when
    the link already exists (another worker's login won the race), they
    return it with ``False`` and write nothing. Every method runs in one
    transaction of its own and raises
    :class:`~chattz_oauth_async.AccountStoreError` when the database fails.
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

    def update(self, profile: Profile, now: dt.datetime) -> Account | None:
        """Refresh the link's profile and last login; None if there is no link any more."""
        ...

    def unlink(self, chattz_id: int, user_id: str) -> bool:
        """Remove the link of ``chattz_id`` if it is ``user_id``'s; True if one was removed."""
        ...

    def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to ``user_id``, oldest link first."""
        ...


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Accounts:
    """Turn completed Chattz logins into local accounts: sign in, create, link, unlink.

    Example::

        accounts = Accounts(SQLAlchemyStore(engine))
        linking = linking_user(login.link_user_id, session.get("user_id"))
        signed_in = accounts.sign_in(result.user, current_user_id=linking)
        session["user_id"] = signed_in.user_id      # after clearing the session

    Args:
        store: Where accounts live (an :class:`AccountStore`).
        signups: False to refuse Chattz users who have no account yet
            (:class:`~chattz_oauth_async.SignupsClosed`); linking to a
            signed-in user still works.
        clock: Returns the current time (aware) for the timestamps; they are
            stored in UTC.

    Raises:
        ConfigurationError: ``store`` lacks a method of the protocol.
    """

    def __init__(
        self,
        store: AccountStore,
        *,
        signups: bool = True,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        missing = [
            name
            for name in ("find", "create", "link", "update", "unlink", "accounts_of")
            if not callable(getattr(store, name, None))
        ]
        if missing:
            raise ConfigurationError(
                f"the account store has no {', '.join(missing)}: see AccountStore"
            )
        self.store = store
        self.signups = bool(signups)
        self.clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r}, signups={self.signups!r})"

    def sign_in(self, user: ChattzUser, *, current_user_id: str | None = None) -> SignIn:
        """The local account ``user`` signs in to: found, linked or created.

        Never finds or links an account by e-mail or username: only by the
        Chattz id. The profile is refreshed at every sign-in. Log the
        returned ``user_id`` in only after clearing (rotating) the session.

        Args:
            user: The user of a completed login (``LoginResult.user``).
            current_user_id: The local user this login links to, if any: a
                Chattz account with no link is linked to them. Pass it only for
                a linking login that user started on purpose
                (:func:`~chattz_oauth_async.accounts.rules.linking_user` of the
                login's ``link_user_id`` and the session's user), never merely
                because someone is signed in.

        Raises:
            AccountLinkedElsewhere: The Chattz account is linked to a local
                user other than ``current_user_id``.
            SignupsClosed: No link, nobody signed in, and sign-ups are closed.
            AccountError: The user cannot be stored (an id out of range), or
                ``current_user_id`` is not a user id.
            AccountStoreError: The database failed; nothing was written.
            ConfigurationError: The clock gave a time with no time zone.
        """
        profile = Profile.from_user(user)
        if profile.cleaned:
            logger.info("accounts: profile fields cleaned: %s", ", ".join(profile.cleaned))
        current = _user_id(current_user_id)
        for _ in range(_ATTEMPTS):
            existing = self.store.find(profile.chattz_id)
            step = plan(existing, profile.chattz_id, current, signups=self.signups)
            now = self._now()
            if step is Step.UPDATE:
                account = self.store.update(profile, now)
                if account is not None:  # else unlinked meanwhile: plan again
                    check_link(account, current)
                    return SignIn(account, Outcome.SIGNED_IN)
                continue
            if step is Step.LINK and current is not None:  # plan() links only a signed-in user
                account, made = self.store.link(profile, current, now)
                outcome = Outcome.LINKED
            else:
                account, made = self.store.create(profile, now)
                outcome = Outcome.CREATED
            if made:
                logger.info("accounts: Chattz user %s %s", profile.chattz_id, outcome.value)
                return SignIn(account, outcome)
            # Another login linked this Chattz id first: sign in with that link.
            check_link(account, current)
        raise AccountError("the account link kept changing during the sign-in; try again")

    def _now(self) -> dt.datetime:
        now = self.clock()
        if not isinstance(now, dt.datetime) or now.utcoffset() is None:
            raise ConfigurationError("the accounts' clock must return an aware datetime")
        # Stored in UTC: SQLite keeps no offset, and reads are tagged UTC.
        return now.astimezone(dt.UTC)

    def unlink(self, user_id: str, chattz_id: int) -> bool:
        """Remove the link of ``chattz_id`` from ``user_id``; True if there was one.

        The local user stays; a link of ``chattz_id`` to another user is left alone.

        Raises:
            AccountError: ``user_id`` or ``chattz_id`` is not an id.
            AccountStoreError: The database failed.
        """
        return self.store.unlink(_chattz_id(chattz_id), _required(user_id))

    def find(self, chattz_id: int) -> Account | None:
        """The account linked to ``chattz_id``, or None.

        Raises:
            AccountError: ``chattz_id`` is not a Chattz id.
            AccountStoreError: The database failed.
        """
        return self.store.find(_chattz_id(chattz_id))

    def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to local user ``user_id``, oldest link first.

        Raises:
            AccountError: ``user_id`` is not a user id.
            AccountStoreError: The database failed.
        """
        return self.store.accounts_of(_required(user_id))


def _user_id(value: object) -> str | None:
    """A local user id as text (a Django pk may be an int or a UUID), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, uuid.UUID)):
        raise AccountError("a local user id must be a string, an int or a UUID")
    text = str(value)
    if not text or len(text) > MAX_USER_ID or not text.isprintable():
        raise AccountError(f"a local user id must be 1 to {MAX_USER_ID} printable characters")
    return text


def _required(value: object) -> str:
    user_id = _user_id(value)
    if user_id is None:
        raise AccountError("a local user id is needed")
    return user_id


def _chattz_id(value: object) -> int:
    if type(value) is not int or not 0 < value <= MAX_CHATTZ_ID:
        raise AccountError("a Chattz id is an int from 1 to 2**63 - 1")
    return value
