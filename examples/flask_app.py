"""A sync Flask app with "Log in with Chattz", on the sync client ``ChattzOAuth``.

Same flow as the async apps: ``start_login`` + ``seal`` into a per-login
cookie at /login; ``unseal`` + ``complete_login`` at /callback. The signed-in
user goes in Flask's own signed session.

Run::

    pip install chattz_oauth_async flask
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:5000/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    flask --app examples/flask_app.py run      # then open http://127.0.0.1:5000/

Tests build the app with ``create_app(chattz, secret_key)``.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, redirect, request, session
from markupsafe import escape

from chattz_oauth_async import ChattzOAuth, ChattzOAuthError, LoginRequest, safe_next_url
from chattz_oauth_async.errors import UnsafeRedirectError
from chattz_oauth_async.protocol import is_loopback_host

MAX_AGE = 600


def cookie_name(state: str) -> str:
    """One cookie per login, named by a short one-way hash of its state."""
    return "chattz_login_" + hashlib.sha256(state.encode()).hexdigest()[:16]


def create_app(chattz: ChattzOAuth | None = None, secret_key: str | None = None) -> Flask:
    """Build the app; with no ``chattz``, one is made from the environment."""
    app = Flask(__name__)
    app.secret_key = secret_key or os.environ["APP_SECRET_KEY"]
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    client = chattz if chattz is not None else ChattzOAuth.from_env()
    key = app.secret_key

    def secure() -> bool:
        return not (request.scheme == "http" and is_loopback_host(request.host.rsplit(":", 1)[0]))

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
        response.set_cookie(
            cookie_name(started.state),
            started.seal(key),
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=secure(),
        )
        return response

    @app.get("/callback")
    def callback() -> Response | tuple[str, int]:
        name = cookie_name(request.args.get("state", ""))
        try:
            started = LoginRequest.unseal(request.cookies.get(name, ""), key)
            # Pass every (name, value) pair so a repeated parameter is seen and refused.
            token = client.complete_login(request.args.items(multi=True), started, max_age=MAX_AGE)
            user = client.userinfo(token)
        except ChattzOAuthError as exc:
            return f"<h1 id=error>Login failed</h1><p>{escape(type(exc).__name__)}</p>", 400
        session.clear()
        session.update(user_id=user.id, name=user.display_name)  # key accounts on the id
        response = redirect(started.next_url or "/", code=303)
        response.delete_cookie(name)
        return response

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000)
