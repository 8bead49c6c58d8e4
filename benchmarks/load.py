"""The load sweep: logins per second and their latency under concurrency, over loopback.

One flow = ``exchange_code`` + ``userinfo`` against benchmarks/provider.py (a
fast keep-alive provider in its own process), plain HTTP and TLS. Every
contender gets a fresh client per cell (one scheme, one concurrency level),
a short sequential warm-up, then ``concurrency`` workers share a fixed number
of flows; each cell is repeated, the contenders' order rotating, and the
median rate over the repeats is reported (latency percentiles over every
flow of every repeat). A cell stops when its flows are done or after ``seconds``, whichever
comes first; flows still in flight then count as unfinished, and their
latency as "more than the cap" in the percentiles. Errors are counted, never
retried.

The client runs in this process and the provider in another: on a 2-core
machine they take one core each, so the numbers measure the client stack.

Add a contender by writing a factory ``(base_url, stack) -> flow`` and adding
it to ``LOAD_CONTENDERS``.

``--load-baseline PATH`` adds another copy of the package (``PATH`` is its
``chattz_oauth_async`` folder, for example of a ``git worktree`` of main),
imported in this process under another name, so a change is measured against
what it replaces in the same run: the table then gives each cell's paired
ratio of the session to the baseline's.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import httpx2
from contenders import CLIENT_ID, CLIENT_SECRET, CODE, REDIRECT_URI, Flow, check_user, floor_flow
from rounds import median_ci, rotated

from chattz_oauth_async import AsyncChattzOAuth

LEVELS = (1, 10, 100, 300, 1000)
LoadMaker = Callable[[str, contextlib.AsyncExitStack], Awaitable[Flow]]


async def raw_httpx(base_url: str, stack: contextlib.AsyncExitStack) -> Flow:
    """httpx.AsyncClient() as it comes (5 s timeouts), the requests by hand: the in-process floor.

    With timeout=None instead, the raw client would skip the timer that every
    socket operation of a real client arms, and look faster than any client
    a careful user would run (about 3% at concurrency 1); under collapse its
    flows would wait forever instead of failing as users' do.
    """
    client = await stack.enter_async_context(httpx.AsyncClient())
    return floor_flow(client, base_url + "/oauth/token", base_url + "/oauth/userinfo")


async def raw_httpx2(base_url: str, stack: contextlib.AsyncExitStack) -> Flow:
    """httpx2.AsyncClient() as it comes (5 s timeouts), the requests by hand."""
    client = await stack.enter_async_context(httpx2.AsyncClient())
    return floor_flow(client, base_url + "/oauth/token", base_url + "/oauth/userinfo")


def _session_flow(session: AsyncChattzOAuth) -> Flow:
    async def flow() -> Any:
        return await session.userinfo(await session.exchange_code(CODE))

    return flow


async def library_default(base_url: str, stack: contextlib.AsyncExitStack) -> Flow:
    """AsyncChattzOAuth(...) as documented: the session makes and owns its client."""
    session = AsyncChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=base_url)
    stack.push_async_callback(session.aclose)
    return _session_flow(session)


async def library_httpx2(base_url: str, stack: contextlib.AsyncExitStack) -> Flow:
    """AsyncChattzOAuth(..., http="httpx2"): the session builds its client on httpx2."""
    session = AsyncChattzOAuth(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=base_url, http="httpx2"
    )
    stack.push_async_callback(session.aclose)
    return _session_flow(session)


LIBRARY = "AsyncChattzOAuth() default (httpx)"
BASELINE = "baseline AsyncChattzOAuth() (httpx)"
LOAD_CONTENDERS: dict[str, LoadMaker] = {
    "raw httpx": raw_httpx,
    LIBRARY: library_default,
    "raw httpx2": raw_httpx2,
    'AsyncChattzOAuth(http="httpx2")': library_httpx2,
}
#: --load-contenders keys.
CONTENDER_KEYS = {
    "raw-httpx": "raw httpx",
    "library": LIBRARY,
    "raw-httpx2": "raw httpx2",
    "library-httpx2": 'AsyncChattzOAuth(http="httpx2")',
    "baseline": BASELINE,
}


def add_baseline(package: str) -> str:
    """Import the package folder ``package`` as ``chattz_baseline``; add it as a contender.

    Returns the folder it was imported from.
    """
    folder = Path(package).resolve()
    spec = importlib.util.spec_from_file_location(
        "chattz_baseline", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"--load-baseline: no package at {folder}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules["chattz_baseline"] = module
    spec.loader.exec_module(module)

    async def baseline(base_url: str, stack: contextlib.AsyncExitStack) -> Flow:
        session = module.AsyncChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=base_url)
        stack.push_async_callback(session.aclose)
        return _session_flow(session)

    LOAD_CONTENDERS[BASELINE] = baseline
    return str(folder)


async def run_cell(flow: Flow, concurrency: int, flows: int, seconds: float) -> dict[str, Any]:
    """``flows`` flows over ``concurrency`` workers, stopped after ``seconds``."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    started = 0

    async def worker() -> None:
        nonlocal started
        while started < flows:
            started += 1
            began = time.perf_counter()
            try:
                check_user(await flow())
            except Exception as exc:  # counted, the sweep goes on
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            else:
                latencies.append(time.perf_counter() - began)

    gc.collect()
    began = time.perf_counter()
    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    elapsed = time.perf_counter() - began
    return {
        "concurrency": concurrency,
        "started": started,
        "latencies": latencies,
        "errors": errors,
        "unfinished": started - len(latencies) - sum(errors.values()),
        "seconds": elapsed,
        "flows_per_s": len(latencies) / elapsed,
    }


