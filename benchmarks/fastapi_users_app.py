"""The fastapi-users contender of ``weblogin.py``: its OAuth router as its documentation sets it up.

fastapi-users 15 with ``fastapi-users-db-sqlalchemy``: a ``User`` table and an
``OAuthAccount`` table (UUID ids), ``SQLAlchemyUserDatabase`` on an
``async_sessionmaker``, a cookie transport with a JWT strategy, and
``get_oauth_router`` on httpx-oauth's generic ``OAuth2`` client (its
``get_id_email`` reads the provider's userinfo, as a user must write it for a
provider httpx-oauth does not ship). A linking login is fastapi-users'
``get_oauth_associate_router`` (a signed-in user adds an OAuth account); the
fake registers one redirect URI per client, so that router has its own client
id (``<client id>-link``). As shipped, httpx-oauth makes a new
``httpx.AsyncClient`` per call, and a first login hashes a random password.

Imported by ``webapps.py`` in the interpreter given to ``weblogin.py
--fastapi-users-python`` (fastapi-users-db-sqlalchemy needs SQLAlchemy < 2.1,
so it usually lives in a venv of its own).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations.
import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, CookieTransport, JWTStrategy
from fastapi_users_db_sqlalchemy import (
    SQLAlchemyBaseOAuthAccountTableUUID,
    SQLAlchemyBaseUserTableUUID,
    SQLAlchemyUserDatabase,
)
from httpx_oauth.oauth2 import OAuth2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship


class Base(DeclarativeBase):
    pass


class OAuthAccount(SQLAlchemyBaseOAuthAccountTableUUID, Base):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    oauth_accounts: Mapped[list[OAuthAccount]] = relationship("OAuthAccount", lazy="joined")


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class ChattzOAuth2(OAuth2):
    """httpx-oauth's generic client, with the userinfo call Chattz needs."""

    def __init__(self, userinfo_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.userinfo_url = userinfo_url

    async def get_id_email(self, token: str) -> tuple[str, str | None]:
        async with self.get_httpx_client() as client:
            answer = await client.get(
                self.userinfo_url, headers={"Authorization": f"Bearer {token}"}
            )
            answer.raise_for_status()
            user = answer.json()
            return str(user["id"]), user.get("email")


def build(args: argparse.Namespace) -> Any:
    """The app: fastapi-users' OAuth login and associate routers on the served fake."""
    secret = args.secret_key
    engine = create_async_engine(args.database)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_async_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    async def get_user_db(
        session: AsyncSession = Depends(get_async_session),  # noqa: B008
    ) -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
        yield SQLAlchemyUserDatabase(session, User, OAuthAccount)

    class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
        reset_password_token_secret = secret
        verification_token_secret = secret

    async def get_user_manager(
        user_db: SQLAlchemyUserDatabase[User, uuid.UUID] = Depends(get_user_db),  # noqa: B008
    ) -> AsyncIterator[UserManager]:
        yield UserManager(user_db)

    def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
        return JWTStrategy(secret=secret, lifetime_seconds=3600)

    backend = AuthenticationBackend(
        name="cookie",
        transport=CookieTransport(cookie_max_age=3600, cookie_secure=False),
        get_strategy=get_jwt_strategy,
    )
    users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])

    def client(client_id: str) -> ChattzOAuth2:
        return ChattzOAuth2(
            args.fake + "/oauth/userinfo",
            client_id,
            args.client_secret,
            args.fake + "/oauth/authorize",
            args.fake + "/oauth/token",
            name="chattz",
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.include_router(
        users.get_oauth_router(
            client(args.client_id),
            backend,
            secret,
            redirect_url=args.redirect_uri,
            csrf_token_cookie_secure=False,
        ),
        prefix="/auth/chattz",
    )
    app.include_router(
        users.get_oauth_associate_router(
            client(args.client_id + "-link"),
            UserRead,
            secret,
            redirect_url=args.redirect_uri.replace("/auth/chattz/", "/auth/associate/chattz/"),
            csrf_token_cookie_secure=False,
        ),
        prefix="/auth/associate/chattz",
    )
    return app
