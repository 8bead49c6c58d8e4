"""Sign users in with Chattz over OAuth 2.0: an async client on httpx, with a sync twin.

Example::

    from chattz_oauth_async import AsyncChattzOAuth

    async with AsyncChattzOAuth(client_id, client_secret, redirect_uri) as chattz:
        login = chattz.start_login()
        ...  # redirect the browser to login.url, keep login.seal(key) in a cookie
        token = await chattz.complete_login(callback_query, login)
        user = await chattz.userinfo(token)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._async import AsyncChattzOAuth, AsyncTokenHolder
from ._http import RetryPolicy
from .errors import (
    AccountError,
    AccountLinkedElsewhere,
    AccountStoreError,
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    InactiveUser,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidTokenError,
    LinkRefused,
    LoginStateError,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    SignupsClosed,
    StateMismatchError,
    TokenExpiredError,
    TransportError,
    TransportTimeout,
    UnlinkRefused,
    UnsafeRedirectError,
)
from .login import LoginRequest
from .models import ChattzUser, Token

if TYPE_CHECKING:
    from ._sync import ChattzOAuth, TokenHolder

__all__ = [
    "AccountError",
    "AccountLinkedElsewhere",
    "AccountStoreError",
    "AsyncChattzOAuth",
    "AsyncTokenHolder",
    "AuthorizationDenied",
    "ChattzOAuth",
    "ChattzOAuthError",
    "ChattzUser",
    "ConfigurationError",
    "InactiveUser",
    "InsecureTransportError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "LinkRefused",
    "LoginRequest",
    "LoginStateError",
    "OAuthError",
    "ProviderError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SignupsClosed",
    "StateMismatchError",
    "Token",
    "TokenExpiredError",
    "TokenHolder",
    "TransportError",
    "TransportTimeout",
    "UnlinkRefused",
    "UnsafeRedirectError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Loaded on first use, measured with `python -X importtime` (median of 15
    # runs on a loaded 2-core machine, where the package took 650 ms): the sync
    # twin costs 12 ms and apps that use the async session never need it;
    # importlib.metadata, read only for __version__, costs 24 ms.
    if name in ("ChattzOAuth", "TokenHolder"):
        from . import _sync

        return getattr(_sync, name)
    if name == "__version__":
        from importlib.metadata import version

        return version("chattz_oauth_async")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
