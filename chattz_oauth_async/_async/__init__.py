"""The session and its token holder (``_sync/`` is generated from ``_async/``)."""

from .holder import AsyncTokenHolder
from .session import AsyncChattzOAuth

__all__ = ["AsyncChattzOAuth", "AsyncTokenHolder"]
