"""pytest fixtures for testing code that signs users in with Chattz.

Installing chattz_oauth_async registers this plugin through the ``pytest11``
entry point, so the fixtures are available with no conftest:

- ``fake_chattz``: a fresh :class:`~chattz_oauth_async.testing.FakeChattz`.
- ``chattz_session``: an :class:`~chattz_oauth_async.AsyncChattzOAuth` wired
  to ``fake_chattz`` in-process, closed after the test. It is an async
  fixture: use it from tests run by anyio's pytest plugin
  (``@pytest.mark.anyio``).
- ``sync_chattz_session``: the same as a :class:`~chattz_oauth_async.ChattzOAuth`.

Example::

    import pytest

    @pytest.mark.anyio
    async def test_login(fake_chattz, chattz_session):
        login = chattz_session.start_login()
        token = await chattz_session.complete_login(fake_chattz.authorize(login.url), login)
        assert "johndoe" == (await chattz_session.userinfo(token)).username
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from .._async.session import AsyncChattzOAuth
from .._sync.session import ChattzOAuth
from ._fake import FakeChattz

__all__ = ["chattz_session", "fake_chattz", "sync_chattz_session"]


@pytest.fixture
def fake_chattz() -> FakeChattz:
    """A fresh fake Chattz provider for this test."""
    return FakeChattz()


@pytest.fixture
async def chattz_session(
    fake_chattz: FakeChattz, anyio_backend: object
) -> AsyncIterator[AsyncChattzOAuth]:
    """An AsyncChattzOAuth talking to ``fake_chattz`` in-process; closed after the test."""
    session = fake_chattz.session()
    try:
        yield session
    finally:
        await session.aclose()


@pytest.fixture
def sync_chattz_session(fake_chattz: FakeChattz) -> Iterator[ChattzOAuth]:
    """A ChattzOAuth talking to ``fake_chattz`` in-process; closed after the test."""
    with fake_chattz.sync_session() as session:
        yield session