def merge(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from a cell's repeats: the median rate, percentiles over every flow."""
    latencies = [latency for run in runs for latency in run["latencies"]]
    started = sum(run["started"] for run in runs)
    errors: dict[str, int] = {}
    for run in runs:
        for error, count in run["errors"].items():
            errors[error] = errors.get(error, 0) + count
    # Failed and unfinished flows rank above every finished one.
    ranked = sorted(latencies) + [math.inf] * (started - len(latencies))
    rates = [run["flows_per_s"] for run in runs]
    return {
        "contender": name,
        "concurrency": runs[0]["concurrency"],
        "repeats": len(runs),
        "flows_per_s": statistics.median(rates),
        "flows_per_s_runs": rates,
        "started": started,
        "ok": len(latencies),
        "errors": errors,
        "unfinished": sum(run["unfinished"] for run in runs),
        "p50_s": _percentile(ranked, 0.50),
        "p99_s": _percentile(ranked, 0.99),
    }


def _percentile(ranked: list[float], q: float) -> float:
    if not ranked:
        return math.inf
    return ranked[min(len(ranked) - 1, math.ceil(q * len(ranked)) - 1)]


async def _sweep_one(base_url: str, levels: list[int], args: Any) -> list[dict[str, Any]]:
    rows = []
    names = [name for name in LOAD_CONTENDERS if name in args.load_contenders]
    for level in levels:
        flows = max(args.load_min_flows, level * args.load_flows_per_worker)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for repeat in range(args.load_repeats):
            for name in rotated(names, level + repeat):
                async with contextlib.AsyncExitStack() as stack:
                    flow = await LOAD_CONTENDERS[name](base_url, stack)
                    for _ in range(args.load_warmup):
                        check_user(await flow())
                    runs[name].append(await run_cell(flow, level, flows, args.load_seconds))
        rows += [merge(name, runs[name]) for name in names]
    return rows


def sweep(base_url: str, levels: list[int], args: Any, backend: str = "asyncio") -> list[dict]:
    """Every contender at every level against the provider at ``base_url``."""
    return anyio.run(_sweep_one, base_url, levels, args, backend=backend)


def _ms(seconds: float, cap: float) -> str:
    return f"> {cap:g} s" if math.isinf(seconds) else f"{seconds * 1000:,.0f}"


def paired_ratio(row: dict[str, Any], base: dict[str, Any] | None) -> str:
    """The median of the per-repeat ratios to ``base`` (same repeat, same cell), with its 95% CI.

    Repeats are paired: within one, every contender ran back to back, so a
    noisy spell on the machine moves both sides of a ratio. The CI needs at
    least 6 repeats (``--load-repeats``). A repeat in which the raw client
    finished no flow has no ratio and is left out.
    """
    if base is None:
        return ""
    ratios = [
        rate / floor
        for rate, floor in zip(row["flows_per_s_runs"], base["flows_per_s_runs"], strict=True)
        if floor
    ]
    if not ratios:
        return "n/a"
    ci = median_ci(ratios)
    return f"{statistics.median(ratios):.2f}" + (f" ({ci[0]:.2f}-{ci[1]:.2f})" if ci else "")


def load_table(rows: list[dict[str, Any]], cap: float) -> str:
    """Markdown: one line per level and contender, with its ratio to the raw client of its stack
    (and the session's to the baseline, when there is one)."""
    by_cell = {(row["concurrency"], row["contender"]): row for row in rows}
    lines = [
        "| concurrency | contender | flows/s | each run | vs raw client of its stack (95% CI) "
        "| vs baseline (95% CI) | p50 ms | p99 ms | errors / unfinished |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    order = list(LOAD_CONTENDERS)
    for row in sorted(rows, key=lambda r: (r["concurrency"], order.index(r["contender"]))):
        level = row["concurrency"]
        raw = by_cell.get((level, "raw httpx2" if "httpx2" in row["contender"] else "raw httpx"))
        baseline = by_cell.get((level, BASELINE)) if row["contender"] == LIBRARY else None
        failed = sum(row["errors"].values())
        detail = ", ".join(f"{name} {count}" for name, count in sorted(row["errors"].items()))
        lines.append(
            f"| {level} | {row['contender']} | {row['flows_per_s']:,.0f} "
            f"| {' / '.join(f'{rate:,.0f}' for rate in row['flows_per_s_runs'])} "
            f"| {paired_ratio(row, raw) if raw is not row else ''} "
            f"| {paired_ratio(row, baseline)} "
            f"| {_ms(row['p50_s'], cap)} | {_ms(row['p99_s'], cap)} "
            f"| {failed} ({detail or 'none'}) / {row['unfinished']} |"
        )
    return "\n".join(lines)
