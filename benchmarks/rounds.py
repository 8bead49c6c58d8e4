"""Paired rounds: every contender runs a short batch per round, the order rotated.

A contender's ratio to the floor is the median over rounds of its rate divided
by the floor's rate in the same round (measured moments apart, so the drift of
a shared machine cancels), with a distribution-free 95% confidence interval of
that median (binomial order statistics: no assumption about the shape of the
per-round ratios).
"""

from __future__ import annotations

import contextlib
import gc
import math
import statistics
import time
from typing import Any

import anyio
from contenders import (
    ASYNC_CONTENDERS,
    SYNC_CONTENDERS,
    TRIO_CONTENDERS,
    Clock,
    Flow,
    SyncFlow,
    Target,
    check_user,
)


async def run_async_batch(
    flow: Flow, flows: int, concurrency: int, seconds: float, clock: Clock = time.perf_counter
) -> float:
    """Run up to ``flows`` flows, ``concurrency`` at a time, for about ``seconds``; flows/s."""
    started = done = 0
    began = clock()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal started, done
        while started < flows and time.perf_counter() < deadline:
            started += 1
            await flow()
            done += 1

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)
    return done / (clock() - began)


def run_sync_batch(
    flow: SyncFlow, flows: int, seconds: float, clock: Clock = time.perf_counter
) -> float:
    """Run up to ``flows`` flows one after another for about ``seconds``; flows/s."""
    done = 0
    began = clock()
    deadline = time.perf_counter() + seconds
    while done < flows and time.perf_counter() < deadline:
        flow()
        done += 1
    return done / (clock() - began)


def rotated(names: list[str], round_no: int) -> list[str]:
    """The contenders in this round's order: each one leads in turn."""
    shift = round_no % len(names)
    return names[shift:] + names[:shift]


def batch_size(rate: float, most: int, batch_seconds: float) -> int:
    """Flows per batch: what the contender does in ``batch_seconds`` at the rate
    seen so far, at most ``most``. A contender that makes a client per call is a
    hundred times slower; a fixed count would make the run last an hour."""
    return max(1, min(most, round(rate * batch_seconds)))


def bench_async(target: Target, args: Any, backend: str) -> dict[str, list[float]]:
    """Paired rounds of the async contenders on ``backend`` (asyncio or trio)."""
    names = list(ASYNC_CONTENDERS)
    if backend == "trio":
        names = [name for name in names if name in TRIO_CONTENDERS]

    async def main() -> dict[str, list[float]]:
        results: dict[str, list[float]] = {name: [] for name in names}
        cap = args.batch_seconds * 5
        async with contextlib.AsyncExitStack() as stack:
            flows = {name: await ASYNC_CONTENDERS[name](target, stack) for name in names}
            sizes = {}
            for name, flow in flows.items():
                start = time.perf_counter()
                check_user(await flow())  # also opens the shared clients' first connection
                check_user(await flow())
                rate = 2 / (time.perf_counter() - start)
                sizes[name] = batch_size(rate, args.flows, args.batch_seconds)
            for round_no in range(args.warmup + args.rounds):
                for name in rotated(names, round_no):
                    gc.collect()
                    size = sizes[name]
                    concurrency = min(args.concurrency, size)
                    rate = await run_async_batch(flows[name], size, concurrency, cap, target.clock)
                    if round_no < args.warmup:
                        sizes[name] = batch_size(rate, args.flows, args.batch_seconds)
                    else:
                        results[name].append(rate)
        return results

    return anyio.run(main, backend=backend)


def bench_sync(target: Target, args: Any) -> dict[str, list[float]]:
    """Paired rounds of the sync contenders, one flow at a time."""
    results: dict[str, list[float]] = {name: [] for name in SYNC_CONTENDERS}
    cap = args.batch_seconds * 5
    with contextlib.ExitStack() as stack:
        flows = {name: make(target, stack) for name, make in SYNC_CONTENDERS.items()}
        sizes = {}
        for name, flow in flows.items():
            start = time.perf_counter()
            check_user(flow())
            check_user(flow())
            sizes[name] = batch_size(
                2 / (time.perf_counter() - start), args.flows, args.batch_seconds
            )
        for round_no in range(args.warmup + args.rounds):
            for name in rotated(list(flows), round_no):
                gc.collect()
                rate = run_sync_batch(flows[name], sizes[name], cap, target.clock)
                if round_no < args.warmup:
                    sizes[name] = batch_size(rate, args.flows, args.batch_seconds)
                else:
                    results[name].append(rate)
    return results


def median_ci(values: list[float], confidence: float = 0.95) -> tuple[float, float] | None:
    """A distribution-free confidence interval of the median, or None with too few values.

    With n values sorted, [x_(j), x_(n-j+1)] covers the median with
    probability 1 - 2 P(B <= j - 1), B ~ Binomial(n, 1/2); the narrowest j
    that still reaches ``confidence`` is used (n >= 6 is needed for 95%).
    """
    xs = sorted(values)
    n = len(xs)
    best = None
    for j in range(1, n // 2 + 1):
        below = sum(math.comb(n, i) for i in range(j)) / 2**n  # P(B <= j - 1)
        if 1 - 2 * below < confidence:
            break
        best = j
    if best is None:
        return None
    return xs[best - 1], xs[n - best]


def summarize(results: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Median flows/s per contender, its paired ratio to the floor and that ratio's CI."""
    floor = next(iter(results.values()))
    rows = []
    for name, rates in results.items():
        per_round = [rate / base for rate, base in zip(rates, floor, strict=True)]
        ci = median_ci(per_round)
        rows.append(
            {
                "contender": name,
                "median_flows_per_s": statistics.median(rates),
                "ratio_to_floor": statistics.median(per_round),
                "ratio_ci95": list(ci) if ci else None,
                "rounds": rates,
            }
        )
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| contender | median flows/s | ratio to floor | 95% CI of the ratio |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        ci = row["ratio_ci95"]
        interval = f"{ci[0]:.3f} – {ci[1]:.3f}" if ci else "n/a (too few rounds)"
        lines.append(
            f"| {row['contender']} | {row['median_flows_per_s']:,.0f} "
            f"| {row['ratio_to_floor']:.3f} | {interval} |"
        )
    return "\n".join(lines)
