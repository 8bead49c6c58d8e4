"""httpx2: a client passed in behaves exactly like an httpx one, and http="httpx2" builds one.

httpx2 is the maintained continuation of httpx, with its own import and its own
exception classes. These tests use httpx2's own MockTransport, and real sockets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest

from chattz_oauth_async import (
    AsyncChattzOAuth,
    InvalidTokenError,
    OAuthError,
    RetryPolicy,
    TransportError,
    TransportTimeout,
)
from tests.rawserver import RawRequest, RawServer, raw_server, response

httpx2 = pytest.importorskip("httpx2")

pytestmark = pytest.mark.anyio

CLIENT_ID = "abc123"
CLIENT_SECRET = "s3cr3t-client-secret"
REDIRECT_URI = "https://example.com/chattz-callback"
USER = {"id": 123, "username": "johndoe", "email": None}
TOKEN = {"access_token": "tok-123", "token_type": "Bearer", "expires_in": 3600}


def session_over(
    handler: Callable[[Any], Any], retry: RetryPolicy | None = None
) -> AsyncChattzOAuth:
    """A session whose client is an httpx2.AsyncClient over httpx2.MockTransport(handler)."""
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return AsyncChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http_client=client, retry=retry)


def session_client(session: AsyncChattzOAuth) -> Any:
    """The client passed to ``session``."""
    return session.http_client


async def test_httpx2_flow_sends_the_same_requests() -> None:
    """Exchange and userinfo over httpx2 send the documented form and Bearer header."""
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request)
        if request.url.path == "/oauth/token":
            return httpx2.Response(200, json=TOKEN)
        return httpx2.Response(200, json=USER)

    session = session_over(handler)
    token = await session.exchange_code("the-code")
    user = await session.userinfo(token)
    await session_client(session).aclose()
    token_request, userinfo_request = seen
    form = parse_qs(token_request.content.decode())
    assert {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "redirect_uri": [REDIRECT_URI],
    } == form
    assert "Bearer tok-123" == userinfo_request.headers["authorization"]
    assert (123, "johndoe") == (user.id, user.username)


async def test_httpx2_connect_error_is_a_typed_transport_error() -> None:
    """httpx2's own ConnectError becomes TransportError, keeping it as the cause."""

    def handler(request: Any) -> Any:
        raise httpx2.ConnectError("refused")

    session = session_over(handler, retry=RetryPolicy(attempts=1))
    with pytest.raises(TransportError) as caught:
        await session.userinfo("tok-123")
    await session_client(session).aclose()
    assert isinstance(caught.value.__cause__, httpx2.ConnectError)


async def test_httpx2_timeout_is_a_transport_timeout() -> None:
    """httpx2's ReadTimeout becomes TransportTimeout and the exchange is not retried."""
    calls: list[int] = []

    def handler(request: Any) -> Any:
        calls.append(1)
        raise httpx2.ReadTimeout("slow")

    session = session_over(handler, retry=RetryPolicy(base_delay=0, max_delay=0))
    with pytest.raises(TransportTimeout):
        await session.exchange_code("the-code")
    await session_client(session).aclose()
    assert [1] == calls


async def test_httpx2_connect_error_before_sending_is_retried() -> None:
    """A connection that never opened is retried for the exchange, as with httpx."""
    answers = [httpx2.ConnectError("refused"), httpx2.Response(200, json=TOKEN)]

    def handler(request: Any) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    session = session_over(handler, retry=RetryPolicy(base_delay=0, max_delay=0))
    token = await session.exchange_code("the-code")
    await session_client(session).aclose()
    assert ("tok-123", []) == (token.access_token, answers)


async def test_httpx2_error_responses_are_typed() -> None:
    """OAuth error bodies and 401s map to the same typed errors over httpx2."""

    def handler(request: Any) -> Any:
        if request.url.path == "/oauth/token":
            return httpx2.Response(400, json={"error": "invalid_grant"})
        return httpx2.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    session = session_over(handler)
    with pytest.raises(OAuthError) as exchange_error:
        await session.exchange_code("used")
    with pytest.raises(InvalidTokenError) as userinfo_error:
        await session.userinfo("tok-123")
    await session_client(session).aclose()
    assert ("invalid_grant", 401) == (exchange_error.value.error, userinfo_error.value.status_code)


async def test_httpx2_full_login_against_the_fake_provider() -> None:
    """The whole flow over an httpx2 client and FakeChattz's httpx2 transport."""
    from chattz_oauth_async.testing import FakeChattz

    fake = FakeChattz()
    client = httpx2.AsyncClient(transport=fake.transport(httpx2))
    async with fake.session(http_client=client) as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        user = await chattz.userinfo(token)
        fake.revoke(token.access_token)
        with pytest.raises(InvalidTokenError):
            await chattz.userinfo(token)
    closed_by_session = client.is_closed
    await client.aclose()
    assert ("johndoe", False) == (user.username, closed_by_session)


def raw_provider(server: RawServer, conn: Any, request: RawRequest) -> None:
    """Chattz's endpoints over a real socket."""
    body = TOKEN if request.target.startswith("/oauth/token") else USER
    conn.sendall(response(200, json.dumps(body).encode(), {"Connection": "keep-alive"}))


async def test_http_switch_builds_the_session_client_on_httpx2() -> None:
    """http="httpx2": a real flow goes through an httpx2 client with the library's defaults."""
    with raw_server(raw_provider, keep_alive=True) as server:
        async with AsyncChattzOAuth(
            CLIENT_ID,
            CLIENT_SECRET,
            "http://127.0.0.1/cb",
            base_url=server.base_url,
            http="httpx2",
        ) as chattz:
            user = await chattz.userinfo(await chattz.exchange_code("the-code"))
            client = chattz.http_client
    assert (123, True, False, False, 5.0, 10.0) == (
        user.id,
        isinstance(client, httpx2.AsyncClient),
        client.follow_redirects,  # type: ignore[attr-defined]
        client.trust_env,  # type: ignore[attr-defined]
        client.timeout.connect,
        client.timeout.read,
    )


async def test_http_switch_keeps_a_custom_timeout() -> None:
    """timeout= (a number or an httpx.Timeout) is carried over to the httpx2 client."""
    import httpx

    chattz = AsyncChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, http="httpx2", timeout=httpx.Timeout(2.0)
    )
    timeout = chattz.http_client.timeout
    await chattz.aclose()
    assert (2.0, 2.0) == (timeout.connect, timeout.read)


async def test_http_switch_over_an_httpx2_transport() -> None:
    """http="httpx2" with transport= builds an httpx2 client over that transport."""
    from chattz_oauth_async.testing import FakeChattz

    fake = FakeChattz()
    async with AsyncChattzOAuth(
        fake.client.client_id,
        fake.client.client_secret,
        fake.client.redirect_uri,
        base_url=fake.base_url,
        http="httpx2",
        transport=fake.transport(httpx2),
    ) as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        user = await chattz.userinfo(token)
        client = chattz.http_client
    assert ("johndoe", True) == (user.username, isinstance(client, httpx2.AsyncClient))
