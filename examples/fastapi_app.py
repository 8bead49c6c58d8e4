"""A FastAPI app with "Log in with Chattz", using chattz_oauth_async.integrations.starlette.

Run against Chattz::

    pip install 'chattz_oauth_async[starlette]' fastapi uvicorn
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:8000/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    uvicorn --factory examples.fastapi_app:create_app --host 127.0.0.1 --port 8000

Run against the fake provider (no Chattz account needed)::

    python examples/fastapi_app.py --fake      # then open http://127.0.0.1:8000/

Routes: ``/`` (a "Log in with Chattz" link, or "Hello, <name>"), ``/login`` and
``/callback`` (the redirect URI) from ``ChattzLogin.router()``, ``POST /logout``.
The session is built in the lifespan, never at import. After login the app
keeps the user's id and display name in its own signed session cookie (stdlib
HMAC; ``__Host-session`` whenever it is Secure); it never stores the access
token in the browser.

Tests and the browser test build the app with ``create_app(chattz, secret_key)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuthError, ConfigurationError
from chattz_oauth_async.integrations.starlette import ChattzLogin, LoginResult

SESSION_MAX_AGE = 7 * 24 * 3600


# --- a minimal signed session cookie (stdlib only) ----------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(secret_key: str, payload: str) -> str:
    # A key of its own, so a session cookie can never pass for a login cookie.
    key = hashlib.sha256(b"fastapi example session\x00" + secret_key.encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign_session(data: dict[str, Any], secret_key: str) -> str:
    """Encode ``data`` (plus an expiry) into a signed cookie value."""
    body = json.dumps({**data, "exp": int(time.time()) + SESSION_MAX_AGE}).encode()
    payload = _b64(body)
    return f"{payload}.{_mac(secret_key, payload)}"


def read_session(value: str | None, secret_key: str) -> dict[str, Any] | None:
    """Decode a cookie made by :func:`sign_session`; None if absent, forged or expired."""
    payload, _, mac = (value or "").partition(".")
    if not payload or not mac.isascii() or not hmac.compare_digest(_mac(secret_key, payload), mac):
        return None
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if not isinstance(data, dict) or not data.get("exp", 0) > time.time():
        return None
    return data


# --- pages ----------------------------------------------------------------------

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;"
    "color:#222}a.button,button{display:inline-block;padding:.6rem 1.2rem;border-radius:.4rem;"
    "background:#2b59c3;color:#fff;text-decoration:none;border:0;font-size:1rem;cursor:pointer}"
    ".muted{color:#666}"
)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A small HTML page (``body`` must already be escaped)."""
    return HTMLResponse(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n",
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def session_cookie(login: ChattzLogin, request: Request) -> str:
    """The app's session cookie name: ``__Host-`` prefixed whenever it is Secure."""
    return "__Host-session" if login.is_secure(request) else "session"


def create_app(
    chattz: AsyncChattzOAuth | None = None,
    secret_key: str | None = None,
    *,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """Build the app.

    Args:
        chattz: The session to use (the caller closes it). When None, the
            lifespan builds one with ``AsyncChattzOAuth.from_env()`` and
            closes it at shutdown.
        secret_key: Signs the login and session cookies; ``APP_SECRET_KEY``
            from the environment when None.
        secure_cookies: None: Secure cookies except on plain-http loopback.
            False only for tests over plain http to a non-loopback host.

    Raises:
        ConfigurationError: No secret key.
    """
    key = secret_key or os.environ.get("APP_SECRET_KEY")
    if not key:
        raise ConfigurationError("set APP_SECRET_KEY (32 random characters or more)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if chattz is not None:
            yield
            return
        async with AsyncChattzOAuth.from_env() as session:
            app.state.chattz = session  # what get_chattz (and so the login router) reads
            yield

    app = FastAPI(lifespan=lifespan)
    if chattz is not None:
        app.state.chattz = chattz
    login = ChattzLogin(secret_key=key, secure=secure_cookies)

    @app.get("/")
    async def home(request: Request) -> HTMLResponse:
        session = read_session(request.cookies.get(session_cookie(login, request)), key)
        if session is None:
            return page(
                "Chattz login example",
                "<h1>Welcome</h1><p class=muted>You are not logged in.</p>"
                '<p><a class=button id=login href="/login">Log in with Chattz</a></p>',
            )
        return page(
            "Chattz login example",
            f"<h1 id=hello>Hello, {html.escape(str(session['name']))}</h1>"
            f"<p class=muted>Your Chattz user id is {int(session['id'])}.</p>"
            '<form method=post action="/logout"><button id=logout>Log out</button></form>',
        )

    async def on_success(request: Request, result: LoginResult) -> Response:
        # Key accounts on the numeric id, never on the e-mail address.
        response = RedirectResponse(result.next_url or "/", status_code=303)
        response.set_cookie(
            session_cookie(login, request),
            sign_session({"id": result.user.id, "name": result.user.display_name}, key),
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=login.is_secure(request),
        )
        return response

    def on_error(request: Request, exc: ChattzOAuthError) -> Response:
        status, title, message = login.describe_error(exc)
        return page(
            title,
            f"<h1 id=error>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
            '<p><a class=button href="/login">Try again</a> <a href="/">Home</a></p>',
            status,
        )

    app.include_router(login.router(on_success, on_error=on_error))  # /login and /callback

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(
            session_cookie(login, request),
            httponly=True,
            samesite="lax",
            secure=login.is_secure(request),
        )
        return response

    return app


def main() -> None:
    """Run on http://127.0.0.1:8000 (``--fake``: against a local fake provider)."""
    import uvicorn

    if "--fake" not in sys.argv:
        uvicorn.run(create_app(), host="127.0.0.1", port=8000)
        return
    from chattz_oauth_async.testing import FakeChattz

    fake = FakeChattz()  # its default client's redirect URI is http://127.0.0.1:8000/callback
    with fake.serve() as server:
        print(f"fake Chattz at {server.base_url}; open http://127.0.0.1:8000/")
        app = create_app(fake.session(real_http=True), secrets.token_urlsafe(32))
        uvicorn.run(app, host="127.0.0.1", port=8000)


if __name__ == "__main__":
    main()
