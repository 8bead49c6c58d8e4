"""Security checklist tests for the session: bad answers, faults on real sockets, secrets.

Written once for AsyncChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/. Each test's name says which line of
``security-checklist.md`` it covers. Faults come from a raw socket server on
127.0.0.1 (tests/rawserver.py), from httpx.MockTransport, and from FakeChattz.
"""

from __future__ import annotations

import datetime
import json
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import trustme

from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ChattzOAuthError,
    ConfigurationError,
    InsufficientScopeError,
    InvalidTokenError,
    LoginRequest,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    RetryPolicy,
    StateMismatchError,
    Token,
    TransportError,
    TransportTimeout,
)
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import async_gather
from tests.rawserver import RawServer, gzip_bomb, raw_server, response

pytestmark = pytest.mark.anyio

CLIENT_ID = "hardening-client"
SECRET = "s3cr3t-CLIENT-secret-value"
CODE = "the-authorization-CODE-1234"
ACCESS = "AT-access-token-value-5678"
REFRESH = "RT-refresh-token-value-9012"
LOOPBACK_REDIRECT = "http://127.0.0.1/cb"
NO_RETRY = RetryPolicy(attempts=1)
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
TOKEN = {"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600}
USER = {"id": 123, "username": "johndoe", "email": "j@example.com"}


def ok_json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    """A complete JSON response for the raw server."""
    return response(status, json.dumps(data).encode(), headers)


def raw_session(server: RawServer, **kwargs: Any) -> AsyncChattzOAuth:
    """A session that talks to ``server`` over real loopback sockets."""
    kwargs.setdefault("retry", NO_RETRY)
    kwargs.setdefault("total_timeout", 5.0)
    if "http_client" not in kwargs:
        kwargs.setdefault("timeout", httpx.Timeout(2.0))
    return AsyncChattzOAuth(
        CLIENT_ID, SECRET, LOOPBACK_REDIRECT, base_url=server.base_url, **kwargs
    )


def mock_session(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
) -> tuple[AsyncChattzOAuth, httpx.AsyncClient]:
    """A session over an in-process httpx.MockTransport (close the client after)."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    kwargs.setdefault("retry", NO_RETRY)
    session = AsyncChattzOAuth(
        CLIENT_ID, SECRET, "https://app.example/cb", http_client=client, **kwargs
    )
    return session, client


@pytest.fixture
def fake() -> FakeChattz:
    """A strict fake provider that approves logins at once."""
    return FakeChattz(auto_approve=True, issue_refresh_tokens=True)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connections are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def token_requests(fake: FakeChattz) -> int:
    """How many requests reached the fake's token endpoint."""
    return sum(1 for r in fake.requests if r.path == "/oauth/token")


def userinfo_requests(fake: FakeChattz) -> int:
    """How many requests reached the fake's userinfo endpoint."""
    return sum(1 for r in fake.requests if r.path == "/oauth/userinfo")


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


# --- 14: TLS ----------------------------------------------------------------------------


def tls_server(cert_for: str = "127.0.0.1", **cert_kwargs: Any) -> tuple[Any, ssl.SSLContext]:
    """A trustme CA and a server TLS context with a certificate it issued."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(cert_for, **cert_kwargs).configure_cert(context)
    return ca, context


@pytest.mark.checklist(14)
async def test_checklist_14_untrusted_certificate_is_transport_error() -> None:
    """Line 14: a certificate from a CA the client does not trust is a TransportError."""
    _, context = tls_server()
    with raw_server(RawServer.send(ok_json(TOKEN)), ssl_context=context) as server:
        async with raw_session(server) as chattz:
            with pytest.raises(TransportError):
                await chattz.exchange_code(CODE)
            with pytest.raises(TransportError):
                await chattz.userinfo(ACCESS)
    assert [] == server.requests


@pytest.mark.parametrize(
    "cert_kwargs",
    [
        {"cert_for": "other.example"},
        {
            "not_before": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
            "not_after": datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC),
        },
    ],
    ids=["wrong-host", "expired"],
)
@pytest.mark.checklist(14)
async def test_checklist_14_wrong_host_or_expired_certificate_is_transport_error(
    cert_kwargs: dict[str, Any],
) -> None:
    """Line 14: a trusted CA's certificate for another host, or expired, is refused."""
    ca, context = tls_server(**cert_kwargs)
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    client = httpx.AsyncClient(verify=trust)
    try:
        with raw_server(RawServer.send(ok_json(TOKEN)), ssl_context=context) as server:
            chattz = raw_session(server, http_client=client)
            with pytest.raises(TransportError):
                await chattz.exchange_code(CODE)
    finally:
        await client.aclose()
    assert [] == server.requests


@pytest.mark.checklist(14)
async def test_checklist_14_trusted_certificate_works() -> None:
    """Line 14 (control): the same server with a trusted, valid certificate answers."""
    ca, context = tls_server()
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    client = httpx.AsyncClient(verify=trust)
    try:
        with raw_server(RawServer.send(ok_json(TOKEN)), ssl_context=context) as server:
            token = await raw_session(server, http_client=client).exchange_code(CODE)
    finally:
        await client.aclose()
    assert ACCESS == token.access_token


@pytest.mark.checklist(14)
def test_checklist_14_verification_on_by_default() -> None:
    """Line 14: the client the session makes verifies certificates."""
    chattz = AsyncChattzOAuth(CLIENT_ID, SECRET, "https://app.example/cb")
    pool = chattz._clients.template._transport._pool  # type: ignore[attr-defined]
    assert (ssl.CERT_REQUIRED, True) == (
        pool._ssl_context.verify_mode,
        pool._ssl_context.check_hostname,
    )


# --- 15, 17, 18: where secrets go ----------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.checklist(15)
async def test_checklist_15_redirect_not_followed_and_secrets_stay_home(status: int) -> None:
    """Line 15: a 30x from token or userinfo is a typed error; the other host gets nothing."""
    with raw_server(RawServer.send(ok_json(TOKEN))) as elsewhere:
        target = f"http://127.0.0.1:{elsewhere.port}/oauth/token"
        redirect = response(status, b"", {"Location": target})
        with raw_server(RawServer.send(redirect)) as server:
            async with raw_session(server) as chattz:
                with pytest.raises(ProviderError) as token_error:
                    await chattz.exchange_code(CODE)
                with pytest.raises(ProviderError) as user_error:
                    await chattz.userinfo(ACCESS)
    assert (status, status) == (token_error.value.status_code, user_error.value.status_code)
    assert (2, 0, 0) == (len(server.requests), len(elsewhere.requests), elsewhere.connections)


@pytest.mark.checklist(15)
async def test_checklist_15_fake_provider_redirect_not_followed(fake: FakeChattz) -> None:
    """Line 15: the fake's 302 to another host is reported, not followed."""
    fake.fail_next("userinfo", status=302, headers={"Location": "https://evil.example/steal"})
    async with fake.session() as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        with pytest.raises(ProviderError) as info:
            await chattz.userinfo(token)
    assert 302 == info.value.status_code
    assert [] == [r for r in fake.requests if "evil" in r.path]


@pytest.mark.checklist(17)
async def test_checklist_17_secret_and_code_only_in_post_body_on_the_wire() -> None:
    """Line 17: on the wire, secret and code are in the POST body and the token in the header."""
    handler = RawServer.send(ok_json(TOKEN))
    with raw_server(handler) as server:
        async with raw_session(server) as chattz:
            await chattz.exchange_code(CODE)
    request = server.requests[0]
    form = parse_qs(request.body.decode())
    head = request.raw.split(b"\r\n\r\n")[0].decode()
    assert ("POST", "/oauth/token", [SECRET], [CODE]) == (
        request.method,
        request.target,
        form["client_secret"],
        form["code"],
    )
    assert (False, False) == (SECRET in head, CODE in head)


@pytest.mark.checklist(18)
async def test_checklist_18_lowercase_bearer_accepted_header_sent_as_bearer() -> None:
    """Line 18: token_type "bearer" is accepted and the header is sent as "Bearer"."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={**TOKEN, "token_type": "bEARER"})
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json=USER)

    chattz, client = mock_session(handler)
    try:
        token = await chattz.exchange_code(CODE)
        await chattz.userinfo(token)
    finally:
        await client.aclose()
    assert [f"Bearer {ACCESS}"] == seen


# --- 19-30, 38: malformed answers through the session ----------------------------------------

TEXT = {"content-type": "text/html"}
TOKEN_CASES: list[tuple[str, int, bytes, type[ChattzOAuthError]]] = [
    ("19-mac", 200, json.dumps({**TOKEN, "token_type": "mac"}).encode(), ProviderError),
    ("19-dpop", 200, json.dumps({**TOKEN, "token_type": "DPoP"}).encode(), ProviderError),
    ("19-absent", 200, json.dumps({"access_token": ACCESS}).encode(), ProviderError),
    ("20-missing", 200, b'{"token_type": "Bearer"}', ProviderError),
    ("20-null", 200, b'{"access_token": null, "token_type": "Bearer"}', ProviderError),
    ("20-empty", 200, b'{"access_token": "", "token_type": "Bearer"}', ProviderError),
    ("20-number", 200, b'{"access_token": 5, "token_type": "Bearer"}', ProviderError),
    ("20-crlf", 200, b'{"access_token": "a\\r\\nX: y", "token_type": "Bearer"}', ProviderError),
    ("21-list", 200, b"[]", ProviderError),
    ("21-null", 200, b"null", ProviderError),
    ("21-number", 200, b"42", ProviderError),
    ("21-html", 200, b"<html><body>Welcome</body></html>", ProviderError),
    ("22-negative", 200, json.dumps({**TOKEN, "expires_in": -1}).encode(), ProviderError),
    ("22-true", 200, json.dumps({**TOKEN, "expires_in": True}).encode(), ProviderError),
    (
        "22-nan",
        200,
        b'{"access_token": "a", "token_type": "Bearer", "expires_in": NaN}',
        ProviderError,
    ),
    (
        "22-huge",
        200,
        b'{"access_token": "a", "token_type": "Bearer", "expires_in": 1e400}',
        ProviderError,
    ),
    ("22-float-str", 200, json.dumps({**TOKEN, "expires_in": "3600.5"}).encode(), ProviderError),
    ("24-error-wins", 200, json.dumps({**TOKEN, "error": "invalid_grant"}).encode(), OAuthError),
    ("29-json-400", 400, b'{"error": "invalid_grant", "error_description": "used"}', OAuthError),
    ("29-json-401", 401, b'{"error": "invalid_client"}', OAuthError),
    ("30-html-400", 400, b"<html>Bad Request</html>", ProviderError),
    ("30-text-429", 429, b"Too Many Requests", ProviderError),
    ("30-html-500", 500, b"<html>Internal Server Error</html>", ProviderError),
    ("30-html-502", 502, b"<html>Bad Gateway</html>", ProviderError),
    ("30-empty-503", 503, b"", ProviderError),
    ("38-nested", 200, b"[" * 100_000 + b"]" * 100_000, ProviderError),
]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [case[1:] for case in TOKEN_CASES],
    ids=[case[0] for case in TOKEN_CASES],
)
@pytest.mark.checklist(19)
async def test_checklist_19_to_30_malformed_token_response_is_typed_error_with_status(
    status: int, body: bytes, expected: type[ChattzOAuthError]
) -> None:
    """Lines 19-22, 24, 29, 30, 38: a malformed token answer is a typed error with the status."""
    chattz, client = mock_session(lambda request: httpx.Response(status, content=body))
    try:
        with pytest.raises(expected) as info:
            await chattz.exchange_code(CODE)
    finally:
        await client.aclose()
    assert status == info.value.status_code  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "expected"), [("3600", 3600), (0, 0), (None, None)])
@pytest.mark.checklist(22)
async def test_checklist_22_expires_in_forms_through_session(
    value: object, expected: int | None
) -> None:
    """Line 22: "3600", 0 and null expires_in give the documented token."""
    body = {**TOKEN, "expires_in": value, "unknown": {"kept": True}}
    chattz, client = mock_session(
        lambda request: httpx.Response(200, json=body), clock=lambda: 1000.0
    )
    try:
        token = await chattz.exchange_code(CODE)
    finally:
        await client.aclose()
    expires_at = None if expected is None else 1000.0 + expected
    assert (expected, expires_at, {"kept": True}) == (
        token.expires_in,
        token.expires_at,
        token.extra["unknown"],
    )
    assert (expected == 0) == token.is_expired(1000.0)


USERINFO_CASES: list[tuple[str, int, bytes, dict[str, str], type[ChattzOAuthError]]] = [
    ("25-id-missing", 200, b'{"username": "x"}', {}, ProviderError),
    ("25-id-string", 200, b'{"id": "123", "username": "x"}', {}, ProviderError),
    ("25-id-bool", 200, b'{"id": true, "username": "x"}', {}, ProviderError),
    ("25-id-float", 200, b'{"id": 1.5, "username": "x"}', {}, ProviderError),
    ("21-list", 200, b"[]", {}, ProviderError),
    ("21-null", 200, b"null", {}, ProviderError),
    ("21-html", 200, b"<html>hi</html>", TEXT, ProviderError),
    ("28-401", 401, b"", {"www-authenticate": 'Bearer error="invalid_token"'}, InvalidTokenError),
    ("28-401-html", 401, b"<html>login</html>", TEXT, InvalidTokenError),
    ("28-403", 403, b"", {}, InsufficientScopeError),
    ("29-json-400", 400, b'{"error": "invalid_request"}', {}, OAuthError),
    ("30-html-500", 500, b"<html>oops</html>", TEXT, ProviderError),
    ("30-text-503", 503, b"unavailable", {}, ProviderError),
    ("30-text-429", 429, b"slow down", {}, ProviderError),
    ("38-nested", 200, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {}, ProviderError),
]


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [case[1:] for case in USERINFO_CASES],
    ids=[case[0] for case in USERINFO_CASES],
)
@pytest.mark.checklist(25)
async def test_checklist_25_to_30_malformed_userinfo_is_typed_error_with_status(
    status: int, body: bytes, headers: dict[str, str], expected: type[ChattzOAuthError]
) -> None:
    """Lines 21, 25, 28-30, 38: a malformed userinfo answer is a typed error with the status."""
    chattz, client = mock_session(
        lambda request: httpx.Response(status, content=body, headers=headers)
    )
    try:
        with pytest.raises(expected) as info:
            await chattz.userinfo(ACCESS)
    finally:
        await client.aclose()
    assert status == info.value.status_code  # type: ignore[attr-defined]


@pytest.mark.checklist(26)
async def test_checklist_26_null_optional_fields_and_extras_through_session() -> None:
    """Line 26: null optional fields are None and extra fields stay in ``raw``."""
    body = {"id": 7, "username": "u", "email": None, "avatar": None, "badge": [1]}
    chattz, client = mock_session(lambda request: httpx.Response(200, json=body))
    try:
        user = await chattz.userinfo(ACCESS)
    finally:
        await client.aclose()
    assert (7, None, None, None, [1]) == (
        user.id,
        user.email,
        user.avatar,
        user.first_name,
        user.raw["badge"],
    )


@pytest.mark.parametrize("bad", [None, 123, b"code", "", ["x"], {"a": 1}, 1.5])
@pytest.mark.checklist(20)
async def test_checklist_20_non_string_caller_input_is_typed_error(bad: Any) -> None:
    """Line 20: a non-string code or token from the caller is a typed error, nothing is sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=TOKEN)

    chattz, client = mock_session(handler)
    try:
        with pytest.raises(ConfigurationError):
            await chattz.exchange_code(bad)
        with pytest.raises(ConfigurationError):
            await chattz.userinfo(bad)
        with pytest.raises(ConfigurationError):
            await chattz.refresh(bad)
        with pytest.raises(ChattzOAuthError):
            await chattz.complete_login(bad, bad)
        with pytest.raises(ConfigurationError):
            await chattz.exchange_code(CODE, code_verifier=bad or "short")
    finally:
        await client.aclose()
    assert [] == sent


