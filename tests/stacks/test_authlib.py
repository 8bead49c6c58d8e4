"""The Authlib recipe of docs/migrating.md: a Starlette app signing in through the fake."""

from __future__ import annotations

import os

import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from chattz_oauth_async import ChattzOAuthError
from chattz_oauth_async.protocol import DEFAULT_BASE_URL, parse_userinfo_response
from chattz_oauth_async.testing import FakeChattz


def create_app() -> Starlette:
    base_url = os.environ.get("CHATTZ_BASE_URL", DEFAULT_BASE_URL)
    oauth = OAuth()
    oauth.register(
        "chattz",
        client_id=os.environ["CHATTZ_CLIENT_ID"],
        client_secret=os.environ["CHATTZ_CLIENT_SECRET"],
        authorize_url=f"{base_url}/oauth/authorize",
        access_token_url=f"{base_url}/oauth/token",
        api_base_url=f"{base_url}/",
        # Chattz reads the secret from the form body; Authlib's default is HTTP Basic.
        client_kwargs={"token_endpoint_auth_method": "client_secret_post"},
    )

    async def login(request: Request) -> Response:
        # The registered redirect URI, not request.url_for(...): behind a TLS proxy
        # that turns into http://.
        redirect_uri = os.environ["CHATTZ_REDIRECT_URI"]
        response: Response = await oauth.chattz.authorize_redirect(request, redirect_uri)
        return response

    async def callback(request: Request) -> Response:
        try:
            token = await oauth.chattz.authorize_access_token(request)
            answer = await oauth.chattz.get("oauth/userinfo", token=token)
            # The library's parser: a typed error for a malformed answer, no KeyError.
            user = parse_userinfo_response(answer.status_code, answer.content, answer.headers)
        except (OAuthError, ChattzOAuthError) as exc:  # Authlib's errors, and the library's
            return PlainTextResponse(f"Login failed: {type(exc).__name__}", status_code=502)
        request.session.clear()
        request.session["chattz_id"] = user.id  # key accounts on the id, never the e-mail
        return RedirectResponse("/me", status_code=303)

    async def me(request: Request) -> Response:
        return PlainTextResponse(f"chattz id {request.session.get('chattz_id')}")

    routes = [Route("/login", login), Route("/callback", callback), Route("/me", me)]
    app = Starlette(routes=routes)
    app.add_middleware(SessionMiddleware, secret_key=os.environ["APP_SECRET_KEY"])
    return app


@pytest.fixture(autouse=True)
def app_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_SECRET_KEY", "an-authlib-recipe-test-key-32-bytes")


def test_authlib_recipe_logs_in_with_client_secret_post(
    fake_chattz: FakeChattz, chattz_env: dict[str, str]
) -> None:
    with TestClient(create_app(), base_url="https://testserver") as client:
        page = fake_chattz.login(client, "/login")
    token_request = next(r for r in fake_chattz.requests if r.path == "/oauth/token")
    assert ("chattz id 123", "test-secret", None) == (
        page.text,
        token_request.form.get("client_secret"),
        token_request.headers.get("authorization"),
    )


def test_authlib_recipe_answers_a_malformed_userinfo_with_its_error_page(
    fake_chattz: FakeChattz, chattz_env: dict[str, str]
) -> None:
    fake_chattz.fail_next("userinfo", status=200, body=b'{"username": "no id"}')
    with TestClient(create_app(), base_url="https://testserver") as client:
        page = fake_chattz.login(client, "/login")
    assert (502, "Login failed: ProviderError") == (page.status_code, page.text)


def test_authlib_recipe_answers_a_wrong_secret_with_its_error_page(
    fake_chattz: FakeChattz, chattz_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHATTZ_CLIENT_SECRET", "not-the-secret")
    with TestClient(create_app(), base_url="https://testserver") as client:
        page = fake_chattz.login(client, "/login")
    assert (502, "Login failed: OAuthError") == (page.status_code, page.text)
