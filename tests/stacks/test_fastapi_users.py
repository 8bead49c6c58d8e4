"""Sign in with Chattz through fastapi-users' own OAuth router, against the fake provider."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.testclient import TestClient
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import (
    AuthenticationBackend,
    BearerTransport,
    JWTStrategy,
)
from fastapi_users.db import BaseUserDatabase

from chattz_oauth_async.integrations.httpx_oauth import ChattzOAuth2
from chattz_oauth_async.testing import FakeChattz

SECRET = "fastapi-users-test-secret-of-32-bytes!"
CALLBACK = "https://testserver/auth/chattz/callback"


def placeholder(chattz_id: int, key: bytes = b"test-secret") -> str:
    """The address get_id_email() gives a Chattz id (keyed on the fake's client secret)."""
    tag = hmac.new(key, str(chattz_id).encode(), hashlib.sha256).hexdigest()[:16]
    return f"chattz-{chattz_id}-{tag}@chattz.example"


@dataclasses.dataclass
class OAuthAccount:
    oauth_name: str
    access_token: str
    account_id: str
    account_email: str
    expires_at: int | None = None
    refresh_token: str | None = None
    id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


@dataclasses.dataclass
class User:
    email: str
    hashed_password: str
    is_active: bool = True
    is_superuser: bool = False
    is_verified: bool = False
    oauth_accounts: list[OAuthAccount] = dataclasses.field(default_factory=list)
    id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


class UserDatabase(BaseUserDatabase[User, uuid.UUID]):
    """fastapi-users' user database in a dict (an app would use its SQLAlchemy or Beanie one)."""

    def __init__(self) -> None:
        self.users: dict[uuid.UUID, User] = {}

    async def get(self, id: uuid.UUID) -> User | None:
        return self.users.get(id)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email.lower() == email.lower()), None)

    async def get_by_oauth_account(self, oauth: str, account_id: str) -> User | None:
        return next(
            (
                user
                for user in self.users.values()
                for account in user.oauth_accounts
                if (account.oauth_name, account.account_id) == (oauth, account_id)
            ),
            None,
        )

    async def create(self, create_dict: dict[str, Any]) -> User:
        user = User(**create_dict)
        self.users[user.id] = user
        return user

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        for name, value in update_dict.items():
            setattr(user, name, value)
        return user

    async def delete(self, user: User) -> None:
        del self.users[user.id]

    async def add_oauth_account(self, user: User, create_dict: dict[str, Any]) -> User:
        user.oauth_accounts.append(OAuthAccount(**create_dict))
        return user

    async def update_oauth_account(
        self, user: User, oauth_account: Any, update_dict: dict[str, Any]
    ) -> User:
        for name, value in update_dict.items():
            setattr(oauth_account, name, value)
        return user


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


def create_app(chattz: ChattzOAuth2, **oauth_options: Any) -> FastAPI:
    """A fastapi-users app with password sign-up and the Chattz client (defaults kept)."""
    database = UserDatabase()

    async def get_user_db() -> AsyncIterator[UserDatabase]:
        yield database

    async def get_user_manager(
        user_db: Any = Depends(get_user_db),  # noqa: B008 (FastAPI's way)
    ) -> AsyncIterator[UserManager]:
        yield UserManager(user_db)

    backend: AuthenticationBackend[User, uuid.UUID] = AuthenticationBackend(
        name="jwt",
        transport=BearerTransport(tokenUrl="auth/jwt/login"),
        get_strategy=lambda: JWTStrategy(secret=SECRET, lifetime_seconds=3600),
    )
    users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])

    app = FastAPI()
    # redirect_url: the registered redirect URI, not one built from the request.
    oauth = users.get_oauth_router(chattz, backend, SECRET, redirect_url=CALLBACK, **oauth_options)
    app.include_router(oauth, prefix="/auth/chattz")
    register = users.get_register_router(schemas.BaseUser[uuid.UUID], schemas.BaseUserCreate)
    app.include_router(register, prefix="/auth")

    @app.get("/users/me")
    async def me(user: Any = Depends(users.current_user())) -> dict[str, str]:  # noqa: B008
        return {"email": user.email, "chattz_id": user.oauth_accounts[0].account_id}

    @app.get("/login")
    async def login(request: Request) -> Response:
        """The front-end's part, as a route for the test: get the URL, then go there."""
        transport = httpx.ASGITransport(app=request.app)
        async with httpx.AsyncClient(transport=transport, base_url=str(request.base_url)) as api:
            answer = await api.get("/auth/chattz/authorize")
        response = RedirectResponse(answer.json()["authorization_url"])
        for cookie in answer.headers.get_list("set-cookie"):
            response.headers.append("set-cookie", cookie)
        return response

    return app


