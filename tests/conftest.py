"""Shared test configuration: every async test runs on asyncio and on trio."""

from __future__ import annotations

import pytest

from tests.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]  # fixtures for every test module


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run each anyio-marked test on both backends."""
    return str(request.param)
