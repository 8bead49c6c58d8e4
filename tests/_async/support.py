"""Constants and helpers shared by the session's checklist tests (tests/_async/test_*.py).

Written once for AsyncChattzOAuth; scripts/gen_sync.py generates the sync partner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from chattz_oauth_async import (
    AsyncChattzOAuth,
    ChattzOAuthError,
    RetryPolicy,
)
from chattz_oauth_async.testing import FakeChattz
from tests.rawserver import RawServer, response

CLIENT_ID = "hardening-client"
SECRET = "s3cr3t-CLIENT-secret-value"
CODE = "the-authorization-CODE-1234"
ACCESS = "AT-access-token-value-5678"
REFRESH = "RT-refresh-token-value-9012"
LOOPBACK_REDIRECT = "http://127.0.0.1/cb"
NO_RETRY = RetryPolicy(attempts=1)
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
TOKEN = {"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600}
USER = {"id": 123, "username": "johndoe", "email": "j@example.com"}


def ok_json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    """A complete JSON response for the raw server."""
    return response(status, json.dumps(data).encode(), headers)


def raw_session(server: RawServer, **kwargs: Any) -> AsyncChattzOAuth:
    """A session that talks to ``server`` over real loopback sockets."""
    kwargs.setdefault("retry", NO_RETRY)
    kwargs.setdefault("total_timeout", 5.0)
    if "http_client" not in kwargs:
        kwargs.setdefault("timeout", httpx.Timeout(2.0))
    return AsyncChattzOAuth(
        CLIENT_ID, SECRET, LOOPBACK_REDIRECT, base_url=server.base_url, **kwargs
    )


def loopback_session(server: RawServer, **kwargs: Any) -> AsyncChattzOAuth:
    """A session on ``server`` over real loopback sockets, retries off."""
    kwargs.setdefault("retry", NO_RETRY)
    return AsyncChattzOAuth(
        "client", "s3cr3t", LOOPBACK_REDIRECT, base_url=server.base_url, **kwargs
    )


def transport_session(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
) -> AsyncChattzOAuth:
    """A session that builds and owns its client over an in-process httpx.MockTransport."""
    kwargs.setdefault("retry", NO_RETRY)
    return AsyncChattzOAuth(
        CLIENT_ID,
        SECRET,
        "https://app.example/cb",
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def token_requests(fake: FakeChattz) -> int:
    """How many requests reached the fake's token endpoint."""
    return sum(1 for r in fake.requests if r.path == "/oauth/token")


def userinfo_requests(fake: FakeChattz) -> int:
    """How many requests reached the fake's userinfo endpoint."""
    return sum(1 for r in fake.requests if r.path == "/oauth/userinfo")


async def result(call: Callable[[], Any]) -> tuple[Any, Any]:
    """``("ok", value)`` awaiting ``call()`` gave, or a ChattzOAuthError's type and message."""
    try:
        return "ok", await call()
    except ChattzOAuthError as exc:
        return type(exc), str(exc)
