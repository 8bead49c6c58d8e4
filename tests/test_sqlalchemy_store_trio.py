"""The async SQLAlchemy store on trio: a typed error, not trio's raw TypeError.

SQLAlchemy's asyncio extension (and aiosqlite) run on asyncio only; the store
says so before it touches the engine. Not generated: the sync twin runs anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async import ConfigurationError
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Trio only: the case under test."""
    return "trio"


async def test_async_store_on_trio_raises_configuration_error(tmp_path: Path) -> None:
    """Every call of the async store under trio names the problem and the way out."""
    database = tmp_path / "accounts.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    store = AsyncSQLAlchemyStore(engine)
    for call in (store.create_tables, lambda: store.find(1), lambda: store.accounts_of("1")):
        with pytest.raises(ConfigurationError, match=r"asyncio only .* not trio"):
            await call()
    assert not database.exists()  # the engine never connected
