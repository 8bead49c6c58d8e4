"""The processes of ``weblogin.py``: the served fake, the apps and a PostgreSQL server.

Each part of a web login runs in a process of its own, started and stopped here: the
library's fake (``served_fake.py``), each app on its database (``webapps.py`` under
uvicorn, on a socket this process listens on; sampled by py-spy with ``--profile``) and a
throwaway PostgreSQL server (``tests/postgres.py``). Also the apps' names and the Chattz ids
the fake serves, which the other ``weblogin_*`` modules share.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from launch import terminate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = "hand-minimal"
EXAMPLE = "examples/fastapi_app.py"
NO_SNIFFIO = "examples/fastapi_app.py, sniffio not installed"
QUICKSTART = "examples/fastapi_quickstart (no accounts)"
PRE_PING = "examples/fastapi_app.py, its engine with pool_pre_ping"
BASELINE = "examples/fastapi_app.py at the baseline checkout"
FASTAPI_USERS = "fastapi-users"
SECRET = "bench-secret"
#: Chattz ids: returning users (one per browser), then new ids for first and linking logins.
RETURNING_IDS, NEW_IDS, NEW_ID_COUNT = 1000, 100_000, 20_000


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
    """Close ``process``'s standard input (the apps and the fake exit then); terminate it
    if it is still running 10 s later."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        terminate(process)
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
        #: The checkout the example app is imported from (``webapps.py --root``); None: this one.
        self.root: Path | None = None

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
        if self.root is not None:
            command += ["--root", str(self.root)]
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


def group_cpu_ticks(group: int) -> int:
    """User and system CPU clock ticks of the processes in process group ``group`` (Linux)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


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
