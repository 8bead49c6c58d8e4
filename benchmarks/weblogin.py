"""Whole web logins: browsers through a FastAPI app, the served fake and a database.

A web login is what a user's browser does: ``GET /login`` on the app (a
redirect to Chattz), the consent form's POST on the provider (a redirect back
with the code), ``GET /callback`` on the app (the code exchange and userinfo
from the app to the provider, the account step in the database, a new session
cookie). Everything runs on loopback, each part in its own process:

- the provider: the library's fake, ``FakeChattz.serve()`` (``served_fake.py``);
- the apps (``webapps.py``), each one uvicorn worker on its own database:
  the hand-minimal login (the floor: one shared httpx client, state and PKCE
  in the signed session cookie, one SQL statement), ``examples/fastapi_app.py``
  as shipped, the docs' FastAPI quickstart (the same login without accounts,
  so that the example's extra cost is the account step's), the example in an
  interpreter without sniffio (what users ran before the library depended on
  it), and fastapi-users with its OAuth router when fastapi-users is
  installed;
- the databases: SQLite files (aiosqlite, as the example comes) and
  PostgreSQL (psycopg 3; a throwaway server from ``tests/postgres.py``:
  loopback, fsync off), skipped with a message when there is none;
- the browsers: ``--concurrency`` httpx clients in this process, each with its
  own cookie jar, each signing one returning user in again and again (its
  cookies cleared before each login).

Three measurements:

1. **SQL round trips per web login** (one login at a time): PostgreSQL from
   the server's own statement log (``log_statement = all`` for this part
   only: BEGIN, COMMIT and ROLLBACK count), SQLite from the ``sqlite3`` trace
   callback in the app (every statement SQLite runs). Three cases: a returning
   user, a first login (a new Chattz id), and a linking login (a signed-in
   user POSTs ``/login`` and links a new Chattz id).
2. **Paired rounds** of returning logins at ``--concurrency``: each round runs
   a batch on every app of a database, the order rotated; per app the median
   logins/s, the app worker's CPU per login (its ``time.process_time()``, all
   threads), and the medians of the per-round ratios to the hand-minimal app
   with a distribution-free 95% CI (from 6 rounds), a login's latency (the
   median over the rounds of each round's p50 and p99, the slowest login of
   all rounds), and the database connections the worker opened per 100
   logins (its pool's churn).
3. **The served fake's answer latency**: sequential logins' three provider
   requests (consent POST, token POST, userinfo GET) on one kept-alive
   connection; median and p99 per request, and the count of answers slower
   than 20 ms. With ``--nagle`` also a fake with Nagle's algorithm on (the
   server before it set TCP_NODELAY).

Usage: ``python benchmarks/weblogin.py [--rounds 9] [--batch-seconds 1.5]
[--concurrency 10] [--no-postgres] [--nagle] [--json out.json] [--profile DIR]``
(``--profile``: py-spy's samples of each app's worker, or cProfile's without py-spy); ``--quick``
is the smoke run CI does (30-50 s). Nothing here is asserted. Needs the
``bench`` dependency group (FastAPI, uvicorn, SQLAlchemy, aiosqlite, psycopg).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from rounds import median_ci, rotated
from sniffio_cost import lookup_us, python_without_sniffio, sniffio_installed
from webapps import fastapi_users_installed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = "hand-minimal"
EXAMPLE = "examples/fastapi_app.py"
NO_SNIFFIO = "examples/fastapi_app.py, sniffio not installed"
QUICKSTART = "examples/fastapi_quickstart (no accounts)"
PRE_PING = "examples/fastapi_app.py, its engine with pool_pre_ping"
FASTAPI_USERS = "fastapi-users"
SECRET = "bench-secret"
#: Chattz ids: returning users (one per browser), then new ids for first and linking logins.
RETURNING_IDS, NEW_IDS, NEW_ID_COUNT = 1000, 100_000, 20_000
CASES = ("returning", "first", "linking")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="paired rounds (default 9)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds not counted (default 1)")
    parser.add_argument("--batch-seconds", type=float, default=1.5, help="per batch (1.5)")
    parser.add_argument("--concurrency", type=int, default=10, help="browsers at once (10)")
    parser.add_argument("--count-logins", type=int, default=10, help="per case, statement count")
    parser.add_argument("--latency-logins", type=int, default=200, help="for the fake's latency")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--nagle", action="store_true", help="also a fake with Nagle's algorithm")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also the hand-minimal app and the example with this many uvicorn workers "
        "on PostgreSQL (0: not; logins/s and CPU only)",
    )
    parser.add_argument(
        "--workers-concurrency", type=int, default=32, help="browsers at once then (32)"
    )
    parser.add_argument(
        "--fastapi-users-python",
        help="an interpreter with fastapi-users[sqlalchemy] and httpx-oauth installed "
        "(default: this one, when it has them)",
    )
    parser.add_argument(
        "--pre-ping",
        action="store_true",
        help="also the example with pool_pre_ping=True on its engine (what a ping per "
        "checkout costs)",
    )
    parser.add_argument(
        "--no-sniffio-contender",
        action="store_true",
        help="skip the example in an interpreter without sniffio",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile each 1-worker app: py-spy's samples (collapsed stacks) in "
        "DIR/<app>-<database>.txt when py-spy is on PATH, else cProfile's DIR/<...>.prof "
        "(which slows the app down: read its ratios with care)",
    )
    parser.add_argument(
        "--native",
        action="store_true",
        help="with --profile and py-spy: C frames too (py-spy --native), e.g. SQLite's own "
        "calls and waits in aiosqlite's threads",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run (30-50 s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.warmup, args.batch_seconds = 2, 0, 0.3
        args.count_logins, args.latency_logins = 2, 20
    return args


# --- processes --------------------------------------------------------------------------


def _ready(process: subprocess.Popen[bytes], what: str, timeout: float = 60.0) -> str:
    """The rest of the child's ``READY ...`` line (waiting at most ``timeout`` seconds)."""
    assert process.stdout is not None
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise RuntimeError(f"{what} did not start within {timeout:g} s")
    line = process.stdout.readline().decode().split(maxsplit=1)
    if len(line) != 2 or line[0] != "READY":
        raise RuntimeError(f"{what} did not start: {line!r}")
    return line[1].strip()


