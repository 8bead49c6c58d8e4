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
    Token,
    TransportError,
)
from chattz_oauth_async.testing import FakeChattz

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
    """Line 33: a TransportError's message and cause chain show no secret."""
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
