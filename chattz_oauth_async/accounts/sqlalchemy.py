"""The account store on SQLAlchemy 2, for async and sync engines.

``pip install 'chattz_oauth_async[sqlalchemy]'`` (SQLite, with aiosqlite for
async engines) or ``[postgresql]`` (psycopg 3, sync and async)::

    engine = create_async_engine("sqlite+aiosqlite:///app.db")   # or postgresql+psycopg://...
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()          # or copy `metadata` into your migrations
    accounts = AsyncAccounts(store)

:class:`SQLAlchemyStore` is the same store over a sync ``Engine``
(``create_engine("sqlite:///app.db")``), for Flask and scripts.
"""

from __future__ import annotations

from ._async.sqlalchemy_store import AsyncSQLAlchemyStore
from ._sync.sqlalchemy_store import SQLAlchemyStore
from ._tables import accounts, metadata, users

__all__ = ["AsyncSQLAlchemyStore", "SQLAlchemyStore", "accounts", "metadata", "users"]
