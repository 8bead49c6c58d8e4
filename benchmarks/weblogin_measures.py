"""The timed measurements of ``weblogin.py``: paired rounds, the fake's latency, a profile.

Paired rounds of returning logins on each app of a database (logins/s, the worker's CPU per
login, latency, the pool's new connections) and their ratios to another app; the served
fake's answer latency per provider request; and the shares of a worker's busy py-spy
samples per part of a login (``profile_shares``).
"""

from __future__ import annotations

import asyncio
import gc
import math
import re
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from rounds import median_ci, rotated
from weblogin_browsers import Browser
from weblogin_processes import FLOOR, RETURNING_IDS, SECRET, App

# --- 2. paired rounds ---------------------------------------------------------------------


async def run_batch(
    browsers: list[Browser], logins: int, probe: httpx.AsyncClient
) -> dict[str, float]:
    """``logins`` returning logins shared by the browsers: logins/s, app CPU ms per login."""
    app = browsers[0].app
    left = logins
    latencies: list[float] = []

    async def browse(browser: Browser) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            began = time.perf_counter()
            await browser.login()
            latencies.append(time.perf_counter() - began)

    async def connections() -> float:
        # One worker's count (with several, the probe reaches any one of them: not counted).
        return float((await app.probe(probe))["connections"]) if app.workers == 1 else math.nan

    cpu_before, opened_before = await app.cpu(probe), await connections()
    began = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for browser in browsers:
            group.create_task(browse(browser))
    wall = time.perf_counter() - began
    cpu = await app.cpu(probe) - cpu_before
    opened = await connections() - opened_before
    return {
        "logins_per_s": len(latencies) / wall,
        "cpu_ms_per_login": cpu / len(latencies) * 1000,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000,
        "max_ms": max(latencies) * 1000,
        "connections_per_100": opened / len(latencies) * 100,
    }


async def paired_rounds(
    apps: list[App], browsers: dict[str, list[Browser]], probe: httpx.AsyncClient, args: Any
) -> dict[str, list[dict[str, float]]]:
    """Rounds of one batch per app, the order rotated; one entry per counted round."""
    sizes = {}
    for app in apps:  # the batch size from a short first batch
        first = await run_batch(browsers[app.name], 2 * args.concurrency, probe)
        sizes[app.name] = max(args.concurrency, round(first["logins_per_s"] * args.batch_seconds))
    results: dict[str, list[dict[str, float]]] = {app.name: [] for app in apps}
    names = [app.name for app in apps]
    by_name = {app.name: app for app in apps}
    for round_no in range(args.warmup + args.rounds):
        for name in rotated(names, round_no):
            gc.collect()
            batch = await run_batch(browsers[by_name[name].name], sizes[name], probe)
            if round_no >= args.warmup:
                results[name].append(batch)
    return results


def summarize(database: str, results: dict[str, list[dict[str, float]]]) -> list[dict[str, Any]]:
    floor = results[f"{FLOOR} @ {database}"]
    rows = []
    for name, batches in results.items():
        rate_ratios = [
            b["logins_per_s"] / f["logins_per_s"] for b, f in zip(batches, floor, strict=True)
        ]
        cpu_ratios = [
            b["cpu_ms_per_login"] / f["cpu_ms_per_login"]
            for b, f in zip(batches, floor, strict=True)
        ]
        rows.append(
            {
                "app": name.rsplit(" @ ", 1)[0],
                "database": database,
                "logins_per_s": statistics.median(b["logins_per_s"] for b in batches),
                "rate_ratio": statistics.median(rate_ratios),
                "rate_ratio_ci95": median_ci(rate_ratios),
                "cpu_ms_per_login": statistics.median(b["cpu_ms_per_login"] for b in batches),
                "cpu_ratio": statistics.median(cpu_ratios),
                "cpu_ratio_ci95": median_ci(cpu_ratios),
                "p50_ms": statistics.median(b["p50_ms"] for b in batches),
                "p99_ms": statistics.median(b["p99_ms"] for b in batches),
                "max_ms": max(b["max_ms"] for b in batches),
                "connections_per_100": statistics.median(b["connections_per_100"] for b in batches),
                "batches": batches,
            }
        )
    return rows


def paired_ratios(batches: list[dict[str, float]], bases: list[dict[str, float]]) -> dict[str, Any]:
    """Medians of the per-round ratios of two apps' CPU per login and logins/s, with CIs."""
    out: dict[str, Any] = {}
    for key in ("cpu_ms_per_login", "logins_per_s"):
        ratios = [b[key] / f[key] for b, f in zip(batches, bases, strict=True)]
        out[key] = {"ratio": statistics.median(ratios), "ci95": median_ci(ratios)}
    cpu = [
        b["cpu_ms_per_login"] - f["cpu_ms_per_login"] for b, f in zip(batches, bases, strict=True)
    ]
    out["cpu_ms_added"] = statistics.median(cpu)
    out["cpu_ms_added_ci95"] = median_ci(cpu)
    return out


