"""The "no Chattz session" error names the likely cause in tests: TestClient(app) without `with`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from chattz_oauth_async import ConfigurationError
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult
from chattz_oauth_async.testing import FakeChattz

NO_SESSION = (
    "no Chattz session: app.state.chattz is not set. Set it in the app's lifespan "
    "(async with AsyncChattzOAuth.from_env() as chattz: app.state.chattz = chattz). "
    "In a test, the likely cause is TestClient(app) used without `with`: only "
    "`with TestClient(app) as client:` runs the lifespan"
)


def build_app(fake: FakeChattz) -> Starlette:
    """The README's shape: the session is made in the lifespan, the routes read app.state."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with fake.session() as chattz:
            app.state.chattz = chattz
            yield

    def signed_in(request: Request, result: LoginResult) -> Response:
        return PlainTextResponse(result.user.username)

    login = ChattzLogin(secret_key="k" * 32, secure=False)
    return Starlette(routes=login.routes(signed_in), lifespan=lifespan)


def test_test_client_without_with_gets_the_likely_cause() -> None:
    """TestClient(app) without `with` skips the lifespan: the error says so, word for word."""
    client = TestClient(build_app(FakeChattz()))
    with pytest.raises(ConfigurationError) as caught:
        client.get("/login", follow_redirects=False)
    assert NO_SESSION == str(caught.value)


def test_test_client_with_with_runs_the_lifespan_and_logs_in() -> None:
    """The fix the message names works: inside `with TestClient(app)`, /login redirects."""
    fake = FakeChattz()
    with TestClient(build_app(fake)) as client:
        response = client.get("/login", follow_redirects=False)
    assert (303, True) == (
        response.status_code,
        response.headers["location"].startswith("https://chattz.test/oauth/authorize?"),
    )
