"""accounts._values: Profile.from_user cleans any ChattzUser into storable values, or refuses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chattz_oauth_async.accounts._values import (
    MAX_AVATAR,
    MAX_CHATTZ_ID,
    MAX_EMAIL,
    MAX_NAME,
    PROFILE_COLUMNS,
    Account,
    Outcome,
    Profile,
    SessionUser,
    SignIn,
)
from chattz_oauth_async.errors import AccountError, ConfigurationError, ProviderError
from chattz_oauth_async.models import ChattzUser
from chattz_oauth_async.protocol import parse_userinfo_response
from tests.helpers import PROPERTY

NOW = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def user(**fields: Any) -> ChattzUser:
    """A ChattzUser like the documentation's, with ``fields`` replaced."""
    values: dict[str, Any] = {
        "id": 123,
        "username": "johndoe",
        "email": "john@example.com",
        "first_name": "John",
        "last_name": "Doe",
        "avatar": "https://chattz.net/avatars/123.png",
    }
    return ChattzUser(**{**values, **fields})


def test_clean_user_is_kept_as_sent() -> None:
    """A well-formed user's fields are kept unchanged, and nothing is named as cleaned."""
    profile = Profile.from_user(user())
    expected = (123, "johndoe", "john@example.com", "John", "Doe")
    assert (*expected, "https://chattz.net/avatars/123.png", ()) == (
        profile.chattz_id,
        profile.username,
        profile.email,
        profile.first_name,
        profile.last_name,
        profile.avatar,
        profile.cleaned,
    )


def test_overlong_names_are_cut_to_max_name() -> None:
    """Username, first and last name longer than MAX_NAME are cut to it, and named."""
    profile = Profile.from_user(
        user(username="u" * 1000, first_name="f" * 151, last_name="l" * 150)
    )
    assert ("u" * MAX_NAME, "f" * MAX_NAME, "l" * MAX_NAME, ("username", "first_name")) == (
        profile.username,
        profile.first_name,
        profile.last_name,
        profile.cleaned,
    )


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("jo\x00hn", "john"),
        ("jo\x07hn\x1b[31m", "john[31m"),
        ("a\tb\n\nc\r\n", "a b c"),
        ("  spaced   out  ", "spaced out"),
        ("x\ud800y\udfffz", "xyz"),
        ("zero\u200bwidth\u202eflip", "zerowidthflip"),
        ("line\u2028sep", "line sep"),
        ("private\ue000use", "privateuse"),
    ],
)
def test_unprintable_characters_are_removed(sent: str, kept: str) -> None:
    """NUL, control and format characters and lone surrogates go; whitespace folds to one space."""
    profile = Profile.from_user(user(first_name=sent))
    assert (kept, ("first_name",)) == (profile.first_name, profile.cleaned)


def test_cut_never_leaves_a_trailing_space() -> None:
    """A cut that ends on a space drops it: the stored name is a fixed point of cleaning."""
    profile = Profile.from_user(user(last_name="a" * 149 + " bcd"))
    assert "a" * 149 == profile.last_name


@pytest.mark.parametrize("sent", ["", "\x00", "   ", "\u200b\u200c", "\ud800"])
def test_username_that_cleans_to_nothing_becomes_chattz_id(sent: str) -> None:
    """A username with nothing printable left is replaced by chattz-<id>."""
    profile = Profile.from_user(user(id=42, username=sent))
    assert ("chattz-42", ("username",)) == (profile.username, profile.cleaned)


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "john",
        "john@localhost",
        "@example.com",
        "john@",
        "john@@example.com",
        "a@b@example.com",
        "john doe@example.com",
        "john@example.com\n",
        "jo\x00hn@example.com",
        "jo\ud800@example.com",
        "john@.",
        "x" * MAX_EMAIL + "@example.com",
        '"><svg/onload=alert(1)>@x.example',
        "a'b@example.com",
        '"john doe"@example.com',
        "john@[127.0.0.1]",
        "john<x>@example.com",
    ],
)
def test_email_that_is_not_an_address_is_dropped(sent: str) -> None:
    """An e-mail that is not local@domain.tld (or is too long) is dropped, and named."""
    profile = Profile.from_user(user(email=sent))
    assert (None, ("email",)) == (profile.email, profile.cleaned)


@pytest.mark.parametrize(
    "sent", ["jane.doe+tag@example.com", "ü@exämple.de", "a@b.co", "x" * 240 + "@example.com"]
)
def test_email_address_is_kept_as_sent(sent: str) -> None:
    """An address is kept exactly as Chattz sent it (never lower-cased, never trusted)."""
    assert sent == Profile.from_user(user(email=sent)).email


