"""Refresh tokens end to end against the fake provider (RFC 6749 section 6)."""

from __future__ import annotations

import pytest

from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ChattzOAuthError,
    ConfigurationError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    Token,
    TokenExpiredError,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import FakeClock, async_gather

pytestmark = pytest.mark.anyio


async def _log_in(fake: FakeChattz, chattz: AsyncChattzOAuth) -> Token:
    """A token from a login through ``fake``, its consent approved at once."""
    login = chattz.start_login()
    return await chattz.complete_login(fake.authorize(login.url), login)


async def _expired_holder(
    fake: FakeChattz, chattz: AsyncChattzOAuth, clock: FakeClock
) -> AsyncTokenHolder:
    """A holder of a fresh login's token, then the clock moved past its expiry."""
    holder = AsyncTokenHolder(chattz, await _log_in(fake, chattz))
    clock.advance(601)
    return holder


async def test_refresh_rotates_and_the_old_refresh_token_dies(clock: FakeClock) -> None:
    """A rotating provider returns a new refresh token; the old one gives invalid_grant."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, rotate_refresh_tokens=True)
    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        second = await chattz.refresh(first)
        with pytest.raises(OAuthError) as caught:
            await chattz.refresh(first)
        user = await chattz.userinfo(second)
    assert (True, True) == (
        second.refresh_token != first.refresh_token,
        second.access_token != first.access_token,
    )
    assert ("invalid_grant", 123) == (caught.value.error, user.id)


async def test_refresh_keeps_the_refresh_token_when_not_rotated(clock: FakeClock) -> None:
    """Without rotation the provider sends no new refresh token and the old one is kept."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, rotate_refresh_tokens=False)
    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        second = await chattz.refresh(first)
    assert first.refresh_token == second.refresh_token


async def test_holder_refreshes_once_past_expiry_and_persists_the_rotation(
    clock: FakeClock,
) -> None:
    """Ten callers after expiry cause one refresh; the hook sees the rotated token."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    saved: list[Token] = []

    async def save(token: Token) -> None:
        saved.append(token)

    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        holder = AsyncTokenHolder(chattz, first, on_update=save)
        clock.now += 601
        seen: list[str] = []

        async def use() -> None:
            seen.append((await holder.userinfo()).username)

        await async_gather([use] * 10)
    refreshes = [r for r in fake.requests if r.form.get("grant_type") == "refresh_token"]
    assert (1, ["johndoe"] * 10) == (len(refreshes), seen)
    assert [holder.token] == saved
    assert first.refresh_token != holder.token.refresh_token


async def test_expired_token_without_refresh_token_needs_a_new_login(clock: FakeClock) -> None:
    """A provider that issues no refresh token: the expired token says to log in again."""
    fake = FakeChattz(clock=clock, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        token = await _log_in(fake, chattz)
        clock.now += 601
        with pytest.raises(TokenExpiredError, match="log in again"):
            await AsyncTokenHolder(chattz, token).get()


def _refreshes(fake: FakeChattz) -> int:
    return sum(1 for r in fake.requests if r.form.get("grant_type") == "refresh_token")


async def test_waiters_share_a_failed_refresh(clock: FakeClock) -> None:
    """Six callers and a failing refresh: one POST, and all six get its error."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        holder = await _expired_holder(fake, chattz, clock)
        first = holder.token
        # The delay keeps the first refresh in flight until the others queue up.
        fake.fail_next("token", status=503, delay=0.5)
        errors: list[str] = []

        async def use() -> None:
            try:
                await holder.get()
            except ChattzOAuthError as exc:
                errors.append(type(exc).__name__)

        await async_gather([use] * 6)
    assert (1, 6, 1) == (_refreshes(fake), len(errors), len(set(errors)))
    assert first == holder.token


