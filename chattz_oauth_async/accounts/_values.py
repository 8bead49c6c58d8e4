"""What the account store reads and writes: :class:`Profile`, :class:`Account`, :class:`SignIn`.

A :class:`Profile` is the part of a :class:`~chattz_oauth_async.ChattzUser`
worth keeping, cleaned so that any database takes it: the provider's text is
untrusted, so a field that is too long is cut, one with control characters or
lone surrogates loses them, an e-mail that is not one and an avatar that is
not ``https://`` are dropped. A bad optional field never loses the login; the
names of the fields that were changed are in :attr:`Profile.cleaned`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import logging
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from .. import _checks as checks
from .._ids import user_id_text
from ..errors import AccountError, ConfigurationError
from ..models import ChattzUser

logger = logging.getLogger("chattz_oauth_async.accounts")

__all__ = [
    "ACCOUNT_COLUMNS",
    "MAX_AVATAR",
    "MAX_CHATTZ_ID",
    "MAX_EMAIL",
    "MAX_NAME",
    "PROFILE_COLUMNS",
    "UNKNOWN_TIME",
    "Account",
    "Outcome",
    "Profile",
    "SessionUser",
    "SignIn",
    "as_utc",
]

#: Longest username, first and last name kept (Django's own limit for names).
MAX_NAME: Final = 150
#: Longest e-mail address kept (RFC 5321's path limit).
MAX_EMAIL: Final = 254
#: Longest avatar URL kept.
MAX_AVATAR: Final = 2048
#: The largest Chattz id a database's signed 64-bit integer column holds.
MAX_CHATTZ_ID: Final = 2**63 - 1
#: The profile fields a store keeps, one column each (the Chattz id is the key).
PROFILE_COLUMNS: Final = ("username", "email", "first_name", "last_name", "avatar")
#: Every column of a stored link, as :meth:`Account.from_columns` reads them.
ACCOUNT_COLUMNS: Final = ("chattz_id", "user_id", *PROFILE_COLUMNS, "linked_at", "last_login_at")


def _clean(value: object, limit: int) -> str | None:
    """``value`` with whitespace folded to spaces, unprintable characters removed, cut.

    None for anything that is not text (a hand-built ChattzUser may hold anything).
    """
    if not isinstance(value, str):
        return None
    text = value
    if not value.isprintable():  # else nothing to drop: only ASCII spaces are printable spaces
        text = "".join(
            " " if ch.isspace() else ch for ch in value if ch.isprintable() or ch.isspace()
        )
    text = " ".join(text.split())[:limit].rstrip()
    return text or None


#: Characters no kept avatar holds: what RFC 3986 leaves out of URLs, and "'" (HTML
#: markup and quoting; a page that forgets to escape gets no way out of its attribute).
_NOT_IN_URL: Final = frozenset("\"'<>`\\{}|^")
#: Characters no kept e-mail holds: markup and quoting, and what only a quoted local part has.
_NOT_IN_EMAIL: Final = frozenset("\"'<>`\\()[],;:")


def _unprintable_or_space(value: str) -> bool:
    """Whether ``value`` holds a character that is not printable, or whitespace.

    ``str.isprintable()`` is False for every whitespace character but the ASCII space.
    """
    return not value.isprintable() or " " in value


def _email(value: object) -> str | None:
    """An address of the form ``local@domain``, as sent, or None: never trusted for linking."""
    if not isinstance(value, str) or len(value) > MAX_EMAIL or value.count("@") != 1:
        return None
    if not _NOT_IN_EMAIL.isdisjoint(value):
        return None
    local, _, domain = value.partition("@")
    if not local or "." not in domain.strip("."):
        return None
    if _unprintable_or_space(value):
        return None
    return value


def _avatar(value: object) -> str | None:
    """An ``https://`` URL with a host, as sent, or None (this library never fetches it)."""
    if not isinstance(value, str) or len(value) > MAX_AVATAR or not value.isascii():
        return None
    if not _NOT_IN_URL.isdisjoint(value):
        return None
    if _unprintable_or_space(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is not one)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not host or parts.username is not None:
        return None
    return value


