"""The async session's own httpx clients: a bank of one-connection clients, lent one per request.

httpx 0.28's pool slows down with every connection it holds (see
``chattz_oauth_async/_loops.py``), so on httpx the async session lends each
request one of at most ``DEFAULT_MAX_CONNECTIONS`` one-connection clients.
These tests pin what users rely on: connections are reused, bursts never
open more than the bound, idle clients are closed, and nothing is left open
when the session or its event loop ends. The sync twin and httpx2 keep one
pooled client (checked here too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from typing import Any

import anyio
import pytest

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth, RetryPolicy, _client, _loops
from chattz_oauth_async._client import DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY
from tests._async.support import loopback_session
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


def bank(session: AsyncChattzOAuth) -> Any:
    """The running loop's clients of ``session``."""
    (entry,) = session._clients._loops.values()
    return entry


async def burst(chattz: AsyncChattzOAuth, calls: int) -> None:
    """``calls`` concurrent userinfo calls through ``chattz``."""

    async def call() -> None:
        await chattz.userinfo("AT")

    await async_gather([call for _ in range(calls)])


def pool_limits(client: Any) -> tuple[int, int, float]:
    pool = client._transport._pool
    return pool._max_connections, pool._max_keepalive_connections, pool._keepalive_expiry


async def test_each_lent_client_holds_one_connection_kept_alive() -> None:
    """httpx: one connection a client, kept alive for KEEPALIVE_EXPIRY seconds."""
    async with AsyncChattzOAuth("client", "s3cr3t", "https://app.example/cb") as chattz:
        limits = pool_limits(chattz._clients.template)
    assert (1, 1, KEEPALIVE_EXPIRY) == limits


def test_sync_session_shares_one_pool_of_the_full_size() -> None:
    """The sync twin's threads share one client with a pool of DEFAULT_MAX_CONNECTIONS."""
    with ChattzOAuth("client", "s3cr3t", "https://app.example/cb") as chattz:
        limits = pool_limits(chattz.http_client)
    assert (DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY) == limits


async def test_httpx2_session_shares_one_pool_of_the_full_size() -> None:
    """httpx2's pool queues well: one shared client, no bank."""
    pytest.importorskip("httpx2")
    async with AsyncChattzOAuth(
        "client", "s3cr3t", "https://app.example/cb", http="httpx2"
    ) as chattz:
        limits = pool_limits(chattz._clients.template)
    assert (DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY) == limits


async def test_sequential_calls_reuse_one_connection() -> None:
    """Ten calls one after another: one client made, one connection at the server."""
    with userinfo_server() as server:
        async with loopback_session(server) as chattz:
            ids = [(await chattz.userinfo("AT")).id for _ in range(10)]
            made = len(bank(chattz).made)
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
            made = len(bank(chattz).made)
    assert (3, 3, 24) == (made, server.connections, len(server.requests))


async def test_idle_clients_are_closed_after_the_keepalive_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a burst of three, a quiet spell closes the two clients left idle."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 3)
    monkeypatch.setattr(_loops, "KEEPALIVE_EXPIRY", 0.2)
    with userinfo_server(delay=0.05) as server:
        async with loopback_session(server) as chattz:
            await burst(chattz, 3)
            burst_clients = list(bank(chattz).made)
            await anyio.sleep(0.3)
            await chattz.userinfo("AT")  # lends the newest client and closes the two that expired
            left = list(bank(chattz).made)
            closed = sorted(client.is_closed for client in burst_clients)
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
        clients = list(bank(chattz).made)
        await chattz.aclose()
        left_open = await anyio.to_thread.run_sync(server.wait_until_closed)
    assert (5, [True] * 5, 0) == (
        len(clients),
        [client.is_closed for client in clients],
        left_open,
    )


def test_each_event_loop_gets_its_own_bank() -> None:
    """Two asyncio.run() calls: each loop's clients are closed when that loop ends."""
    seen: list[list[Any]] = []
    with userinfo_server() as server:
        chattz = loopback_session(server)

        async def main() -> None:
            await chattz.userinfo("AT")
            seen.append(list(bank(chattz).made))

        asyncio.run(main())
        asyncio.run(main())
        left_open = server.wait_until_closed()
    first, second = seen
    assert (1, 1, False, [True, True], 0) == (
        len(first),
        len(second),
        first[0] is second[0],
        [client.is_closed for client in first + second],
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
            with anyio.move_on_after(0.2):
                await chattz.userinfo("AT")
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
    monkeypatch.setattr(_loops, "KEEPALIVE_EXPIRY", 0.2)

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


async def test_calls_waiting_when_the_session_closes_get_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aclose() with calls waiting for a client: they fail with ConfigurationError, never a raw
    RuntimeError from httpx, and a call made afterwards works on new clients."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 2)
    outcomes: list[str] = []
    with userinfo_server(delay=0.3) as server:
        chattz = loopback_session(server, retry=RetryPolicy())  # in-flight calls retry

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
            await anyio.sleep(0.1)  # two in flight, two waiting
            await chattz.aclose()
        later = (await chattz.userinfo("AT")).id
        await chattz.aclose()
        left_open = await anyio.to_thread.run_sync(server.wait_until_closed)
    assert (["ConfigurationError", "ConfigurationError"], 9, 0) == (
        sorted(o for o in outcomes if o != "ok"),
        later,
        left_open,
    )


def test_sync_calls_waiting_when_the_session_closes_get_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sync twin: threads waiting for a slot when close() runs get ConfigurationError."""
    monkeypatch.setattr(_client, "DEFAULT_MAX_CONNECTIONS", 1)
    outcomes: list[str] = []
    lock = threading.Lock()
    with userinfo_server(delay=0.3) as server:
        chattz = ChattzOAuth("client", "s3cr3t", "http://127.0.0.1/cb", base_url=server.base_url)

        def call() -> None:
            try:
                chattz.userinfo("AT")
            except Exception as exc:
                outcome = type(exc).__name__
            else:
                outcome = "ok"
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=call) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.1)  # one in flight, two waiting
        chattz.close()
        for thread in threads:
            thread.join(10)
    # The call in flight may finish, or fail over to a retry that finds the session closed.
    failed = [o for o in outcomes if o != "ok"]
    assert (True, {"ConfigurationError"}) == (len(failed) >= 2, set(failed))