def _stop(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin,):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def served_fake(clients: list[tuple[str, str, str]], *, nagle: bool = False) -> Iterator[str]:
    """The fake in its own process with ``clients`` and the benchmark's users; its base URL."""
    command = [sys.executable, str(HERE / "served_fake.py")]
    for client in clients:
        command += ["--client", *client]
    command += ["--users", str(RETURNING_IDS), str(NEW_IDS + NEW_ID_COUNT - RETURNING_IDS)]
    if nagle:
        command.append("--nagle")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        yield _ready(process, "the served fake")
    finally:
        _stop(process)


class App:
    """One app on one database, served by one uvicorn worker in its own process."""

    def __init__(
        self, contender: str, database: str, url: str, python: str, workers: int = 1
    ) -> None:
        self.contender, self.database, self.url, self.python = contender, database, url, python
        self.workers = workers
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.client_id = re.sub(r"[^a-z0-9]+", "-", f"{contender} {database}".lower())
        self.redirect_uri = self.base_url + (
            "/auth/chattz/callback" if contender == FASTAPI_USERS else "/callback"
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.profiled = False

    def clients(self) -> list[tuple[str, str, str]]:
        """The OAuth clients the fake registers for this app: id, secret, redirect URI."""
        found = [(self.client_id, SECRET, self.redirect_uri)]
        if self.contender == FASTAPI_USERS:  # its associate router: a redirect URI of its own
            linking = self.redirect_uri.replace("/auth/chattz/", "/auth/associate/chattz/")
            found.append((self.client_id + "-link", SECRET, linking))
        return found

    @property
    def name(self) -> str:
        return f"{self.contender} @ {self.database}"

    def start(self, fake_url: str, profile: Path | None = None, native: bool = False) -> None:
        app = {
            FASTAPI_USERS: "fastapi-users",
            FLOOR: "minimal",
            QUICKSTART: "quickstart",
            PRE_PING: "example-pre-ping",
        }.get(self.contender, "example")
        fd = self.listener.fileno()
        command = [self.python, str(HERE / "webapps.py"), app, "--fd", str(fd)]
        command += ["--database", self.url, "--fake", fake_url, "--client-id", self.client_id]
        command += ["--client-secret", SECRET, "--redirect-uri", self.redirect_uri]
        command += ["--workers", str(self.workers)]
        env = None
        if profile is not None and self.workers == 1:
            spy = shutil.which("py-spy")
            if spy is not None:  # sampling from outside: the app runs at full speed
                output = str(profile / f"{self.client_id}.txt")
                record = [spy, "record", "--format", "raw", "--rate", "250", "--output", output]
                record += ["--native"] if native else []
                command = [*record, "--", *command]
                self.profiled = True
            else:
                output = str(profile / f"{self.client_id}.prof")
                env = {**os.environ, "CHATTZ_BENCH_PROFILE": output}
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            pass_fds=(fd,),
            start_new_session=True,  # a group of its own: uvicorn's workers stop with it
        )

    def stop(self) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            if self.workers > 1:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60 if self.profiled else 10)  # py-spy writes its samples
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.listener.close()

    async def cpu(self, probe: httpx.AsyncClient) -> float:
        """CPU seconds the app's processes have used (every worker's, when there are several)."""
        if self.workers == 1:
            return float((await self.probe(probe))["cpu"])
        assert self.process is not None
        ticks = group_cpu_ticks(self.process.pid)
        return ticks / os.sysconf("SC_CLK_TCK")

    async def probe(self, client: httpx.AsyncClient) -> dict[str, Any]:
        """The worker's CPU seconds and SQLite statement count so far."""
        answer = await client.get(self.base_url + "/__bench")
        result: dict[str, Any] = answer.json()
        return result

    async def wait_ready(self, client: httpx.AsyncClient) -> None:
        """Wait until the worker answers (it imports its app first: up to 90 s)."""
        deadline = time.monotonic() + 90.0
        while True:
            try:
                await self.probe(client)
                return
            except httpx.TransportError:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.process.returncode})") from None
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)  # the worker is still importing its app


