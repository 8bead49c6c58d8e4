"""Microseconds per flow on the mock transport, one flow at a time: the library's
hot path against the hand-written floor, and against candidate changes applied
by monkeypatching this process only (nothing in the package is edited).

Usage: ``python benchmarks/hotpath.py [--flows 2000] [--rounds 9]``.

Each variant runs its batch once per round, interleaved; the table gives the
median µs per flow (CPU time of this process, so that other load on the
machine moves the numbers less) and the extra over the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
from contenders import (
    MOCK_BASE_URL,
    Target,
    floor_async,
    floor_sync,
    library_async,
    library_sync,
)
from rounds import rotated

from chattz_oauth_async._async import sender as async_sender
from chattz_oauth_async._sync import sender as sync_sender


@contextlib.asynccontextmanager
async def anyio_fail_after(seconds: float) -> AsyncIterator[None]:
    """``anyio.fail_after``: the deadline before asyncio.timeout (TimeoutError either way)."""
    with anyio.fail_after(seconds):
        yield


class NoDeadline:
    """The lower bound: no total deadline at all (not a proposal)."""

    __slots__ = ()

    def __init__(self, seconds: float) -> None:
        pass

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: Any) -> None:
        pass

    async def __aenter__(self) -> None:
        pass

    async def __aexit__(self, *exc_info: Any) -> None:
        pass


@contextlib.contextmanager
def patched(module: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


Patch = tuple[Any, str, Any]
ASYNC_VARIANTS: dict[str, tuple[Callable[..., Any], tuple[Patch, ...]]] = {
    "floor (httpx by hand)": (floor_async, ()),
    "library as shipped (asyncio.timeout)": (library_async, ()),
    "library, async_deadline = anyio.fail_after": (
        library_async,
        ((async_sender, "async_deadline", anyio_fail_after),),
    ),
    "library, no deadline (lower bound)": (
        library_async,
        ((async_sender, "async_deadline", NoDeadline),),
    ),
}
SYNC_VARIANTS: dict[str, tuple[Callable[..., Any], tuple[Patch, ...]]] = {
    "floor (httpx by hand)": (floor_sync, ()),
    "library as shipped": (library_sync, ()),
    "library, no deadline (lower bound)": (
        library_sync,
        ((sync_sender, "sync_deadline", NoDeadline),),
    ),
}


async def run_async(flows: int, rounds: int) -> dict[str, list[float]]:
    async with contextlib.AsyncExitStack() as stack:
        target = Target("mock", MOCK_BASE_URL)
        made = {name: await make(target, stack) for name, (make, _) in ASYNC_VARIANTS.items()}

        async def batch(flow: Callable[[], Any]) -> None:
            for _ in range(flows):
                await flow()

        return await measure(made, ASYNC_VARIANTS, batch, flows, rounds)


def run_sync(flows: int, rounds: int) -> dict[str, list[float]]:
    with contextlib.ExitStack() as stack:
        target = Target("mock", MOCK_BASE_URL)
        made = {name: make(target, stack) for name, (make, _) in SYNC_VARIANTS.items()}

        async def batch(flow: Callable[[], Any]) -> None:
            for _ in range(flows):
                flow()

        return asyncio.run(measure(made, SYNC_VARIANTS, batch, flows, rounds))


async def measure(
    made: dict[str, Callable[[], Any]],
    variants: dict[str, tuple[Callable[..., Any], tuple[Patch, ...]]],
    batch: Callable[[Callable[[], Any]], Any],
    flows: int,
    rounds: int,
) -> dict[str, list[float]]:
    """µs per flow of each variant, per round (a first round is warm-up), order rotated."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for round_no in range(rounds + 1):
        for name in rotated(list(variants), round_no):
            with contextlib.ExitStack() as undo:
                for module, attribute, value in variants[name][1]:
                    undo.enter_context(patched(module, attribute, value))
                gc.collect()
                start = time.process_time()
                await batch(made[name])
                elapsed = time.process_time() - start
            if round_no:
                times[name].append(elapsed / flows * 1e6)
    return times


def table(title: str, times: dict[str, list[float]]) -> None:
    floor = statistics.median(next(iter(times.values())))
    print(f"\n### {title}: µs per flow, one at a time (median of rounds)\n")
    print("| variant | µs/flow | extra over floor | flows/s ratio to floor |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} | {median - floor:+.0f} | {floor / median:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    table("async (asyncio)", asyncio.run(run_async(args.flows, args.rounds)))
    table("sync", run_sync(args.flows, args.rounds))


if __name__ == "__main__":
    main()
