"""Benchmarks: chattz_oauth_async side by side with raw httpx, httpx-oauth and Authlib.

Usage::

    python benchmarks/bench.py                 # in-process rounds and other measures
    python benchmarks/bench.py --load          # the load sweep over loopback
    python benchmarks/bench.py --quick         # everything, tiny (CI), well under 60 s
    python benchmarks/bench.py --json out.json --modes mock --backends asyncio

Benchmarks are not tests: nothing here fails on a slow number. Only ratios and
comparisons from one run mean anything; absolute numbers move with the machine
and its load. See benchmarks/README.md for what each part measures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import json
import os
import platform
import shlex
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from contenders import MOCK_BASE_URL, Target
from launch import provider
from load import CONTENDER_KEYS, LEVELS, add_baseline, load_table, sweep
from measures import (
    bench_authorize_url,
    bench_import,
    bench_memory,
    bench_profile,
    profile_tables,
)
from rounds import bench_async, bench_sync, markdown_table, summarize

import chattz_oauth_async

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def machine() -> dict[str, Any]:
    versions = {}
    for dist in ("httpx", "httpx2", "anyio", "trio", "attrs", "httpx-oauth", "authlib"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "versions": versions,
        "library_path": str(Path(chattz_oauth_async.__file__).parent),
        "command": shlex.join(sys.orig_argv),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="every part, tiny (CI): well under 60 s")
    add("--load", action="store_true", help="run the load sweep only")
    add("--modes", default="mock,tls", help="in-process rounds: mock and/or tls")
    add("--backends", default="asyncio,trio", help="async backends: asyncio and/or trio")
    add("--flows", type=int, help="most flows per contender per round")
    add("--concurrency", type=int, default=16, help="async flows in flight in the rounds")
    add("--rounds", type=int, help="measured rounds")
    add("--warmup", type=int, default=1, help="rounds run first and discarded")
    add("--batch-seconds", type=float, help="about how long one contender's batch runs")
    add("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost", "::1"])
    add("--import-runs", type=int, help="interpreter pairs for the import time")
    add("--memory-calls", type=int, help="concurrent userinfo calls (default 10000)")
    add("--profile-flows", type=int, help="flows under cProfile")
    add("--skip", default="", help="comma-separated: sync, import, authorize, memory, profile")
    add("--load-levels", help="comma-separated concurrency levels (default 1,10,100,300,1000)")
    add("--load-schemes", default="http,https", help="http and/or https")
    add("--load-seconds", type=float, help="time cap of one load cell")
    add("--load-min-flows", type=int, help="flows per load cell, at least")
    add("--load-flows-per-worker", type=int, help="flows per load cell per worker")
    add("--load-warmup", type=int, default=5, help="sequential flows before a cell")
    add("--load-repeats", type=int, help="runs of each load cell, contenders rotated")
    add("--load-baseline", metavar="PATH", help="another chattz_oauth_async folder to compare")
    add(
        "--load-contenders",
        default="raw-httpx,library,raw-httpx2,library-httpx2,baseline",
        help="comma-separated: " + ", ".join(CONTENDER_KEYS),
    )
    add("--json", metavar="PATH", help="also write the results as JSON")
    add("--timeout", type=float, default=3600, help="abort the whole run after this (seconds)")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "flows": 300 if quick else 5000,
        "rounds": 3 if quick else 31,
        "batch_seconds": 0.05 if quick else 0.2,
        "import_runs": 2 if quick else 21,
        "memory_calls": 500 if quick else 10_000,
        "profile_flows": 100 if quick else 2000,
        "load_levels": "1,10" if quick else ",".join(map(str, LEVELS)),
        "load_seconds": 1.0 if quick else 15.0,
        "load_repeats": 1 if quick else 3,
        "load_min_flows": 10 if quick else 1000,
        "load_flows_per_worker": 1 if quick else 2,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    def items(text: str) -> list[str]:
        return [item.strip() for item in text.split(",") if item.strip()]

    args.modes, args.backends = items(args.modes), items(args.backends)
    args.load_schemes = items(args.load_schemes)
    args.load_levels = [int(level) for level in items(args.load_levels)]
    unknown = set(items(args.load_contenders)) - set(CONTENDER_KEYS)
    if unknown:
        parser.error(f"--load-contenders: unknown {', '.join(sorted(unknown))}")
    args.load_contenders = {CONTENDER_KEYS[key] for key in items(args.load_contenders)}
    args.skip = set(items(args.skip))
    if not set(args.modes) <= {"mock", "tls"}:
        parser.error("--modes takes mock and/or tls")
    if not set(args.backends) <= {"asyncio", "trio"}:
        parser.error("--backends takes asyncio and/or trio")
    if not set(args.load_schemes) <= {"http", "https"}:
        parser.error("--load-schemes takes http and/or https")
    return args


def in_process(args: argparse.Namespace, report: dict[str, Any]) -> None:
    print(
        f"\n{args.rounds} paired rounds (+{args.warmup} warm-up), contenders rotated; "
        f"each batch about {args.batch_seconds:g} s (at most {args.flows} flows); "
        f"async concurrency {args.concurrency}, sync one flow at a time. Ratio = median "
        "of the per-round ratios to the floor, with a distribution-free 95% CI."
    )
    for mode in args.modes:
        with contextlib.ExitStack() as stack:
            base_url = (
                stack.enter_context(provider(args.host, tls=True))
                if mode == "tls"
                else MOCK_BASE_URL
            )
            target = Target(mode, base_url)
            unit = "flows per CPU-second of this process" if mode == "mock" else "flows/s"
            for backend in args.backends:
                rows = summarize(bench_async(target, args, backend))
                report["modes"].setdefault(mode, {})[backend] = rows
                print(f"\n### {mode}, {backend}: {unit} (exchange_code + userinfo)\n")
                print(markdown_table(rows), flush=True)
            if "sync" not in args.skip:
                rows = summarize(bench_sync(target, args))
                report["modes"].setdefault(mode, {})["sync"] = rows
                print(f"\n### {mode}, sync: {unit}\n")
                print(markdown_table(rows), flush=True)
    print("\n### Other measurements\n")
    if "import" not in args.skip:
        imp = report["import"] = bench_import(args.import_runs)
        ci = imp["delta_ci95_ms"]
        interval = f"95% CI {ci[0]:+.1f} to {ci[1]:+.1f} ms" if ci else "too few runs for a CI"
        print(
            f"- import time, {imp['runs']} fresh-interpreter pairs (bytecode compiled first, "
            f"library and floor alternated): `import chattz_oauth_async` "
            f"{imp['library_ms']:.1f} ms vs `import httpx, attrs, anyio` {imp['floor_ms']:.1f} "
            f"ms: median paired difference {imp['delta_ms']:+.1f} ms ({interval}); on top of "
            f"the floor in the same interpreter {imp['on_top_ms']:+.1f} ms, of which attrs "
            f"building the value classes {imp['on_top_attrs_ms']:.1f} ms and reading the "
            f"modules' bytecode {imp['on_top_code_loading_ms']:.1f} ms"
        )
        largest = ", ".join(f"{name} {us} µs" for name, us in imp["extra_modules_self_us"][:6])
        print(f"  - modules only the library imports (-X importtime, one run): {largest}")
    if "authorize" not in args.skip:
        auth = report["authorize_url"] = bench_authorize_url(2000 if args.quick else 20000)
        print(
            f"- authorize_url(): {auth['library_us']:.2f} µs vs plain urlencode "
            f"{auth['urlencode_us']:.2f} µs (ratio {auth['ratio']:.2f}, best of 7)"
        )
    if "memory" not in args.skip:
        mem = report["memory"] = asyncio.run(bench_memory(args.memory_calls))
        print(
            f"- tracemalloc peak of {mem['calls']:,} concurrent userinfo calls over one client "
            f"(mock): library {mem['library_peak_bytes'] / 2**20:.1f} MiB vs floor "
            f"{mem['floor_peak_bytes'] / 2**20:.1f} MiB (ratio {mem['ratio']:.2f})"
        )
    if "profile" not in args.skip:
        profile = report["profile"] = bench_profile(args.profile_flows, 15)
        print(
            f"\n### Profile (cProfile, mock, asyncio, one flow at a time, {profile['flows']} "
            "flows; µs per flow, inflated by the profiler)\n"
        )
        print(profile_tables(profile))


def load(args: argparse.Namespace, report: dict[str, Any]) -> None:
    print(
        f"\nLoad sweep: levels {args.load_levels}; per cell max({args.load_min_flows}, "
        f"{args.load_flows_per_worker} x concurrency) flows, capped at {args.load_seconds:g} s, "
        f"{args.load_repeats} repeat(s), contenders rotated (median flows/s; ratio = median of "
        "the per-repeat ratios, with a 95% CI from 6 repeats; p50/p99 over every flow); a fresh "
        "client per cell; client in this process, provider in another."
    )
    if args.load_baseline:
        report["load"]["baseline"] = folder = add_baseline(args.load_baseline)
        print(f"\nBaseline: the package in {folder}, imported as chattz_baseline.")
    for scheme in args.load_schemes:
        with provider(args.host, tls=scheme == "https") as base_url:
            rows = sweep(base_url, args.load_levels, args)
        report["load"][scheme] = rows
        print(f"\n### Load, {scheme} on loopback, asyncio (exchange_code + userinfo)\n")
        print(load_table(rows, args.load_seconds), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Loopback only: an inherited proxy setting must never route the benchmark.
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"
    faulthandler.dump_traceback_later(args.timeout, exit=True)
    began = time.perf_counter()
    report: dict[str, Any] = {"machine": machine(), "modes": {}, "load": {}}
    report["settings"] = {
        key: sorted(value) if isinstance(value, set) else value for key, value in vars(args).items()
    }
    info = report["machine"]
    print("## chattz_oauth_async benchmarks\n")
    print(f"- command: `{info['command']}`")
    print(
        f"- machine: {info['platform']}, {info['processor']}, {info['cpu_count']} CPUs "
        f"(load average {info['load_average'][0]:.1f} at start)"
    )
    print(
        f"- Python {info['python']}; "
        + ", ".join(f"{name} {ver}" for name, ver in info["versions"].items())
    )
    if not args.load:
        in_process(args, report)
    if args.load or args.quick:
        load(args, report)
    report["elapsed_s"] = time.perf_counter() - began
    if args.quick:
        print("\n(quick mode: too few rounds and flows to judge anything; run without --quick)")
    print(f"\nElapsed: {report['elapsed_s']:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"JSON written to {args.json}")
    faulthandler.cancel_dump_traceback_later()
    return 0


if __name__ == "__main__":
    sys.exit(main())