# --- browsers ---------------------------------------------------------------------------


def group_cpu_ticks(group: int) -> int:
    """User and system CPU clock ticks of the processes in process group ``group`` (Linux)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


class LoginFailed(RuntimeError):
    """A web login did not end signed in."""


class Browser:
    """One user's browser: its own cookie jar and connections."""

    def __init__(self, app: App, chattz_id: int) -> None:
        self.app = app
        self.chattz_id = chattz_id
        self.client = httpx.AsyncClient(timeout=30.0)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def login(self, chattz_id: int | None = None, *, link: bool = False) -> None:
        """One whole web login as ``chattz_id`` (the browser's own user by default)."""
        client, app = self.client, self.app
        if not link:
            client.cookies.clear()
        if app.contender == FASTAPI_USERS:
            if link:
                answer = await client.get(app.base_url + "/auth/associate/chattz/authorize")
            else:
                answer = await client.get(app.base_url + "/auth/chattz/authorize")
            self._expect(answer, 200)
            authorize = answer.json()["authorization_url"]
        else:
            if link:
                answer = await client.post(
                    app.base_url + "/login",
                    data={"next": "/"},
                    headers={"Sec-Fetch-Site": "same-origin"},
                )
            else:
                answer = await client.get(app.base_url + "/login")
            self._expect(answer, 302, 303)
            authorize = answer.headers["location"]
        parts = urlsplit(authorize)
        consent = dict(parse_qsl(parts.query))
        consent.update(user=str(chattz_id or self.chattz_id), decision="allow")
        answer = await client.post(
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            data=consent,
            headers={"Sec-Fetch-Site": "same-origin"},
        )
        self._expect(answer, 302, 303)
        callback = answer.headers["location"]
        answer = await client.get(callback)
        self._expect(answer, 200, 204, 302, 303)

    def _expect(self, answer: httpx.Response, *statuses: int) -> None:
        if answer.status_code not in statuses:
            raise LoginFailed(
                f"{self.app.name}: {answer.request.method} {answer.request.url.path} "
                f"answered {answer.status_code}: {answer.text[:300]!r}"
            )


async def make_browsers(app: App, count: int) -> list[Browser]:
    """``count`` browsers, each with its returning user's account already made."""
    browsers = [Browser(app, RETURNING_IDS + number) for number in range(count)]
    for browser in browsers:
        await browser.login()
    return browsers


# --- 1. statements ------------------------------------------------------------------------

_PG_STATEMENT = re.compile(
    rb"^\S+ \S+ \S+ \[\d+\] db=(\w*) LOG:  (?:statement|execute [^:]*): ", re.M
)


