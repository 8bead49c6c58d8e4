"""The client the session builds: no environment proxies, CA variables honoured, no cookies.

Written once for AsyncChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import inspect
import json
import ssl
import sys
from typing import Any

import httpx
import pytest
import trustme

from chattz_oauth_async import (
    AsyncChattzOAuth,
    ConfigurationError,
    ProviderError,
    TransportError,
)
from tests.rawserver import RawRequest, RawServer, raw_server, response

from .support import loopback_session, transport_session

pytestmark = pytest.mark.anyio

TOKEN = {"access_token": "AT-client", "token_type": "Bearer", "expires_in": 3600}
USER = {"id": 5, "username": "client"}


def provider(server: RawServer, conn: Any, request: RawRequest) -> None:
    """Chattz's endpoints; the token answer also sets a cookie."""
    if request.target.startswith("/oauth/token"):
        extra = {"Set-Cookie": "sid=user-a; Path=/"}
        conn.sendall(response(200, json.dumps(TOKEN).encode(), extra))
    else:
        conn.sendall(response(200, json.dumps(USER).encode()))


def proxy(server: RawServer, conn: Any, request: RawRequest) -> None:
    """A 'proxy' that would capture whatever reaches it."""
    conn.sendall(response(502, b"{}"))


@pytest.mark.checklist(13)
async def test_checklist_13_proxy_variables_never_see_loopback_traffic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Line 13: with every proxy variable set, the secret goes to the provider, never a proxy."""
    with raw_server(provider) as chattz_server, raw_server(proxy) as proxy_server:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy_server.base_url)
        monkeypatch.setenv("NO_PROXY", "")
        async with loopback_session(chattz_server) as chattz:
            token = await chattz.exchange_code("the-code")
        assert ("AT-client", 1, 0) == (
            token.access_token,
            len(chattz_server.requests),
            len(proxy_server.requests),
        )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALL_PROXY", "socks5://127.0.0.1:9"),
        ("HTTPS_PROXY", "http://[not-a-host"),
    ],
)
async def test_proxy_variables_do_not_reach_the_session_client(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """Proxy variables, even a SOCKS or a broken one, neither break nor change the client."""
    monkeypatch.setenv(name, value)
    with raw_server(provider) as server:
        async with loopback_session(server) as chattz:
            user = await chattz.userinfo("AT")
    assert 5 == user.id


async def test_provider_cookies_are_not_kept_between_calls() -> None:
    """A cookie the provider sets on one call is not sent on the next."""
    with raw_server(provider) as server:
        async with loopback_session(server) as chattz:
            token = await chattz.exchange_code("the-code")
            await chattz.userinfo(token)
            await chattz.userinfo(token)
    sent = [request.headers.get("cookie") for request in server.requests]
    assert [None, None, None] == sent


async def test_no_cookie_travels_through_a_client_passed_in() -> None:
    """A client of yours that holds cookies sends none of them to the provider."""
    with raw_server(provider) as server:
        async with httpx.AsyncClient(cookies={"other": "user-b"}) as client:
            chattz = loopback_session(server, http_client=client)
            token = await chattz.exchange_code("the-code")
            await chattz.userinfo(token)
    sent = [request.headers.get("cookie") for request in server.requests]
    assert [None, None] == sent


async def test_your_requests_go_through_the_sessions_own_http_client() -> None:
    """http_client is a real httpx client: a request of yours goes through it, over the session's
    connections (one connection at the server for the session's call and yours)."""

    def kept_alive(server: RawServer, conn: Any, request: RawRequest) -> None:
        conn.sendall(response(200, json.dumps(USER).encode(), {"Connection": "keep-alive"}))

    with raw_server(kept_alive, keep_alive=True) as server:
        async with loopback_session(server) as chattz:
            user = await chattz.userinfo("AT")
            mine = await chattz.http_client.request("GET", server.base_url + "/status")
    assert (True, 5, 200, ["/oauth/userinfo", "/status"], 1) == (
        isinstance(chattz.http_client, httpx.AsyncClient),
        user.id,
        mine.status_code,
        [request.target for request in server.requests],
        server.connections,
    )


class _ClosingTransport(httpx.MockTransport):
    """A mock transport that records its closes."""

    closes = 0

    async def aclose(self) -> None:
        self.closes += 1


async def test_transport_keyword_builds_a_client_and_owns_the_transport() -> None:
    """transport= routes requests through it; aclose() closes the transport, and the session
    (its client still open) goes on sending through it."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=USER)

    transport = _ClosingTransport(handler)
    chattz = AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb", transport=transport)
    user = await chattz.userinfo("AT")
    await chattz.aclose()
    again = await chattz.userinfo("AT")
    assert (5, 5, ["/oauth/userinfo"] * 2, 1, False) == (
        user.id,
        again.id,
        seen,
        transport.closes,
        chattz.http_client.is_closed,
    )


async def test_transport_keeps_the_library_defaults() -> None:
    """A client built over a transport still refuses to follow a redirect."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://evil.example/"})

    chattz = transport_session(handler)
    with pytest.raises(ProviderError) as caught:
        await chattz.userinfo("AT")
    await chattz.aclose()
    assert 302 == caught.value.status_code