@pytest.mark.parametrize(
    "callback", [None, 5, [None], [("code",)], {"code": 1, "state": "s"}, object(), b"code=x"]
)
@pytest.mark.checklist(1)
async def test_checklist_01_malformed_callback_to_complete_login_is_typed_error(
    fake: FakeChattz, callback: Any
) -> None:
    """Line 1: complete_login with a callback of any wrong shape raises a typed error."""
    async with fake.session() as chattz:
        login = chattz.start_login()
        with pytest.raises(ChattzOAuthError):
            await chattz.complete_login(callback, login)
    assert 0 == token_requests(fake)


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
async def test_checklist_31_broken_connection_is_transport_error_and_exchange_not_retried(
    handler: Any,
) -> None:
    """Line 31: a reset, garbage or truncated answer is a TransportError; the code is sent once."""
    with raw_server(handler) as server:
        async with raw_session(server, retry=FAST_RETRY) as chattz:
            with pytest.raises(TransportError):
                await chattz.exchange_code(CODE)
    assert 1 == len(server.requests)


@pytest.mark.checklist(31)
async def test_checklist_31_read_timeout_after_token_post_not_retried() -> None:
    """Line 31: a timeout after the token POST was sent is not retried."""
    with raw_server(RawServer.stall()) as server:
        async with raw_session(
            server, retry=FAST_RETRY, timeout=httpx.Timeout(0.3), total_timeout=10
        ) as chattz:
            with pytest.raises(TransportTimeout):
                await chattz.exchange_code(CODE)
    assert 1 == len(server.requests)


