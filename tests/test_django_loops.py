"""A module-level session behind Django async views served under WSGI.

Django runs an async view under WSGI through asgiref's ``async_to_sync``,
which gives every request an event loop of its own. The session must serve
request after request against a keep-alive provider, and leave no connection
open once each request's loop has ended. Django is configured here, in a
fixture, with only what these views need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chattz_oauth_async import AsyncChattzOAuth, RetryPolicy
from tests.rawserver import RawRequest, RawServer, raw_server, response

django = pytest.importorskip("django")

from django.conf import settings  # type: ignore[import-untyped]  # noqa: E402
from django.http import HttpRequest, JsonResponse  # type: ignore[import-untyped]  # noqa: E402
from django.test import Client, override_settings  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

USER = {"id": 42, "username": "django"}
TOKEN = {"access_token": "AT-django", "token_type": "Bearer", "expires_in": 3600}
SESSION: dict[str, AsyncChattzOAuth] = {}


async def me(request: HttpRequest) -> JsonResponse:
    """An async view: exchange a code and fetch the user with the module-level session."""
    chattz = SESSION["chattz"]
    token = await chattz.exchange_code("code")
    user = await chattz.userinfo(token)
    return JsonResponse({"id": user.id})


urlpatterns = [path("me", me)]


def provider(server: RawServer, conn: Any, request: RawRequest) -> None:
    """Chattz's two endpoints, answering with keep-alive."""
    body = TOKEN if request.target.startswith("/oauth/token") else USER
    conn.sendall(response(200, json.dumps(body).encode(), {"Connection": "keep-alive"}))


@pytest.fixture
def server() -> Iterator[RawServer]:
    """A keep-alive provider on loopback, and Django routed to this module's view."""
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="test-only-not-secret",
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            DATABASES={},
        )
        django.setup()
    with raw_server(provider, keep_alive=True) as running, override_settings(ROOT_URLCONF=__name__):
        SESSION["chattz"] = AsyncChattzOAuth(
            "client",
            "s3cr3t",
            "http://127.0.0.1/cb",
            base_url=running.base_url,
            retry=RetryPolicy(attempts=1),
        )
        yield running
    SESSION.clear()


def test_async_view_under_wsgi_serves_request_after_request(server: RawServer) -> None:
    """Three requests, each on its own loop, all succeed and leave no connection open."""
    client = Client()
    answers = [client.get("/me") for _ in range(3)]
    assert ([200] * 3, [{"id": 42}] * 3, 0) == (
        [answer.status_code for answer in answers],
        [answer.json() for answer in answers],
        server.wait_until_closed(),
    )
