"""AsyncTokenHolder under cancellation, which only async code has (threads are never cancelled).

The provider is a MockTransport handler that waits on an event: each test cancels its
caller while the refresh is at the provider (no timed delays), then lets the answer go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

from chattz_oauth_async import AsyncChattzOAuth, AsyncTokenHolder, ProviderError, RetryPolicy, Token

pytestmark = pytest.mark.anyio

EXPIRED = Token(access_token="old", expires_in=60, expires_at=1.0, refresh_token="rt1")


def rotated(number: int) -> httpx.Response:
    """A refresh answer with access token ``at<number>`` and refresh token ``rt<number>``."""
    body = {
        "access_token": f"at{number}",
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": f"rt{number}",
    }
    return httpx.Response(200, json=body)


class Provider:
    """Answers each refresh in turn, once the test releases it; records the refresh tokens."""

    def __init__(self, answers: list[httpx.Response]) -> None:
        self.answers = answers
        self.arrived = anyio.Event()
        self.release = anyio.Event()
        self.sent: list[str] = []

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(dict(httpx.QueryParams(request.content.decode()))["refresh_token"])
        self.arrived.set()
        await self.release.wait()
        return self.answers.pop(0)

    def holder(self, clock: Callable[[], float], saved: list[Token]) -> AsyncTokenHolder:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        chattz = AsyncChattzOAuth(
            "client",
            "s3cr3t",
            "https://app.example/cb",
            http_client=client,
            clock=clock,
            retry=RetryPolicy(attempts=1),
        )
        return AsyncTokenHolder(chattz, EXPIRED, on_update=saved.append)


async def cancel_mid_refresh(provider: Provider, get: Callable[[], Awaitable[Token]]) -> bool:
    """Call ``get`` in a cancel scope, cancel it while the refresh is at the provider, then
    let the provider answer. Whether the cancellation was what ended the call."""
    scope = anyio.CancelScope()

    async def caller() -> None:
        with scope:
            await get()

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await provider.arrived.wait()
        scope.cancel()  # while the refresh waits on the provider
        provider.release.set()
    return scope.cancelled_caught


@pytest.mark.checklist(34)
async def test_cancelled_refresh_keeps_the_rotated_refresh_token() -> None:
    """A caller cancelled mid-refresh: the rotated token is still kept and persisted, and the
    next refresh sends the rotated refresh token (the old one no longer works)."""
    now = [1e9]
    provider = Provider([rotated(2), rotated(3)])
    saved: list[Token] = []
    holder = provider.holder(lambda: now[0], saved)
    cancelled = await cancel_mid_refresh(provider, holder.get)
    kept = holder.token
    now[0] += 3600
    again = await holder.get()  # released already: answers at once
    await holder.session.http_client.aclose()
    assert (True, ["at2", "at3"], ["rt1", "rt2"], "at2") == (
        cancelled,
        [token.access_token for token in saved],
        provider.sent,
        kept.access_token,
    )
    assert "rt3" == again.refresh_token


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_native_asyncio_cancel_keeps_the_rotated_refresh_token(anyio_backend: str) -> None:
    """task.cancel() on asyncio mid-refresh: the caller gets CancelledError, the token is kept."""
    provider = Provider([rotated(2)])
    saved: list[Token] = []
    holder = provider.holder(lambda: 1e9, saved)
    task = asyncio.ensure_future(holder.get())
    await provider.arrived.wait()
    task.cancel()
    provider.release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    await holder.session.http_client.aclose()
    assert (["at2"], "rt2") == ([token.access_token for token in saved], holder.token.refresh_token)


@pytest.mark.checklist(34)
async def test_a_caller_cancelled_while_the_refresh_fails_gets_its_cancellation() -> None:
    """Line 34: the refresh runs to its end and fails (503); its cancelled caller gets its
    cancellation, not the ProviderError, and the next caller tries again."""
    provider = Provider([httpx.Response(503, text="down"), rotated(2)])
    escaped: list[BaseException] = []
    holder = provider.holder(lambda: 1e9, [])

    async def get() -> Token:
        try:
            return await holder.get()
        except BaseException as exc:  # what left the cancelled caller, if anything
            if not isinstance(exc, anyio.get_cancelled_exc_class()):
                escaped.append(exc)
            raise

    cancelled = await cancel_mid_refresh(provider, get)
    token = await holder.get()
    await holder.session.http_client.aclose()
    assert (True, [], [], "at2") == (cancelled, escaped, provider.answers, token.access_token)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_native_asyncio_cancel_while_the_refresh_fails_is_a_cancellation(
    anyio_backend: str,
) -> None:
    """task.cancel() on asyncio while the refresh fails: CancelledError, not ProviderError;
    the failure reaches a caller that was not cancelled."""
    provider = Provider([httpx.Response(503, text="down")])
    holder = provider.holder(lambda: 1e9, [])
    cancelled = asyncio.ensure_future(holder.get())
    await provider.arrived.wait()
    waiting = asyncio.ensure_future(holder.get())  # queues for the same refresh
    await asyncio.sleep(0)  # let it reach the lock
    cancelled.cancel()
    provider.release.set()
    outcomes = await asyncio.gather(cancelled, waiting, return_exceptions=True)
    await holder.session.http_client.aclose()
    assert [asyncio.CancelledError, ProviderError] == [type(outcome) for outcome in outcomes]