@attrs.frozen
class Profile:
    """The profile fields an account keeps, refreshed at every login.

    Build it with :meth:`from_user`; the constructor only accepts values that
    are already clean (it raises :class:`~chattz_oauth_async.AccountError`
    otherwise), so a stored profile always fits its columns.

    Attributes:
        chattz_id: The Chattz user id: the only key an account is found by.
        username: The Chattz username (display only: usernames can change hands).
        email: The e-mail address as Chattz sent it, or None. Chattz does not
            say whether it is verified: never link or find accounts by it.
        first_name: Given name, or None.
        last_name: Family name, or None.
        avatar: An ``https://`` avatar URL, or None.
        cleaned: Names of the fields :meth:`from_user` cut, cleaned or dropped.
    """

    chattz_id: int
    username: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    avatar: str | None = None
    cleaned: tuple[str, ...] = attrs.field(default=(), eq=False)

    def __attrs_post_init__(self) -> None:
        if not (
            isinstance(self.cleaned, tuple)
            and all(name in PROFILE_COLUMNS for name in self.cleaned)
        ):
            raise AccountError("a Profile's cleaned must be a tuple of profile field names")
        if type(self.chattz_id) is not int or not 0 < self.chattz_id <= MAX_CHATTZ_ID:
            raise AccountError(
                "a Chattz id must be a whole number from 1 to 2**63 - 1 to be stored"
            )
        for name in ("username", "first_name", "last_name"):
            value = getattr(self, name)
            if value is None and name != "username":
                continue
            if not isinstance(value, str) or _clean(value, MAX_NAME) != value:
                raise AccountError(f"a Profile's {name} must be cleaned text (Profile.from_user)")
        if self.email is not None and _email(self.email) != self.email:
            raise AccountError("a Profile's email must be an address (Profile.from_user)")
        if self.avatar is not None and _avatar(self.avatar) != self.avatar:
            raise AccountError("a Profile's avatar must be an https URL (Profile.from_user)")

    @classmethod
    def from_user(cls, user: ChattzUser) -> Profile:
        """The storable profile of ``user``; bad optional fields are cleaned or dropped.

        A username that cleans to nothing becomes ``chattz-<id>``.

        Raises:
            AccountError: ``user`` is not a ChattzUser, or its id cannot be
                stored (not from 1 to 2**63 - 1): no account can be keyed on it.
        """
        if not isinstance(user, ChattzUser):
            raise AccountError("accounts are made from the ChattzUser of a completed login")
        return cls._cleaned(user.id, {name: getattr(user, name) for name in PROFILE_COLUMNS})

    @classmethod
    def _cleaned(cls, chattz_id: int, fields: Mapping[str, object]) -> Profile:
        # The one cleaning path: a login's userinfo, and a stored row read back (a row
        # edited by hand, or written by an older version, must not lock its user out).
        values = {
            "username": _clean(fields["username"], MAX_NAME) or f"chattz-{chattz_id}",
            "email": _email(fields["email"]),
            "first_name": _clean(fields["first_name"], MAX_NAME),
            "last_name": _clean(fields["last_name"], MAX_NAME),
            "avatar": _avatar(fields["avatar"]),
        }
        cleaned = tuple(name for name, value in values.items() if value != fields[name])
        return cls(chattz_id, cleaned=cleaned, **values)  # type: ignore[arg-type]

    @property
    def display_name(self) -> str:
        """First and last name when known, else the username."""
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.username

    def columns(self) -> dict[str, str | None]:
        """The stored profile fields by column name (the Chattz id aside): what a store writes."""
        return {name: getattr(self, name) for name in PROFILE_COLUMNS}


def _aware(_: object, attribute: Any, value: Any) -> None:
    if not (isinstance(value, dt.datetime) and value.utcoffset() is not None):
        raise ConfigurationError(f"{attribute.name} must be a timezone-aware datetime")


