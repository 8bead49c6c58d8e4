"""The few lines where the account stores' async code and its sync twin truly differ.

``scripts/gen_sync.py`` renames ``async_*`` names in ``accounts/_async/`` to
their ``sync_*`` partners defined here, side by side (as
:mod:`chattz_oauth_async._synchronization` does for the session).
"""

from __future__ import annotations

from typing import Any

from .._synchronization import current_async_library
from ..errors import ConfigurationError

__all__ = [
    "async_create_all",
    "async_require_asyncio",
    "sync_create_all",
    "sync_require_asyncio",
]


async def async_create_all(connection: Any, metadata: Any) -> None:
    """``metadata.create_all`` on a SQLAlchemy ``AsyncConnection`` (it runs sync DDL)."""
    await connection.run_sync(metadata.create_all)


def sync_create_all(connection: Any, metadata: Any) -> None:
    """``metadata.create_all`` on a SQLAlchemy ``Connection``."""
    metadata.create_all(connection)


def async_require_asyncio(what: str) -> None:
    """Refuse to run ``what`` outside asyncio (SQLAlchemy's asyncio extension needs it).

    Raises:
        ConfigurationError: The running async library is trio (or another).
    """
    library = current_async_library()
    if library != "asyncio":
        raise ConfigurationError(
            f"{what} runs on asyncio only (SQLAlchemy's asyncio extension), not {library}: "
            "on trio, use the sync store through anyio.to_thread.run_sync"
        )


def sync_require_asyncio(what: str) -> None:
    """Nothing to check in the sync twin: it runs in any thread."""
