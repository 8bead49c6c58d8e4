"""Measurements other than flows/s: import time, authorize_url(), memory, a profile."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import os
import pstats
import statistics
import subprocess
import sys
import timeit
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import anyio
from contenders import (
    CLIENT_ID,
    CLIENT_SECRET,
    MOCK_BASE_URL,
    REDIRECT_URI,
    STATE,
    Flow,
    Target,
    check_user,
    floor_async,
    library_async,
)
from rounds import median_ci, run_async_batch

import chattz_oauth_async
from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth

ROOT = Path(__file__).resolve().parent.parent

# --- Import time ----------------------------------------------------------------

LIBRARY_IMPORT = "import chattz_oauth_async"
FLOOR_IMPORT = "import httpx, attrs, anyio"
# httpx imports its command line's click, rich and pygments whenever they are
# installed (they are here, through other tools; an app's venv rarely has
# them): 100+ ms that both sides pay and that only add noise. Hidden, httpx
# falls back as it does without them.
_NO_HTTPX_CLI = "import sys; sys.modules.update(click=None, rich=None, pygments=None); "
_PROBE = _NO_HTTPX_CLI + (
    "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
)
# On top of the floor, in one interpreter, split into where the time goes:
# attrs building the value classes (all of attrs.define/frozen's work on a
# class), and reading and unmarshalling the modules' cached bytecode; the rest
# is finding the modules and running their bodies.
_ON_TOP = (
    _NO_HTTPX_CLI
    + """
import time
import httpx, attrs, anyio
import attr._next_gen as next_gen, importlib._bootstrap_external as external
spent = {"attrs": 0.0, "code": 0.0}
def timed(part, function):
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - began
    return wrapper
