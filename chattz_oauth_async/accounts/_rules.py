"""The rules of a sign-in, with no I/O: what a login does next.

:func:`plan` decides from what the store found; the engine
(``accounts/_async/engine.py``) carries the decision out against a store and
checks what the store's insert-or-get answered with :func:`check_link`.

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

from ..errors import AccountLinkedElsewhere, SignupsClosed
from ._values import Account

__all__ = ["Step", "check_link", "plan"]


class Step(enum.Enum):
    """What a sign-in must do next."""

    #: The link exists and belongs to whoever is signing in: refresh the profile.
    UPDATE = "update"
    #: No link, a user is signed in: link the Chattz account to them.
    LINK = "link"
    #: No link, nobody signed in, sign-ups open: create a user and link it.
    CREATE = "create"


def plan(
    existing: Account | None, chattz_id: int, linking_user_id: str | None, *, signups: bool
) -> Step:
    """The next step of a sign-in, from the link the store found (or None).

    Raises:
        AccountLinkedElsewhere: ``existing`` belongs to a user other than the
            signed-in ``linking_user_id``.
        SignupsClosed: No link, nobody signed in, and ``signups`` is False.
    """
    if existing is not None:
        check_link(existing, linking_user_id)
        return Step.UPDATE
    if linking_user_id is not None:
        return Step.LINK
    if not signups:
        raise SignupsClosed(chattz_id)
    return Step.CREATE


def check_link(account: Account, linking_user_id: str | None) -> None:
    """Refuse ``account`` if a user is signed in and the link is someone else's.

    Raises:
        AccountLinkedElsewhere: As above.
    """
    if linking_user_id is not None and account.user_id != linking_user_id:
        raise AccountLinkedElsewhere(account.chattz_id)
