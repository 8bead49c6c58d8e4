"""pytest fixtures for testing code and web apps that sign users in with Chattz.

Installing chattz_oauth_async registers this plugin through the ``pytest11``
entry point, so the fixtures are available with no conftest:

- ``fake_chattz``: a fresh :class:`~chattz_oauth_async.testing.FakeChattz`
  whose client is registered with ``chattz_redirect_uri``.
- ``chattz_redirect_uri``: the redirect URI of that client,
  ``http://127.0.0.1:8000/callback``; override it in your conftest to match
  your app's callback route (only its path matters to ``fake_chattz.login``).
- ``chattz_env``: serves ``fake_chattz`` itself on loopback for the test and
  sets ``CHATTZ_CLIENT_ID``, ``CHATTZ_CLIENT_SECRET``,
  ``CHATTZ_REDIRECT_URI`` and ``CHATTZ_BASE_URL``, for apps that build their
  session with ``from_env()``. It yields the variables it set.
- ``chattz_settings``: the same for a Django project under pytest-django:
  serves ``fake_chattz`` and sets ``CHATTZ_CLIENT_ID``,
  ``CHATTZ_CLIENT_SECRET``, ``CHATTZ_REDIRECT_URI`` and ``CHATTZ_BASE_URL``
  through pytest-django's ``settings`` fixture, the redirect URI on Django's
  test client host (``https://testserver`` plus the path of your URL named
  ``chattz-callback``), so the settings module needs no ``CHATTZ_*``
  variables in the environment. It yields the settings it set.
- ``chattz_session``: an :class:`~chattz_oauth_async.AsyncChattzOAuth` wired
  to ``fake_chattz`` in-process, closed after the test.
- ``sync_chattz_session``: the same as a :class:`~chattz_oauth_async.ChattzOAuth`.

Every fixture is a plain (sync) fixture, so they work the same under anyio's
pytest plugin (``@pytest.mark.anyio``) and under pytest-asyncio in strict or
auto mode (``@pytest.mark.asyncio``), with no warnings.

Example::

    import pytest

    @pytest.mark.anyio
    async def test_login(fake_chattz, chattz_session):
        login = chattz_session.start_login()
        token = await chattz_session.complete_login(fake_chattz.authorize(login.url), login)
        assert "johndoe" == (await chattz_session.userinfo(token)).username
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from .._async.session import AsyncChattzOAuth
from .._sync.session import ChattzOAuth
from ._fake import FakeChattz

__all__ = [
    "chattz_env",
    "chattz_redirect_uri",
    "chattz_session",
    "chattz_settings",
    "fake_chattz",
    "sync_chattz_session",
]


@pytest.fixture
def chattz_redirect_uri() -> str:
    """The redirect URI registered for ``fake_chattz``'s client; override it to match your app."""
    return "http://127.0.0.1:8000/callback"


@pytest.fixture
def fake_chattz(chattz_redirect_uri: str) -> FakeChattz:
    """A fresh fake Chattz provider for this test, its client on ``chattz_redirect_uri``."""
    return FakeChattz(redirect_uri=chattz_redirect_uri)


@pytest.fixture
def chattz_env(
    fake_chattz: FakeChattz, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """``fake_chattz`` served on loopback, with the CHATTZ_* variables of ``from_env()`` set."""
    with _served(fake_chattz) as variables:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        yield variables


#: The URL name docs/frameworks/django.md gives the callback view.
_DJANGO_CALLBACK_NAME = "chattz-callback"
#: Django's test ``Client`` host, over https (the library refuses plain http off loopback).
_DJANGO_TEST_ORIGIN = "https://testserver"


@pytest.fixture
def chattz_settings(
    fake_chattz: FakeChattz, chattz_redirect_uri: str, request: pytest.FixtureRequest
) -> Iterator[dict[str, str]]:
    """Django's CHATTZ_* settings pointed at ``fake_chattz``, served on loopback (pytest-django).

    The redirect URI is ``https://testserver`` (Django's test client) plus the
    path of the URL named ``chattz-callback``, or ``chattz_redirect_uri``
    when your URLconf has no such name; the fake's client is registered with
    it. The settings are set through pytest-django's ``settings`` fixture,
    which restores them after the test.
    """
    try:
        settings = request.getfixturevalue("settings")
    except pytest.FixtureLookupError:
        pytest.fail(
            "chattz_settings sets Django's settings through pytest-django's `settings` "
            "fixture: install pytest-django (pip install pytest-django) and set "
            "DJANGO_SETTINGS_MODULE in your pytest configuration",
            pytrace=False,
        )
    client = fake_chattz.client
    redirect_uri = _django_redirect_uri(chattz_redirect_uri)
    if redirect_uri != client.redirect_uri:
        fake_chattz.client = fake_chattz.add_client(
            client.client_id, client.client_secret, redirect_uri
        )
    with _served(fake_chattz) as variables:
        for name, value in variables.items():
            setattr(settings, name, value)
        yield variables


def _django_redirect_uri(fallback: str) -> str:
    """``https://testserver`` plus the callback view's path, or ``fallback`` without one."""
    from django.urls import NoReverseMatch, reverse  # type: ignore[import-untyped]

    try:
        path: str = reverse(_DJANGO_CALLBACK_NAME)
    except NoReverseMatch:
        return fallback
    return _DJANGO_TEST_ORIGIN + path


@contextmanager
def _served(fake: FakeChattz) -> Iterator[dict[str, str]]:
    """Serve ``fake`` on loopback; yield the CHATTZ_* values that reach it."""
    with fake.serve() as server:
        client = fake.client
        yield {
            "CHATTZ_CLIENT_ID": client.client_id,
            "CHATTZ_CLIENT_SECRET": client.client_secret,
            "CHATTZ_REDIRECT_URI": client.redirect_uri,
            "CHATTZ_BASE_URL": server.base_url,
        }


@pytest.fixture
def chattz_session(fake_chattz: FakeChattz) -> Iterator[AsyncChattzOAuth]:
    """An AsyncChattzOAuth talking to ``fake_chattz`` in-process; closed after the test."""
    client = httpx.AsyncClient(transport=fake_chattz.transport())
    yield fake_chattz.session(http_client=client)
    _close_in_process(client)


@pytest.fixture
def sync_chattz_session(fake_chattz: FakeChattz) -> Iterator[ChattzOAuth]:
    """A ChattzOAuth talking to ``fake_chattz`` in-process; closed after the test."""
    with fake_chattz.sync_session() as session:
        yield session


def _close_in_process(client: httpx.AsyncClient) -> None:
    """Close an async client over the fake's in-process transport, outside any event loop.

    A sync fixture needs no async plugin (so anyio's and pytest-asyncio's, in
    any mode, all accept it), and closing this client never waits: its
    transport holds no connection, so the coroutine ends at its first step.
    """
    closing = client.aclose()
    try:
        closing.send(None)
    except StopIteration:
        return
    closing.close()
    raise RuntimeError("closing the in-process client waited, which it never should")