# --- 3. the fake's answer latency ---------------------------------------------------------


async def fake_latency(fake_url: str, app: App, logins: int) -> dict[str, Any]:
    """Per provider request of sequential logins on one kept-alive connection: ms."""
    import base64
    import hashlib
    import secrets

    times: dict[str, list[float]] = {"consent POST": [], "token POST": [], "userinfo GET": []}
    async with httpx.AsyncClient(base_url=fake_url, timeout=30.0) as client:

        async def timed(name: str, request: Any) -> httpx.Response:
            began = time.perf_counter()
            answer: httpx.Response = await request
            times[name].append((time.perf_counter() - began) * 1000)
            return answer

        for number in range(logins + 3):
            verifier = secrets.token_urlsafe(48)
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            consent = {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": app.redirect_uri,
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "user": str(RETURNING_IDS),
                "decision": "allow",
            }
            answer = await timed("consent POST", client.post("/oauth/authorize", data=consent))
            code = dict(parse_qsl(urlsplit(answer.headers["location"]).query))["code"]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": app.redirect_uri,
                "client_id": app.client_id,
                "client_secret": SECRET,
                "code_verifier": verifier,
            }
            answer = await timed("token POST", client.post("/oauth/token", data=form))
            bearer = {"Authorization": "Bearer " + answer.json()["access_token"]}
            answer = await timed("userinfo GET", client.get("/oauth/userinfo", headers=bearer))
            if answer.status_code != 200:
                raise RuntimeError(f"the fake's userinfo answered {answer.status_code}")
            if number == 2:  # the first answers of a connection are ACKed at once: skip them
                for values in times.values():
                    values.clear()
    result = {}
    for name, values in times.items():
        ordered = sorted(values)
        result[name] = {
            "median_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "over_20_ms": sum(value >= 20 for value in ordered),
            "answers": len(ordered),
        }
    return result


# --- 4. where a worker's CPU goes (--profile with py-spy) -----------------------------------

#: The parts of a login a py-spy sample is counted in: the first whose pattern matches a
#: frame of the sample's stack (``function (file:line)``), else uvicorn and the event loop.
PROFILE_PARTS = (
    (
        "database connections opened or closed (the pool)",
        r"AsyncConnection\.(connect|close) \(psycopg|Connection\.close \(aiosqlite",
    ),
    (
        "SQL: the statement sent, its result read (SQLAlchemy's engine, the driver)",
        r"AsyncConnection\.(execute|start|close|__aexit__|execution_options) \(sqlalchemy"
        r"|StartableContext|AsyncEngine\.connect|greenlet_spawn",
    ),
    ("the account step's other work (building its statement, the profile)", r"AsyncAccounts\."),
    ("the two OAuth requests (httpx, httpcore, h11)", r"Sender\.send|AsyncClient\.(post|get) \("),
    ("the login routes' own code (state, PKCE, cookies, parsing)", r"run_endpoint_function"),
    ("FastAPI and Starlette around the routes (SessionMiddleware)", r"SessionMiddleware|FastAPI\."),
)
OTHER_PART = "uvicorn, h11 and the event loop"
_IDLE = re.compile(r"select \(selectors\.py|EpollSelector\.select")
#: The first frame of a sample taken inside a greenlet of SQLAlchemy's asyncio bridge: its
#: stack starts there, not at the event loop (the store's sync code on a ``Connection``; an
#: ``AsyncConnection``'s own steps).
_GREENLET = re.compile(
    r"\(chattz_oauth_async/accounts/_alone\.py|^(Connection\.(execute|close)|Engine\.connect) "
    r"\(sqlalchemy"
)


def profile_shares(path: Path) -> dict[str, float]:
    """The share of the worker's busy samples (py-spy's collapsed stacks) per part of a login."""
    parts = [(name, re.compile(pattern)) for name, pattern in PROFILE_PARTS]
    counts = dict.fromkeys([name for name, _ in PROFILE_PARTS] + [OTHER_PART], 0)
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not stack or _IDLE.search(frames[-1]):
            continue  # idle in the event loop's select
        greenlet = _GREENLET.search(frames[0]) is not None
        if not greenlet and not any("_run_once" in f for f in frames):
            continue  # not the serving loop (start-up), nor a greenlet it waits on
        otherwise = PROFILE_PARTS[1][0] if greenlet else OTHER_PART  # a greenlet's: SQL
        found = next((n for n, p in parts if any(p.search(f) for f in frames)), otherwise)
        counts[found] += int(count)
    busy = sum(counts.values()) or 1
    return {name: count / busy for name, count in counts.items()}
