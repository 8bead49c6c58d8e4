"""Sign in with Chattz through fastapi-users' own OAuth router, against the fake provider."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stacks import need

need("fastapi_users", "fastapi_users_db_sqlalchemy", "httpx_oauth", "aiosqlite")

from fastapi import Depends, FastAPI, Request  # noqa: E402
from fastapi.responses import RedirectResponse, Response  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas  # noqa: E402
from fastapi_users.authentication import (  # noqa: E402
    AuthenticationBackend,
    BearerTransport,
    JWTStrategy,
)
from fastapi_users.db import (  # noqa: E402
    SQLAlchemyBaseOAuthAccountTableUUID,
    SQLAlchemyBaseUserTableUUID,
    SQLAlchemyUserDatabase,
)
from sqlalchemy.ext.asyncio import (  # noqa: E402
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship  # noqa: E402

from chattz_oauth_async.integrations.httpx_oauth import ChattzOAuth2  # noqa: E402
from chattz_oauth_async.testing import FakeChattz  # noqa: E402

SECRET = "fastapi-users-test-secret-of-32-bytes!"
CALLBACK = "https://testserver/auth/chattz/callback"


class Base(DeclarativeBase):
    pass


class OAuthAccount(SQLAlchemyBaseOAuthAccountTableUUID, Base):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    oauth_accounts: Mapped[list[OAuthAccount]] = relationship("OAuthAccount", lazy="joined")


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


def create_app(database_url: str, chattz: ChattzOAuth2, **oauth_options: Any) -> FastAPI:
    """A fastapi-users app with password sign-up and the Chattz client (defaults kept)."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_user_db() -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
        async with sessions() as session:
            yield SQLAlchemyUserDatabase(session, User, OAuthAccount)

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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
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
def app(tmp_path: Path, chattz: ChattzOAuth2) -> FastAPI:
    return create_app(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}", chattz)


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
    assert {"email": "chattz-123@chattz.example", "chattz_id": "123"} == first == second


@pytest.mark.parametrize("associate_by_email", [False, True])
def test_a_chattz_user_with_someone_elses_email_gets_an_account_of_its_own(
    tmp_path: Path, chattz: ChattzOAuth2, fake_chattz: FakeChattz, associate_by_email: bool
) -> None:
    """fastapi-users' default, and its takeover switch ``associate_by_email=True``."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    app = create_app(database, chattz, associate_by_email=associate_by_email)
    mallory = fake_chattz.add_user(id=666, username="mallory", email="victim@example.com")
    victim = {"email": "victim@example.com", "password": "a-long-password"}
    with TestClient(app, base_url="https://testserver") as client:
        registered = client.post("/auth/register", json=victim)
        signed_in = me(client, fake_chattz.login(client, "/login", user=mallory))
    assert 201 == registered.status_code
    assert {"email": "chattz-666@chattz.example", "chattz_id": "666"} == signed_in


def test_a_wrong_client_secret_is_fastapis_error_answer(
    tmp_path: Path, chattz_env: dict[str, str], fake_chattz: FakeChattz
) -> None:
    chattz = ChattzOAuth2(
        chattz_env["CHATTZ_CLIENT_ID"],
        "not-the-secret",
        CALLBACK,
        base_url=chattz_env["CHATTZ_BASE_URL"],
    )
    app = create_app(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}", chattz)
    with TestClient(app, base_url="https://testserver") as client:
        response = fake_chattz.login(client, "/login")
    assert (500, True) == (response.status_code, "invalid_client" in response.json()["detail"])