@attrs.frozen
class Account:
    """A Chattz account linked to a local user, as the store has it.

    Attributes:
        user_id: The local user's id (the app's primary key, as text).
        profile: The Chattz profile, as of the last login.
        linked_at: When the link was made (UTC).
        last_login_at: When the Chattz account last signed in (UTC).
    """

    user_id: str = attrs.field(validator=checks.validator(checks.instance, kind=str, what="a str"))
    profile: Profile = attrs.field(
        validator=checks.validator(checks.instance, kind=Profile, what="a Profile")
    )
    linked_at: dt.datetime = attrs.field(validator=_aware)
    last_login_at: dt.datetime = attrs.field(validator=_aware)

    @property
    def chattz_id(self) -> int:
        """The Chattz user id of the link."""
        return self.profile.chattz_id

    @classmethod
    def from_columns(cls, row: Mapping[Any, Any]) -> Account:
        """The account of a stored link: ``row`` maps each of :data:`ACCOUNT_COLUMNS` to its value.

        A naive time is taken as UTC (SQLite, and Django with ``USE_TZ = False``, keep
        no offset; what was written was UTC); an aware one is converted to UTC. The
        profile is cleaned as at a login, so a row edited by hand still reads.
        """
        if not isinstance(row, Mapping) or not all(name in row for name in ACCOUNT_COLUMNS):
            raise ConfigurationError(
                "row must map each of ACCOUNT_COLUMNS (chattz_id, user_id, the profile "
                "fields, linked_at, last_login_at) to its value"
            )
        profile = Profile._cleaned(row["chattz_id"], row)
        return cls(
            user_id=str(row["user_id"]),
            profile=profile,
            linked_at=as_utc(row["linked_at"]),
            last_login_at=as_utc(row["last_login_at"]),
        )


#: What a stored time that is not one (edited by hand) reads as.
UNKNOWN_TIME: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def as_utc(value: object) -> dt.datetime:
    """A stored time in UTC; text is parsed (SQLite keeps any type in any column).

    A value that is not a time (free text or a number typed into the table by
    hand) reads as :data:`UNKNOWN_TIME`, so the row still signs its user in.
    """
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.datetime.fromisoformat(value.strip())
    if not isinstance(value, dt.datetime):
        logger.warning("accounts: a stored time is not a time; read as %s", UNKNOWN_TIME)
        return UNKNOWN_TIME
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Outcome(enum.Enum):
    """What :meth:`~chattz_oauth_async.accounts.AsyncAccounts.sign_in` did."""

    #: The Chattz account was linked already: its user signs in.
    SIGNED_IN = "signed_in"
    #: A new local user was created and linked.
    CREATED = "created"
    #: The Chattz account was linked to the user who was signed in.
    LINKED = "linked"


@attrs.frozen
class SignIn:
    """The result of a sign-in: the account to log in, and how it came about.

    Attributes:
        account: The linked account; log ``account.user_id`` in.
        outcome: Whether it existed, was created, or was just linked.
    """

    account: Account = attrs.field(
        validator=checks.validator(checks.instance, kind=Account, what="an Account")
    )
    outcome: Outcome = attrs.field(
        validator=checks.validator(checks.instance, kind=Outcome, what="an Outcome")
    )

    @property
    def user_id(self) -> str:
        """The local user to log in."""
        return self.account.user_id


def _session_chattz_id(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 0 < value <= MAX_CHATTZ_ID:
        raise AccountError("a Chattz id is an int from 1 to 2**63 - 1")


@attrs.frozen
class SessionUser:
    """Who a session signed in by a Chattz login says is signed in, not yet checked.

    Pass it as ``signed_in_user_id`` to
    :meth:`~chattz_oauth_async.accounts.AsyncAccounts.sign_in` at a linking
    login's callback instead of checking the session first
    (:meth:`~chattz_oauth_async.accounts.AsyncAccounts.session_account`): the
    store checks that the link ``chattz_id`` is still ``user_id``'s, and the
    user active, in the statement that links (one round trip instead of two).
    A session that no longer stands makes the login :class:`~chattz_oauth_async.LinkRefused`,
    nothing written.

    Attributes:
        user_id: The session's local user (an id: str, int or UUID; kept as text).
        chattz_id: The Chattz account the session signed in with.

    Raises:
        AccountError: ``user_id`` is not a user id, or ``chattz_id`` not a Chattz id.
    """

    user_id: str = attrs.field(converter=user_id_text)
    chattz_id: int = attrs.field(validator=_session_chattz_id)
