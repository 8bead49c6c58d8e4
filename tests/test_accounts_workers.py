"""The FastAPI example on PostgreSQL under ``uvicorn --workers 4``: one account per user.

The fake provider is served on loopback by this test; the example's four
worker processes reach it and the database over 127.0.0.1 only. Chattz users
log in several times each, shuffled and many at a time (so first logins of one
user race across workers), every login in a client of its own (its own cookie
jar) driving ``/login`` -> the fake's consent -> ``/callback`` -> ``/``.

Two sizes, the same assertions (0 errors, one account and one local user per
Chattz user, one code exchange per login):

- in every run of the suite, 240 logins (40 users, 6 each, 16 at a time);
- 1,000 logins (100 users, 10 each, 32 at a time), the figure docs/accounts.md
  promises, marked ``slow``: deselected unless pytest runs with ``--slow``.
  CI runs it in a step of its own (``.ci/run``, ``nox -s tests_slow``) and fails
  if it is skipped or deselected there.

Bounded in time (90 s for the logins); the server's process group is always stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore, accounts
from chattz_oauth_async.accounts.sqlalchemy import users as users_table
from chattz_oauth_async.testing import FakeChattz, FakeUser

pytestmark = [pytest.mark.postgres, pytest.mark.network]

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
#: Seconds the whole run of logins may take before it counts as failed.
RUN_LIMIT = 90


def free_port() -> int:
    """A loopback port nobody listens on (for uvicorn to bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def uvicorn_workers(
    port: int,
    env: dict[str, str],
    log: Path,
    *,
    app: str = "examples.fastapi_app:app",
    cwd: Path = ROOT,
    log_level: str = "warning",
) -> Iterator[subprocess.Popen[bytes]]:
    """``uvicorn APP --workers 4`` in ``cwd`` on 127.0.0.1, its process group stopped."""
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS), "--log-level", log_level]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=output, start_new_session=True
        )
        try:
            yield process
        finally:
            # The master and its workers share the group this test started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (at most 30 s) until ``url`` answers 200, or fail with the server's output."""
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer within 30 s:\n{log.read_text()[-3000:]}")


async def log_everyone_in(
    fake: FakeChattz, app_url: str, logins: list[FakeUser], concurrency: int
) -> list[str]:
    """Run ``logins``, ``concurrency`` at a time, each in its own client; the failures."""
    errors: list[str] = []
    pending = iter(logins)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=app_url, timeout=15) as browser:
            for user in pending:
                # A new, empty cookie jar for every login: a browser of its own
                # (the connections are reused).
                browser.cookies = httpx.Cookies()
                try:
                    page = await fake.alogin(browser, "/login", user=user)
                except Exception as exc:  # counted and shown: the verdict is "0 errors"
                    errors.append(f"{user.username}: {type(exc).__name__}: {exc}")
                    continue
                if page.status_code != 200 or f"Signed in as {user.username}<" not in page.text:
                    errors.append(f"{user.username}: {page.status_code} {page.text[:200]!r}")

    async with asyncio.timeout(RUN_LIMIT):
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return errors


@pytest.mark.parametrize(
    ("users", "logins_each", "concurrency"),
    [
        pytest.param(40, 6, 16, id="240-logins"),
        pytest.param(100, 10, 32, id="1000-logins", marks=pytest.mark.slow),
    ],
)
def test_logins_on_four_workers_make_one_account_per_user(
    postgres_url: str, tmp_path: Path, users: int, logins_each: int, concurrency: int
) -> None:
    """Logins of many users over 4 uvicorn workers on PostgreSQL: 0 errors, 1 account each."""
    engine = create_engine(postgres_url)
    try:
        SQLAlchemyStore(engine).create_tables()  # before the workers start
        port = free_port()
        app_url = f"http://127.0.0.1:{port}"
        fake = FakeChattz(redirect_uri=f"{app_url}/callback")
        people = [fake.add_user(id=1000 + n, username=f"user-{n}") for n in range(users)]
        logins = people * logins_each
        random.Random(20).shuffle(logins)
        log = tmp_path / "uvicorn.log"
        with fake.serve() as server:
            env = {
                **os.environ,
                "CHATTZ_CLIENT_ID": fake.client.client_id,
                "CHATTZ_CLIENT_SECRET": fake.client.client_secret,
                "CHATTZ_REDIRECT_URI": fake.client.redirect_uri,
                "CHATTZ_BASE_URL": server.base_url,
                "APP_SECRET_KEY": "workers-test-secret-key-" * 2,
                "DATABASE_URL": postgres_url,
            }
            with uvicorn_workers(port, env, log) as process:
                wait_until_serving(f"{app_url}/", process, log)
                errors = asyncio.run(log_everyone_in(fake, app_url, logins, concurrency))
        with engine.connect() as connection:
            linked = connection.execute(select(accounts.c.chattz_id)).scalars().all()
            made = connection.execute(select(func.count()).select_from(users_table)).scalar_one()
        exchanges = sum(1 for request in fake.requests if request.path == "/oauth/token")
    finally:
        engine.dispose()
    assert ([], sorted(user.id for user in people), users, len(logins)) == (
        errors[:5],
        sorted(linked),
        made,
        exchanges,
    )
