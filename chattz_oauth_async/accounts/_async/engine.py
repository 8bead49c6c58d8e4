"""Sign Chattz users into local accounts: :class:`AsyncAccounts` over an :class:`AsyncAccountStore`.

The one place that decides what a completed login does (sign in, create,
link, or refuse). The rules with no I/O are in ``accounts/_rules.py``; this
module carries them out against a store (the protocol: ``store.py``). Public names come from
:mod:`chattz_oauth_async.accounts`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from ... import _checks as checks
from ..._ids import user_id_text
from ...errors import AccountError, ConfigurationError, InactiveUser, LinkRefused
from ...events import Event, EventKind, emit
from ...login import LoginRequest
from ...models import ChattzUser
from .._rules import Step, check_link, plan
from .._values import MAX_CHATTZ_ID, Account, Outcome, Profile, SessionUser, SignIn
from .store import STORE_METHODS, AsyncAccountStore

__all__ = ["AsyncAccounts"]

logger = logging.getLogger("chattz_oauth_async.accounts")

#: Attempts of a sign-in whose link changed between reading and writing it.
_ATTEMPTS = 3


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AsyncAccounts:
    """Turn completed Chattz logins into local accounts: sign in, create, link, unlink.

    Example::

        accounts = AsyncAccounts(AsyncSQLAlchemyStore(engine))
        # login: the completed LoginRequest (link_user_id set only for a linking login)
        signed_in = await accounts.sign_in(
            result.user, login=login, signed_in_user_id=session.get("user_id")
        )
        session["user_id"] = signed_in.user_id      # after clearing the session

    Args:
        store: Where accounts live (an :class:`AsyncAccountStore`).
        signups: False to refuse Chattz users who have no account yet
            (:class:`~chattz_oauth_async.SignupsClosed`); linking logins
            and :meth:`link` still work. Must be a bool: a string such as
            ``"false"`` from an environment variable is refused.
        clock: Returns the current time (aware) for the timestamps; they are
            stored in UTC.

    Raises:
        ConfigurationError: ``store`` lacks a method of the protocol, or
            ``signups`` is not a bool.
    """

    def __init__(
        self,
        store: AsyncAccountStore,
        *,
        signups: bool = True,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        missing = [name for name in STORE_METHODS if not callable(getattr(store, name, None))]
        if missing:
            raise ConfigurationError(
                f"store must be an account store (see AsyncAccountStore): it has no "
                f"{', '.join(missing)}"
            )
        if not isinstance(signups, bool):
            # bool("false") is True: a setting read from the environment must not open sign-ups.
            raise ConfigurationError(f"signups must be True or False, not {type(signups).__name__}")
        checks.function("clock", clock)
        self.store = store
        self.signups = signups
        self.clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r}, signups={self.signups!r})"

    async def sign_in(
        self, user: ChattzUser, *, login: LoginRequest, signed_in_user_id: object = None
    ) -> SignIn:
        """The local account a completed login signs in to: found, linked or created.

        The one place that decides whether a login links. A *plain* login
        (``login.link_user_id`` is None) never links, whoever is signed in:
        it signs in the Chattz account's own account, or creates one. A
        *linking* login (started by a POST of the signed-in user, who was
        sealed in it as ``login.link_user_id``) links the Chattz account to
        that user only while they are still ``signed_in_user_id``; otherwise
        it is refused (:class:`~chattz_oauth_async.LinkRefused`) and nothing
        is written. So a forced navigation to ``/login`` (login CSRF at the
        provider) or a shared computer left signed in never links a
        stranger's Chattz account to the signed-in user.

        Never finds or links an account by e-mail or username: only by the
        Chattz id. The profile is refreshed at every sign-in. Log the
        returned ``user_id`` in only after clearing (rotating) the session.

        Args:
            user: The user of the completed login (``LoginResult.user``).
            login: The completed login (the unsealed :class:`LoginRequest`
                that ``complete_login`` checked); only its ``link_user_id``
                is read here.
            signed_in_user_id: The local user signed in on this session now
                (an id: str, int or UUID), or None. Read only for a linking login.
                A :class:`~chattz_oauth_async.accounts.SessionUser` (what a
                session signed in by a Chattz login says, unchecked) has its
                link and user checked in the statement that links, instead
                of a :meth:`session_account` call before.

        Raises:
            LinkRefused: A linking login, and its user is not ``signed_in_user_id``.
            InactiveUser: The Chattz account's local user is inactive; nothing written.
            AccountLinkedElsewhere: A linking login of a Chattz account linked
                to another local user.
            SignupsClosed: A plain login of a Chattz user with no link, and
                sign-ups are closed.
            AccountError: The user cannot be stored (an id out of range).
            AccountStoreError: The database failed; nothing was written.
            ConfigurationError: ``login`` is not a LoginRequest, or the clock
                gave a time with no time zone.
        """
        if not isinstance(login, LoginRequest):
            raise ConfigurationError("sign_in needs the completed login: login=<LoginRequest>")
        profile = _profile(user)
        target = _link_target(login.link_user_id, signed_in_user_id)
        session = None
        if target is not None and isinstance(signed_in_user_id, SessionUser):
            session = signed_in_user_id.chattz_id
        return await self._sign_in(profile, target, signups=self.signups, session=session)

    async def link(self, user_id: object, user: ChattzUser) -> SignIn:
        """Link Chattz ``user`` to local user ``user_id`` without a linking login.

        A deliberate act for admin tools and migrations (a person proved who
        they are some other way); a web login links only through
        :meth:`sign_in` with a linking login. Linking a Chattz account that
        is ``user_id``'s already just refreshes its profile.

        Raises:
            AccountLinkedElsewhere: The Chattz account is linked to another local user.
            AccountError: ``user_id`` is not a user id, or ``user`` cannot be stored.
            AccountStoreError: The database failed; nothing was written.
        """
        target = user_id_text(user_id)
        return await self._sign_in(_profile(user), target, signups=False)

    async def _sign_in(
        self, profile: Profile, current: str | None, *, signups: bool, session: int | None = None
    ) -> SignIn:
        chattz_id = profile.chattz_id
        # The common cases in one round trip, when the store can: a returning login, a first
        # login, a linking login (its session checked in the same statement). Anything else
        # (someone else's link, inactive, gone, a stale session, a lost race) comes back None,
        # nothing written, and takes the full path below.
        now = self._now()
        once = getattr(self.store, "sign_in_once", None)
        if once is not None:
            found = await once(profile, now, user_id=current, session=session, signups=signups)
            if found is not None:
                account, outcome = found
                if outcome is not Outcome.SIGNED_IN:
                    logger.info("accounts: Chattz user %s %s", chattz_id, outcome.value)
                return SignIn(account, outcome)
        # A session not checked yet (or that failed the check) is asked on its own.
        if (
            session is not None
            and current is not None
            and await self.session_account(current, session) is None
        ):
            logger.info("accounts: refused a linking login whose session no longer stands")
            raise LinkRefused("this login was started to link an account that is not signed in now")
        for attempt in range(_ATTEMPTS):
            existing = await self.store.find(chattz_id)
            step = plan(existing, chattz_id, current, signups=signups)
            now = self._now() if attempt else now
            if existing is not None:  # plan() said UPDATE: the link is its own user's
                account = await self._returning(existing, profile, now)
                if account is not None:
                    return SignIn(account, Outcome.SIGNED_IN)
                continue  # unlinked, relinked or its user deleted meanwhile: plan again
            if step is Step.LINK and current is not None:  # plan() links only a signed-in user
                account, made = await self.store.link(profile, current, now)
                outcome = Outcome.LINKED
            else:
                account, made = await self.store.create(profile, now)
                outcome = Outcome.CREATED
            if made:
                logger.info("accounts: Chattz user %s %s", chattz_id, outcome.value)
                return SignIn(account, outcome)
            # Another login linked this Chattz id first: sign in with that link.
            check_link(account, current)
        raise AccountError("the account link kept changing during the sign-in; try again")

    async def _returning(
        self, existing: Account, profile: Profile, now: dt.datetime
    ) -> Account | None:
        """Sign in with an existing link: its user must exist and be active.

        Raises:
            InactiveUser: The link's user is inactive; nothing was written.
        """
        active = await self.store.is_active(existing.user_id)
        if active is None:
            # A deleted user's link must never sign anyone in (a reused id would be a stranger).
            logger.warning(
                "accounts: Chattz user %s was linked to a local user that no longer exists; "
                "the link is removed",
                existing.chattz_id,
            )
            await self.store.unlink(existing.user_id, existing.chattz_id, guard=False)
            return None
        if not active:
            logger.info(
                "accounts: refused Chattz user %s: the local user is inactive", existing.chattz_id
            )
            raise InactiveUser("the local account of this Chattz user is disabled")
        # Written only if the link is still that user's (the condition is in the UPDATE).
        return await self.store.update(profile, now, user_id=existing.user_id)

    def _now(self) -> dt.datetime:
        now = self.clock()
        if not isinstance(now, dt.datetime) or now.utcoffset() is None:
            raise ConfigurationError("the accounts' clock must return an aware datetime")
        # Stored in UTC: SQLite keeps no offset, and reads are tagged UTC.
        return now.astimezone(dt.UTC)

    async def unlink(self, user_id: object, chattz_id: int) -> bool:
        """Remove the link of ``chattz_id`` from ``user_id``; True if there was one.

        The local user stays; a link of ``chattz_id`` to another user is left
        alone (False). A user's last way in is never removed: with no other
        link and no usable password, :class:`~chattz_oauth_async.UnlinkRefused`
        (django-allauth's disconnect guard refuses the same way). Chattz has no
        token revocation endpoint: unlinking forgets the link here only; the
        person's Chattz account, and any grant they gave this app, stay. A
        removal is then the ``UNLINK`` event (:mod:`chattz_oauth_async.events`).

        Raises:
            UnlinkRefused: It is the user's last way in; nothing was removed.
            AccountError: ``user_id`` or ``chattz_id`` is not an id.
            AccountStoreError: The database failed.
        """
        user, chattz = user_id_text(user_id), _chattz_id(chattz_id)
        removed = await self.store.unlink(user, chattz)
        if removed:
            emit(Event(EventKind.UNLINK, chattz_id=chattz, user_id=user))
        return removed

    async def session_account(self, user_id: object, chattz_id: object) -> Account | None:
        """The account a session signed in by a Chattz login still stands for, or None.

        Ask it at every request that reads such a session (``user_id`` and
        ``chattz_id`` as the login wrote them). None, and the caller clears
        the session, when the link is gone or now another user's, or its user
        was deleted or made inactive (the refusal :meth:`sign_in` gives a new
        login, applied to sessions already open, as Django's auth middleware
        does). Values that are not ids (a tampered or old session) are None too.

        Raises:
            AccountStoreError: The database failed.
        """
        if type(chattz_id) is not int or not 0 < chattz_id <= MAX_CHATTZ_ID:
            return None
        try:
            user = user_id_text(user_id)
        except AccountError:
            return None
        check = getattr(self.store, "session_account", None)
        if check is not None:  # the store asks it in one statement
            account: Account | None = await check(user, chattz_id)
            if account is None:
                logger.info("accounts: a session whose link or user is gone; signed out")
            return account
        account = await self.store.find(chattz_id)
        if account is None or account.user_id != user:
            return None
        if await self.store.is_active(user) is not True:
            logger.info("accounts: a session of an inactive or deleted local user; signed out")
            return None
        return account

    async def find(self, chattz_id: int) -> Account | None:
        """The account linked to ``chattz_id``, or None.

        Raises:
            AccountError: ``chattz_id`` is not a Chattz id.
            AccountStoreError: The database failed.
        """
        return await self.store.find(_chattz_id(chattz_id))

    async def accounts_of(self, user_id: str) -> list[Account]:
        """The Chattz accounts linked to local user ``user_id``, oldest link first.

        Raises:
            AccountError: ``user_id`` is not a user id.
            AccountStoreError: The database failed.
        """
        return await self.store.accounts_of(user_id_text(user_id))


def _profile(user: ChattzUser) -> Profile:
    profile = Profile.from_user(user)
    if profile.cleaned:
        logger.info("accounts: profile fields cleaned: %s", ", ".join(profile.cleaned))
    return profile


def _link_target(link_user_id: str | None, signed_in_user_id: object) -> str | None:
    """Who a completed login links to: nobody for a plain login, else its still-signed-in user.

    Raises:
        LinkRefused: A linking login, but its user is not the one signed in now.
    """
    if link_user_id is None:
        return None  # a plain login: whoever is signed in is not asked
    if isinstance(signed_in_user_id, SessionUser):
        signed_in_user_id = signed_in_user_id.user_id
    try:
        signed_in = None if signed_in_user_id is None else user_id_text(signed_in_user_id)
    except AccountError:
        signed_in = None  # not an id this login could have been sealed for
    if signed_in != link_user_id:
        logger.info("accounts: refused a linking login whose user is not signed in any more")
        raise LinkRefused("this login was started to link an account that is not signed in now")
    return link_user_id


def _chattz_id(value: object) -> int:
    if type(value) is not int or not 0 < value <= MAX_CHATTZ_ID:
        raise AccountError("a Chattz id is an int from 1 to 2**63 - 1")
    return value
