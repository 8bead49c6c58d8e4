"""Misused calls on the sessions get the library's ConfigurationError, not Python's TypeError.

No I/O: each twin is checked once here.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuth, ConfigurationError

SESSIONS = [AsyncChattzOAuth, ChattzOAuth]
REDIRECT = "https://app.example/cb"


def test_with_on_the_async_session_says_to_use_async_with() -> None:
    """`with AsyncChattzOAuth(...)` names `async with` and the sync twin."""
    chattz = AsyncChattzOAuth("client", "s3cr3t", REDIRECT)
    with pytest.raises(ConfigurationError) as caught, chattz:
        pass
    expected = "AsyncChattzOAuth is async: use `async with`, or ChattzOAuth in sync code"
    assert expected == str(caught.value)


def test_async_with_on_the_sync_session_says_to_use_with() -> None:
    """`async with ChattzOAuth(...)` names `with` and the async twin."""

    async def main() -> None:
        async with ChattzOAuth("client", "s3cr3t", REDIRECT):
            pass

    with pytest.raises(ConfigurationError) as caught:
        asyncio.run(main())
    expected = "ChattzOAuth is sync: use `with`, or AsyncChattzOAuth in async code"
    assert expected == str(caught.value)


@pytest.mark.parametrize("session_class", SESSIONS, ids=["async", "sync"])
def test_authorize_url_takes_state_by_position_or_by_name(session_class: type) -> None:
    """authorize_url("st") and authorize_url(state="st") build the same URL."""
    chattz = session_class("client", "s3cr3t", REDIRECT)
    by_position, by_name = chattz.authorize_url("st"), chattz.authorize_url(state="st")
    assert (by_position, ["st"]) == (by_name, parse_qs(urlsplit(by_name).query)["state"])


@pytest.mark.parametrize("session_class", SESSIONS, ids=["async", "sync"])
@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (("st",), {"state": "other"}, "authorize_url() got state twice: pass it once"),
        (("st",), {"self": "x"}, "authorize_url() takes no query parameter named 'self'"),
        ((), {"state": "st", "self": "x"}, "authorize_url() takes no query parameter named 'self'"),
        ((), {}, "state must be a non-empty string (use new_state())"),
    ],
    ids=["state-twice", "self-extra", "self-extra-state-by-name", "no-state"],
)
def test_authorize_url_misuse_is_a_configuration_error(
    session_class: type, args: tuple[str, ...], extra: dict[str, str], message: str
) -> None:
    """Each misuse raises ConfigurationError with exactly this message (was a raw TypeError)."""
    chattz = session_class("client", "s3cr3t", REDIRECT)
    with pytest.raises(ConfigurationError) as caught:
        chattz.authorize_url(*args, **extra)
    assert message == str(caught.value)