class StatementLog:
    """PostgreSQL's statement log (``log_statement = all`` while counting), line by database."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.path = Path(server.data).parent / "server.log"

    def _set(self, value: str | None) -> None:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.server.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            if value is None:
                connection.execute("ALTER SYSTEM RESET log_statement")
                connection.execute("ALTER SYSTEM RESET log_line_prefix")
            else:
                connection.execute(f"ALTER SYSTEM SET log_statement = '{value}'")
                connection.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d '")
            connection.execute("SELECT pg_reload_conf()")

    def on(self) -> None:
        self._set("all")

    def off(self) -> None:
        self._set(None)

    def count(self, url: str) -> int:
        """Statements logged so far in the database of ``url``."""
        database = url.rsplit("/", 1)[1].encode()
        return sum(1 for name in _PG_STATEMENT.findall(self.path.read_bytes()) if name == database)


async def count_statements(
    app: App, probe: httpx.AsyncClient, log: StatementLog | None, logins: int, ids: Iterator[int]
) -> dict[str, float]:
    """SQL statements per web login of each case, one login at a time."""

    async def counted() -> int:
        if log is not None:
            return log.count(app.url)
        return int((await app.probe(probe))["sqlite_statements"])

    browser = Browser(app, RETURNING_IDS + 999)
    try:
        await browser.login()  # the account exists; the pool's connection is open
        result = {}
        for case in CASES:
            if case == "linking":
                await browser.login()  # signed in as its own user, who links the new ids
            await run_case(browser, case, ids)  # warm: a connection of the pool set up
            before = await counted()
            for _ in range(logins):
                await run_case(browser, case, ids)
            result[case] = (await counted() - before) / logins
        return result
    finally:
        await browser.aclose()


async def run_case(browser: Browser, case: str, ids: Iterator[int]) -> None:
    """One login: the browser's own user again, a new Chattz id, or a new id linked."""
    if case == "returning":
        await browser.login()
    else:
        await browser.login(next(ids), link=case == "linking")


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


# --- the run ------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres() -> Iterator[Any]:
    """A started throwaway PostgreSQL server, or None (and why) when none can start."""
    sys.path.insert(0, str(ROOT))  # tests/postgres.py, shared with the test suite
    try:
        from tests.postgres import PostgresServer, bindir
    except ImportError as exc:
        print(f"PostgreSQL skipped: {exc} (pip install -e . --group bench)")
        yield None
        return
    found = bindir()
    if found is None:
        print("PostgreSQL skipped: no initdb/pg_ctl (apt-get install postgresql)")
        yield None
        return
    server = PostgresServer(found)
    try:
        yield server.start()
    finally:
        server.stop()


def contenders(
    without_sniffio: str | None, fastapi_users_python: str | None, *, pre_ping: bool = False
) -> dict[str, str]:
    """The apps to run and the interpreter each runs in."""
    found = {FLOOR: sys.executable, EXAMPLE: sys.executable, QUICKSTART: sys.executable}
    if pre_ping:
        found[PRE_PING] = sys.executable
    if without_sniffio is not None:
        found[NO_SNIFFIO] = without_sniffio
    if fastapi_users_python is not None:
        found[FASTAPI_USERS] = fastapi_users_python
    elif fastapi_users_installed():
        found[FASTAPI_USERS] = sys.executable
    else:
        print(
            "fastapi-users skipped: not installed here (pip install 'fastapi-users[sqlalchemy]' "
            "httpx-oauth, or --fastapi-users-python PATH to a venv that has them)"
        )
    return found


