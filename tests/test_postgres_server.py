"""tests/postgres.py under pytest-xdist: each worker's server has its own folder and port."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import psycopg
import pytest

from tests import postgres

pytestmark = pytest.mark.postgres


def test_a_server_whose_port_was_taken_starts_on_another_then_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another worker bound the free port first: the server starts on a new one, and is removed."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        handed = iter([taken])
        free = postgres._free_port
        monkeypatch.setattr(postgres, "_free_port", lambda: next(handed, 0) or free())
        with postgres.running() as server:
            dsn = f"host=127.0.0.1 port={server.port} user={postgres.ROLE} dbname=postgres"
            with psycopg.connect(dsn) as connection:
                row = connection.execute("SELECT current_setting('port')").fetchone()
            root = server._root
    assert (True, (str(server.port),), False) == (server.port != taken, row, root.exists())


def test_the_server_folder_is_in_memory_and_named_after_the_worker(
    postgres_server: postgres.PostgresServer,
) -> None:
    """In /dev/shm where there is one (else the temp folder), named after the xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    expected = Path("/dev/shm") if Path("/dev/shm").is_dir() else None  # noqa: S108
    root = postgres_server._root
    assert (expected or root.parent, True) == (
        root.parent,
        root.name.startswith(f"chattz-pg-{worker}-"),
    )
