"""The account store on Django's ORM, sync: :class:`DjangoStore`.

Links in :class:`~chattz_oauth_async.integrations.django.models.ChattzAccount`,
users of ``AUTH_USER_MODEL``: the store's writes and the transactions around
them (insert-or-get, the one-query sign-in, the unlink guard). Its reads are
in ``_queries.py``, the new users' names in ``_usernames.py``, its async face
in ``_async_store.py``. Public from
:mod:`chattz_oauth_async.integrations.django.store`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model  # type: ignore[import-untyped]
from django.core.exceptions import FieldDoesNotExist  # type: ignore[import-untyped]
from django.db import (  # type: ignore[import-untyped]
    Error,
    IntegrityError,
    connections,
    router,
    transaction,
)

from ... import _checks as checks
from ...accounts._failures import report, store_error
from ...accounts._values import Account, Outcome, Profile
from ...errors import AccountError, AccountStoreError, UnlinkRefused
from ._queries import accounts, free_usernames, has_is_active, link_and_user, stored_time, user_pk
from .models import ChattzAccount

__all__ = ["DjangoStore"]


@contextlib.contextmanager
def _database_errors() -> Iterator[None]:
    try:
        yield
    except Error as exc:
        # The driver's message can quote the values sent: keep it as the cause only.
        error = store_error(exc)
        if not isinstance(exc, IntegrityError):  # maybe a lost race: the caller decides
            report(error)
        raise error from exc


class DjangoStore:
    """Accounts in Django's database: links in ``ChattzAccount``, users of ``AUTH_USER_MODEL``.

    Every method is one transaction (``transaction.atomic``; a savepoint
    inside a request's own transaction with ``ATOMIC_REQUESTS``). The Chattz id
    is the links' primary key, so :meth:`create` and :meth:`link` are
    insert-or-get: a second login that loses the race rolls back everything it
    wrote (the user it made included) and returns the first login's link.
    Users are never found by e-mail or username.

    A new user gets an unusable password (they sign in through Chattz), the
    first of :func:`local_username`'s candidates that no user has in any
    letter case (the Chattz username, ASCII and lowercased, then
    ``name-<chattz id>``...; ``chattz-<chattz id>`` for a name that is not ASCII),
    and the Chattz first and last names for display. Not the e-mail: Chattz
    does not say whether it is verified, and an app's ``User.email`` is where
    password resets go, so a planted address there could take the account
    over. The link keeps it (``ChattzAccount.email``) for you to verify
    yourself. For the same reason a user model whose ``USERNAME_FIELD`` is the
    e-mail (an ``EmailField``, or ``EMAIL_FIELD`` itself) never gets the
    Chattz username (which may read ``ceo@victim.example``) but
    ``chattz-<chattz id>@chattz.invalid``, unique, and an address no mail
    reaches (RFC 2606 reserves ``.invalid``). Override :meth:`new_user` to
    fill a custom user model.

    Args:
        using: The database alias; None follows your database routers
            (``db_for_write`` of ``ChattzAccount``, for reads too, so a login
            never reads a replica that has not seen its own link yet).
    """

    def __init__(self, *, using: str | None = None) -> None:
        checks.optional(checks.text)("using", using)
        self.using = using
        # The user the last sign_in_once read or made, for the session step (handed_user).
        self._handoff: tuple[str, Any] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(using={self.using!r})"

    def _alias(self) -> str:
        alias: str = self.using or router.db_for_write(ChattzAccount)
        return alias

    def _links(self, alias: str) -> Any:
        return ChattzAccount._default_manager.using(alias)

    def find(self, chattz_id: int) -> Account | None:
        """The link of ``chattz_id``, or None."""
        with _database_errors():
            found = accounts(self._links(self._alias()).filter(chattz_id=chattz_id))
        return found[0] if found else None

    def create(self, profile: Profile, now: dt.datetime) -> tuple[Account, bool]:
        """A new user linked to ``profile``, or the link another login made first."""
        alias = self._alias()
        with _database_errors():
            names = free_usernames(profile, alias)
        try:
            with _database_errors(), transaction.atomic(using=alias):
                user = self._insert_user(profile, names, alias)
                return self._insert(profile, user.pk, now, alias), True
        except AccountStoreError as exc:
            return self._existing(profile, exc)

    def link(self, profile: Profile, user_id: str, now: dt.datetime) -> tuple[Account, bool]:
        """``profile`` linked to user ``user_id``, or the link another login made first.

        Raises:
            AccountError: ``user_id`` is not a primary key of ``AUTH_USER_MODEL``.
            AccountStoreError: The database failed (or there is no such user).
        """
        pk = user_pk(user_id)
        if pk is None:
            raise AccountError("the signed-in user's id is not a key of AUTH_USER_MODEL")
        alias = self._alias()
        try:
            with _database_errors(), transaction.atomic(using=alias):
                return self._insert(profile, pk, now, alias), True
        except AccountStoreError as exc:
            return self._existing(profile, exc)

    def _insert(self, profile: Profile, user_pk: Any, now: dt.datetime, alias: str) -> Account:
        # create() inserts (force_insert): a Chattz id linked already is an IntegrityError.
        row = self._links(alias).create(
            chattz_id=profile.chattz_id,
            user_id=user_pk,
            linked_at=stored_time(now),
            last_login_at=stored_time(now),
            **profile.columns(),
        )
        return Account(user_id=str(row.user_id), profile=profile, linked_at=now, last_login_at=now)

    def _existing(self, profile: Profile, exc: AccountStoreError) -> tuple[Account, bool]:
        # Only a conflict on the Chattz id means another login won the race.
        if not isinstance(exc.__cause__, IntegrityError):
            raise exc
        account = self.find(profile.chattz_id)
        if account is None:
            raise report(exc) from exc.__cause__
        return account, False

    def _insert_user(self, profile: Profile, names: list[str], alias: str) -> Any:
        model = get_user_model()
        field = model.USERNAME_FIELD
        users = model._default_manager.using(alias)
        for username in names:
            user = self.new_user(profile, username)
            try:
                with transaction.atomic(using=alias):  # a savepoint: a taken name undoes only this
                    user.save(using=alias)
            except IntegrityError:
                if not users.filter(**{f"{field}__iexact": username}).exists():
                    raise
                continue
            return user
        raise AccountStoreError("no free local username for the new user; try again")

    def new_user(self, profile: Profile, username: str) -> Any:
        """The unsaved ``AUTH_USER_MODEL`` user for a new sign-up named ``username``.

        Sets the username field, the first and last names (cut to the model's
        lengths) when the model has them, and an unusable password; never the
        e-mail (see the class). Override it to fill a custom user model's
        required fields; the store saves the user and retries with the next
        username when the name is taken.
        """
        model = get_user_model()
        user = model(**{model.USERNAME_FIELD: username})
        for name in ("first_name", "last_name"):
            try:
                limit = model._meta.get_field(name).max_length
            except FieldDoesNotExist:
                continue
            setattr(user, name, (getattr(profile, name) or "")[:limit])
        user.set_unusable_password()
        return user

    def update(self, profile: Profile, now: dt.datetime, *, user_id: str) -> Account | None:
        """Refresh the profile and last login of the link, only if it is ``user_id``'s.

        The ownership condition is in the UPDATE: a link that changed hands
        since it was read is never written. Only the link is refreshed: the
        user's names were copied once, at sign-up, and are theirs to change.
        """
        pk = user_pk(user_id)
        if pk is None:
            return None
        alias = self._alias()
        with _database_errors(), transaction.atomic(using=alias):
            links = self._links(alias).filter(chattz_id=profile.chattz_id, user_id=pk)
            if not links.update(last_login_at=stored_time(now), **profile.columns()):
                return None
            found = accounts(links)
        return found[0] if found else None

    def sign_in_once(
        self,
        profile: Profile,
        now: dt.datetime,
        *,
        user_id: str | None,
        session: int | None,
        signups: bool,
    ) -> tuple[Account, Outcome] | None:
        """A returning, first or linking login in the fewest queries the ORM allows.

        - returning: the link and its user in one ``SELECT`` (a join), then one
          ``UPDATE`` whose ``WHERE`` keeps the decision true (the link still the
          same user's, the user still active);
        - first: that ``SELECT``, the free usernames (one ``SELECT``), then the
          user and its link in one transaction (BEGIN, two INSERTs, COMMIT);
        - linking: one ``INSERT`` of the link (the Chattz id is the primary key).

        The user the login signs in to is kept for :meth:`handed_user` (the session
        step's next call), so it is not read again. None, having written nothing,
        for everything else (someone else's link, an inactive or deleted user,
        closed sign-ups, a lost race; ``session``, which the Django views do
        not use): the engine's full path tells those apart.
        """
        if session is not None:
            return None
        alias = self._alias()
        if user_id is not None:
            return self._link_once(profile, user_id, now, alias)
        with _database_errors():
            found = link_and_user(self._links(alias).filter(chattz_id=profile.chattz_id), alias)
        if found is None:
            if not signups:
                return None
            return self._create_once(profile, now, alias)
        account, user = found
        if user is None or not getattr(user, "is_active", True):
            return None  # a deleted or inactive user: the full path says which
        links = self._links(alias).filter(chattz_id=profile.chattz_id, user_id=user.pk)
        if has_is_active():
            links = links.filter(user__is_active=True)
        with _database_errors():
            if not links.update(last_login_at=stored_time(now), **profile.columns()):
                return None  # changed hands, or the user was disabled, since the read
        self._handoff = (account.user_id, user)
        refreshed = Account(
            user_id=account.user_id, profile=profile, linked_at=account.linked_at, last_login_at=now
        )
        return refreshed, Outcome.SIGNED_IN

    def _create_once(
        self, profile: Profile, now: dt.datetime, alias: str
    ) -> tuple[Account, Outcome] | None:
        """A new user and its link in one transaction, no savepoint; None on any conflict."""
        with _database_errors():
            names = free_usernames(profile, alias)
        if not names:
            return None
        user = self.new_user(profile, names[0])
        try:
            with _database_errors(), transaction.atomic(using=alias):
                user.save(using=alias)
                account = self._insert(profile, user.pk, now, alias)
        except AccountStoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):  # a name or the link taken meanwhile
                return None
            raise
        self._handoff = (account.user_id, user)
        return account, Outcome.CREATED

    def _link_once(
        self, profile: Profile, user_id: str, now: dt.datetime, alias: str
    ) -> tuple[Account, Outcome] | None:
        """The link to ``user_id`` in one INSERT; None if the Chattz id is linked (or no user)."""
        pk = user_pk(user_id)
        if pk is None:
            return None
        # Inside the caller's transaction a failed INSERT must not break it: a savepoint.
        inside = connections[alias].in_atomic_block
        savepoint = transaction.atomic(using=alias) if inside else contextlib.nullcontext()
        try:
            with _database_errors(), savepoint:
                account = self._insert(profile, pk, now, alias)
        except AccountStoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                return None
            raise
        return account, Outcome.LINKED

    def unlink(self, user_id: str, chattz_id: int, *, guard: bool = True) -> bool:
        """Remove the link of ``chattz_id`` if it is ``user_id``'s; the user stays.

        Never the user's last way in (with ``guard``): with no other link and
        no usable password (``has_usable_password()``), :class:`UnlinkRefused`
        and nothing is removed, as django-allauth refuses to disconnect.
        """
        pk = user_pk(user_id)
        if pk is None:
            return False
        alias = self._alias()
        with _database_errors(), transaction.atomic(using=alias):
            links = self._links(alias)
            if guard and connections[alias].vendor != "sqlite":
                # Two unlinks of one user take turns (SQLite: the DELETE's write lock does it).
                list(links.select_for_update().filter(user_id=pk).order_by("chattz_id"))
            removed, _ = links.filter(chattz_id=chattz_id, user_id=pk).delete()
            if not removed:
                return False
            if guard and not links.filter(user_id=pk).exists():
                user = get_user_model()._default_manager.using(alias).filter(pk=pk).first()
                if user is None or not user.has_usable_password():
                    raise UnlinkRefused(chattz_id)  # rolls the delete back
            return True

    def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to ``user_id``, oldest link first."""
        pk = user_pk(user_id)
        if pk is None:
            return []
        with _database_errors():
            return accounts(
                self._links(self._alias()).filter(user_id=pk).order_by("linked_at", "chattz_id")
            )

    def is_active(self, user_id: str) -> bool | None:
        """The user's ``is_active`` (True for a model without it); None if there is no such user."""
        user = self.user(user_id)
        return None if user is None else bool(getattr(user, "is_active", True))

    def user(self, user_id: str) -> Any:
        """The ``AUTH_USER_MODEL`` user ``user_id`` (an :class:`Account`'s), or None.

        Always read (``is_active`` and the engine's full path ask it too): a user a
        sign-in read before they were disabled or deleted is never answered from memory.

        Raises:
            AccountStoreError: The database failed.
        """
        pk = user_pk(user_id)
        if pk is None:
            return None
        with _database_errors():
            return get_user_model()._default_manager.using(self._alias()).filter(pk=pk).first()

    def handed_user(self, user_id: str) -> Any:
        """The user this store's last sign-in read or made, if it is ``user_id`` (taken
        once), else :meth:`user`: the default views' session step, right after the sign-in
        on a store of its own, reads no user again.

        Raises:
            AccountStoreError: The database failed.
        """
        handoff, self._handoff = self._handoff, None
        if handoff is not None and handoff[0] == user_id:
            return handoff[1]  # read (or made) by this login's sign-in a moment ago
        return self.user(user_id)
