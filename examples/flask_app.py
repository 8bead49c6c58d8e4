"""A sync Flask app with "Log in with Chattz", on the sync client ``ChattzOAuth``.

Same flow as the async apps: ``start_login`` at /login and ``complete_login``
at /callback, with the sealed login in a per-login cookie from the
framework-neutral :mod:`chattz_oauth_async.integrations.cookies` (Secure with
the ``__Host-`` prefix except on plain-http loopback). The signed-in user goes
in Flask's own signed session.

Run::

    pip install chattz_oauth_async flask
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:5000/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    flask --app examples/flask_app.py run      # then open http://127.0.0.1:5000/

Tests build the app with ``create_app(chattz, secret_key)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from flask import Flask, Response, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from markupsafe import escape

from chattz_oauth_async import ChattzOAuth, ChattzOAuthError, safe_next_url
from chattz_oauth_async.errors import UnsafeRedirectError
from chattz_oauth_async.integrations.cookies import LoginCookies, SetCookie


def set_cookies(response: Response, cookies: Iterable[SetCookie]) -> None:
    """Copy the login cookies onto the response."""
    for cookie in cookies:
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed session cookie, Secure and ``__Host-`` prefixed like the login cookies."""

    def __init__(self, cookies: LoginCookies) -> None:
        self.cookies = cookies

    def get_cookie_secure(self, app: Flask) -> bool:
        return self.cookies.is_secure(request.url)

    def get_cookie_name(self, app: Flask) -> str:
        return "__Host-session" if self.get_cookie_secure(app) else "session"


def create_app(
    chattz: ChattzOAuth | None = None,
    secret_key: str | None = None,
    *,
    secure_cookies: bool | None = None,
) -> Flask:
    """Build the app; with no ``chattz``, one is made from the environment.

    ``secure_cookies=False`` is only for tests over plain http to a non-loopback host.
    """
    app = Flask(__name__)
    app.secret_key = secret_key or os.environ["APP_SECRET_KEY"]
    cookies = LoginCookies(app.secret_key, secure=secure_cookies)
    client = chattz if chattz is not None else ChattzOAuth.from_env()

    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = SessionCookie(cookies)

    @app.get("/")
    def home() -> str:
        if "user_id" not in session:
            return '<a id=login href="/login">Log in with Chattz</a>'
        return f"<h1 id=hello>Hello, {escape(session['name'])}</h1>"

    @app.get("/login")
    def login() -> Response:
        try:
            target = safe_next_url(request.args.get("next"))
        except UnsafeRedirectError:
            target = None
        started = client.start_login(target)
        response = redirect(started.url, code=303)
        secure = cookies.is_secure(request.url)
        set_cookies(response, cookies.start(started, request.cookies, secure=secure))
        return response

    @app.get("/callback")
    def callback() -> Response:
        states, secure = request.args.getlist("state"), cookies.is_secure(request.url)
        try:
            started = cookies.read(states, request.cookies, secure=secure)
            # Pass every (name, value) pair so a repeated parameter is seen and refused.
            pairs = request.args.items(multi=True)
            token = client.complete_login(pairs, started, max_age=cookies.max_age)
            user = client.userinfo(token)
        except ChattzOAuthError as exc:
            page = f"<h1 id=error>Login failed</h1><p>{escape(type(exc).__name__)}</p>"
            response = Response(page, status=400)
        else:
            session.clear()
            session.update(user_id=user.id, name=user.display_name)  # key accounts on the id
            response = redirect(started.next_url or "/", code=303)
        set_cookies(response, cookies.clear(states, request.cookies, secure=secure))
        return response

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000)