@pytest.mark.parametrize(
    "sent",
    [
        "http://chattz.net/a.png",
        "javascript:alert(1)",
        "JavaScript://chattz.net/%0aalert(1)",
        "data:image/png;base64,AAAA",
        "//chattz.net/a.png",
        "/avatars/a.png",
        "https:///a.png",
        "https://user:pw@chattz.net/a.png",
        "https://user@chattz.net/a.png",
        "https://:pw@chattz.net/a.png",
        "https://@chattz.net/a.png",
        "https://chattz.net:99999/a.png",
        "https://chattz.net:port/a.png",
        "https://[::1/a.png",
        "https://chattz.net/a b.png",
        "https://chattz.net/a\x00.png",
        "https://exämple.net/a.png",
        "https://chattz.net/" + "a" * MAX_AVATAR,
        "",
        'https://x.example/a"><script>alert(1)</script>',
        "https://x.example/a'onerror=alert(1)",
        "https://x.example/a`b",
        "https://x.example/a\\b",
        "https://x.example/{a}|^",
    ],
)
def test_avatar_that_is_not_a_plain_https_url_is_dropped(sent: str) -> None:
    """Non-https, javascript:, userinfo, bad ports, odd or markup characters, overlong: dropped."""
    profile = Profile.from_user(user(avatar=sent))
    assert (None, ("avatar",)) == (profile.avatar, profile.cleaned)


@pytest.mark.parametrize(
    "sent",
    [
        "https://chattz.net/a.png",
        "HTTPS://CDN.chattz.net:8443/a.png?s=64#x",
        "https://[::1]/",
        "https://x.example/a.png?s=1&t=2;v=(3),4",
    ],
)
def test_https_avatar_is_kept_as_sent(sent: str) -> None:
    """An https URL with a host and no user info is kept as sent."""
    assert sent == Profile.from_user(user(avatar=sent)).avatar


def test_cleaned_names_every_field_changed() -> None:
    """cleaned lists the changed fields in field order, and is not part of equality."""
    profile = Profile.from_user(
        user(username="", email="nope", first_name="A\x00", last_name=None, avatar="http://x/")
    )
    assert (
        ("username", "email", "first_name", "avatar"),
        Profile(123, "chattz-123", None, "A"),
    ) == (
        profile.cleaned,
        profile,
    )


def test_fields_that_are_not_text_are_dropped() -> None:
    """A stored row holding non-text fields loses them, not the login (a ChattzUser
    cannot hold them: its constructor refuses them)."""
    row = {"username": 7, "email": ["a@b.c"], "first_name": b"x", "last_name": None, "avatar": 1}
    profile = Profile._cleaned(123, row)
    expected = ("chattz-123", None, None, None, ("username", "email", "first_name", "avatar"))
    assert expected == (
        profile.username,
        profile.email,
        profile.first_name,
        profile.avatar,
        profile.cleaned,
    )


@pytest.mark.parametrize("chattz_id", [0, -1, MAX_CHATTZ_ID + 1, 2**100])
def test_id_that_cannot_be_stored_is_an_account_error(chattz_id: Any) -> None:
    """An id outside 1..2**63-1 cannot key an account: AccountError."""
    with pytest.raises(AccountError, match="Chattz id"):
        Profile.from_user(user(id=chattz_id))


@pytest.mark.parametrize("chattz_id", [True, 1.0, "123", None])
def test_id_that_is_not_an_int_is_refused_by_chattz_user(chattz_id: Any) -> None:
    """An id that is not an int cannot even make a ChattzUser; a stored row's is an AccountError."""
    with pytest.raises(ConfigurationError) as caught:
        user(id=chattz_id)
    with pytest.raises(AccountError, match="Chattz id"):
        Profile._cleaned(chattz_id, dict.fromkeys(PROFILE_COLUMNS, "x"))
    assert "id must be a whole number" == str(caught.value)


def test_largest_storable_id_is_accepted() -> None:
    """2**63 - 1 fits a signed 64-bit column and is accepted."""
    assert MAX_CHATTZ_ID == Profile.from_user(user(id=MAX_CHATTZ_ID)).chattz_id


def test_from_user_refuses_what_is_not_a_chattz_user() -> None:
    """Only the ChattzUser of a completed login becomes a profile."""
    with pytest.raises(AccountError, match="ChattzUser"):
        Profile.from_user({"id": 1, "username": "x"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "a\x00"},
        {"username": " a"},
        {"username": "a  b"},
        {"username": ""},
        {"username": "u" * (MAX_NAME + 1)},
        {"username": None},
        {"first_name": ""},
        {"last_name": "\ud800"},
        {"email": "not-an-address"},
        {"email": ""},
        {"avatar": "http://chattz.net/a.png"},
        {"avatar": "javascript:alert(1)"},
    ],
)
def test_constructor_refuses_unclean_values(fields: dict[str, Any]) -> None:
    """Profile(...) only takes values from_user would keep: AccountError otherwise."""
    values: dict[str, Any] = {"chattz_id": 1, "username": "ok", **fields}
    with pytest.raises(AccountError):
        Profile(**values)


def test_display_name_prefers_names_then_username() -> None:
    """display_name is 'first last' when known, else the username."""
    names = [
        Profile(1, "jd", first_name="John", last_name="Doe").display_name,
        Profile(1, "jd", last_name="Doe").display_name,
        Profile(1, "jd").display_name,
    ]
    assert ["John Doe", "Doe", "jd"] == names


