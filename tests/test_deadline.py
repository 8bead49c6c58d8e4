"""The session's total deadline primitive on asyncio and trio (checklist 34, 37)."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from chattz_oauth_async._synchronization import async_deadline

pytestmark = pytest.mark.anyio


@pytest.mark.checklist(37)
async def test_deadline_fires_on_time_with_timeout_error() -> None:
    """Work that outlives the deadline is cancelled with TimeoutError, not before it is due."""
    with anyio.move_on_after(30) as bound:
        began = anyio.current_time()
        with pytest.raises(TimeoutError):
            async with async_deadline(0.05):
                await anyio.sleep(30)
        elapsed = anyio.current_time() - began
    # Lower bound only (a deadline never fires early); the upper bound is the
    # generous outer scope, which must not be the one that fired.
    assert (True, False) == (elapsed >= 0.045, bound.cancelled_caught)


async def test_zero_seconds_fires_at_the_first_checkpoint() -> None:
    """A deadline already due (the retry loop's max(..., 0)) fires at once."""
    with pytest.raises(TimeoutError):
        async with async_deadline(0):
            await anyio.lowlevel.checkpoint()


async def test_deadline_leaves_fast_work_alone() -> None:
    """Work that finishes in time returns normally, many times over."""
    done = 0
    for _ in range(200):
        async with async_deadline(5):
            await anyio.lowlevel.checkpoint()
            done += 1
    assert 200 == done


@pytest.mark.checklist(34)
async def test_outer_cancellation_is_not_turned_into_timeout() -> None:
    """A cancel scope around the deadline still cancels: no TimeoutError leaks out."""
    with anyio.move_on_after(0.05) as outer:
        async with async_deadline(10):
            await anyio.sleep(10)
    assert outer.cancelled_caught


@pytest.mark.checklist(34)
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_native_asyncio_cancel_propagates(anyio_backend: str) -> None:
    """On asyncio, task.cancel() from outside stays a CancelledError."""
    import asyncio

    entered = asyncio.Event()

    async def call() -> None:
        async with async_deadline(10):
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.ensure_future(call())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_nested_inner_deadline_fires_and_outer_carries_on() -> None:
    """A shorter inner deadline raises inside; the outer one keeps running untouched."""
    steps = []
    async with async_deadline(10):
        with pytest.raises(TimeoutError):
            async with async_deadline(0.02):
                await anyio.sleep(10)
        steps.append("inner fired")
        await anyio.lowlevel.checkpoint()
        steps.append("outer still running")
    assert ["inner fired", "outer still running"] == steps


async def test_nested_outer_deadline_fires_through_a_longer_inner_one() -> None:
    """When the outer deadline is due first, the outer raises; the inner does not claim it."""
    fired = []
    try:
        async with async_deadline(0.02):
            try:
                async with async_deadline(10):
                    await anyio.sleep(10)
            except TimeoutError:
                fired.append("inner")
                raise
    except TimeoutError:
        fired.append("outer")
    assert ["outer"] == fired
