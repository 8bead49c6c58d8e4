"""The session's total deadline primitive on asyncio and trio (checklist 34, 37)."""

from __future__ import annotations

import contextlib

import anyio
import anyio.lowlevel
import pytest

from chattz_oauth_async._synchronization import async_deadline

pytestmark = pytest.mark.anyio


async def test_deadline_raises_timeout_error_when_it_expires() -> None:
    """Work that outlives the deadline is cancelled and TimeoutError is raised."""
    with anyio.fail_after(5), pytest.raises(TimeoutError):
        async with async_deadline(0.05):
            await anyio.sleep(10)


async def test_deadline_leaves_fast_work_alone() -> None:
    """Work that finishes in time returns normally, many times over."""
    done = 0
    for _ in range(200):
        async with async_deadline(5):
            await anyio.lowlevel.checkpoint()
            done += 1
    assert 200 == done


async def test_outer_cancellation_is_not_turned_into_timeout() -> None:
    """A cancel scope around the deadline still cancels: no TimeoutError leaks out."""
    with anyio.move_on_after(0.05) as outer:
        async with async_deadline(10):
            await anyio.sleep(10)
    assert outer.cancelled_caught


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_asyncio_watch_forgets_finished_calls(anyio_backend: str) -> None:
    """On asyncio (where the watch exists) no entry stays registered once calls end."""
    import asyncio

    from chattz_oauth_async._asyncio_deadline import _watch_for

    for seconds in (5.0, 0.01):
        expect = pytest.raises(TimeoutError) if seconds < 1 else contextlib.nullcontext()
        with expect:
            async with async_deadline(seconds):
                await anyio.sleep(0.2 if seconds < 1 else 0)
    assert set() == _watch_for(asyncio.get_running_loop())._entries
