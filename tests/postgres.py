"""A throwaway PostgreSQL server for the tests, started from the machine's own binaries.

``initdb`` in a temporary folder (in ``/dev/shm`` where there is one: removing
the session's databases at the end then takes well under a second, where on disk
it took 3 s on a quiet machine and 13-37 s on a loaded one), ``pg_ctl start``
listening on 127.0.0.1 only (a free port, its Unix socket in the same
folder), fsync off; stopped and removed at the end of the test session. As root
(CI), the server runs as the ``postgres`` system user, since PostgreSQL refuses
to run as root.

Under pytest-xdist each worker is a test session of its own, so each starts its
own server: its own folder (named after the worker) and its own port. Two
workers can be handed the same free port a moment apart; a server that cannot
bind its port is started again on another one.

Without PostgreSQL binaries the tests that need them skip, except when CI is
set, where they fail: ``.ci/run`` makes sure the binaries are there.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

#: The role the tests connect as (trust authentication, loopback only).
ROLE = "postgres"


def in_ci() -> bool:
    """Whether CI is set (missing services then fail instead of skipping)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest version, else the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _scratch() -> str | None:
    """Where the server's folder goes: ``/dev/shm`` (memory) if usable, else the temp folder."""
    shm = "/dev/shm"  # noqa: S108 (mkdtemp makes a private, unique folder in it)
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class PostgresServer:
    """A running server: :attr:`url` for SQLAlchemy, :meth:`new_database` for isolation."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self._root = Path(tempfile.mkdtemp(prefix=f"chattz-pg-{worker}-", dir=_scratch()))
        self.data = self._root / "data"
        self.user = self._system_user()
        self._options = ""

    def _system_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                entry = pwd.getpwnam(name)
                os.chown(self._root, entry.pw_uid, entry.pw_gid)
                return name
        raise RuntimeError("PostgreSQL refuses to run as root and there is no postgres user")

    def _run(self, *args: str) -> None:
        """Run a PostgreSQL program; RuntimeError with its output and the server log if it fails."""
        try:
            subprocess.run(
                [str(self.bin_dir / args[0]), *args[1:]],
                check=True,
                capture_output=True,
                user=self.user,
                cwd=self._root,
                timeout=120,
            )
        except subprocess.CalledProcessError as exc:
            log = self._root / "server.log"
            output = (exc.stdout or b"") + (exc.stderr or b"")
            if log.exists():
                output += log.read_bytes()[-2000:]
            message = f"{args[0]} failed ({exc.returncode}): {output.decode(errors='replace')}"
            raise RuntimeError(message) from exc

    def start(self) -> PostgresServer:
        """initdb, then start the server and wait until it accepts connections."""
        self._run(
            "initdb", "-D", str(self.data), "-U", ROLE, "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        for attempt in range(3):
            try:
                self._start()
            except RuntimeError as exc:
                # Another worker (or program) took the port between _free_port() and the bind.
                if "already in use" not in str(exc) or attempt == 2:
                    raise
                self.port = _free_port()
            else:
                return self
        raise AssertionError("unreachable")

    def _start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self._root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._options = options
        log = str(self._root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def restart(self) -> None:
        """Restart the server (every connection is closed), and wait until it accepts new ones."""
        log = str(self._root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", self._options, "-l", log, "-m", "fast", "-w",
            "restart",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        if self.data.exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._root, ignore_errors=True)

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        """A SQLAlchemy URL of ``database`` (psycopg 3 serves sync and async engines)."""
        return f"postgresql+{driver}://{ROLE}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its name."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        dsn = f"host=127.0.0.1 port={self.port} user={ROLE} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name


@contextlib.contextmanager
def running() -> Iterator[PostgresServer]:
    """A started server, stopped afterwards; skips (fails under CI) without binaries."""
    found = bindir()
    if found is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = PostgresServer(found)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session."""
    with running() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The SQLAlchemy URL (``postgresql+psycopg``) of a fresh, empty database for one test."""
    return postgres_server.url(postgres_server.new_database())
