from .session import AsyncChattzOAuth, AsyncTokenHolder

__all__ = ["AsyncChattzOAuth", "AsyncTokenHolder"]
