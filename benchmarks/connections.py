"""Logins per second and CPU per login against the number of connections per event loop.

The async session on httpx lends each request one of at most 100 one-connection
inner transports per event loop (``_client.DEFAULT_MAX_CONNECTIONS``, see
``chattz_oauth_async/_transport.py``). This script sets that bound on
sessions of this process only (a private attribute; nothing in the package is
edited) and runs them against ``provider.py`` on loopback, in paired rounds with
the order alternating, to show what the number of connections costs.

Usage: ``python benchmarks/connections.py [--bounds 20,100] [--concurrency 300]
[--scheme https] [--rounds 6] [--flows 1000]``.

Every cell runs its flows to the end: a cell cut short by a time cap would
cancel requests in flight, and their connections would be made again (with a
TLS handshake) in the next cell.

On loopback the round trip is nearly free, so fewer connections can only help
(over TLS they cost less CPU per login); a real provider's round trip is what
the bound of 100 is for (with 100 ms round trips, 20 connections would cap a
process at about 100 logins/s).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
from typing import Any

import anyio
from contenders import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI
from launch import provider
from load import _session_flow, run_cell
from rounds import median_ci

from chattz_oauth_async import AsyncChattzOAuth

_NO_CAP = 600.0  # seconds: cells end when their flows are done


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(base_url: str, args: argparse.Namespace) -> dict[int, dict[str, list[float]]]:
    results: dict[int, dict[str, list[float]]] = {
        bound: {"flows_per_s": [], "cpu_us_per_flow": []} for bound in args.bounds
    }
    async with contextlib.AsyncExitStack() as stack:
        flows = {}
        for bound in args.bounds:
            session = AsyncChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=base_url)
            session._http.transport._max_in_flight = bound  # before the first request
            stack.push_async_callback(session.aclose)
            flows[bound] = _session_flow(session)
            await run_cell(flows[bound], args.concurrency, args.flows, _NO_CAP)
        for round_no in range(args.rounds):
            order = args.bounds if round_no % 2 else args.bounds[::-1]
            for bound in order:
                began = _cpu_seconds()
                cell: dict[str, Any] = await run_cell(
                    flows[bound], args.concurrency, args.flows, _NO_CAP
                )
                done = max(1, len(cell["latencies"]))
                results[bound]["flows_per_s"].append(cell["flows_per_s"])
                results[bound]["cpu_us_per_flow"].append((_cpu_seconds() - began) / done * 1e6)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bounds", default="20,100", help="comma-separated connections per loop")
    parser.add_argument("--concurrency", type=int, default=300)
    parser.add_argument("--scheme", choices=("http", "https"), default="https")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--flows", type=int, default=1000, help="flows in one cell")
    args = parser.parse_args()
    args.bounds = [int(bound) for bound in args.bounds.split(",")]
    with provider("127.0.0.1", tls=args.scheme == "https") as base_url:
        results = anyio.run(measure, base_url, args)
    print(
        f"\n{args.scheme}, {args.concurrency} concurrent logins, {args.rounds} paired rounds "
        f"of {args.flows} flows (medians; ratio to the first bound, with its 95% CI):\n"
    )
    print("| connections per loop | flows/s | ratio | CPU µs per flow |")
    print("|---:|---:|---:|---:|")
    first = results[args.bounds[0]]["flows_per_s"]
    for bound, numbers in results.items():
        ratios = [rate / base for rate, base in zip(numbers["flows_per_s"], first, strict=True)]
        ci = median_ci(ratios)
        interval = f" ({ci[0]:.2f}-{ci[1]:.2f})" if ci else ""
        print(
            f"| {bound} | {statistics.median(numbers['flows_per_s']):,.0f} "
            f"| {statistics.median(ratios):.2f}{interval} "
            f"| {statistics.median(numbers['cpu_us_per_flow']):,.0f} |"
        )


if __name__ == "__main__":
    main()