@pytest.fixture
def chattz_redirect_uri() -> str:
    return CALLBACK


@pytest.fixture
def chattz(chattz_env: dict[str, str]) -> ChattzOAuth2:
    return ChattzOAuth2(
        chattz_env["CHATTZ_CLIENT_ID"],
        chattz_env["CHATTZ_CLIENT_SECRET"],
        CALLBACK,
        base_url=chattz_env["CHATTZ_BASE_URL"],  # the fake; leave it out in production
    )


@pytest.fixture
def app(chattz: ChattzOAuth2) -> FastAPI:
    return create_app(chattz)


def me(client: TestClient, response: Any) -> Any:
    """The signed-in user, read with the JWT the callback answered."""
    bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return client.get("/users/me", headers=bearer).json()


def test_first_login_creates_the_user_and_the_second_finds_it(
    app: FastAPI, fake_chattz: FakeChattz
) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        first = me(client, fake_chattz.login(client, "/login"))
        second = me(client, fake_chattz.login(client, "/login"))
    assert {"email": placeholder(123), "chattz_id": "123"} == first == second


@pytest.mark.parametrize("associate_by_email", [False, True])
def test_a_chattz_user_with_someone_elses_email_gets_an_account_of_its_own(
    chattz: ChattzOAuth2, fake_chattz: FakeChattz, associate_by_email: bool
) -> None:
    """fastapi-users' default, and its takeover switch ``associate_by_email=True``."""
    app = create_app(chattz, associate_by_email=associate_by_email)
    mallory = fake_chattz.add_user(id=666, username="mallory", email="victim@example.com")
    victim = {"email": "victim@example.com", "password": "a-long-password"}
    with TestClient(app, base_url="https://testserver") as client:
        registered = client.post("/auth/register", json=victim)
        signed_in = me(client, fake_chattz.login(client, "/login", user=mallory))
    assert 201 == registered.status_code
    assert {"email": placeholder(666), "chattz_id": "666"} == signed_in


def test_a_wrong_client_secret_is_fastapis_error_answer(
    chattz_env: dict[str, str], fake_chattz: FakeChattz
) -> None:
    chattz = ChattzOAuth2(
        chattz_env["CHATTZ_CLIENT_ID"],
        "not-the-secret",
        CALLBACK,
        base_url=chattz_env["CHATTZ_BASE_URL"],
    )
    app = create_app(chattz)
    with TestClient(app, base_url="https://testserver") as client:
        response = fake_chattz.login(client, "/login")
    assert (500, True) == (response.status_code, "invalid_client" in response.json()["detail"])


def test_a_provider_error_is_fastapis_error_answer(app: FastAPI, fake_chattz: FakeChattz) -> None:
    """fastapi-users calls get_id_email() unguarded: the failure is a 502, not a crash."""
    fake_chattz.fail_next("userinfo", status=200, body=b"[]")
    with TestClient(app, base_url="https://testserver") as client:
        response = fake_chattz.login(client, "/login")
    assert (502, True) == (response.status_code, "userinfo" in response.json()["detail"])


@pytest.mark.parametrize("associate_by_email", [False, True])
def test_the_placeholder_address_cannot_be_registered_first(
    chattz: ChattzOAuth2, fake_chattz: FakeChattz, associate_by_email: bool
) -> None:
    """A squatter who registers the id's address beforehand gets nothing of the Chattz user.

    Without the keyed tag, ``chattz-123@chattz.example`` locked John out (400) or, with
    ``associate_by_email=True``, signed him in to the account whose password the squatter set.
    """
    app = create_app(chattz, associate_by_email=associate_by_email)
    squatter = {"email": "chattz-123@chattz.example", "password": "attackers-password"}
    with TestClient(app, base_url="https://testserver") as client:
        registered = client.post("/auth/register", json=squatter).status_code
        answer = fake_chattz.login(client, "/login")  # John Doe, Chattz id 123, first login
        john = me(client, answer)
    # John's own account (not the squatter's, whose address differs), not a 400.
    assert (201, 200, {"email": placeholder(123), "chattz_id": "123"}) == (
        registered,
        answer.status_code,
        john,
    )


def test_fastapis_error_answer_never_repeats_the_providers_error_description(
    app: FastAPI, fake_chattz: FakeChattz
) -> None:
    """FastAPI puts the message in the JSON ``detail``: the reason code, not Chattz's text."""
    fake_chattz.fail_next(
        "userinfo",
        status=400,
        body=b'{"error": "invalid_request", "error_description": "visit https://evil.example"}',
    )
    with TestClient(app, base_url="https://testserver") as client:
        response = fake_chattz.login(client, "/login")
    assert (502, {"detail": "Chattz userinfo failed: invalid_request"}) == (
        response.status_code,
        response.json(),
    )
