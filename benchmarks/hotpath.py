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
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
from contenders import (
    MOCK_BASE_URL,
    Target,
    floor_async,
    floor_sync,
    library_async,
    library_sync,
)
from rounds import rotated

from chattz_oauth_async import protocol
from chattz_oauth_async._async import session as async_session
from chattz_oauth_async._sync import session as sync_session
from chattz_oauth_async.protocol import HTTPRequest


class AnyioFailAfter:
    """``anyio.fail_after`` as an async context manager (the deadline before asyncio.timeout)."""

    __slots__ = ("_scope",)

    def __init__(self, seconds: float) -> None:
        self._scope = anyio.fail_after(seconds)

    async def __aenter__(self) -> None:
        self._scope.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._scope.__exit__(*exc_info)


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


def _parsed_once(build: Callable[..., HTTPRequest]) -> Callable[..., HTTPRequest]:
    """``build`` with its endpoint URL parsed into an ``httpx.URL`` once, not per request.

    The candidate: httpx parses a URL given as a string on every
    ``build_request()``. The wrapper's own cost (a second HTTPRequest) stays in.
    """
    urls: dict[str, httpx.URL] = {}

    def wrapper(*args: Any, **kwargs: Any) -> HTTPRequest:
        request = build(*args, **kwargs)
        url = urls.get(request.url)
        if url is None:
            url = urls[request.url] = httpx.URL(request.url)
        return HTTPRequest(request.method, url, request.headers, request.body)  # type: ignore[arg-type]

    return wrapper


Patch = tuple[Any, str, Any]
URLS_ONCE: tuple[Patch, ...] = (
    (protocol, "token_request", _parsed_once(protocol.token_request)),
    (protocol, "userinfo_request", _parsed_once(protocol.userinfo_request)),
)
ASYNC_VARIANTS: dict[str, tuple[Callable[..., Any], tuple[Patch, ...]]] = {
    "floor (httpx by hand)": (floor_async, ()),
    "library as shipped (asyncio.timeout)": (library_async, ()),
    "library, async_deadline = anyio.fail_after": (
        library_async,
        ((async_session, "async_deadline", AnyioFailAfter),),
    ),
    "library, no deadline (lower bound)": (
        library_async,
        ((async_session, "async_deadline", NoDeadline),),
    ),
    "library, endpoint URLs parsed once": (library_async, URLS_ONCE),
}
SYNC_VARIANTS: dict[str, tuple[Callable[..., Any], tuple[Patch, ...]]] = {
    "floor (httpx by hand)": (floor_sync, ()),
    "library as shipped": (library_sync, ()),
    "library, no deadline (lower bound)": (
        library_sync,
        ((sync_session, "sync_deadline", NoDeadline),),
    ),
    "library, endpoint URLs parsed once": (library_sync, URLS_ONCE),
}


async def run_async(flows: int, rounds: int) -> dict[str, list[float]]:
    target = Target("mock", MOCK_BASE_URL)
    times: dict[str, list[float]] = {name: [] for name in ASYNC_VARIANTS}
    async with contextlib.AsyncExitStack() as stack:
        made = {name: await make(target, stack) for name, (make, _) in ASYNC_VARIANTS.items()}
        for round_no in range(rounds + 1):
            for name in rotated(list(ASYNC_VARIANTS), round_no):
                flow, patches = made[name], ASYNC_VARIANTS[name][1]
                with contextlib.ExitStack() as undo:
                    for module, attribute, value in patches:
                        undo.enter_context(patched(module, attribute, value))
                    gc.collect()
                    start = time.process_time()
                    for _ in range(flows):
                        await flow()
                    elapsed = time.process_time() - start
                if round_no:
                    times[name].append(elapsed / flows * 1e6)
    return times


def run_sync(flows: int, rounds: int) -> dict[str, list[float]]:
    target = Target("mock", MOCK_BASE_URL)
    times: dict[str, list[float]] = {name: [] for name in SYNC_VARIANTS}
    with contextlib.ExitStack() as stack:
        made = {name: make(target, stack) for name, (make, _) in SYNC_VARIANTS.items()}
        for round_no in range(rounds + 1):
            for name in rotated(list(SYNC_VARIANTS), round_no):
                flow, patches = made[name], SYNC_VARIANTS[name][1]
                with contextlib.ExitStack() as undo:
                    for module, attribute, value in patches:
                        undo.enter_context(patched(module, attribute, value))
                    gc.collect()
                    start = time.process_time()
                    for _ in range(flows):
                        flow()
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
