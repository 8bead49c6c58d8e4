"""Where requests go: TLS verified, no redirects, secrets only in body and Bearer (14, 15, 17, 18).

Written once for AsyncChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import datetime
import ssl
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import trustme

from chattz_oauth_async import (
    AsyncChattzOAuth,
    ProviderError,
    TransportError,
)
from chattz_oauth_async.testing import FakeChattz
from tests.rawserver import RawServer, raw_server, response

from .support import (
    ACCESS,
    CLIENT_ID,
    CODE,
    SECRET,
    TOKEN,
    USER,
    ok_json,
    raw_session,
    transport_session,
)

pytestmark = pytest.mark.anyio


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
    transport = chattz._http.transport  # per event loop, it makes inner transports
    pool = (transport._make() if hasattr(transport, "_make") else transport)._pool
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

    async with transport_session(handler) as chattz:
        token = await chattz.exchange_code(CODE)
        await chattz.userinfo(token)
    assert [f"Bearer {ACCESS}"] == seen
