"""AsyncTokenHolder under cancellation, which only async code has (threads are never cancelled)."""

from __future__ import annotations

import anyio
import httpx
import pytest

from chattz_oauth_async import AsyncChattzOAuth, AsyncTokenHolder, RetryPolicy, Token
from chattz_oauth_async.testing import FakeChattz
from tests.helpers import FakeClock

pytestmark = pytest.mark.anyio

EXPIRED = Token(access_token="old", expires_in=60, expires_at=1.0, refresh_token="rt")
NEW_TOKEN = {"access_token": "new-token", "token_type": "Bearer", "expires_in": 3600}


async def _expired_holder(
    fake: FakeChattz, clock: FakeClock, saved: list[Token]
) -> tuple[AsyncTokenHolder, Token]:
    chattz = fake.session(clock=clock)
    login = chattz.start_login()
    first = await chattz.complete_login(fake.authorize(login.url), login)
    holder = AsyncTokenHolder(chattz, first, on_update=saved.append)
    clock.now += 601
    # The provider rotates at once, then answers late: the caller is cancelled
    # while the rotated refresh token is on its way back.
    fake.delay_next("token", 0.3)
    return holder, first


@pytest.mark.checklist(34)
async def test_cancelled_refresh_keeps_the_rotated_refresh_token() -> None:
    """A caller cancelled mid-refresh: the rotated token is still kept and persisted."""
    clock = FakeClock()
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    saved: list[Token] = []
    holder, first = await _expired_holder(fake, clock, saved)
    with anyio.move_on_after(0.05) as scope:
        await holder.get()
    kept = holder.token
    clock.now += 601
    again = await holder.get()  # the kept refresh token is the live one
    await holder.session.aclose()
    assert (True, [kept, again]) == (scope.cancelled_caught, saved)
    assert (True, True) == (
        kept.refresh_token != first.refresh_token,
        again.refresh_token != kept.refresh_token,
    )


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_native_asyncio_cancel_keeps_the_rotated_refresh_token(anyio_backend: str) -> None:
    """task.cancel() on asyncio mid-refresh: the caller is cancelled, the token still kept."""
    import asyncio

    clock = FakeClock()
    fake = FakeChattz(clock=clock, issue_refresh_tokens=True, token_lifetime=600)
    saved: list[Token] = []
    holder, first = await _expired_holder(fake, clock, saved)
    task = asyncio.ensure_future(holder.get())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await holder.session.aclose()
    assert ([holder.token], True) == (saved, holder.token.refresh_token != first.refresh_token)


@pytest.mark.checklist(34)
async def test_a_caller_cancelled_while_the_refresh_fails_gets_its_cancellation() -> None:
    """Line 34: the refresh runs to its end and fails (503); its cancelled caller gets its
    cancellation, not the ProviderError, and the next caller tries again."""
    arrived, release = anyio.Event(), anyio.Event()
    answers = [httpx.Response(503, text="down"), httpx.Response(200, json=NEW_TOKEN)]

    async def handler(request: httpx.Request) -> httpx.Response:
        arrived.set()
        await release.wait()
        return answers.pop(0)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    chattz = AsyncChattzOAuth(
        "client",
        "s3cr3t",
        "https://app.example/cb",
        http_client=client,
        clock=lambda: 1e9,
        retry=RetryPolicy(attempts=1),
    )
    holder = AsyncTokenHolder(chattz, EXPIRED)
    escaped: list[BaseException] = []

    async def caller(scope: anyio.CancelScope) -> None:
        try:
            with scope:
                await holder.get()
        except BaseException as exc:  # what left the cancelled caller, if anything
            escaped.append(exc)

    scope = anyio.CancelScope()
    async with anyio.create_task_group() as tg:
        tg.start_soon(caller, scope)
        await arrived.wait()
        scope.cancel()  # while the refresh waits on the provider
        release.set()
    token = await holder.get()
    await client.aclose()
    assert (True, [], [], "new-token") == (
        scope.cancelled_caught,
        escaped,
        answers,
        token.access_token,
    )
