"""Fixtures shared by the session's tests; generated into tests/_sync/ like them."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from chattz_oauth_async.testing import FakeChattz
from tests.helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock."""
    return FakeClock()


@pytest.fixture
def fake() -> FakeChattz:
    """A strict fake provider that approves logins at once."""
    return FakeChattz(auto_approve=True, issue_refresh_tokens=True)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connections are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