async def measure(
    args: argparse.Namespace, apps: list[App], pg_log: StatementLog | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "statements": {},
        "rounds": [],
        "fake_latency": {},
        "sniffio_paired": {},
        "accounts_paired": {},
        "pre_ping_paired": {},
    }
    ids = iter(range(NEW_IDS, NEW_IDS + NEW_ID_COUNT))
    async with httpx.AsyncClient(timeout=30.0) as probe:
        await asyncio.gather(*(app.wait_ready(probe) for app in apps))
        if pg_log is not None:
            pg_log.on()
        try:
            for app in apps:
                if app.workers > 1 or app.contender == QUICKSTART:  # as 1 worker's; no database
                    continue
                log = pg_log if app.database == "PostgreSQL" else None
                out["statements"][app.name] = await count_statements(
                    app, probe, log, args.count_logins, ids
                )
        finally:
            if pg_log is not None:
                pg_log.off()
        browsers = {}
        for app in apps:
            count = args.concurrency if app.workers == 1 else args.workers_concurrency
            browsers[app.name] = await make_browsers(app, count)
        try:
            for database in dict.fromkeys(app.database for app in apps):
                group = [app for app in apps if app.database == database]
                results = await paired_rounds(group, browsers, probe, args)
                out["rounds"] += summarize(database, results)
                without, with_ = f"{NO_SNIFFIO} @ {database}", f"{EXAMPLE} @ {database}"
                if without in results:
                    out["sniffio_paired"][database] = paired_ratios(
                        results[without], results[with_]
                    )
                pinging = f"{PRE_PING} @ {database}"
                if pinging in results:
                    out["pre_ping_paired"][database] = paired_ratios(
                        results[pinging], results[with_]
                    )
                bare = f"{QUICKSTART} @ {database}"
                if bare in results:
                    out["accounts_paired"][database] = paired_ratios(results[with_], results[bare])
        finally:
            for group in browsers.values():
                for browser in group:
                    await browser.aclose()
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chattz-bench-")))
        without = None
        if sniffio_installed() and not args.no_sniffio_contender:
            without = python_without_sniffio(folder / "no-sniffio")
        elif not args.no_sniffio_contender:
            print("the sniffio contender skipped: sniffio is not installed here")
        pythons = contenders(without, args.fastapi_users_python, pre_ping=args.pre_ping)
        databases: dict[str, Any] = {}
        if not args.no_sqlite:
            databases["SQLite"] = lambda name: f"sqlite+aiosqlite:///{folder / name}.db"
        server = None
        if not args.no_postgres:
            server = stack.enter_context(postgres())
            if server is not None:
                databases["PostgreSQL"] = lambda name, s=server: s.url(s.new_database())
        apps = [
            App(contender, database, make_url(re.sub(r"\W+", "_", contender)), python)
            for database, make_url in databases.items()
            for contender, python in pythons.items()
        ]
        if server is not None and args.workers > 1:
            label = f"PostgreSQL, {args.workers} workers"
            apps += [
                App(
                    contender,
                    label,
                    server.url(server.new_database()),
                    sys.executable,
                    args.workers,
                )
                for contender in (FLOOR, EXAMPLE)
            ]
        for app in apps:
            stack.callback(app.stop)
        clients = [client for app in apps for client in app.clients()]
        fake_url = stack.enter_context(served_fake(clients))
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
        for app in apps:
            app.start(fake_url, args.profile, args.native)
        started = time.perf_counter()
        out = asyncio.run(measure(args, apps, StatementLog(server) if server else None))
        out["fake_latency"]["TCP_NODELAY (the library's server)"] = asyncio.run(
            fake_latency(fake_url, apps[0], args.latency_logins)
        )
        if args.nagle:
            with served_fake(clients, nagle=True) as nagle_url:
                out["fake_latency"]["Nagle's algorithm on (before the fix)"] = asyncio.run(
                    fake_latency(nagle_url, apps[0], min(args.latency_logins, 50))
                )
        lookups = 2000 if args.quick else 20_000
        out["sniffio_lookup_us"] = {"installed": lookup_us(sys.executable, lookups)}
        if without is not None:
            out["sniffio_lookup_us"]["not installed"] = lookup_us(without, lookups)
        out["seconds"] = time.perf_counter() - started
        out["profile"] = {}
        for app in apps:
            if args.profile is not None and app.workers == 1:
                app.stop()  # py-spy writes its samples once the worker has exited
                samples = args.profile / f"{app.client_id}.txt"
                if samples.exists():
                    out["profile"][app.name] = profile_shares(samples)
    return out


# --- tables -----------------------------------------------------------------------------


def _ci(interval: Any) -> str:
    return f"{interval[0]:.2f}–{interval[1]:.2f}" if interval else "n/a (< 6 rounds)"


def _paired_table(title: str, paired: dict[str, Any]) -> list[str]:
    """One app against another, per database: per-round ratios with their 95% CIs."""
    if not paired:
        return []
    lines = [
        "",
        f"{title} (per-round ratios, 95% CI):",
        "",
        "| database | CPU per login | CPU ms added per login | logins/s |",
        "|---|---:|---:|---:|",
    ]
    for database, row in paired.items():
        cpu, rate = row["cpu_ms_per_login"], row["logins_per_s"]
        lines.append(
            f"| {database} | {cpu['ratio']:.3f} [{_ci(cpu['ci95'])}] "
            f"| {row['cpu_ms_added']:+.2f} [{_ci(row['cpu_ms_added_ci95'])}] "
            f"| {rate['ratio']:.3f} [{_ci(rate['ci95'])}] |"
        )
    return lines