@pytest.mark.checklist(31)
async def test_checklist_31_token_503_not_retried(fake: FakeChattz) -> None:
    """Line 31: a 503 from the token endpoint is reported, never retried."""
    fake.fail_next("token", times=2, status=503)
    async with fake.session(retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        with pytest.raises(ProviderError) as info:
            await chattz.complete_login(fake.authorize(login.url), login)
    assert (503, 1) == (info.value.status_code, token_requests(fake))


@pytest.mark.checklist(31)
async def test_checklist_31_dropped_token_connection_not_retried(fake: FakeChattz) -> None:
    """Line 31: a token request whose connection drops is not retried."""
    fake.fail_next("token", times=2, drop=True)
    async with fake.session(retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        with pytest.raises(TransportError):
            await chattz.complete_login(fake.authorize(login.url), login)
    assert 1 == token_requests(fake)


@pytest.mark.checklist(31)
async def test_checklist_31_connect_failure_may_be_retried(closed_port: int) -> None:
    """Line 31: a token request that could not connect at all is retried, then reported."""
    attempts: list[str] = []

    async def count(request: httpx.Request) -> None:
        attempts.append(request.url.path)

    client = httpx.AsyncClient(event_hooks={"request": [count]})
    try:
        chattz = AsyncChattzOAuth(
            CLIENT_ID,
            SECRET,
            LOOPBACK_REDIRECT,
            base_url=f"http://127.0.0.1:{closed_port}",
            http_client=client,
            retry=FAST_RETRY,
        )
        with pytest.raises(TransportError):
            await chattz.exchange_code(CODE)
        with pytest.raises(TransportError):
            await chattz.userinfo(ACCESS)
    finally:
        await client.aclose()
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
async def test_checklist_31_userinfo_retries_idempotent_failures(failure: bytes) -> None:
    """Line 31 (retries): userinfo retries 429, 502-504 and dropped connections."""
    with raw_server(flaky([failure, failure], ok_json(USER))) as server:
        async with raw_session(server, retry=FAST_RETRY) as chattz:
            user = await chattz.userinfo(ACCESS)
    assert (123, 3) == (user.id, len(server.requests))


@pytest.mark.checklist(31)
async def test_checklist_31_userinfo_retries_switched_off() -> None:
    """Line 31 (retries): with attempts=1 the first 503 is reported."""
    with raw_server(flaky([response(503, b"busy")], ok_json(USER))) as server:
        async with raw_session(server, retry=RetryPolicy(attempts=1)) as chattz:
            with pytest.raises(ProviderError) as info:
                await chattz.userinfo(ACCESS)
    assert (503, 1) == (info.value.status_code, len(server.requests))


@pytest.mark.checklist(31)
async def test_checklist_31_retry_after_beyond_deadline_gives_up_at_once() -> None:
    """Line 31 (retries): a Retry-After that would pass the total deadline is not waited."""
    busy = response(503, b"busy", {"Retry-After": "3600"})
    with raw_server(flaky([busy], ok_json(USER))) as server:
        async with raw_session(
            server, retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=60), total_timeout=2
        ) as chattz:
            with pytest.raises(ProviderError) as info:
                await chattz.userinfo(ACCESS)
    assert (503, 1) == (info.value.status_code, len(server.requests))


@pytest.mark.checklist(31)
async def test_checklist_31_userinfo_retries_through_fake_faults(fake: FakeChattz) -> None:
    """Line 31 (retries): FakeChattz's 503s and a dropped connection are retried for userinfo."""
    async with fake.session(
        retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
    ) as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        fake.fail_next("userinfo", times=2, status=503, headers={"Retry-After": "0"})
        fake.fail_next("userinfo", drop=True)
        user = await chattz.userinfo(token)
    assert (fake.user.id, 4) == (user.id, userinfo_requests(fake))


@pytest.mark.checklist(31)
async def test_checklist_31_userinfo_gives_up_after_attempts(fake: FakeChattz) -> None:
    """Line 31 (retries): after the policy's attempts the last failure is reported."""
    async with fake.session(retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        token = await chattz.complete_login(fake.authorize(login.url), login)
        fake.fail_next("userinfo", times=5, status=503)
        with pytest.raises(ProviderError) as info:
            await chattz.userinfo(token)
    assert (503, 3) == (info.value.status_code, userinfo_requests(fake))


# --- 36, 37: resource limits on real sockets ------------------------------------------------


@pytest.mark.checklist(36)
async def test_checklist_36_streamed_body_over_cap_cut_off() -> None:
    """Line 36: a 4 MiB close-delimited body stops at the 1 MiB default cap."""
    head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
    with raw_server(RawServer.stream(head, b"x" * 65536, 64)) as server:
        async with raw_session(server) as chattz:
            with pytest.raises(ResponseTooLargeError) as info:
                await chattz.exchange_code(CODE)
    assert 200 == info.value.status_code


@pytest.mark.checklist(36)
async def test_checklist_36_declared_length_over_cap_refused_without_reading() -> None:
    """Line 36: a Content-Length over the cap is refused before the (never sent) body."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n"
    with raw_server(RawServer.stall(head)) as server:
        async with raw_session(server, total_timeout=30) as chattz:
            with pytest.raises(ResponseTooLargeError):
                await chattz.userinfo(ACCESS)


@pytest.mark.checklist(36)
async def test_checklist_36_lying_short_content_length_is_typed_error() -> None:
    """Line 36: a Content-Length smaller than the body gives a typed error, not the rest."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"
    with raw_server(RawServer.stream(head, b'{"access_token": "' + b"A" * 65536, 40)) as server:
        async with raw_session(server) as chattz:
            with pytest.raises(ProviderError) as info:
                await chattz.exchange_code(CODE)
    assert 200 == info.value.status_code


@pytest.mark.checklist(36)
async def test_checklist_36_configured_cap_applies() -> None:
    """Line 36: max_response_bytes is honoured for a body that would otherwise be valid."""
    with raw_server(RawServer.send(ok_json({**USER, "pad": "x" * 500}))) as server:
        async with raw_session(server, max_response_bytes=256) as chattz:
            with pytest.raises(ResponseTooLargeError):
                await chattz.userinfo(ACCESS)


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip"])
@pytest.mark.checklist(36)
async def test_checklist_36_gzip_bomb_stopped_at_cap(encoding: str) -> None:
    """Line 36: a gzip bomb (16 MiB of zeros) stops at the cap, even though never asked for."""
    bomb = gzip_bomb(16 * 1024 * 1024)
    answer = response(200, bomb, {"Content-Encoding": encoding})
    with raw_server(RawServer.send(answer)) as server:
        async with raw_session(server) as chattz:
            with pytest.raises(ResponseTooLargeError):
                await chattz.userinfo(ACCESS)


@pytest.mark.checklist(36)
async def test_checklist_36_unknown_content_encoding_is_typed_error() -> None:
    """Line 36: an encoding the client cannot bound (br) is a typed error."""
    with raw_server(RawServer.send(response(200, b"xx", {"Content-Encoding": "br"}))) as server:
        async with raw_session(server) as chattz:
            with pytest.raises(ProviderError):
                await chattz.userinfo(ACCESS)


@pytest.mark.checklist(37)
async def test_checklist_37_trickling_body_hits_total_deadline() -> None:
    """Line 37: a server that trickles body bytes hits the finite total deadline.

    Bound, async: total_timeout. Bound, sync: total_timeout plus one read
    timeout (the deadline is checked after every chunk, and each read waits at
    most the read timeout).
    """
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{"
    with raw_server(RawServer.trickle(head, interval=0.02)) as server:
        async with raw_session(server, total_timeout=0.5, timeout=httpx.Timeout(1.0)) as chattz:
            with pytest.raises(TransportTimeout):
                await chattz.userinfo(ACCESS)


@pytest.mark.checklist(37)
async def test_checklist_37_stalled_server_times_out() -> None:
    """Line 37: a server that accepts and never answers ends in TransportTimeout."""
    with raw_server(RawServer.stall()) as server:
        async with raw_session(server, total_timeout=0.5, timeout=httpx.Timeout(0.5)) as chattz:
            with pytest.raises(TransportTimeout):
                await chattz.userinfo(ACCESS)


@pytest.mark.checklist(37)
async def test_checklist_37_delay_from_fake_hits_total_deadline(fake: FakeChattz) -> None:
    """Line 37: a late FakeChattz answer past total_timeout is a TransportTimeout."""
    fake.delay_next("userinfo", 1.0)
    async with fake.session(total_timeout=0.3, retry=NO_RETRY) as chattz:
        with pytest.raises(TransportTimeout):
            await chattz.userinfo(ACCESS)


# --- 32, 33: secrets in logs, reprs and exceptions ----------------------------------------


@pytest.mark.checklist(32)
async def test_checklist_32_33_whole_flows_leak_no_secret(
    fake: FakeChattz, caplog: pytest.LogCaptureFixture
) -> None:
    """Lines 32, 33: DEBUG logs, reprs, strs and exception args of whole flows hold no secret."""
    caplog.set_level(logging.DEBUG)
    secrets_: list[str] = [fake.client.client_secret]
    shown: list[object] = []
    async with fake.session(pkce=True, retry=FAST_RETRY) as chattz:
        login = chattz.start_login()
        callback = fake.authorize(login.url)
        secrets_ += [login.code_verifier or "", parse_qs(urlsplit(callback).query)["code"][0]]
        token = await chattz.complete_login(callback, login)
        assert token.refresh_token is not None
        secrets_ += [token.access_token, token.refresh_token]
        fake.fail_next("userinfo", status=503)
        await chattz.userinfo(token)
        refreshed = await chattz.refresh(token)
        secrets_ += [refreshed.access_token, refreshed.refresh_token or ""]
        holder = AsyncTokenHolder(chattz, refreshed)
        shown += [chattz, chattz.config, login, token, refreshed, holder, await holder.userinfo()]
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
                await failure()
            except ChattzOAuthError as exc:
                shown.append(exc)
                shown.append(exc.args)
    assert len(shown) > 10
    text = caplog.text + " ".join(str(r.args) + r.getMessage() for r in caplog.records)
    text += " ".join(repr(o) + str(o) for o in shown)
    assert [] == [s for s in secrets_ if s and s in text]
    assert any(r.name == "chattz_oauth_async" for r in caplog.records)


@pytest.mark.checklist(33)
async def test_checklist_33_transport_error_free_of_secrets(closed_port: int) -> None:
    """Line 33: a TransportError's message and cause chain show no secret."""
    chattz = AsyncChattzOAuth(
        CLIENT_ID,
        SECRET,
        LOOPBACK_REDIRECT,
        base_url=f"http://127.0.0.1:{closed_port}",
        retry=NO_RETRY,
    )
    try:
        with pytest.raises(TransportError) as info:
            await chattz.exchange_code(CODE)
    finally:
        await chattz.aclose()
    text = repr(info.value) + str(info.value) + repr(info.value.args)
    assert (False, False) == (SECRET in text, CODE in text)
