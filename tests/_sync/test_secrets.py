# GENERATED from tests/_async/test_secrets.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Secrets in logs, reprs and exceptions over whole flows (checklist 32, 33).

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chattz_oauth_async import (
    ChattzOAuth,
    TokenHolder,
    ChattzOAuthError,
    ConfigurationError,
    Token,
    TransportError,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import secrets_in_frames

from .support import (
    CLIENT_ID,
    CODE,
    FAST_RETRY,
    LOOPBACK_REDIRECT,
    NO_RETRY,
    SECRET,
)



# --- 32, 33: secrets in logs, reprs and exceptions ----------------------------------------


@pytest.mark.checklist(32)
def test_checklist_32_33_whole_flows_leak_no_secret(
    fake: FakeChattz, caplog: pytest.LogCaptureFixture
) -> None:
    """Lines 32, 33: DEBUG logs, reprs, strs and exception args of whole flows hold no secret."""
    caplog.set_level(logging.DEBUG)
    secrets_: list[str] = [fake.client.client_secret]
    shown: list[object] = []
    with fake.sync_session(pkce=True, retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        secrets_ += [login.code_verifier or "", parse_qs(urlsplit(callback).query)["code"][0]]
        token = chattz.complete_login(callback, login)
        assert token.refresh_token is not None
        secrets_ += [token.access_token, token.refresh_token]
        fake.fail_next("userinfo", status=503)
        chattz.userinfo(token)
        refreshed = chattz.refresh(token)
        secrets_ += [refreshed.access_token, refreshed.refresh_token or ""]
        holder = TokenHolder(chattz, refreshed)
        shown += [chattz, chattz.config, login, token, refreshed, holder, holder.userinfo()]
        failures: list[Callable[[], Any]] = [
            lambda: chattz.complete_login(callback, login),
            lambda: chattz.refresh(token),
            lambda: chattz.exchange_code(secrets_[2], code_verifier=login.code_verifier),
            lambda: chattz.userinfo(token.access_token),
            lambda: chattz.userinfo(Token(access_token="x y")),
        ]
        fake.revoke(refreshed.access_token)
        failures.append(lambda: chattz.userinfo(refreshed.access_token))
        for failure in failures:
            try:
                failure()
            except ChattzOAuthError as exc:
                shown.append(exc)
                shown.append(exc.args)
    assert len(shown) > 10
    text = caplog.text + " ".join(str(r.args) + r.getMessage() for r in caplog.records)
    text += " ".join(repr(o) + str(o) for o in shown)
    assert [] == [s for s in secrets_ if s and s in text]
    assert any(r.name == "chattz_oauth_async" for r in caplog.records)


@pytest.mark.checklist(33)
def test_checklist_33_transport_error_free_of_secrets(closed_port: int) -> None:
    """Line 33: a TransportError's message and cause chain show no secret, nor do the
    frames below the call (httpx's held the form)."""
    chattz = ChattzOAuth(
        CLIENT_ID,
        SECRET,
        LOOPBACK_REDIRECT,
        base_url=f"http://127.0.0.1:{closed_port}",
        retry=NO_RETRY,
    )
    try:
        with pytest.raises(TransportError) as info:
            chattz.exchange_code(CODE)
    finally:
        chattz.close()
    text = repr(info.value) + str(info.value) + repr(info.value.args)
    assert (False, False) == (SECRET in text, CODE in text)
    assert secrets_in_frames(info.value, [SECRET, CODE]) == []


# --- 33: secrets in the frames of a failure's traceback -----------------------------------


@pytest.mark.checklist(33)
def test_checklist_33_failed_calls_leave_no_secret_in_their_frames(
    fake: FakeChattz,
) -> None:
    """An error tracker records each frame's locals (Sentry does by default): after a failed
    code exchange, login, refresh or userinfo, no frame of the library, httpx or the fake
    below the call holds the client secret, the code, the verifier or a token."""
    with fake.sync_session(pkce=True, retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        code = parse_qs(urlsplit(callback).query)["code"][0]
        token = chattz.complete_login(callback, login)
        assert token.refresh_token is not None
        secrets_ = [fake.client.client_secret, code, login.code_verifier or ""]
        secrets_ += [token.access_token, token.refresh_token]
        holder = TokenHolder(chattz, token)
        fake.revoke(token.access_token)
        failures: list[Callable[[], Any]] = [
            lambda: chattz.complete_login(callback, login),  # the code is used up
            lambda: chattz.exchange_code(code, code_verifier=login.code_verifier),
            lambda: chattz.userinfo(token.access_token),  # revoked
            lambda: chattz.userinfo(token),
            lambda: holder.userinfo(),  # refreshes with a revoked refresh token
        ]
        found = []
        for failure in failures:
            with pytest.raises(ChattzOAuthError) as info:
                failure()
            found += secrets_in_frames(info.value, secrets_)
    assert found == []


@pytest.mark.checklist(33)
def test_checklist_33_a_session_refused_leaves_no_secret_in_its_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A session that cannot be built (a redirect URI it refuses), directly and from the
    environment: the secret was a parameter of every frame down to the check."""
    with pytest.raises(ConfigurationError) as direct:
        ChattzOAuth(CLIENT_ID, SECRET, "ftp://example.com/callback")
    monkeypatch.setenv("CHATTZ_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CHATTZ_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("CHATTZ_REDIRECT_URI", "ftp://example.com/callback")
    with pytest.raises(ConfigurationError) as from_env:
        ChattzOAuth.from_env()
    found = secrets_in_frames(direct.value, [SECRET]) + secrets_in_frames(from_env.value, [SECRET])
    assert found == []
