"""accounts.rules: what a sign-in does next, when a link is refused, and local usernames."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.validators import UnicodeUsernameValidator  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from chattz_oauth_async.accounts.rules import Step, check_link, local_username, plan
from chattz_oauth_async.accounts.values import MAX_CHATTZ_ID, Account, Profile
from chattz_oauth_async.errors import (
    AccountLinkedElsewhere,
    ConfigurationError,
    SignupsClosed,
)
from chattz_oauth_async.models import ChattzUser
from tests.helpers import PROPERTY

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


def named(username: str, chattz_id: int = 123) -> Profile:
    """The profile of a Chattz user called ``username``."""
    return Profile.from_user(ChattzUser(id=chattz_id, username=username))


@pytest.mark.parametrize(
    ("username", "local"),
    [
        ("john.doe", "john.doe"),
        ("j_d+x@y-z", "j_d+xy-z"),
        ("ceo@victim.example", "ceovictim.example"),
        ("John Doe!", "JohnDoe"),
        ("Jöhn", "Jöhn"),
        ("ﬁnn", "finn"),
        ("😀 🎉", "chattz"),
        ("<script>", "script"),
    ],
)
def test_local_username_keeps_what_django_accepts(username: str, local: str) -> None:
    """The Chattz username, NFKC-normalized, reduced to Django's username characters."""
    assert local == local_username(named(username))


def test_local_username_suffixes_retries_with_the_chattz_id() -> None:
    """Retry 1 appends -<chattz id>, later ones -<chattz id>-<n>."""
    names = [local_username(named("john"), attempt) for attempt in range(4)]
    assert ["john", "john-123", "john-123-2", "john-123-3"] == names


def test_local_username_cuts_the_name_to_keep_the_suffix() -> None:
    """A 150-character name is cut so that every candidate is 150 characters, suffix kept."""
    profile = named("n" * 150, MAX_CHATTZ_ID)
    names = [local_username(profile, attempt) for attempt in range(3)]
    suffixes = ["", f"-{MAX_CHATTZ_ID}", f"-{MAX_CHATTZ_ID}-2"]
    assert ([150] * 3, [True] * 3) == (
        [len(name) for name in names],
        [name.endswith(suffix) for name, suffix in zip(names, suffixes, strict=True)],
    )


def test_local_username_honours_a_smaller_limit() -> None:
    """limit bounds every candidate (a custom user model's shorter field)."""
    assert ["abcdefghij", "abcdef-123"] == [
        local_username(named("abcdefghijklmnop"), attempt, limit=10) for attempt in (0, 1)
    ]


@pytest.mark.parametrize(("attempt", "limit"), [(-1, 150), (1, 4), (2, 6)])
def test_local_username_refuses_what_cannot_be_a_name(attempt: int, limit: int) -> None:
    """A negative attempt, or a limit too small for the suffix: ConfigurationError."""
    with pytest.raises(ConfigurationError):
        local_username(named("john"), attempt, limit=limit)


@PROPERTY
@given(
    username=st.text(max_size=300),
    chattz_id=st.integers(1, MAX_CHATTZ_ID),
    attempts=st.integers(1, 30),
)
def test_local_usernames_are_valid_distinct_and_bounded(
    username: str, chattz_id: int, attempts: int
) -> None:
    """Every candidate passes Django's validator, fits 150 characters, and differs from the rest."""
    profile = named(username, chattz_id)
    names = [local_username(profile, attempt) for attempt in range(attempts)]
    valid = [bool(DJANGO_USERNAME.match(name)) and len(name) <= 150 for name in names]
    assert ([True] * attempts, attempts) == (valid, len(set(names)))
