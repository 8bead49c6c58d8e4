"""The async session's own transport: per event loop, one-connection inner transports.

httpx's pool slows down with every connection it holds (see
``chattz_oauth_async/_transport.py``), so on httpx the async session's
client lends each request one of at most ``DEFAULT_MAX_CONNECTIONS``
one-connection inner transports. These tests pin what users rely on:
connections are reused, bursts never open more than the bound, idle ones are
closed, and nothing is left open when the session or its event loop ends.
The sync twin and httpx2 keep one pool (checked here too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

import anyio
import pytest

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth, _client
from chattz_oauth_async._client import DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY
from tests._async.support import loopback_session
from tests.banks import inner_transports, is_closed, loop_transport, pool_limits
from tests.helpers import async_gather
from tests.rawserver import RawRequest, RawServer, raw_server, response

pytestmark = pytest.mark.anyio

USER = {"id": 9, "username": "bank"}


def userinfo_server(delay: float = 0.0) -> Any:
    """A keep-alive provider whose userinfo answer takes ``delay`` seconds."""

    def handler(server: RawServer, conn: Any, request: RawRequest) -> None:
        if delay:
            server.wait(delay)
        conn.sendall(response(200, json.dumps(USER).encode(), {"Connection": "keep-alive"}))

    return raw_server(handler, keep_alive=True)


async def burst(chattz: AsyncChattzOAuth, calls: int) -> None:
    """``calls`` concurrent userinfo calls through ``chattz``."""

    async def call() -> None:
        await chattz.userinfo("AT")

    await async_gather([call for _ in range(calls)])


async def test_each_inner_transport_holds_one_connection_kept_alive() -> None:
    """httpx: one connection an inner transport, kept alive for KEEPALIVE_EXPIRY seconds."""
    async with AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb") as chattz:
        transport = loop_transport(chattz)
        limits = pool_limits(transport._make())
    assert (1, 1, KEEPALIVE_EXPIRY, DEFAULT_MAX_CONNECTIONS) == (*limits, transport._max_in_flight)


def test_inner_transports_share_the_sessions_tls_context() -> None:
    """One ssl.SSLContext per session: loading the CA bundle costs ~27 ms a transport."""
    chattz = AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb")
    make = loop_transport(chattz)._make
    contexts = {id(make()._pool._ssl_context) for _ in range(3)}
    other = loop_transport(AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb"))
    assert (1, False) == (len(contexts), id(other._make()._pool._ssl_context) in contexts)


def test_sync_session_shares_one_pool_of_the_full_size() -> None:
    """The sync twin's threads share one client with a pool of DEFAULT_MAX_CONNECTIONS."""
    with ChattzOAuth("client", "s3cr3t", "https://app.example/cb") as chattz:
        limits = pool_limits(chattz.http_client._transport)  # type: ignore[attr-defined]
    assert (DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY) == limits


async def test_httpx2_session_shares_one_pool_of_the_full_size() -> None:
    """httpx2's pool queues well: one pool per loop, no bound of the session's."""
    httpx2 = pytest.importorskip("httpx2")
    async with AsyncChattzOAuth(
        "client", "s3cr3t", "https://app.example/cb", http="httpx2"
    ) as chattz:
        transport = loop_transport(chattz)
        limits = pool_limits(transport._make())
    assert (DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY, None, True) == (
        *limits,
        transport._max_in_flight,
        isinstance(transport, httpx2.AsyncBaseTransport),
    )


async def test_sequential_calls_reuse_one_connection() -> None:
    """Ten calls one after another: one client made, one connection at the server."""
    with userinfo_server() as server:
        async with loopback_session(server) as chattz:
            ids = [(await chattz.userinfo("AT")).id for _ in range(10)]
            made = len(inner_transports(chattz))
    assert ([9] * 10, 1, 1) == (ids, made, server.connections)


async def test_a_burst_opens_at_most_the_bound_and_then_reuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve concurrent calls with a bound of 3: three clients, three connections, all reused."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 3)
    with userinfo_server(delay=0.02) as server:
        async with loopback_session(server) as chattz:
            await burst(chattz, 12)
            await burst(chattz, 12)
            made = len(inner_transports(chattz))
    assert (3, 3, 24) == (made, server.connections, len(server.requests))


async def test_idle_clients_are_closed_after_the_keepalive_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a burst of three, a quiet spell closes the two clients left idle."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 3)
    monkeypatch.setattr(_client, "KEEPALIVE_EXPIRY", 0.2)
    with userinfo_server(delay=0.05) as server:
        async with loopback_session(server) as chattz:
            await burst(chattz, 3)
            burst_clients = inner_transports(chattz)
            await anyio.sleep(0.3)
            await chattz.userinfo("AT")  # lends the newest client and closes the two that expired
            left = inner_transports(chattz)
            closed = sorted(is_closed(inner) for inner in burst_clients)
            for _ in range(200):  # the server notices the two closed connections
                if server.open_connections <= 1:
                    break
                await anyio.sleep(0.01)
            open_at_server = server.open_connections
    assert (3, 1, [False, True, True], 1) == (len(burst_clients), len(left), closed, open_at_server)