def test_account_and_sign_in_expose_their_ids() -> None:
    """Account.chattz_id is its profile's; SignIn.user_id is its account's."""
    account = Account(user_id="7", profile=Profile(9, "x"), linked_at=NOW, last_login_at=NOW)
    assert (9, "7") == (account.chattz_id, SignIn(account, Outcome.CREATED).user_id)


#: Text with the characters that break databases: NUL, controls, lone surrogates, long runs.
hostile_text = st.text(
    st.characters() | st.sampled_from("\x00\n\t \u200b\ud800\udfff@:/."),
    max_size=400,
)
optional_text = st.none() | hostile_text | st.just("https://chattz.net/a.png")


@PROPERTY
@given(
    chattz_id=st.integers() | st.booleans() | st.none() | hostile_text,
    username=st.none() | hostile_text | st.integers(),
    email=optional_text | st.builds(lambda a, b: f"{a}@{b}", hostile_text, hostile_text),
    first_name=optional_text,
    last_name=optional_text | st.integers(),
    avatar=optional_text | st.builds("https://{}".format, hostile_text),
)
def test_any_parsed_user_gives_a_profile_or_an_account_error(
    chattz_id: Any, username: Any, email: Any, first_name: Any, last_name: Any, avatar: Any
) -> None:
    """Whatever userinfo the parser accepts becomes a storable Profile or an AccountError."""
    data = {
        "id": chattz_id,
        "username": username,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "avatar": avatar,
    }
    body = json.dumps(data).encode()  # ASCII with \u escapes: lone surrogates survive
    try:
        parsed = parse_userinfo_response(200, body)
    except ProviderError:
        return
    try:
        profile = Profile.from_user(parsed)
    except AccountError:
        assert not (type(parsed.id) is int and 0 < parsed.id <= MAX_CHATTZ_ID)
        return
    rebuilt = Profile(
        profile.chattz_id,
        profile.username,
        email=profile.email,
        first_name=profile.first_name,
        last_name=profile.last_name,
        avatar=profile.avatar,
    )
    again = Profile.from_user(
        ChattzUser(
            id=profile.chattz_id,
            username=profile.username,
            email=profile.email,
            first_name=profile.first_name,
            last_name=profile.last_name,
            avatar=profile.avatar,
        )
    )
    lengths_fit = [
        len(profile.username) <= MAX_NAME,
        len(profile.first_name or "") <= MAX_NAME,
        len(profile.last_name or "") <= MAX_NAME,
        len(profile.email or "") <= MAX_EMAIL,
        len(profile.avatar or "") <= MAX_AVATAR,
    ]
    texts = (profile.username, profile.email, profile.first_name, profile.last_name, profile.avatar)
    storable = [storable_text(text) for text in texts if text is not None]
    assert (profile, (), [True] * 5, [True] * len(storable)) == (
        rebuilt,
        again.cleaned,
        lengths_fit,
        storable,
    )


def storable_text(text: str) -> bool:
    """Whether any database takes ``text``: UTF-8 encodable (no lone surrogate), no NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def test_stored_columns_are_read_back_cleaned() -> None:
    """A row edited by hand (or by an older version) reads as a clean profile, not an error."""
    row = {
        "chattz_id": 7,
        "user_id": 3,
        "username": "alice  smith\x00",
        "email": "not an address",
        "first_name": "Alice",
        "last_name": None,
        "avatar": "http://x.example/a.png",
        "linked_at": dt.datetime(2026, 1, 1),  # naive: written as UTC
        "last_login_at": dt.datetime(2026, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    }
    account = Account.from_columns(row)
    expected = (
        "3",
        Profile(7, "alice smith", first_name="Alice"),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 22, tzinfo=dt.UTC),
    )
    assert expected == (account.user_id, account.profile, account.linked_at, account.last_login_at)
    assert {"username", "email", "avatar"} == set(account.profile.cleaned)


def test_session_user_is_validated_when_built() -> None:
    """A SessionUser holds ids: a user id as text, a Chattz id from 1 to 2**63 - 1."""
    made = SessionUser(42, 7)
    for user_id, chattz_id in (("", 7), (True, 7), ("42", 0), ("42", "7"), ("42", 2**63)):
        with pytest.raises(AccountError):
            SessionUser(user_id, chattz_id)  # type: ignore[arg-type]
    assert ("42", 7) == (made.user_id, made.chattz_id)


def test_the_only_printable_whitespace_is_the_ascii_space() -> None:
    """The fact the fast paths of ``_clean`` and of the e-mail and avatar checks rest on
    (``_values._unprintable_or_space``): ``str.isprintable()`` is False for every
    whitespace character but the ASCII space, in this Python's Unicode database."""
    both = [code for code in range(0x110000) if chr(code).isprintable() and chr(code).isspace()]
    assert both == [0x20]