@pytest.mark.parametrize(
    "kwargs",
    [
        {"transport": httpx.MockTransport(lambda r: httpx.Response(200))},
        {"timeout": 3.0},
        {"http": "httpx2"},
    ],
    ids=["transport", "timeout", "http"],
)
async def test_client_settings_with_your_own_client_are_refused(kwargs: dict[str, Any]) -> None:
    """transport, timeout and http describe the session's own client: not with http_client."""
    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigurationError):
            AsyncChattzOAuth(
                "client", "s3cr3t", "https://app.example/cb", http_client=client, **kwargs
            )


@pytest.mark.parametrize(
    "bad", ["nope", 42, object(), httpx.MockTransport(lambda r: httpx.Response(200))]
)
def test_http_client_that_is_not_a_client_is_refused(bad: Any) -> None:
    """Anything but an httpx/httpx2 client of the right kind is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb", http_client=bad)


def test_unknown_stack_is_refused() -> None:
    """http= takes 'httpx' or 'httpx2' only."""
    with pytest.raises(ConfigurationError):
        AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb", http="requests")  # type: ignore[arg-type]


def test_from_env_refuses_a_misspelled_keyword() -> None:
    """from_env(pcke=True) is a ConfigurationError naming the keyword."""
    environ = {
        "CHATTZ_CLIENT_ID": "client",
        "CHATTZ_CLIENT_SECRET": "s3cr3t",
        "CHATTZ_REDIRECT_URI": "https://app.example/cb",
    }
    with pytest.raises(ConfigurationError) as caught:
        AsyncChattzOAuth.from_env(environ=environ, pcke=True)  # type: ignore[call-arg]
    assert "pcke" in str(caught.value)


def test_from_env_takes_every_constructor_keyword() -> None:
    """from_env's keywords are exactly the constructor's keyword-only arguments."""
    module = sys.modules[AsyncChattzOAuth.__module__]
    wanted = {
        name
        for name, parameter in inspect.signature(AsyncChattzOAuth).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert wanted == set(module._SessionOptions.__annotations__)


def test_unloadable_ca_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SSL_CERT_FILE naming no loadable file gives a ConfigurationError naming the variables."""
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigurationError) as caught:
        AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb")
    assert "SSL_CERT_FILE or SSL_CERT_DIR" in str(caught.value)


@pytest.mark.checklist(14)
async def test_checklist_14_ca_from_ssl_cert_file_is_trusted_and_others_are_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Line 14: SSL_CERT_FILE adds a trusted CA; a certificate from another CA is still refused."""
    ours, other = trustme.CA(), trustme.CA()
    bundle = tmp_path / "ca.pem"
    ours.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    results: list[object] = []
    for ca in (ours, other):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        with raw_server(provider, ssl_context=context) as server:
            async with loopback_session(server) as chattz:
                try:
                    results.append((await chattz.userinfo("AT")).id)
                except TransportError as exc:
                    results.append(type(exc))
    assert [5, TransportError] == results
