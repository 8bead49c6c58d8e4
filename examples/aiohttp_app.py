"""An aiohttp app with "Log in with Chattz", using the framework-free core directly.

No framework helper is needed: ``start_login`` in /login, ``complete_login``
in /callback, and the framework-neutral
:mod:`chattz_oauth_async.integrations.cookies` for the sealed login cookie
(one per login, so several tabs all complete; a callback whose state this
browser never started finds no cookie and is refused; Secure with the
``__Host-`` prefix except on plain-http loopback).

Run::

    pip install chattz_oauth_async aiohttp
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:8080/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    python examples/aiohttp_app.py       # then open http://127.0.0.1:8080/login

Tests build the app with ``create_app(chattz, secret_key)``.
"""

from __future__ import annotations

import html
import os
from collections.abc import AsyncIterator, Iterable

from aiohttp import web

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuthError
from chattz_oauth_async.integrations.cookies import LoginCookies, SetCookie

CHATTZ = web.AppKey("chattz", AsyncChattzOAuth)
COOKIES = web.AppKey("cookies", LoginCookies)


def set_cookies(response: web.StreamResponse, cookies: Iterable[SetCookie]) -> None:
    """Copy the login cookies onto the response."""
    for cookie in cookies:
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)


async def login(request: web.Request) -> web.Response:
    """GET /login: redirect to Chattz with the sealed login in a cookie."""
    cookies = request.app[COOKIES]
    started = request.app[CHATTZ].start_login()
    response = web.Response(status=303, headers={"Location": started.url})
    secure = cookies.is_secure(str(request.url))
    set_cookies(response, cookies.start(started, request.cookies, secure=secure))
    return response


async def callback(request: web.Request) -> web.Response:
    """GET /callback: check the state against this browser's cookie, exchange the code."""
    chattz, cookies = request.app[CHATTZ], request.app[COOKIES]
    states, secure = request.query.getall("state", []), cookies.is_secure(str(request.url))
    try:
        started = cookies.read(states, request.cookies, secure=secure)
        token = await chattz.complete_login(request.query, started, max_age=cookies.max_age)
        user = await chattz.userinfo(token)
    except ChattzOAuthError as exc:
        response = web.Response(status=400, text=f"Login failed: {type(exc).__name__}")
    else:
        # A real app would now put user.id in its session and redirect.
        response = web.Response(text=f"Hello, {html.escape(user.display_name)}!")
    set_cookies(response, cookies.clear(states, request.cookies, secure=secure))
    return response


def create_app(
    chattz: AsyncChattzOAuth | None = None,
    secret_key: str | None = None,
    *,
    secure_cookies: bool | None = None,
) -> web.Application:
    """Build the app; with no ``chattz``, one is made from the environment at startup.

    ``secure_cookies=False`` is only for tests over plain http to a non-loopback host.
    """
    app = web.Application()
    key = secret_key or os.environ["APP_SECRET_KEY"]
    app[COOKIES] = LoginCookies(key, secure=secure_cookies)

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
