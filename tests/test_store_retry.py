"""The SQLAlchemy store's second try: only on a connection the database had closed, only once.

``once_more`` (``accounts/_async/sqlalchemy_connections.py``) is what lets an
engine without ``pool_pre_ping`` survive a database restart
(tests/test_database_restart.py restarts a real server); these
pin its rule with a stand-in for the work: a disconnect is tried once more, a
second disconnect or any other database error is raised as it came, and a
success is not repeated. Pure code around an ``await``: asyncio only.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from chattz_oauth_async.accounts._async.sqlalchemy_connections import once_more
from chattz_oauth_async.accounts._sync.sqlalchemy_connections import once_more as sync_once_more

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def closed() -> OperationalError:
    """What SQLAlchemy raises for a statement on a connection the server closed."""
    orig = Exception("server closed the connection")
    return OperationalError("UPDATE ...", {}, orig, connection_invalidated=True)


class Work:
    """Raises the given errors in turn, then answers "row"; counts its calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "row"

    async def run(self) -> str:
        return self()


async def test_a_closed_connection_is_tried_once_more(caplog: pytest.LogCaptureFixture) -> None:
    work = Work(closed())
    with caplog.at_level(logging.INFO, logger="chattz_oauth_async.accounts"):
        answer = await once_more(work.run)
    expected = ["accounts: the database closed a pooled connection (a restart?): trying again"]
    assert ("row", 2, expected) == (answer, work.calls, caplog.messages)


async def test_a_second_closed_connection_is_raised() -> None:
    second = closed()
    work = Work(closed(), second)
    with pytest.raises(OperationalError) as raised:
        await once_more(work.run)
    assert (second, 2) == (raised.value, work.calls)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("UPDATE ...", {}, Exception("deadlock detected")),
        IntegrityError("INSERT ...", {}, Exception("duplicate key")),
    ],
    ids=["operational", "integrity"],
)
async def test_another_database_error_is_not_tried_again(error: Exception) -> None:
    work = Work(error)
    with pytest.raises(type(error)) as raised:
        await once_more(work.run)
    assert (error, 1) == (raised.value, work.calls)


async def test_a_success_runs_once() -> None:
    work = Work()
    assert ("row", 1) == (await once_more(work.run), work.calls)


def test_the_sync_twin_tries_a_closed_connection_once_more() -> None:
    work = Work(closed())
    assert ("row", 2) == (sync_once_more(work), work.calls)
