"""Helpers shared by the async tests and their generated sync twins."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio


async def async_gather(calls: list[Callable[[], Coroutine[Any, Any, None]]]) -> None:
    """Run the calls concurrently as tasks and wait for all of them."""
    async with anyio.create_task_group() as tg:
        for call in calls:
            tg.start_soon(call)


def sync_gather(calls: list[Callable[[], None]]) -> None:
    """Run the calls concurrently in threads and wait for all (re-raising failures)."""
    with ThreadPoolExecutor(max_workers=min(32, len(calls))) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()
