"""Checked by mypy only (CI's ``mypy``; pytest does not collect it): wrong clients are type errors.

Each wrong call carries a ``type: ignore`` for the error mypy must report;
the project's strict mypy fails on an ignore that is no longer needed, so if
a wrong argument ever type-checks again, the typecheck fails. None of this
depends on httpx2 being installed: the session's argument types are protocols.
"""

from __future__ import annotations

import httpx

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth


def wrong_arguments_are_type_errors() -> None:
    """Never called: the calls below exist to be type-checked."""
    AsyncChattzOAuth("id", "secret", "https://app.example/cb", http_client="nope")  # type: ignore[arg-type]
    AsyncChattzOAuth("id", "secret", "https://app.example/cb", http_client=httpx.Client())  # type: ignore[arg-type]
    ChattzOAuth("id", "secret", "https://app.example/cb", http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    AsyncChattzOAuth.from_env(pcke=True)  # type: ignore[call-arg]
    ChattzOAuth.from_env(pcke=True)  # type: ignore[call-arg]
    AsyncChattzOAuth.from_env(http="requests")  # type: ignore[arg-type]


def right_arguments_type_check() -> None:
    """Never called: the calls below must type-check without an ignore."""
    AsyncChattzOAuth("id", "secret", "https://app.example/cb", http_client=httpx.AsyncClient())
    ChattzOAuth("id", "secret", "https://app.example/cb", http_client=httpx.Client())
    AsyncChattzOAuth.from_env(pkce=True, http="httpx2", timeout=3.0)
    ChattzOAuth.from_env(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
