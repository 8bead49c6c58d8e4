"""accounts._rules: what a sign-in does next, and when a link is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.validators import UnicodeUsernameValidator  # type: ignore[import-untyped]

from chattz_oauth_async.accounts._rules import Step, check_link, plan
from chattz_oauth_async.accounts._values import Account, Profile
from chattz_oauth_async.errors import (
    AccountLinkedElsewhere,
    SignupsClosed,
)

NOW = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
#: Django's default username rule (``User.username``), as Django itself spells it.
DJANGO_USERNAME = re.compile(UnicodeUsernameValidator.regex, UnicodeUsernameValidator.flags)


def account(user_id: str, chattz_id: int = 5) -> Account:
    """A link of ``chattz_id`` to local user ``user_id``."""
    return Account(
        user_id=user_id, profile=Profile(chattz_id, "x"), linked_at=NOW, last_login_at=NOW
    )


@pytest.mark.parametrize(
    ("existing", "current", "signups", "step"),
    [
        (None, None, True, Step.CREATE),
        (None, "7", True, Step.LINK),
        (None, "7", False, Step.LINK),
        (account("7"), None, True, Step.UPDATE),
        (account("7"), None, False, Step.UPDATE),
        (account("7"), "7", True, Step.UPDATE),
    ],
)
def test_plan_steps(
    existing: Account | None, current: str | None, signups: bool, step: Step
) -> None:
    """Found: update; not found with a user signed in: link; else create (sign-ups open)."""
    assert step == plan(existing, 5, current, signups=signups)


def test_plan_refuses_a_link_that_is_someone_elses() -> None:
    """A signed-in user completing a login linked to another user is refused, with the id."""
    with pytest.raises(AccountLinkedElsewhere) as caught:
        plan(account("7"), 5, "8", signups=True)
    assert 5 == caught.value.chattz_id


def test_plan_refuses_a_new_user_when_signups_are_closed() -> None:
    """No link and nobody signed in, with sign-ups closed: SignupsClosed, with the id."""
    with pytest.raises(SignupsClosed) as caught:
        plan(None, 5, None, signups=False)
    assert 5 == caught.value.chattz_id


@pytest.mark.parametrize("current", [None, "7"])
def test_check_link_accepts_the_owner_or_nobody(current: str | None) -> None:
    """The link's own user, or nobody signed in, may sign in with it."""
    check_link(account("7"), current)


def test_check_link_refuses_another_user() -> None:
    """Another signed-in user is refused: never switched, never relinked."""
    with pytest.raises(AccountLinkedElsewhere):
        check_link(account("7"), "70")
