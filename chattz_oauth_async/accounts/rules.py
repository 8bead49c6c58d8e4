"""The rules of a sign-in, with no I/O: what a login does, and a local username.

:func:`plan` decides from what the store found; the sessions of
:mod:`chattz_oauth_async.accounts` carry the decision out against a store
and check what the store's insert-or-get answered with :func:`check_link`.

The rules, and the attacks they refuse (see ``docs/accounts.md``):

- An account is found by the Chattz id alone, never by e-mail or username
  (pre-account hijacking: Chattz does not say whether an e-mail is verified,
  and usernames can change hands).
- A Chattz account links to one local user. A signed-in user who completes a
  login with a Chattz account linked to someone else is refused
  (:class:`~chattz_oauth_async.AccountLinkedElsewhere`), not switched into
  the other account and not relinked.
- With sign-ups closed, a Chattz user with no link is refused
  (:class:`~chattz_oauth_async.SignupsClosed`).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Final

from ..errors import AccountLinkedElsewhere, ConfigurationError, SignupsClosed
from .values import Account, Profile

__all__ = ["Step", "check_link", "local_username", "plan"]

#: What is dropped from a Chattz username to make a local one: anything Django's default
#: validator refuses, and "@", so a local username never looks like an e-mail address
#: ("username or e-mail" login backends, and user models keyed on the e-mail).
_USERNAME_OK: Final = re.compile(r"[^\w.+-]")


class Step(enum.Enum):
    """What a sign-in must do next."""

    #: The link exists and belongs to whoever is signing in: refresh the profile.
    UPDATE = "update"
    #: No link, a user is signed in: link the Chattz account to them.
    LINK = "link"
    #: No link, nobody signed in, sign-ups open: create a user and link it.
    CREATE = "create"


def plan(
    existing: Account | None, chattz_id: int, current_user_id: str | None, *, signups: bool
) -> Step:
    """The next step of a sign-in, from the link the store found (or None).

    Raises:
        AccountLinkedElsewhere: ``existing`` belongs to a user other than the
            signed-in ``current_user_id``.
        SignupsClosed: No link, nobody signed in, and ``signups`` is False.
    """
    if existing is not None:
        check_link(existing, current_user_id)
        return Step.UPDATE
    if current_user_id is not None:
        return Step.LINK
    if not signups:
        raise SignupsClosed(chattz_id)
    return Step.CREATE


def check_link(account: Account, current_user_id: str | None) -> None:
    """Refuse ``account`` if a user is signed in and the link is someone else's.

    Raises:
        AccountLinkedElsewhere: As above.
    """
    if current_user_id is not None and account.user_id != current_user_id:
        raise AccountLinkedElsewhere(account.chattz_id)


def local_username(profile: Profile, attempt: int = 0, *, limit: int = 150) -> str:
    """A local username for a new user: the ``attempt``-th candidate when earlier ones are taken.

    The Chattz username reduced to what Django's username validator accepts,
    less ``@`` (a local username never looks like an e-mail address); then
    ``-<chattz id>`` from the first retry, then ``-<chattz id>-<n>``: a local
    user who already has the name keeps it, and the new account gets its own.
    Never longer than ``limit``: the name is cut to leave room for the suffix.

    Raises:
        ConfigurationError: ``attempt`` is negative, or ``limit`` cannot hold the suffix
            of ``attempt`` and one character of the name.
    """
    if attempt < 0:
        raise ConfigurationError("attempt counts from 0")
    name = unicodedata.normalize("NFKC", profile.username)
    base = _USERNAME_OK.sub("", name) or "chattz"
    suffix = ""
    if attempt:
        suffix = f"-{profile.chattz_id}" if attempt == 1 else f"-{profile.chattz_id}-{attempt}"
    room = limit - len(suffix)
    if room < 1:
        raise ConfigurationError(f"a username of at most {limit} characters cannot hold {suffix!r}")
    return base[:room] + suffix
