"""Shared test configuration: every async test runs on asyncio and on trio.

Tests marked ``slow`` (1,000 logins on four workers, four starts of the README app) are
deselected unless pytest runs with ``--slow``; CI runs them in a step of its own
(``.ci/run``) and fails if they do not run there. Every other test runs in
``python -m pytest``.
"""

from __future__ import annotations

import pytest

from tests.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]  # fixtures for every test module


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--slow``: also run the tests marked ``slow``."""
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (the 1,000-login and four-start workers tests)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``slow`` marker (markers are strict)."""
    config.addinivalue_line(
        "markers",
        "slow: minutes-long tests deselected unless pytest runs with --slow (CI runs them)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``--slow``, deselect the tests marked ``slow`` (reported as deselected)."""
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run each anyio-marked test on both backends."""
    return str(request.param)
