"""Misused sessions get the library's ConfigurationError, not Python's TypeError; closing
behaves alike in both twins.

No network: the calls after a close go through httpx's MockTransport, so each twin is
checked once here (the async one on one asyncio.run()).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
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


def _userinfo_after(session: AsyncChattzOAuth | ChattzOAuth, close_twice: bool) -> int:
    """Close ``session`` (twice when asked), then read userinfo through it."""
    if isinstance(session, AsyncChattzOAuth):

        async def main() -> int:
            async with session:  # leaving it is the first close
                pass
            if close_twice:
                await session.aclose()
            return (await session.userinfo("AT")).id

        return asyncio.run(main())
    with session:
        pass
    if close_twice:
        session.close()
    return session.userinfo("AT").id


def _close_http_client_then_call(session: AsyncChattzOAuth | ChattzOAuth) -> str:
    """Close the session's own http_client, then call: the message of what is raised."""
    try:
        if isinstance(session, AsyncChattzOAuth):

            async def main() -> None:
                await session.http_client.aclose()
                await session.userinfo("AT")

            asyncio.run(main())
        else:
            session.http_client.close()
            session.userinfo("AT")
    except ConfigurationError as error:
        return str(error)
    return "no error"


def _over_mock(session_class: type) -> AsyncChattzOAuth | ChattzOAuth:
    answer = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"id": 9, "username": "n"})
    )
    session: AsyncChattzOAuth | ChattzOAuth = session_class(
        "client", "s3cr3t", REDIRECT, transport=answer
    )
    return session


@pytest.mark.parametrize("session_class", SESSIONS, ids=["async", "sync"])
@pytest.mark.parametrize("close_twice", [False, True], ids=["closed-once", "closed-twice"])
def test_both_twins_stay_usable_after_close(session_class: type, close_twice: bool) -> None:
    """Leaving `async with`/`with` (and closing again) closes connections only: the next call
    works, in the async session and the sync one alike."""
    assert 9 == _userinfo_after(_over_mock(session_class), close_twice)


@pytest.mark.parametrize("session_class", SESSIONS, ids=["async", "sync"])
def test_both_twins_refuse_a_call_after_their_http_client_is_closed(session_class: type) -> None:
    """Closing `http_client` itself ends the session, alike in both twins, with this message."""
    expected = (
        "this session's http_client was closed (someone called its close or aclose): "
        "build a new session; the session's own aclose()/close() keeps it open"
    )
    assert expected == _close_http_client_then_call(_over_mock(session_class))