# attrs.define and attrs.frozen (attrs 26) build each class in one call to attr._make.attrs.
next_gen.attrs = timed("attrs", next_gen.attrs)
external.SourceLoader.get_code = timed("code", external.SourceLoader.get_code)
began = time.perf_counter()
import chattz_oauth_async
print(time.perf_counter() - began, spent["attrs"], spent["code"])
"""
)


def _import_env() -> dict[str, str]:
    # Imports as installed code runs them, from cached bytecode: with
    # PYTHONDONTWRITEBYTECODE set (as in CI) every run would compile again.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_import_env(),
        capture_output=True,
        check=True,
        timeout=60,
        text=True,
    )


def _import_ms(code: str) -> float:
    return float(_run("-c", code).stdout.strip()) * 1000


def _on_top_ms() -> tuple[float, float, float]:
    """What the library adds in an interpreter that has the floor: all, attrs, bytecode reading."""
    total, in_attrs, loading = (float(part) * 1000 for part in _run("-c", _ON_TOP).stdout.split())
    return total, in_attrs, loading


def _importtime_modules(stmt: str) -> dict[str, int]:
    modules = {}
    for line in _run("-X", "importtime", "-c", _NO_HTTPX_CLI + stmt).stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, _, name = line[len("import time:") :].split("|")
            modules[name.strip()] = int(self_us)
    return modules


def bench_import(runs: int) -> dict[str, Any]:
    """Import time of the library against the floor, in fresh interpreters.

    The bytecode is compiled first (compileall on the library, then one
    import of each statement writes the dependencies' caches). Each run
    starts one interpreter for the floor and one for the library, the order
    alternating run by run; the headline is the median of the paired
    differences with its 95% CI. Also: what ``import chattz_oauth_async``
    adds in an interpreter that has imported the floor already, and how much
    of that is attrs building the value classes and reading bytecode.
    """
    _run("-m", "compileall", "-q", str(Path(chattz_oauth_async.__file__).parent))
    for stmt in (LIBRARY_IMPORT, FLOOR_IMPORT):
        _import_ms(_PROBE.format(stmt=stmt))
    library, floor, on_top, in_attrs, loading = [], [], [], [], []
    for run in range(runs):
        order = (LIBRARY_IMPORT, FLOOR_IMPORT) if run % 2 else (FLOOR_IMPORT, LIBRARY_IMPORT)
        for stmt in order:
            (library if stmt == LIBRARY_IMPORT else floor).append(
                _import_ms(_PROBE.format(stmt=stmt))
            )
        total, attrs_ms, loading_ms = _on_top_ms()
        on_top.append(total)
        in_attrs.append(attrs_ms)
        loading.append(loading_ms)
    differences = [lib - base for lib, base in zip(library, floor, strict=True)]
    floor_modules = _importtime_modules(FLOOR_IMPORT)
    extra = sorted(
        (
            (self_us, name)
            for name, self_us in _importtime_modules(LIBRARY_IMPORT).items()
            if name not in floor_modules
        ),
        reverse=True,
    )
    ci = median_ci(differences)
    return {
        "runs": runs,
        "library_ms": statistics.median(library),
        "floor_ms": statistics.median(floor),
        "delta_ms": statistics.median(differences),
        "delta_ci95_ms": list(ci) if ci else None,
        "on_top_ms": statistics.median(on_top),
        "on_top_ci95_ms": median_ci(on_top),
        "on_top_attrs_ms": statistics.median(in_attrs),
        "on_top_code_loading_ms": statistics.median(loading),
        "extra_modules_self_ms_total": sum(self_us for self_us, _ in extra) / 1000,
        "extra_modules_self_us": [[name, self_us] for self_us, name in extra[:10]],
    }


# --- authorize_url --------------------------------------------------------------


def bench_authorize_url(number: int) -> dict[str, float]:
    """``authorize_url()`` against the same query built with ``urlencode`` (µs, best of 7)."""
    session = ChattzOAuth(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    endpoint = session.config.authorize_endpoint

    def library() -> str:
        return session.authorize_url(STATE)

    def plain() -> str:
        query = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "state": STATE,
        }
        return endpoint + "?" + urlencode(query)

    if parse_qsl(urlsplit(library()).query) != parse_qsl(urlsplit(plain()).query):
        raise AssertionError("authorize_url() does not carry the same parameters")
    result = {}
    for name, func in (("library_us", library), ("urlencode_us", plain)):
        result[name] = min(timeit.repeat(func, number=number, repeat=7)) / number * 1e6
    session.close()
    result["ratio"] = result["library_us"] / result["urlencode_us"]
    return result


# --- Memory ---------------------------------------------------------------------


async def _peak(calls: int, call: Callable[[], Awaitable[Any]]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        results = await asyncio.gather(*(call() for _ in range(calls)))
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    check_user(results[-1])
    return peak


async def bench_memory(calls: int) -> dict[str, Any]:
    """tracemalloc peak of ``calls`` concurrent userinfo calls over one client (mock)."""
    target = Target("mock", MOCK_BASE_URL)
    headers = {"Authorization": "Bearer abcdef1234567890"}
    async with target.async_client() as client:

        async def floor_call() -> Any:
            return (await client.get(target.userinfo_url, headers=headers)).json()

        floor = await _peak(calls, floor_call)
    async with target.async_client() as client:
        session = AsyncChattzOAuth(
            CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=MOCK_BASE_URL, http_client=client
        )
        library = await _peak(calls, lambda: session.userinfo("abcdef1234567890"))
    return {
        "calls": calls,
        "floor_peak_bytes": floor,
        "library_peak_bytes": library,
        "ratio": library / floor,
    }


# --- Profile --------------------------------------------------------------------

_PACKAGES = (
    ("chattz_oauth_async", "chattz_oauth_async"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/anyio/", "anyio"),
    ("/sniffio/", "anyio"),
    ("/asyncio/", "asyncio"),
    ("/attr/", "attrs"),
    ("/json/", "json"),
    ("/logging/", "logging"),
)


def _package(filename: str) -> str:
    for marker, name in _PACKAGES:
        if marker in filename:
            return name
    return "builtins" if filename == "~" else "other stdlib"


def _profile_one(make: Callable[..., Awaitable[Flow]], flows: int) -> pstats.Stats:
    profiler = cProfile.Profile()

    async def main() -> None:
        async with contextlib.AsyncExitStack() as stack:
            flow = await make(Target("mock", MOCK_BASE_URL), stack)
            await run_async_batch(flow, 200, 1, 10.0)  # warm up
            gc.collect()
            profiler.enable()
            await run_async_batch(flow, flows, 1, 60.0)
            profiler.disable()

    anyio.run(main)
    return pstats.Stats(profiler)


def bench_profile(flows: int, top: int) -> dict[str, Any]:
    """cProfile one flow at a time (mock, asyncio), library and floor, grouped by package."""
    out: dict[str, Any] = {"flows": flows}
    for label, make in (("floor", floor_async), ("library", library_async)):
        stats = _profile_one(make, flows)
        by_package: dict[str, float] = {}
        functions = []
        for (filename, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
            package = _package(filename)
            by_package[package] = by_package.get(package, 0.0) + tottime
            where = f"{Path(filename).name}:{line}({func})"
            functions.append((cumtime, tottime, ncalls, package, where))
        functions.sort(reverse=True)
        out[label] = {
            "total_us_per_flow": sum(by_package.values()) / flows * 1e6,
            "us_per_flow_by_package": {
                name: seconds / flows * 1e6
                for name, seconds in sorted(by_package.items(), key=lambda item: -item[1])
            },
            "library_functions_by_cumtime": [
                {
                    "function": where,
                    "calls_per_flow": ncalls / flows,
                    "tottime_us_per_flow": tottime / flows * 1e6,
                    "cumtime_us_per_flow": cumtime / flows * 1e6,
                }
                for cumtime, tottime, ncalls, package, where in functions
                if package == "chattz_oauth_async"
            ][:top],
        }
    return out


def profile_tables(profile: dict[str, Any]) -> str:
    """The profile as Markdown: own time by package, then the library's functions."""
    floor, library = profile["floor"], profile["library"]
    packages = sorted(
        set(floor["us_per_flow_by_package"]) | set(library["us_per_flow_by_package"]),
        key=lambda name: -library["us_per_flow_by_package"].get(name, 0.0),
    )
    lines = [
        "| package (own time) | floor µs/flow | library µs/flow | difference |",
        "|---|---:|---:|---:|",
    ]
    for name in packages:
        base = floor["us_per_flow_by_package"].get(name, 0.0)
        ours = library["us_per_flow_by_package"].get(name, 0.0)
        lines.append(f"| {name} | {base:.1f} | {ours:.1f} | {ours - base:+.1f} |")
    base, ours = floor["total_us_per_flow"], library["total_us_per_flow"]
    lines += [f"| TOTAL | {base:.1f} | {ours:.1f} | {ours - base:+.1f} |", ""]
    lines += ["| library function | calls/flow | own µs | cumulative µs |", "|---|---:|---:|---:|"]
    for row in library["library_functions_by_cumtime"]:
        lines.append(
            f"| {row['function']} | {row['calls_per_flow']:.1f} "
            f"| {row['tottime_us_per_flow']:.1f} | {row['cumtime_us_per_flow']:.1f} |"
        )
    return "\n".join(lines)
