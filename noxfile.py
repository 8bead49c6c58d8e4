"""Developer tasks. Each session runs on its own: `nox -s tests`, `nox -s lint`, ...

With CI=true, nox errors on Python versions that are not installed; the
sessions use the running interpreter's version so they work on any machine.
"""

from __future__ import annotations

import sys

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "sync_check"]

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (browser tests included when Chromium is installed)."""
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def tests_httpx2(session: nox.Session) -> None:
    """Run the httpx2 compatibility tests with httpx2 installed."""
    session.install("-e", ".[tests,httpx2]")
    session.run("pytest", "tests/test_httpx2.py", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting check (generated folders excluded)."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package and the tests."""
    session.install("-e", ".[typing,tests,httpx2,browser]")
    session.run("mypy")


@nox.session(python=PYTHON)
def gen_sync(session: nox.Session) -> None:
    """Regenerate the sync twin (chattz_oauth_async/_sync, tests/_sync) from the async code."""
    session.install("-e", ".[dev]")
    session.run("python", "scripts/gen_sync.py")


@nox.session(python=PYTHON)
def sync_check(session: nox.Session) -> None:
    """Fail if the generated sync code is stale, edited or orphaned."""
    session.install("-e", ".[dev]")
    session.run("python", "scripts/gen_sync.py", "--check")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Run the end-to-end demo against the built-in fake provider."""
    session.install("-e", ".")
    session.run("python", "-m", "chattz_oauth_async", "demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx, httpx-oauth and Authlib (`-- --quick` for a smoke run)."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/bench.py", *session.posargs)
