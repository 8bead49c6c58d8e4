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
from ._http import NO_RETRY, RetryPolicy
from .errors import (
    AuthorizationDenied,
    ChattzOAuthError,
    ConfigurationError,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidTokenError,
    LoginStateError,
    OAuthError,
    ProviderError,
    ResponseTooLargeError,
    StateMismatchError,
    TokenExpiredError,
    TransportError,
    TransportTimeout,
    UnsafeRedirectError,
)
from .models import ChattzUser, Token
from .protocol import code_challenge, new_code_verifier, new_state, parse_callback

if TYPE_CHECKING:
    from ._sync import ChattzOAuth, TokenHolder
    from .login import LoginRequest, safe_next_url

__all__ = [
    "NO_RETRY",
    "AsyncChattzOAuth",
    "AsyncTokenHolder",
    "AuthorizationDenied",
    "ChattzOAuth",
    "ChattzOAuthError",
    "ChattzUser",
    "ConfigurationError",
    "InsecureTransportError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "LoginRequest",
    "LoginStateError",
    "OAuthError",
    "ProviderError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "StateMismatchError",
    "Token",
    "TokenExpiredError",
    "TokenHolder",
    "TransportError",
    "TransportTimeout",
    "UnsafeRedirectError",
    "__version__",
    "code_challenge",
    "new_code_verifier",
    "new_state",
    "parse_callback",
    "safe_next_url",
]


def __getattr__(name: str) -> Any:
    # Loaded on first use, to keep `import chattz_oauth_async` cheap: the sync
    # twin (for apps that only use the async session), the sealed login state,
    # and the version
    # (importlib.metadata costs milliseconds).
    if name in ("ChattzOAuth", "TokenHolder"):
        from . import _sync

        return getattr(_sync, name)
    if name in ("LoginRequest", "safe_next_url"):
        from . import login

        return getattr(login, name)
    if name == "__version__":
        from importlib.metadata import version

        return version("chattz_oauth_async")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
