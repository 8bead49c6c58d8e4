"""The database going away, outside the callback: require_account, current_account, POST /login.

Each answers as the callback does: 503 "Sign-in is not available" while the
database is away (500 "misconfigured" for a missing table), logged once; never a
raw 500 traceback. Asyncio only (aiosqlite).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async import AccountStoreError
from chattz_oauth_async.accounts import AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.testing import FakeChattz
from tests.test_starlette_accounts import OWN_PAGE, build_site

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Asyncio only: aiosqlite."""
    return "asyncio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncSQLAlchemyStore]:
    """A SQLAlchemy store on a fresh SQLite file, its tables created."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'accounts.db'}")
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    yield store
    await engine.dispose()


async def ask(browser: httpx.AsyncClient) -> list[tuple[int, str]]:
    """GET / (current_account), GET /private (require_account), POST /login (a link)."""
    answers = [
        await browser.get("/"),
        await browser.get("/private"),
        await browser.post("/login", headers=OWN_PAGE),
    ]
    return [(answer.status_code, answer.text) for answer in answers]


@pytest.mark.parametrize(
    ("failure", "status", "title", "level"),
    [
        (
            AccountStoreError("lost", transient=True, cause="SQLSTATE 57P01"),
            503,
            "Sign-in is not available",
            logging.WARNING,
        ),
        (
            AccountStoreError("gone", transient=False, cause="no such table: chattz_accounts"),
            500,
            "Sign-in is misconfigured",
            logging.ERROR,
        ),
    ],
    ids=["restarting", "missing-table"],
)
async def test_the_database_going_away_is_the_callbacks_answer_everywhere(
    store: AsyncSQLAlchemyStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: AccountStoreError,
    status: int,
    title: str,
    level: int,
) -> None:
    """Signed in, then the database fails: the callback's status and title, one record each."""
    fake = FakeChattz()
    async with (
        fake.session() as chattz,
        build_site(chattz, AsyncAccounts(store)).browser() as browser,
    ):
        await fake.alogin(browser, "/login")

        async def down(*args: object, **kwargs: object) -> None:
            # A new error each call, as a store raises: each request is one record.
            raise AccountStoreError(str(failure), transient=failure.transient, cause=failure.cause)

        monkeypatch.setattr(store, "find", down)
        monkeypatch.setattr(store, "session_account", down)  # the session check's one SELECT
        caplog.set_level(logging.INFO)
        answers = await ask(browser)
    records = [r for r in caplog.records if r.name.startswith("chattz_oauth_async")]
    assert ([status] * 3, [True] * 3, [level] * 3) == (
        [code for code, _ in answers],
        [title in text for _, text in answers],
        [r.levelno for r in records],
    )
