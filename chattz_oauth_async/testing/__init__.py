"""A fake Chattz provider for testing code that signs users in with Chattz.

Example::

    from chattz_oauth_async.testing import FakeChattz

    async def test_login() -> None:
        fake = FakeChattz()
        async with fake.session() as chattz:
            login = chattz.start_login()
            callback = fake.authorize(login.url)   # the user clicks "Allow"
            token = await chattz.complete_login(callback, login)
            assert "johndoe" == (await chattz.userinfo(token)).username

To test a whole web app, let its session talk to the fake (in-process with
:meth:`FakeChattz.session`, or over loopback with the ``chattz_env`` fixture)
and drive its own login route with its test client::

    response = fake_chattz.login(client, "/login")          # sync test clients
    response = await fake_chattz.alogin(client, "/login")   # httpx.AsyncClient, aiohttp
    fake_chattz.logout(client, "/logout", from_page="/account")   # click "Log out"

With the package installed, pytest also gets the ``fake_chattz``,
``chattz_redirect_uri``, ``chattz_env``, ``chattz_session`` and
``sync_chattz_session`` fixtures (see
:mod:`chattz_oauth_async.testing.pytest_plugin`).

Importing :mod:`chattz_oauth_async` does not import this module.
"""

from __future__ import annotations

from ._fake import FakeChattz
from ._pages import parse_form
from ._server import FakeServer
from ._values import ErrorPage, FakeClient, FakeResponse, FakeUser, RecordedRequest

__all__ = [
    "ErrorPage",
    "FakeChattz",
    "FakeClient",
    "FakeResponse",
    "FakeServer",
    "FakeUser",
    "RecordedRequest",
    "parse_form",
]
