"""Developer tasks. Each session runs on its own: `nox -s tests`, `nox -s lint`, ...

With CI=true, nox errors on Python versions that are not installed; the
sessions use the running interpreter's version so they work on any machine.
Dependencies come from pyproject.toml's [dependency-groups] (PEP 735), read by
nox itself, so no session needs a newer pip than the venv ships.
"""

from __future__ import annotations

import re
import sys

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "sync_check"]

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
PYPROJECT = nox.project.load_toml("pyproject.toml")


def install(session: nox.Session, *groups: str, extras: str = "") -> None:
    """Install the project (editable, with ``extras``) and the named dependency groups."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install("-e", f".[{extras}]" if extras else ".", *requirements)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite on every core, as the README does (`-n auto`: pytest-xdist;
    `-- -n 0` runs it in one process). Browser tests included when Chromium is installed;
    the tests marked slow are deselected: `nox -s tests_slow`, or `-- --slow`."""
    install(session, "tests")
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def tests_slow(session: nox.Session) -> None:
    """Run only the tests marked slow (the 1,000-login workers test), which `tests` deselects.

    In one process: each starts four uvicorn workers of its own, which already fill the
    machine."""
    install(session, "tests")
    session.run("python", "-m", "pytest", "--slow", "-m", "slow", *session.posargs)


@nox.session(python=PYTHON)
def tests_httpx2(session: nox.Session) -> None:
    """Run the httpx2 compatibility tests (async and sync) with httpx2 installed."""
    install(session, "tests", extras="httpx2")
    tests = ("tests/_async/test_httpx2.py", "tests/_sync/test_httpx2.py")
    session.run("python", "-m", "pytest", *tests, *session.posargs)


#: The extras of the auth-stack integrations (docs/stacks/), tested at their minimums.
STACK_EXTRAS = ("allauth", "social-auth", "httpx-oauth", "authlib")
#: What else the stack tests need from the tests group (psycopg: tests/conftest.py imports it;
#: pytest-asyncio: pyproject sets its option; httpx2: Starlette's test client);
#: social-auth-app-django, the Django glue of social-core, is pinned to its minimum too.
STACK_TEST_PACKAGES = frozenset(
    {"pytest", "pytest-django", "pytest-asyncio", "trio", "fastapi", "starlette", "psycopg"}
    | {"itsdangerous", "httpx2"}
    | {"fastapi-users", "social-auth-app-django"}
)


def requirement_name(requirement: str) -> str:
    """The distribution name of a requirement string (``psycopg[binary]>=3.1``: ``psycopg``)."""
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower()


def minimums(requirements: list[str]) -> list[str]:
    """``name>=1.2`` pinned to ``name==1.2`` (other requirements as they are)."""
    return [req.replace(">=", "==") if ">=" in req else req for req in requirements]


@nox.session(python=PYTHON)
def stacks_minimum(session: nox.Session) -> None:
    """Run the auth-stack tests (allauth, social-auth, httpx-oauth, fastapi-users, Authlib)
    against the oldest versions the extras allow; `nox -s tests` runs them on the latest."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    pins = minimums([req for name in STACK_EXTRAS for req in extras[name]])
    needed = [
        req
        for req in nox.project.dependency_groups(PYPROJECT, "tests")
        if requirement_name(req) in STACK_TEST_PACKAGES
    ]
    glue = [req for req in needed if requirement_name(req) == "social-auth-app-django"]
    others = [req for req in needed if req not in glue]
    session.install("-e", ".", *others, *pins, *minimums(glue))
    stacks = ("tests/stacks", "tests/test_stacks_django.py")
    session.run("python", "-m", "pytest", *stacks, "-p", "no:randomly", *session.posargs)


#: The account stores' tests, run at the oldest SQLAlchemy, aiosqlite and psycopg the extras allow.
STORE_TESTS = (
    "tests/_async/test_sqlalchemy_store.py",
    "tests/_sync/test_sqlalchemy_store.py",
    "tests/_async/test_sqlalchemy_faults.py",
    "tests/_sync/test_sqlalchemy_faults.py",
    "tests/test_store_driver_autocommit.py",
    "tests/test_review27_sqlite_cancel.py",
    "tests/test_store_sqlite_writers.py",
    "tests/test_store_retry.py",
    "tests/test_database_restart.py",
)


@nox.session(python=PYTHON)
def stores_minimum(session: nox.Session) -> None:
    """Run the account stores' tests (SQLite and PostgreSQL) against the oldest SQLAlchemy,
    aiosqlite and psycopg the `sqlalchemy` and `postgresql` extras allow; `nox -s tests`
    runs them on the latest."""
    install(session, "tests")
    extras = PYPROJECT["project"]["optional-dependencies"]
    session.install(*minimums(extras["sqlalchemy"] + extras["postgresql"]))
    marks = "postgres or not postgres"  # PostgreSQL's tests too (tests/conftest.py starts one)
    session.run("python", "-m", "pytest", *STORE_TESTS, "-m", marks, *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting check (generated folders excluded)."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package and the tests; pyright's type completeness 100%."""
    install(session, "typing")
    session.run("mypy")
    # pyright --verifytypes, failing under 100% (the script says how: scripts/type_completeness.py).
    session.run("python", "scripts/type_completeness.py", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site (Sphinx, warnings are errors) into docs/_build/html."""
    install(session, "docs")
    build = "sphinx-build -W --keep-going -b html docs docs/_build/html"
    session.run(*build.split(), *session.posargs)


@nox.session(python=PYTHON)
def gen_sync(session: nox.Session) -> None:
    """Regenerate the sync twin (chattz_oauth_async/_sync, tests/_sync) from the async code."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "sync"))
    session.run("python", "scripts/gen_sync.py")


@nox.session(python=PYTHON)
def sync_check(session: nox.Session) -> None:
    """Fail if the generated sync code is stale, edited or orphaned (or a rule is dead)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "sync"))
    session.run("python", "scripts/gen_sync.py", "--check")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Run the end-to-end demo against the built-in fake provider (and its SQLite accounts)."""
    session.install(".[sqlalchemy]")
    session.run("python", "-m", "chattz_oauth_async", "demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx, httpx-oauth and Authlib (`-- --quick` for a smoke run)."""
    install(session, "bench")
    session.run("python", "benchmarks/bench.py", *session.posargs)
    if "--quick" in session.posargs:  # keep the other tools working too
        session.run("python", "benchmarks/hotpath.py", "--flows", "50", "--rounds", "1")
        session.run(
            "python",
            "benchmarks/connections.py",
            "--rounds",
            "1",
            "--flows",
            "100",
            "--concurrency",
            "20",
        )
        session.run("python", "benchmarks/stores.py", "--quick")
        session.run("python", "benchmarks/store_layers.py", "--quick")
        # --baseline .: the baseline plumbing (webapps.py --root), on this very checkout.
        session.run("python", "benchmarks/weblogin.py", "--quick", "--baseline", ".")