async def test_a_caller_after_a_failed_refresh_tries_again(clock: FakeClock) -> None:
    """The refresh failed; the next caller sends a new one, which succeeds."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        holder = await _expired_holder(fake, chattz, clock)
        fake.fail_next("token", status=503)
        with pytest.raises(ChattzOAuthError) as caught:
            await holder.get()
        second = await holder.get()
    failed = (type(caught.value), caught.value.status_code)  # type: ignore[attr-defined]
    assert (2, False, (ProviderError, 503)) == (
        _refreshes(fake),
        second.is_expired(clock.now),
        failed,
    )


async def test_holder_with_a_non_token_is_a_configuration_error(clock: FakeClock) -> None:
    """The holder names its token argument when given something other than a Token."""
    fake = FakeChattz(clock=clock)
    async with fake.session(clock=clock) as chattz:
        with pytest.raises(ConfigurationError) as caught:
            AsyncTokenHolder(chattz, "not-a-token")  # type: ignore[arg-type]
    assert "token must be a Token, not str" == str(caught.value)


REFUSED = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


async def test_holder_userinfo_refreshes_a_token_refused_before_its_time(clock: FakeClock) -> None:
    """Chattz refuses a token this machine thinks fresh: one refresh, then the user."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    saved: list[Token] = []
    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        holder = AsyncTokenHolder(chattz, first, on_update=saved.append)
        fake.revoke(first.access_token)
        user = await holder.userinfo()
    assert (123, 1, [holder.token]) == (user.id, _refreshes(fake), saved)
    assert first.access_token != holder.token.access_token


async def test_callers_refused_at_once_share_one_refresh(clock: FakeClock) -> None:
    """Six callers refused with the same token: one refresh, and all six get the user."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        holder = AsyncTokenHolder(chattz, first)
        fake.revoke(first.access_token)
        ids: list[int] = []

        async def use() -> None:
            ids.append((await holder.userinfo()).id)

        await async_gather([use] * 6)
    assert ([123] * 6, 1) == (ids, _refreshes(fake))


async def test_a_token_refused_again_after_the_refresh_is_raised(clock: FakeClock) -> None:
    """Refused, refreshed, refused again: the second InvalidTokenError reaches the caller."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        holder = AsyncTokenHolder(chattz, await _log_in(fake, chattz))
        fake.fail_next("userinfo", status=401, headers=REFUSED, times=2)
        with pytest.raises(InvalidTokenError) as caught:
            await holder.userinfo()
    assert ("invalid_token", 1) == (caught.value.error, _refreshes(fake))


async def test_a_refused_token_without_refresh_token_is_raised(clock: FakeClock) -> None:
    """No refresh token: the refusal itself reaches the caller and nothing is sent to /token."""
    fake = FakeChattz(clock=clock, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        holder = AsyncTokenHolder(chattz, first)
        fake.revoke(first.access_token)
        with pytest.raises(InvalidTokenError):
            await holder.userinfo()
        with pytest.raises(TokenExpiredError) as expired:
            await holder.get(rejected=first)
    assert (0, first) == (_refreshes(fake), holder.token)
    assert (
        "the access token was refused by Chattz and there is no refresh token: "
        "the user must log in again"
    ) == str(expired.value)


async def test_get_with_a_token_already_replaced_returns_the_replacement(clock: FakeClock) -> None:
    """A caller late with its refusal gets the token another caller's refresh made."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    async with fake.session(clock=clock) as chattz:
        first = await _log_in(fake, chattz)
        holder = AsyncTokenHolder(chattz, first)
        second = await holder.get(rejected=first)
        late = await holder.get(rejected=first)
    assert (second, 1) == (late, _refreshes(fake))
    assert first.access_token != second.access_token


async def test_get_rejected_must_be_a_token(clock: FakeClock) -> None:
    """``rejected=`` given a string is a ConfigurationError naming the argument."""
    fake = FakeChattz(clock=clock)
    async with fake.session(clock=clock) as chattz:
        holder = AsyncTokenHolder(chattz, await _log_in(fake, chattz))
        with pytest.raises(ConfigurationError) as caught:
            await holder.get(rejected="old-token")  # type: ignore[arg-type]
    assert "rejected must be the Token the provider refused, not str" == str(caught.value)
