"""Review 3: the sync TokenHolder refuses an async ``on_update`` when it is built.

It accepted one and found out after its first refresh: the refresh had been made (with
a rotating provider the old refresh token is then dead), ``on_update`` returned a
coroutine it cannot await, and the holder raised ConfigurationError instead of
persisting the new token: after a restart the saved, rotated-away refresh token no
longer works and the user must log in again. Pure construction checks: tested once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anyio
import attrs
import pytest

from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ConfigurationError,
    Token,
    TokenHolder,
)
from chattz_oauth_async.testing import FakeChattz


async def save_async(token: Token) -> None:
    """An async hook: fine for AsyncTokenHolder, never awaited by TokenHolder."""


class AsyncCallable:
    """A callable object whose __call__ is a coroutine function."""

    async def __call__(self, token: Token) -> None:
        """Save the token (async)."""


@pytest.mark.parametrize("hook", [save_async, AsyncCallable()], ids=["function", "object"])
def test_the_sync_holder_refuses_an_async_on_update_before_any_refresh(hook: Any) -> None:
    """ConfigurationError naming on_update at construction; nothing sent to Chattz."""
    fake = FakeChattz(issue_refresh_tokens=True)
    with fake.sync_session() as session, pytest.raises(ConfigurationError) as caught:
        TokenHolder(session, Token("a", refresh_token="r", expires_at=0.0), on_update=hook)
    assert (True, []) == ("on_update" in str(caught.value), fake.requests)


def test_the_async_holder_takes_an_async_on_update() -> None:
    """AsyncTokenHolder awaits an async hook: built without complaint."""
    session = AsyncChattzOAuth("client", "secret", "https://app.example/callback")
    holder = AsyncTokenHolder(session, Token("a"), on_update=save_async)
    assert save_async is holder._on_update


def test_one_async_holder_refreshes_under_asyncio_then_trio_then_asyncio() -> None:
    """A holder built at import time (a worker's module, a test module) refreshes under each
    library in turn, several callers at once sharing one refresh each time. Its lock bound
    itself to asyncio at first use, and under trio every caller got a raw
    ``RuntimeError: no running event loop``."""
    fake = FakeChattz(issue_refresh_tokens=True)
    session = fake.session()
    issued = fake.issue_token()
    holder = AsyncTokenHolder(session, attrs.evolve(issued, expires_at=0.0))
    refreshes: list[int] = []

    async def expire_and_refresh_at_once() -> None:
        holder._token = attrs.evolve(holder.token, expires_at=0.0)
        before = sum(1 for r in fake.requests if r.path == "/oauth/token")
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(holder.get)
        refreshes.append(sum(1 for r in fake.requests if r.path == "/oauth/token") - before)
        await session.aclose()

    for backend in ("asyncio", "trio", "asyncio"):
        anyio.run(expire_and_refresh_at_once, backend=backend)
    assert [1, 1, 1] == refreshes


def test_one_async_holder_shared_by_event_loops_in_several_threads() -> None:
    """Three threads, each with its own asyncio loop (Django's async views under WSGI),
    three callers each, one slow refresh: everyone gets the new token, one refresh in
    all. The waiters of the other loops were never woken (an anyio lock's waiter is a
    future of its own loop) and hung for good."""
    fake = FakeChattz(issue_refresh_tokens=True)
    session = fake.session()
    holder = AsyncTokenHolder(session, attrs.evolve(fake.issue_token(), expires_at=0.0))
    arrived = threading.Barrier(3)
    got: list[str] = []

    def worker() -> None:
        async def three_callers() -> None:
            arrived.wait()
            tokens = await asyncio.gather(*(holder.get() for _ in range(3)))
            got.extend(token.access_token for token in tokens)
            await session.aclose()

        asyncio.run(three_callers())

    fake.delay_next("token", 0.2)  # the refresh is still running when the others ask
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refreshes = sum(1 for request in fake.requests if request.path == "/oauth/token")
    assert ([False] * 3, [holder.token.access_token] * 9, 1) == (
        [thread.is_alive() for thread in threads],
        got,
        refreshes,
    )
