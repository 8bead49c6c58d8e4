"""local_username: a new Django user's name, never confusable with an existing one (pure)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from django.contrib.auth.validators import UnicodeUsernameValidator  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from chattz_oauth_async.accounts import Profile
from chattz_oauth_async.accounts._values import MAX_CHATTZ_ID
from chattz_oauth_async.errors import AccountError, ConfigurationError
from chattz_oauth_async.integrations.django._usernames import local_username
from chattz_oauth_async.models import ChattzUser
from tests.helpers import PROPERTY

#: Django's default username rule (``User.username``), as Django itself spells it.
DJANGO_USERNAME = re.compile(UnicodeUsernameValidator.regex, UnicodeUsernameValidator.flags)


def named(username: str, chattz_id: int = 123) -> Profile:
    """The profile of a Chattz user called ``username``."""
    return Profile.from_user(ChattzUser(id=chattz_id, username=username))


@pytest.mark.parametrize(
    ("username", "local"),
    [
        ("john.doe", "john.doe"),
        ("j_d+x@y-z", "j_d+xy-z"),
        ("ceo@victim.example", "ceovictim.example"),
        ("John Doe!", "johndoe"),
        ("Admin", "admin"),
        ("ﬁnn", "finn"),  # NFKC first: the ligature is the two letters it looks like
        ("ＡＤＭＩＮ", "admin"),  # full-width letters
        ("<script>", "script"),
        ("Jöhn", "chattz-123"),
        ("аdmin", "chattz-123"),  # a Cyrillic "а"
        ("\u1100 \u1161", "chattz-123"),  # Hangul jamo that render as 가 once the space goes
        ("가", "chattz-123"),
        ("😀 🎉", "chattz-123"),
    ],
)
def test_local_username_is_ascii_lowercase_or_the_chattz_id(username: str, local: str) -> None:
    """NFKC, then ASCII only, lowercased, reduced to [a-z0-9._+-]; else chattz-<id>."""
    assert local == local_username(named(username))


def test_names_that_render_alike_never_make_two_different_usernames() -> None:
    """Hangul jamo vs the syllable, Cyrillic vs Latin, case: no two look-alike local names."""
    pairs = [("\u1100 \u1161", "가"), ("аdmin", "admin"), ("Admin", "admin")]
    made = [(local_username(named(a)), local_username(named(b, 124))) for a, b in pairs]
    rendered_alike = [
        unicodedata.normalize("NFC", x.replace(" ", "")).casefold()
        == unicodedata.normalize("NFC", y.replace(" ", "")).casefold()
        and x != y
        for x, y in made
    ]
    assert ([False] * 3, ("chattz-123", "chattz-124")) == (rendered_alike, made[0])


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


@pytest.mark.parametrize(
    ("attempt", "limit"), [(-1, 150), (1, 4), (2, 6), (1.0, 150), ("1", 150), (0, "150"), (0, None)]
)
def test_local_username_refuses_what_cannot_be_a_name(attempt: Any, limit: Any) -> None:
    """A negative or non-int attempt, a non-int limit, or one too small: ConfigurationError."""
    with pytest.raises(ConfigurationError):
        local_username(named("john"), attempt, limit=limit)


@pytest.mark.parametrize("profile", [None, "john", ChattzUser(id=1, username="john")])
def test_local_username_needs_a_profile(profile: Any) -> None:
    """Anything but a Profile is an AccountError, not an AttributeError."""
    with pytest.raises(AccountError):
        local_username(profile)


@PROPERTY
@given(
    username=st.text(max_size=300),
    chattz_id=st.integers(1, MAX_CHATTZ_ID),
    attempts=st.integers(1, 30),
)
def test_local_usernames_are_valid_distinct_and_bounded(
    username: str, chattz_id: int, attempts: int
) -> None:
    """Every candidate is ASCII lowercase, passes Django's validator, fits, and differs."""
    profile = named(username, chattz_id)
    names = [local_username(profile, attempt) for attempt in range(attempts)]
    valid = [
        bool(DJANGO_USERNAME.match(name)) and len(name) <= 150 and name == name.lower().strip()
        for name in names
    ]
    assert ([True] * attempts, attempts, []) == (
        valid,
        len(set(names)),
        [name for name in names if not name.isascii() or "@" in name],
    )
