# GENERATED from tests/_async/test_refresh.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Refresh tokens end to end against the fake provider (RFC 6749 section 6)."""

from __future__ import annotations

import pytest

from chattz_oauth_async import (
    ChattzOAuth,
    TokenHolder,
    ChattzOAuthError,
    ConfigurationError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    Token,
    TokenExpiredError,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import FakeClock, sync_gather



def _log_in(fake: FakeChattz, chattz: ChattzOAuth) -> Token:
    """A token from a login through ``fake``, its consent approved at once."""
    login = chattz.start_login()
    return chattz.complete_login(fake.authorize(login.url), login)


def _expired_holder(
    fake: FakeChattz, chattz: ChattzOAuth, clock: FakeClock
) -> TokenHolder:
    """A holder of a fresh login's token, then the clock moved past its expiry."""
    holder = TokenHolder(chattz, _log_in(fake, chattz))
    clock.advance(601)
    return holder


def test_refresh_rotates_and_the_old_refresh_token_dies(clock: FakeClock) -> None:
    """A rotating provider returns a new refresh token; the old one gives invalid_grant."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, rotate_refresh_tokens=True)
    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        second = chattz.refresh(first)
        with pytest.raises(OAuthError) as caught:
            chattz.refresh(first)
        user = chattz.userinfo(second)
    assert (True, True) == (
        second.refresh_token != first.refresh_token,
        second.access_token != first.access_token,
    )
    assert ("invalid_grant", 123) == (caught.value.error, user.id)


def test_refresh_keeps_the_refresh_token_when_not_rotated(clock: FakeClock) -> None:
    """Without rotation the provider sends no new refresh token and the old one is kept."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, rotate_refresh_tokens=False)
    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        second = chattz.refresh(first)
    assert first.refresh_token == second.refresh_token


def test_holder_refreshes_once_past_expiry_and_persists_the_rotation(
    clock: FakeClock,
) -> None:
    """Ten callers after expiry cause one refresh; the hook sees the rotated token."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    saved: list[Token] = []

    def save(token: Token) -> None:
        saved.append(token)

    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        holder = TokenHolder(chattz, first, on_update=save)
        clock.now += 601
        seen: list[str] = []

        def use() -> None:
            seen.append((holder.userinfo()).username)

        sync_gather([use] * 10)
    refreshes = [r for r in fake.requests if r.form.get("grant_type") == "refresh_token"]
    assert (1, ["johndoe"] * 10) == (len(refreshes), seen)
    assert [holder.token] == saved
    assert first.refresh_token != holder.token.refresh_token


def test_expired_token_without_refresh_token_needs_a_new_login(clock: FakeClock) -> None:
    """A provider that issues no refresh token: the expired token says to log in again."""
    fake = FakeChattz(clock=clock, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        token = _log_in(fake, chattz)
        clock.now += 601
        with pytest.raises(TokenExpiredError, match="log in again"):
            TokenHolder(chattz, token).get()


def _refreshes(fake: FakeChattz) -> int:
    return sum(1 for r in fake.requests if r.form.get("grant_type") == "refresh_token")


def test_waiters_share_a_failed_refresh(clock: FakeClock) -> None:
    """Six callers and a failing refresh: one POST, and all six get its error."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        holder = _expired_holder(fake, chattz, clock)
        first = holder.token
        # The delay keeps the first refresh in flight until the others queue up.
        fake.fail_next("token", status=503, delay=0.5)
        errors: list[str] = []

        def use() -> None:
            try:
                holder.get()
            except ChattzOAuthError as exc:
                errors.append(type(exc).__name__)

        sync_gather([use] * 6)
    assert (1, 6, 1) == (_refreshes(fake), len(errors), len(set(errors)))
    assert first == holder.token


def test_a_caller_after_a_failed_refresh_tries_again(clock: FakeClock) -> None:
    """The refresh failed; the next caller sends a new one, which succeeds."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        holder = _expired_holder(fake, chattz, clock)
        fake.fail_next("token", status=503)
        with pytest.raises(ChattzOAuthError) as caught:
            holder.get()
        second = holder.get()
    failed = (type(caught.value), caught.value.status_code)  # type: ignore[attr-defined]
    assert (2, False, (ProviderError, 503)) == (
        _refreshes(fake),
        second.is_expired(clock.now),
        failed,
    )


def test_holder_with_a_non_token_is_a_configuration_error(clock: FakeClock) -> None:
    """The holder names its token argument when given something other than a Token."""
    fake = FakeChattz(clock=clock)
    with fake.sync_session(clock=clock) as chattz:
        with pytest.raises(ConfigurationError) as caught:
            TokenHolder(chattz, "not-a-token")  # type: ignore[arg-type]
    assert "token must be a Token, not str" == str(caught.value)


REFUSED = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def test_holder_userinfo_refreshes_a_token_refused_before_its_time(clock: FakeClock) -> None:
    """Chattz refuses a token this machine thinks fresh: one refresh, then the user."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    saved: list[Token] = []
    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        holder = TokenHolder(chattz, first, on_update=saved.append)
        fake.revoke(first.access_token)
        user = holder.userinfo()
    assert (123, 1, [holder.token]) == (user.id, _refreshes(fake), saved)
    assert first.access_token != holder.token.access_token


def test_callers_refused_at_once_share_one_refresh(clock: FakeClock) -> None:
    """Six callers refused with the same token: one refresh, and all six get the user."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        holder = TokenHolder(chattz, first)
        fake.revoke(first.access_token)
        ids: list[int] = []

        def use() -> None:
            ids.append((holder.userinfo()).id)

        sync_gather([use] * 6)
    assert ([123] * 6, 1) == (ids, _refreshes(fake))


def test_a_token_refused_again_after_the_refresh_is_raised(clock: FakeClock) -> None:
    """Refused, refreshed, refused again: the second InvalidTokenError reaches the caller."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        holder = TokenHolder(chattz, _log_in(fake, chattz))
        fake.fail_next("userinfo", status=401, headers=REFUSED, times=2)
        with pytest.raises(InvalidTokenError) as caught:
            holder.userinfo()
    assert ("invalid_token", 1) == (caught.value.error, _refreshes(fake))


def test_a_refused_token_without_refresh_token_is_raised(clock: FakeClock) -> None:
    """No refresh token: the refusal itself reaches the caller and nothing is sent to /token."""
    fake = FakeChattz(clock=clock, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        holder = TokenHolder(chattz, first)
        fake.revoke(first.access_token)
        with pytest.raises(InvalidTokenError):
            holder.userinfo()
        with pytest.raises(TokenExpiredError) as expired:
            holder.get(rejected=first)
    assert (0, first) == (_refreshes(fake), holder.token)
    assert (
        "the access token was refused by Chattz and there is no refresh token: "
        "the user must log in again"
    ) == str(expired.value)


def test_get_with_a_token_already_replaced_returns_the_replacement(clock: FakeClock) -> None:
    """A caller late with its refusal gets the token another caller's refresh made."""
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    with fake.sync_session(clock=clock) as chattz:
        first = _log_in(fake, chattz)
        holder = TokenHolder(chattz, first)
        second = holder.get(rejected=first)
        late = holder.get(rejected=first)
    assert (second, 1) == (late, _refreshes(fake))
    assert first.access_token != second.access_token


def test_get_rejected_must_be_a_token(clock: FakeClock) -> None:
    """``rejected=`` given a string is a ConfigurationError naming the argument."""
    fake = FakeChattz(clock=clock)
    with fake.sync_session(clock=clock) as chattz:
        holder = TokenHolder(chattz, _log_in(fake, chattz))
        with pytest.raises(ConfigurationError) as caught:
            holder.get(rejected="old-token")  # type: ignore[arg-type]
    assert "rejected must be the Token the provider refused, not str" == str(caught.value)
