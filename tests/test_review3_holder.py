"""Review 3: the sync TokenHolder refuses an async ``on_update`` when it is built.

It accepted one and found out after its first refresh: the refresh had been made (with
a rotating provider the old refresh token is then dead), ``on_update`` returned a
coroutine it cannot await, and the holder raised ConfigurationError instead of
persisting the new token: after a restart the saved, rotated-away refresh token no
longer works and the user must log in again. Pure construction checks: tested once.
"""

from __future__ import annotations

from typing import Any

import pytest

from chattz_oauth_async import (
    AsyncChattzOAuth,
    AsyncTokenHolder,
    ConfigurationError,
    Token,
    TokenHolder,
)
from chattz_oauth_async.testing import FakeChattz


async def save_async(token: Token) -> None:
    """An async hook: fine for AsyncTokenHolder, never awaited by TokenHolder."""


class AsyncCallable:
    """A callable object whose __call__ is a coroutine function."""

    async def __call__(self, token: Token) -> None:
        """Save the token (async)."""


@pytest.mark.parametrize("hook", [save_async, AsyncCallable()], ids=["function", "object"])
def test_the_sync_holder_refuses_an_async_on_update_before_any_refresh(hook: Any) -> None:
    """ConfigurationError naming on_update at construction; nothing sent to Chattz."""
    fake = FakeChattz(issue_refresh_tokens=True)
    with fake.sync_session() as session, pytest.raises(ConfigurationError) as caught:
        TokenHolder(session, Token("a", refresh_token="r", expires_at=0.0), on_update=hook)
    assert (True, []) == ("on_update" in str(caught.value), fake.requests)


def test_the_async_holder_takes_an_async_on_update() -> None:
    """AsyncTokenHolder awaits an async hook: built without complaint."""
    session = AsyncChattzOAuth("client", "secret", "https://app.example/callback")
    holder = AsyncTokenHolder(session, Token("a"), on_update=save_async)
    assert save_async is holder._on_update
