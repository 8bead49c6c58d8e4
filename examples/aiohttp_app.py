"""An aiohttp app with "Log in with Chattz", using the framework-free core directly.

No integration module is needed: ``start_login`` + ``seal`` in /login,
``unseal`` + ``complete_login`` in /callback (about a dozen lines). The sealed
login goes in a cookie named after a hash of its state, so logins started in
several tabs all complete, and a callback whose state this browser never
started finds no cookie and is refused.

Run::

    pip install chattz_oauth_async aiohttp
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:8080/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    python examples/aiohttp_app.py       # then open http://127.0.0.1:8080/login

Tests build the app with ``create_app(chattz, secret_key)``.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import AsyncIterator

from aiohttp import web

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuthError, LoginRequest
from chattz_oauth_async.protocol import is_loopback_host

CHATTZ = web.AppKey("chattz", AsyncChattzOAuth)
SECRET_KEY = web.AppKey("secret_key", str)
MAX_AGE = 600


def cookie_name(state: str) -> str:
    """One cookie per login, named by a short one-way hash of its state."""
    return "chattz_login_" + hashlib.sha256(state.encode()).hexdigest()[:16]


async def login(request: web.Request) -> web.Response:
    """GET /login: redirect to Chattz with the sealed login in a cookie."""
    started = request.app[CHATTZ].start_login()
    response = web.Response(status=303, headers={"Location": started.url})
    response.set_cookie(
        cookie_name(started.state),
        started.seal(request.app[SECRET_KEY]),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=not (request.scheme == "http" and is_loopback_host(request.url.host)),
    )
    return response


async def callback(request: web.Request) -> web.Response:
    """GET /callback: check the state against this browser's cookie, exchange the code."""
    chattz, name = request.app[CHATTZ], cookie_name(request.query.get("state", ""))
    try:
        started = LoginRequest.unseal(request.cookies.get(name, ""), request.app[SECRET_KEY])
        token = await chattz.complete_login(request.query, started, max_age=MAX_AGE)
        user = await chattz.userinfo(token)
    except ChattzOAuthError as exc:
        response = web.Response(status=400, text=f"Login failed: {type(exc).__name__}")
    else:
        # A real app would now put user.id in its session and redirect.
        response = web.Response(text=f"Hello, {html.escape(user.display_name)}!")
    response.del_cookie(name)
    return response


def create_app(
    chattz: AsyncChattzOAuth | None = None, secret_key: str | None = None
) -> web.Application:
    """Build the app; with no ``chattz``, one is made from the environment at startup."""
    app = web.Application()
    app[SECRET_KEY] = secret_key or os.environ["APP_SECRET_KEY"]

    async def session(app: web.Application) -> AsyncIterator[None]:
        if chattz is not None:
            app[CHATTZ] = chattz
            yield
            return
        async with AsyncChattzOAuth.from_env() as own:
            app[CHATTZ] = own
            yield

    app.cleanup_ctx.append(session)
    app.router.add_get("/login", login)
    app.router.add_get("/callback", callback)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=8080)