async def test_closing_the_session_closes_every_client_of_the_loop() -> None:
    """aclose() closes the lent-out clients' connections too: none stays open at the server."""
    with userinfo_server(delay=0.02) as server:
        chattz = loopback_session(server)
        await burst(chattz, 5)
        clients = inner_transports(chattz)
        await chattz.aclose()
        left_open = await anyio.to_thread.run_sync(server.wait_until_closed)
    assert (5, [True] * 5, 0) == (
        len(clients),
        [is_closed(inner) for inner in clients],
        left_open,
    )


def test_each_event_loop_gets_its_own_bank() -> None:
    """Two asyncio.run() calls: each loop's clients are closed when that loop ends."""
    seen: list[list[Any]] = []
    with userinfo_server() as server:
        chattz = loopback_session(server)

        async def main() -> None:
            await chattz.userinfo("AT")
            seen.append(inner_transports(chattz))

        asyncio.run(main())
        asyncio.run(main())
        left_open = server.wait_until_closed()
    first, second = seen
    assert (1, 1, False, [True, True], 0) == (
        len(first),
        len(second),
        first[0] is second[0],
        [is_closed(inner) for inner in first + second],
        left_open,
    )


async def test_a_cancelled_call_gives_its_client_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call cancelled mid-request returns its slot: the next call on a bound of 1 proceeds."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 1)
    stalled = threading.Event()

    def handler(server: RawServer, conn: Any, request: RawRequest) -> None:
        if not stalled.is_set():
            stalled.set()
            server.wait(5)
            return
        conn.sendall(response(200, json.dumps(USER).encode(), {"Connection": "keep-alive"}))

    with raw_server(handler, keep_alive=True) as server:
        async with loopback_session(server) as chattz:
            # Cancelled once the server holds its request (a fixed 0.2 s could end the call
            # before it was sent on a loaded machine; the next call was then the one held).
            async with anyio.create_task_group() as group:
                group.start_soon(chattz.userinfo, "AT")
                assert await anyio.to_thread.run_sync(stalled.wait, 5)
                group.cancel_scope.cancel()
            with anyio.fail_after(5):
                user = await chattz.userinfo("AT")
    assert (True, 9) == (stalled.is_set(), user.id)


def test_a_call_cancelled_while_closing_expired_clients_still_closes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """asyncio's task.cancel() during the expiry sweep: every client still gets closed.

    An anyio shield does not stop ``task.cancel()``; the sweep used to stop
    halfway and forget the rest, leaving their connections open for good.
    """
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 20)
    monkeypatch.setattr(_client, "KEEPALIVE_EXPIRY", 0.2)

    async def main(server: RawServer) -> None:
        chattz = loopback_session(server)
        await asyncio.gather(*[chattz.userinfo("AT") for _ in range(20)])
        await asyncio.sleep(0.4)  # all twenty expire
        task = asyncio.ensure_future(chattz.userinfo("AT"))
        for _ in range(3):  # into the sweep, then cancel it
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await chattz.aclose()

    with userinfo_server(delay=0.05) as server:
        asyncio.run(main(server))
        left_open = server.wait_until_closed()
    assert (20, 0) == (server.connections, left_open)


async def test_calls_waiting_when_the_session_closes_go_on_new_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aclose() with two calls in flight and two waiting: the two in flight lose their
    connections (TransportError, no retries), the two waiting then run on new ones, and a call
    made afterwards works too; nothing is left open."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 2)
    outcomes: list[str] = []
    with userinfo_server(delay=0.3) as server:
        chattz = loopback_session(server)

        async def call() -> None:
            try:
                await chattz.userinfo("AT")
            except Exception as exc:
                outcomes.append(type(exc).__name__)
            else:
                outcomes.append("ok")

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(call)
            for _ in range(200):  # two in flight at the server, two waiting for a slot
                if len(server.requests) == 2:
                    break
                await anyio.sleep(0.01)
            await chattz.aclose()
        later = (await chattz.userinfo("AT")).id
        await chattz.aclose()
        left_open = await anyio.to_thread.run_sync(server.wait_until_closed)
    assert (["TransportError", "TransportError", "ok", "ok"], 9, 0) == (
        sorted(outcomes),
        later,
        left_open,
    )


def test_sync_session_works_after_close() -> None:
    """close() closes the pool's connections; the session, like the async one, stays usable."""
    with userinfo_server() as server:
        chattz = ChattzOAuth("client", "s3cr3t", "http://127.0.0.1/cb", base_url=server.base_url)
        with chattz:
            first = chattz.userinfo("AT").id
        closed_at_server = server.wait_until_closed()
        second = chattz.userinfo("AT").id
        chattz.close()
        left_open = server.wait_until_closed()
    assert (9, 0, 9, 0, 2) == (first, closed_at_server, second, left_open, server.connections)