def tables(out: dict[str, Any]) -> str:
    lines = [
        "SQL round trips per web login (returning / first / linking):",
        "",
        "| app | "
        + " | ".join(dict.fromkeys(n.rsplit(" @ ", 1)[1] for n in out["statements"]))
        + " |",
    ]
    databases = list(dict.fromkeys(n.rsplit(" @ ", 1)[1] for n in out["statements"]))
    lines.append("|---|" + "---:|" * len(databases))
    for contender in dict.fromkeys(n.rsplit(" @ ", 1)[0] for n in out["statements"]):
        cells = []
        for database in databases:
            counts = out["statements"].get(f"{contender} @ {database}")
            cells.append(" / ".join(f"{counts[case]:g}" for case in CASES) if counts else "n/a")
        lines.append(f"| {contender} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Returning logins, paired rounds (ratios: per-round, to the hand-minimal app on the "
        "same database; 95% CI):",
        "",
        "| app | database | logins/s | ratio to hand-minimal | app CPU ms/login "
        "| CPU ratio to hand-minimal | login p50 ms | p99 ms | slowest ms "
        "| DB connections opened per 100 logins |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in out["rounds"]:
        opened = row["connections_per_100"]
        lines.append(
            f"| {row['app']} | {row['database']} | {row['logins_per_s']:.0f} "
            f"| {row['rate_ratio']:.2f} [{_ci(row['rate_ratio_ci95'])}] "
            f"| {row['cpu_ms_per_login']:.2f} "
            f"| {row['cpu_ratio']:.2f} [{_ci(row['cpu_ratio_ci95'])}] | {row['p50_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {row['max_ms']:.0f} "
            f"| {'n/a' if math.isnan(opened) else f'{opened:.1f}'} |"
        )
    lines += [
        "",
        "The served fake's answers, sequential, one kept-alive connection (ms):",
        "",
        "| server | request | median | p99 | answers >= 20 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for server, requests in out["fake_latency"].items():
        for request, row in requests.items():
            lines.append(
                f"| {server} | {request} | {row['median_ms']:.2f} | {row['p99_ms']:.2f} "
                f"| {row['over_20_ms']} of {row['answers']} |"
            )
    if out["accounts_paired"]:
        lines += [
            "",
            "The account step: the example against the quickstart (the same login without "
            "accounts), per round (95% CI):",
            "",
            "| database | app CPU ms added per login | CPU ratio | logins/s ratio |",
            "|---|---:|---:|---:|",
        ]
        for database, row in out["accounts_paired"].items():
            cpu, rate = row["cpu_ms_per_login"], row["logins_per_s"]
            lines.append(
                f"| {database} | {row['cpu_ms_added']:+.2f} [{_ci(row['cpu_ms_added_ci95'])}] "
                f"| {cpu['ratio']:.2f} [{_ci(cpu['ci95'])}] "
                f"| {rate['ratio']:.2f} [{_ci(rate['ci95'])}] |"
            )
    lines += _paired_table("The example without sniffio against with it", out["sniffio_paired"])
    lines += _paired_table(
        "The example with pool_pre_ping=True on its engine against as shipped",
        out["pre_ping_paired"],
    )
    if out.get("profile"):
        cpu = {
            f"{row['app']} @ {row['database']}": row["cpu_ms_per_login"] for row in out["rounds"]
        }
        names = list(out["profile"])
        lines += [
            "",
            "Where each worker's CPU went (py-spy's samples, idle ones left out): share of the "
            "busy samples, and that share of the app's median CPU per login in ms:",
            "",
            "| part | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for part in [name for name, _ in PROFILE_PARTS] + [OTHER_PART]:
            cells = []
            for name in names:
                share = out["profile"][name][part]
                cells.append(f"{100 * share:.0f}% ({share * cpu.get(name, math.nan):.2f})")
            lines.append(f"| {part} | " + " | ".join(cells) + " |")
    lines += ["", "httpcore's async-library lookup (µs per call, best of 7):", ""]
    lines += ["| sniffio | µs |", "|---|---:|"]
    for case, value in out["sniffio_lookup_us"].items():
        lines.append(f"| {case} | {value:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import aiosqlite  # noqa: F401
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"weblogin.py needs the bench dependency group: {exc}")
        return 0
    out = run(args)
    load = os.getloadavg()
    print(
        f"{args.rounds} paired rounds of about {args.batch_seconds} s an app, "
        f"{args.concurrency} browsers at once, in {out['seconds']:.0f} s "
        f"(Python {sys.version.split()[0]}, load average {load[0]:.1f} / {load[1]:.1f})\n"
    )
    print(tables(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
