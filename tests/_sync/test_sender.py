# GENERATED from tests/_async/test_sender.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""Faults on real sockets and retries: what is retried, what never is (checklist 31).

Written once for ChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from chattz_oauth_async import (
    ChattzOAuth,
    ProviderError,
    RetryPolicy,
    TransportError,
    TransportTimeout,
)
from chattz_oauth_async.testing import FakeChattz
from tests.rawserver import RawServer, raw_server, response

from .support import (
    ACCESS,
    CLIENT_ID,
    CODE,
    FAST_RETRY,
    LOOPBACK_REDIRECT,
    SECRET,
    USER,
    ok_json,
    raw_session,
    token_requests,
    userinfo_requests,
)



# --- faults on real sockets ------------------------------------------------------------------


@pytest.mark.parametrize(
    "handler",
    [
        RawServer.reset(),
        RawServer.send(b""),
        RawServer.send(b"\x00\xffthis is not http\r\n\r\n"),
        RawServer.send(b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"access_token":'),
        RawServer.send(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":'),
        RawServer.send(b"HTTP/1.1 abc OK\r\n\r\n"),
    ],
    ids=["reset", "close", "garbage", "truncated", "truncated-chunked", "bad-status"],
)
@pytest.mark.checklist(31)
def test_checklist_31_broken_connection_is_transport_error_and_exchange_not_retried(
    handler: Any,
) -> None:
    """Line 31: a reset, garbage or truncated answer is a TransportError; the code is sent once."""
    with raw_server(handler) as server:
        with raw_session(server, retry=FAST_RETRY) as chattz:
            with pytest.raises(TransportError):
                chattz.exchange_code(CODE)
    assert 1 == len(server.requests)


@pytest.mark.checklist(31)
def test_checklist_31_read_timeout_after_token_post_not_retried() -> None:
    """Line 31: a timeout after the token POST was sent is not retried."""
    with raw_server(RawServer.stall()) as server:
        with raw_session(
            server, retry=FAST_RETRY, timeout=httpx.Timeout(0.3), total_timeout=10
        ) as chattz:
            with pytest.raises(TransportTimeout):
                chattz.exchange_code(CODE)
    assert 1 == len(server.requests)


@pytest.mark.checklist(31)
def test_checklist_31_token_503_not_retried(fake: FakeChattz) -> None:
    """Line 31: a 503 from the token endpoint is reported, never retried."""
    fake.fail_next("token", times=2, status=503)
    with fake.sync_session(retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        with pytest.raises(ProviderError) as info:
            chattz.complete_login(fake.authorize(login.url), login)
    assert (503, 1) == (info.value.status_code, token_requests(fake))


@pytest.mark.checklist(31)
def test_checklist_31_dropped_token_connection_not_retried(fake: FakeChattz) -> None:
    """Line 31: a token request whose connection drops is not retried."""
    fake.fail_next("token", times=2, drop=True)
    with fake.sync_session(retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        with pytest.raises(TransportError):
            chattz.complete_login(fake.authorize(login.url), login)
    assert 1 == token_requests(fake)


@pytest.mark.checklist(31)
def test_checklist_31_connect_failure_may_be_retried(closed_port: int) -> None:
    """Line 31: a token request that could not connect at all is retried, then reported."""
    attempts: list[str] = []

    def count(request: httpx.Request) -> None:
        attempts.append(request.url.path)

    client = httpx.Client(event_hooks={"request": [count]})
    try:
        chattz = ChattzOAuth(
            CLIENT_ID,
            SECRET,
            LOOPBACK_REDIRECT,
            base_url=f"http://127.0.0.1:{closed_port}",
            http_client=client,
            retry=FAST_RETRY,
        )
        with pytest.raises(TransportError):
            chattz.exchange_code(CODE)
        with pytest.raises(TransportError):
            chattz.userinfo(ACCESS)
    finally:
        client.close()
    assert ["/oauth/token"] * 3 + ["/oauth/userinfo"] * 3 == attempts


def flaky(failures: list[bytes], final: bytes) -> Any:
    """A raw handler that sends ``failures`` in turn, then ``final`` for every later request."""

    def handler(server: RawServer, conn: socket.socket, request: Any) -> None:
        index = len(server.requests) - 1
        conn.sendall(failures[index] if index < len(failures) else final)

    return handler


@pytest.mark.parametrize(
    "failure",
    [
        response(503, b"<html>busy</html>", {"Retry-After": "0"}),
        response(502, b"bad gateway"),
        response(504, b""),
        response(429, b"slow", {"Retry-After": "0"}),
        b"",
    ],
    ids=["503-retry-after", "502", "504", "429", "dropped"],
)
@pytest.mark.checklist(31)
def test_checklist_31_userinfo_retries_idempotent_failures(failure: bytes) -> None:
    """Line 31 (retries): userinfo retries 429, 502-504 and dropped connections."""
    with raw_server(flaky([failure, failure], ok_json(USER))) as server:
        with raw_session(server, retry=FAST_RETRY) as chattz:
            user = chattz.userinfo(ACCESS)
    assert (123, 3) == (user.id, len(server.requests))


@pytest.mark.checklist(31)
def test_checklist_31_userinfo_retries_switched_off() -> None:
    """Line 31 (retries): with attempts=1 the first 503 is reported."""
    with raw_server(flaky([response(503, b"busy")], ok_json(USER))) as server:
        with raw_session(server, retry=RetryPolicy(attempts=1)) as chattz:
            with pytest.raises(ProviderError) as info:
                chattz.userinfo(ACCESS)
    assert (503, 1) == (info.value.status_code, len(server.requests))


@pytest.mark.checklist(31)
def test_checklist_31_retry_after_beyond_deadline_gives_up_at_once() -> None:
    """Line 31 (retries): a Retry-After that would pass the total deadline is not waited."""
    busy = response(503, b"busy", {"Retry-After": "3600"})
    with raw_server(flaky([busy], ok_json(USER))) as server:
        with raw_session(
            server, retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=60), total_timeout=2
        ) as chattz:
            with pytest.raises(ProviderError) as info:
                chattz.userinfo(ACCESS)
    assert (503, 1) == (info.value.status_code, len(server.requests))


@pytest.mark.checklist(31)
def test_checklist_31_userinfo_retries_through_fake_faults(fake: FakeChattz) -> None:
    """Line 31 (retries): FakeChattz's 503s and a dropped connection are retried for userinfo."""
    with fake.sync_session(
        retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
    ) as chattz:
        login = chattz.start_login()
        token = chattz.complete_login(fake.authorize(login.url), login)
        fake.fail_next("userinfo", times=2, status=503, headers={"Retry-After": "0"})
        fake.fail_next("userinfo", drop=True)
        user = chattz.userinfo(token)
    assert (fake.user.id, 4) == (user.id, userinfo_requests(fake))


@pytest.mark.checklist(31)
def test_checklist_31_userinfo_gives_up_after_attempts(fake: FakeChattz) -> None:
    """Line 31 (retries): after the policy's attempts the last failure is reported."""
    with fake.sync_session(retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        token = chattz.complete_login(fake.authorize(login.url), login)
        fake.fail_next("userinfo", times=5, status=503)
        with pytest.raises(ProviderError) as info:
            chattz.userinfo(token)
    assert (503, 3) == (info.value.status_code, userinfo_requests(fake))
