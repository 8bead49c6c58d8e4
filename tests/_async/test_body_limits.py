"""Resource limits on real sockets: the body cap, gzip bombs, the total deadline (checklist 36, 37).

Written once for AsyncChattzOAuth; scripts/gen_sync.py generates the same tests
for ChattzOAuth in tests/_sync/.
"""

from __future__ import annotations

import httpx
import pytest

from chattz_oauth_async import (
    ProviderError,
    ResponseTooLargeError,
    TransportTimeout,
)
from chattz_oauth_async.testing import FakeChattz
from tests.rawserver import RawServer, gzip_bomb, raw_server, response

from .support import (
    ACCESS,
    CODE,
    NO_RETRY,
    USER,
    ok_json,
    raw_session,
)

pytestmark = pytest.mark.anyio


# --- 36, 37: resource limits on real sockets ------------------------------------------------


@pytest.mark.parametrize(
    ("head", "chunk", "chunks", "expected"),
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
            b"x" * 65536,
            64,
            ResponseTooLargeError,
            id="4MiB-close-delimited-body-stops-at-the-1MiB-default-cap",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n",
            b'{"access_token": "' + b"A" * 65536,
            40,
            ProviderError,
            id="content-length-shorter-than-the-body-is-typed-error-not-the-rest",
        ),
    ],
)
@pytest.mark.checklist(36)
async def test_checklist_36_streamed_body_over_cap_or_length_is_typed_error(
    head: bytes, chunk: bytes, chunks: int, expected: type[ProviderError]
) -> None:
    """Line 36: a body past the cap or its Content-Length is a typed error, never read on."""
    with raw_server(RawServer.stream(head, chunk, chunks)) as server:
        async with raw_session(server) as chattz:
            with pytest.raises(expected) as info:
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
