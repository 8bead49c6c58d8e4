"""The async SQLAlchemy store on trio: a typed error, not trio's raw TypeError.

SQLAlchemy's asyncio extension (and aiosqlite) run on asyncio only; the store
says so before it touches the engine. Not generated: the sync twin runs anywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async import ConfigurationError
from chattz_oauth_async.accounts import Profile
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore

pytestmark = pytest.mark.anyio

NOW = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)


@pytest.fixture
def anyio_backend() -> str:
    """Trio only: the case under test."""
    return "trio"


async def test_async_store_on_trio_raises_configuration_error(tmp_path: Path) -> None:
    """Every call of the async store under trio names the problem and the way out."""
    database = tmp_path / "accounts.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    store = AsyncSQLAlchemyStore(engine)
    profile = Profile(5, "john")
    calls = (
        store.create_tables,
        lambda: store.find(1),
        lambda: store.accounts_of("1"),
        lambda: store.sign_in_once(profile, NOW, user_id=None, session=None, signups=True),
        lambda: store.session_account("1", 5),
    )
    for call in calls:
        with pytest.raises(ConfigurationError, match=r"asyncio only .* not trio"):
            await call()
    assert not database.exists()  # the engine never connected
