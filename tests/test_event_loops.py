"""One session across event loops: asyncio.run() after asyncio.run(), trio, threads.

Against a provider that keeps connections alive (as every real one does): the
session's own clients are per loop and closed when their loop ends; a client
passed in that is carried into another loop gives a ConfigurationError, and
names the mistake. Not generated: the sync twin has no loops.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import trio

from chattz_oauth_async import AsyncChattzOAuth, ConfigurationError
from tests._async.support import loopback_session
from tests.helpers import in_threads
from tests.rawserver import RawRequest, RawServer, raw_server, response

TOKEN = {"access_token": "AT-loops", "token_type": "Bearer", "expires_in": 3600}
USER = {"id": 7, "username": "loops"}


def provider(server: RawServer, conn: Any, request: RawRequest) -> None:
    """Chattz's two endpoints, answering with keep-alive."""
    body = TOKEN if request.target.startswith("/oauth/token") else USER
    conn.sendall(response(200, json.dumps(body).encode(), {"Connection": "keep-alive"}))


@pytest.fixture(params=["httpx", "httpx2"])
def stack(request: pytest.FixtureRequest) -> str:
    """The HTTP library of the session's own client (``http=``)."""
    return str(request.param)


@pytest.fixture
def server() -> Iterator[RawServer]:
    """A keep-alive provider on loopback."""
    with raw_server(provider, keep_alive=True) as running:
        yield running


def session_for(server: RawServer, stack: str = "httpx", **kwargs: Any) -> AsyncChattzOAuth:
    """A session built outside any event loop, as at module import."""
    return loopback_session(server, http=stack, **kwargs)


async def flow(chattz: AsyncChattzOAuth) -> int:
    """A code exchange then a userinfo call; the user's id."""
    token = await chattz.exchange_code("the-code")
    return (await chattz.userinfo(token)).id


def test_three_asyncio_runs_share_one_module_level_session(server: RawServer, stack: str) -> None:
    """Three asyncio.run() calls on one session succeed; each loop's connection closes with it."""
    chattz = session_for(server, stack)
    ids = [asyncio.run(flow(chattz)) for _ in range(3)]
    assert ([7, 7, 7], 3, 6, 0) == (
        ids,
        server.connections,
        len(server.requests),
        server.wait_until_closed(),
    )


def test_two_asyncio_runs_then_aclose(server: RawServer, stack: str) -> None:
    """Two runs, then aclose() in a third: no connection stays open."""
    chattz = session_for(server, stack)

    async def then_close() -> None:
        await flow(chattz)
        await chattz.aclose()

    first = asyncio.run(flow(chattz))
    asyncio.run(then_close())
    assert (7, 0) == (first, server.wait_until_closed())


def test_trio_then_asyncio_then_trio(server: RawServer, stack: str) -> None:
    """One session serves trio.run, asyncio.run and trio.run again."""
    chattz = session_for(server, stack)
    ids = [trio.run(flow, chattz), asyncio.run(flow(chattz)), trio.run(flow, chattz)]
    assert ([7, 7, 7], 0) == (ids, server.wait_until_closed())


def test_a_loop_per_thread_at_the_same_time(server: RawServer, stack: str) -> None:
    """Eight threads, each running its own loop with five concurrent flows, share one session."""
    chattz = session_for(server, stack)
    results: list[list[int]] = []
    lock = threading.Lock()

    async def five() -> list[int]:
        return list(await asyncio.gather(*(flow(chattz) for _ in range(5))))

    def run() -> None:
        ids = asyncio.run(five())
        with lock:
            results.append(ids)

    in_threads([run] * 8, timeout=30)
    assert ([[7] * 5] * 8, 0) == (results, server.wait_until_closed())


def test_loop_closed_without_finalizing_is_dropped(server: RawServer, stack: str) -> None:
    """A loop closed by hand (no shutdown_asyncgens) does not break the next loop."""
    chattz = session_for(server, stack)

    async def flow_then_close_client() -> int:
        user_id = await flow(chattz)
        await chattz.aclose()  # closes this loop's connections, as shutdown_asyncgens() would
        return user_id

    loop = asyncio.new_event_loop()
    first = loop.run_until_complete(flow_then_close_client())
    loop.close()
    second = asyncio.run(flow(chattz))
    assert (7, 7, 0) == (first, second, server.wait_until_closed())


# The misused client's connection from the first loop can only be dropped, not closed.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_passed_in_client_in_another_loop_is_a_configuration_error(server: RawServer) -> None:
    """A client of yours carried into a second loop gives a ConfigurationError that says why."""

    async def run_and_close(chattz: AsyncChattzOAuth, client: httpx.AsyncClient) -> None:
        try:
            await flow(chattz)
        finally:
            await client.aclose()

    client = httpx.AsyncClient()
    chattz = session_for(server, http_client=client)
    first = asyncio.run(flow(chattz))
    with pytest.raises(ConfigurationError) as caught:
        asyncio.run(run_and_close(chattz, client))
    message, cause = str(caught.value), type(caught.value.__cause__)
    del caught, client, chattz
    gc.collect()  # the dropped connection's warnings belong to this test
    assert (7, True, True) == (
        first,
        "another event loop" in message,
        issubclass(cause, RuntimeError),
    )
