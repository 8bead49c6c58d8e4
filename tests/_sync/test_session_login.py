# GENERATED from tests/_async/test_session_login.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The login flow through the session: replays, duplicate deliveries, PKCE (checklist 3, 12).

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from chattz_oauth_async import (
    ChattzOAuthError,
    ConfigurationError,
    LoginRequest,
    StateMismatchError,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import sync_gather

from .support import (
    token_requests,
)


KEY = "a login-state key of 32 bytes.."


# --- 3, 12: the flow --------------------------------------------------------------


@pytest.mark.checklist(3)
def test_checklist_03_replayed_callback_exchanges_at_most_once(fake: FakeChattz) -> None:
    """Line 3: a replayed callback is refused without a second code exchange."""
    with fake.sync_session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        chattz.complete_login(callback, login)
        with pytest.raises(StateMismatchError):
            chattz.complete_login(callback, login)
    assert 1 == token_requests(fake)


@pytest.mark.checklist(3)
def test_checklist_03_callback_delivered_twice_at_once(fake: FakeChattz) -> None:
    """Line 3: the same callback delivered twice concurrently succeeds at most once."""
    outcomes: list[str] = []
    with fake.sync_session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)

        def complete() -> None:
            try:
                chattz.complete_login(callback, login)
                outcomes.append("ok")
            except ChattzOAuthError as exc:
                outcomes.append(type(exc).__name__)

        sync_gather([complete, complete])
    assert ["StateMismatchError", "ok"] == sorted(outcomes)
    assert 1 == token_requests(fake)


@pytest.mark.checklist(12)
def test_checklist_12_pkce_verifier_missing_at_callback_fails_before_exchange(
    fake: FakeChattz,
) -> None:
    """Line 12: with PKCE on, a login without a verifier never reaches the token endpoint."""
    with fake.sync_session(pkce=True) as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        stripped = LoginRequest(
            url=login.url,
            state=login.state,
            code_verifier=None,
            next_url=None,
            created_at=login.created_at,
        )
        with pytest.raises(ConfigurationError):
            chattz.complete_login(callback, stripped)
        with pytest.raises(ConfigurationError):
            chattz.exchange_code("some-code")
    assert 0 == token_requests(fake)


@pytest.mark.checklist(12)
def test_checklist_12_pkce_flow_sends_verifier(fake: FakeChattz) -> None:
    """Line 12: with PKCE on, the exchange carries the login's verifier."""
    with fake.sync_session(pkce=True) as chattz:
        login = chattz.start_login()
        token = chattz.complete_login(fake.authorize(login.url), login)
        user = chattz.userinfo(token)
    sent = [r.form for r in fake.requests if r.path == "/oauth/token"]
    assert ([login.code_verifier], fake.user.id) == ([f["code_verifier"] for f in sent], user.id)


# --- keyword arguments that would switch a check off --------------------------------


def test_start_login_refuses_a_code_challenge_of_its_own(fake: FakeChattz) -> None:
    """start_login() sets code_challenge itself: one passed in is a ConfigurationError."""
    with fake.sync_session(pkce=True) as chattz:
        with pytest.raises(ConfigurationError, match="code_challenge"):
            chattz.start_login(code_challenge="x" * 43)


@pytest.mark.parametrize("max_age", [float("nan"), float("inf"), "600", None])
def test_complete_login_max_age_that_would_switch_expiry_off(
    fake: FakeChattz, max_age: object
) -> None:
    """A NaN, infinite or non-number max_age is a ConfigurationError; nothing is exchanged."""
    with fake.sync_session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        with pytest.raises(ConfigurationError, match="max_age"):
            chattz.complete_login(callback, login, max_age=max_age)  # type: ignore[arg-type]
        token = chattz.complete_login(callback, login)  # still retryable
    assert (1, "Bearer") == (token_requests(fake), token.token_type)


# --- start_login: link intent and its own arguments ---------------------------------------


@pytest.mark.parametrize(
    ("given", "sealed"),
    [
        (None, None),
        ("local-42", "local-42"),
        (42, "42"),
        (uuid.UUID(int=7), "00000000-0000-0000-0000-000000000007"),
        ("u" * 64, "u" * 64),
    ],
    ids=["plain", "str", "int", "uuid", "64 characters"],
)
def test_start_login_seals_link_intent(
    fake: FakeChattz, given: object, sealed: str | None
) -> None:
    """start_login(link_user_id=...) is sealed with the login and read back as text."""
    with fake.sync_session() as chattz:
        login = chattz.start_login("/account", link_user_id=given)  # type: ignore[arg-type]
    back = LoginRequest.unseal(login.seal(KEY), KEY)
    assert (sealed, sealed, "/account") == (login.link_user_id, back.link_user_id, back.next_url)


@pytest.mark.parametrize(
    "given",
    ["", "u" * 65, "a\nb", True, 1.5, b"42", object()],
    ids=["empty", "65 characters", "newline", "bool", "float", "bytes", "object"],
)
def test_start_login_refuses_a_link_user_id_the_accounts_cannot_keep(
    fake: FakeChattz, given: object
) -> None:
    """Not a local user id of 1 to 64 printable characters: ConfigurationError, not a raw error."""
    with fake.sync_session() as chattz:
        with pytest.raises(ConfigurationError, match="link_user_id"):
            chattz.start_login(None, link_user_id=given)  # type: ignore[arg-type]


def test_start_login_takes_next_url_by_keyword_and_refuses_it_twice(
    fake: FakeChattz,
) -> None:
    """next_url= alone works; with a positional one too, or a self= extra: ConfigurationError."""
    with fake.sync_session() as chattz:
        by_keyword = chattz.start_login(next_url="/a", scope="profile")
        errors = []
        calls: list[Callable[[], object]] = [
            lambda: chattz.start_login("/a", next_url="/b"),
            lambda: chattz.start_login(**{"self": "x"}),
        ]
        for call in calls:
            with pytest.raises(ConfigurationError) as raised:
                call()
            errors.append(str(raised.value))
    assert (
        "/a",
        True,
        ["start_login() got next_url twice", "start_login() takes no 'self' authorize parameter"],
    ) == (by_keyword.next_url, "scope=profile" in by_keyword.url, errors)
