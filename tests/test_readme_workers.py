"""The README's Accounts app as ``uvicorn app:app --workers 4`` on an empty PostgreSQL database.

Every worker's lifespan runs ``store.create_tables()`` at once on a database with no
tables; each start must bring all four workers up (the advisory lock of
``create_tables``). Each start is on a fresh database; the server's process group
is always stopped. One start in every run of the suite; four in the test marked
``slow`` (``--slow``; CI runs it, tests/conftest.py). On this machine uvicorn staggers
its workers enough that 8 starts without the lock passed too: the race itself is
reproduced, and its fix tested, by tests/test_database_restart.py (eight engines at
once, which fails without the lock), in every run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.postgres import PostgresServer
from tests.test_accounts_workers import WORKERS, free_port, uvicorn_workers, wait_until_serving
from tests.test_readme import marked_block

pytestmark = [pytest.mark.postgres, pytest.mark.network]


@pytest.mark.parametrize(
    "starts",
    [pytest.param(1, id="1-start"), pytest.param(4, id="4-starts", marks=pytest.mark.slow)],
)
def test_the_readme_app_starts_four_workers_on_an_empty_database(
    postgres_server: PostgresServer, tmp_path: Path, starts: int
) -> None:
    """Starts on fresh databases: every worker completes its startup, none fails."""
    (tmp_path / "app.py").write_text(marked_block("readme-accounts"))
    started = []
    for _ in range(starts):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": postgres_server.url(postgres_server.new_database()),
            "CHATTZ_CLIENT_ID": "client",
            "CHATTZ_CLIENT_SECRET": "secret",
            "CHATTZ_REDIRECT_URI": f"http://127.0.0.1:{port}/callback",
            "APP_SECRET_KEY": "readme-workers-secret-key-" * 2,
        }
        log = tmp_path / "uvicorn.log"
        with uvicorn_workers(
            port, env, log, app="app:app", cwd=tmp_path, log_level="info"
        ) as process:
            wait_until_serving(f"http://127.0.0.1:{port}/docs", process, log)
            for _ in range(100):  # every worker logs its startup (or its failure)
                text = log.read_text()
                if text.count("Application startup complete") == WORKERS or "failed" in text:
                    break
                time.sleep(0.1)
        text = log.read_text()
        started.append((text.count("Application startup complete"), "Traceback" in text))
    assert [(WORKERS, False)] * starts == started
