"""The docs' FastAPI quickstart (tests/test_examples.py runs it, and test_app.py, as shown).

Run: ``uvicorn --factory app:create_app`` with CHATTZ_CLIENT_ID, CHATTZ_CLIENT_SECRET,
CHATTZ_REDIRECT_URI (as registered on Chattz), optionally CHATTZ_BASE_URL, and
APP_SECRET_KEY set.
"""

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.middleware.sessions import SessionMiddleware

from chattz_oauth_async import AsyncChattzOAuth
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult


@asynccontextmanager
async def lifespan(app: FastAPI):
    # One session for the app, built at startup (never at import) and closed at shutdown.
    async with AsyncChattzOAuth.from_env() as chattz:
        app.state.chattz = chattz  # read by the get_chattz dependency
        yield


async def on_success(request: Request, result: LoginResult):
    # Key your accounts on result.user.id, never on the e-mail address.
    request.session["user_id"] = result.user.id
    return RedirectResponse(result.next_url or "/", status_code=303)


def create_app() -> FastAPI:
    secret_key = os.environ["APP_SECRET_KEY"]  # 32 random bytes or more
    # Secure (with the __Host- prefix) unless the redirect URI is plain http, which only a
    # loopback host may use: http://127.0.0.1:8000/callback during development.
    local = os.environ.get("CHATTZ_REDIRECT_URI", "").startswith("http:")
    app = FastAPI(lifespan=lifespan)
    app.add_middleware(
        SessionMiddleware,  # needs itsdangerous (in the [fastapi] extra)
        secret_key=secret_key,
        session_cookie="session" if local else "__Host-session",
        https_only=not local,
    )
    login = ChattzLogin(secret_key=secret_key)
    app.include_router(login.router(on_success))  # GET /login?next=/..., GET /callback

    @app.get("/")
    async def home(request: Request):
        return {"user_id": request.session.get("user_id")}

    return app
