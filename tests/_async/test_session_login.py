"""The login flow through the session: replays, duplicate deliveries, PKCE (checklist 3, 12).

Written once for AsyncChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import pytest

from chattz_oauth_async import (
    ChattzOAuthError,
    ConfigurationError,
    LoginRequest,
    StateMismatchError,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import async_gather

from .support import (
    token_requests,
)

pytestmark = pytest.mark.anyio


# --- 3, 12: the flow --------------------------------------------------------------


@pytest.mark.checklist(3)
async def test_checklist_03_replayed_callback_exchanges_at_most_once(fake: FakeChattz) -> None:
    """Line 3: a replayed callback is refused without a second code exchange."""
    async with fake.session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        await chattz.complete_login(callback, login)
        with pytest.raises(StateMismatchError):
            await chattz.complete_login(callback, login)
    assert 1 == token_requests(fake)


@pytest.mark.checklist(3)
async def test_checklist_03_callback_delivered_twice_at_once(fake: FakeChattz) -> None:
    """Line 3: the same callback delivered twice concurrently succeeds at most once."""
    outcomes: list[str] = []
    async with fake.session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)

        async def complete() -> None:
            try:
                await chattz.complete_login(callback, login)
                outcomes.append("ok")
            except ChattzOAuthError as exc:
                outcomes.append(type(exc).__name__)

        await async_gather([complete, complete])
    assert ["StateMismatchError", "ok"] == sorted(outcomes)
    assert 1 == token_requests(fake)


@pytest.mark.checklist(12)
async def test_checklist_12_pkce_verifier_missing_at_callback_fails_before_exchange(
    fake: FakeChattz,
) -> None:
    """Line 12: with PKCE on, a login without a verifier never reaches the token endpoint."""
    async with fake.session(pkce=True) as chattz:
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
            await chattz.complete_login(callback, stripped)
        with pytest.raises(ConfigurationError):
            await chattz.exchange_code("some-code")
    assert 0 == token_requests(fake)


@pytest.mark.checklist(12)
async def test_checklist_12_pkce_flow_sends_verifier(fake: FakeChattz) -> None:
    """Line 12: with PKCE on, the exchange carries the login's verifier."""
    async with fake.session(pkce=True) as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        user = await chattz.userinfo(token)
    sent = [r.form for r in fake.requests if r.path == "/oauth/token"]
    assert ([login.code_verifier], fake.user.id) == ([f["code_verifier"] for f in sent], user.id)


# --- keyword arguments that would switch a check off --------------------------------


async def test_start_login_refuses_a_code_challenge_of_its_own(fake: FakeChattz) -> None:
    """start_login() sets code_challenge itself: one passed in is a ConfigurationError."""
    async with fake.session(pkce=True) as chattz:
        with pytest.raises(ConfigurationError, match="code_challenge"):
            chattz.start_login(code_challenge="x" * 43)


@pytest.mark.parametrize("max_age", [float("nan"), float("inf"), "600", None])
async def test_complete_login_max_age_that_would_switch_expiry_off(
    fake: FakeChattz, max_age: object
) -> None:
    """A NaN, infinite or non-number max_age is a ConfigurationError; nothing is exchanged."""
    async with fake.session() as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        with pytest.raises(ConfigurationError, match="max_age"):
            await chattz.complete_login(callback, login, max_age=max_age)  # type: ignore[arg-type]
        token = await chattz.complete_login(callback, login)  # still retryable
    assert (1, "Bearer") == (token_requests(fake), token.token_type)
