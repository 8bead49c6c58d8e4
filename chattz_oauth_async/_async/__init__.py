from .holder import AsyncTokenHolder
from .session import AsyncChattzOAuth

__all__ = ["AsyncChattzOAuth", "AsyncTokenHolder"]
