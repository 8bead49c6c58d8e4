"""A sync Flask app with "Log in with Chattz" and accounts in SQLite, on the sync client.

The login itself is the library's framework-neutral flow,
:class:`~chattz_oauth_async.integrations.flow.LoginFlow` (the same steps the
Starlette and Django helpers run): ``flow.begin`` at /login seals the login
into a per-login cookie (Secure with the ``__Host-`` prefix except on
plain-http loopback), ``flow.finish`` at /callback completes it, signs the
Chattz user in to their account (the sync
:class:`~chattz_oauth_async.accounts.Accounts` over
:class:`~chattz_oauth_async.accounts.sqlalchemy.SQLAlchemyStore`) and calls
this app's ``start_session``, which clears and rewrites Flask's signed
session with the account's ids. This file is only the Flask glue: request
in, response out. Linking another Chattz account to the signed-in user is
the account page's POST form to ``/login``: the user's id is sealed into the
login, and the accounts link only while that user is still signed in. A
plain ``GET /login`` never links (a link on another site could otherwise
attach the attacker's Chattz account to your account).

Run::

    pip install 'chattz_oauth_async[sqlalchemy]' flask
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:5000/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    export DATABASE_URL=sqlite:///accounts.db    # optional: a SQLAlchemy URL
    flask --app examples/flask_app.py run      # then open http://127.0.0.1:5000/

Without ``DATABASE_URL`` the accounts live in ``chattz_flask_example.db`` in
your own cache folder (:func:`default_database_url`). Pages: ``/``,
``/account`` (sign-in required), ``/login?next=...``, ``POST /login`` (link),
``/callback``, ``POST /logout``. Flask's session is a signed cookie: it
cannot be revoked on the server (a copied cookie stays valid until it
expires); use a server-side session when that matters.

Tests build the app with ``create_app(chattz, secret_key, database_url=...)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from markupsafe import escape
from sqlalchemy import create_engine

from chattz_oauth_async import ChattzOAuth, ChattzOAuthError
from chattz_oauth_async.accounts import Account, Accounts
from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore
from chattz_oauth_async.errors import UnsafeRedirectError
from chattz_oauth_async.integrations.cookies import LoginCookies, SetCookie
from chattz_oauth_async.integrations.flow import (
    LoginFlow,
    LoginResult,
    LoginStart,
    WebRequest,
    error_page,
    same_origin,
)
from chattz_oauth_async.login import safe_next_url

LOGOUT_FORM = '<form method=post action="/logout"><button id=logout>Log out</button></form>'
LINK_FORM = (
    '<form method=post action="/login"><input type=hidden name=next value="/account">'
    "<button id=link>Link another Chattz account</button></form>"
)


def default_database_url() -> str:
    """A SQLite file in this user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``).

    Not the shared temporary folder: another local user could create the file
    there first. The folder is made private (0o700) when it is created.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "chattz_oauth_async"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'chattz_flask_example.db'}"


def set_cookies(response: Response, cookies: Iterable[SetCookie]) -> None:
    """Copy the login cookies onto the response."""
    for cookie in cookies:
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)


def web_request() -> WebRequest:
    """What the login flow reads from this request: URL, cookies, every query parameter."""
    return WebRequest(request.url, request.cookies, request.args.items(multi=True))


def to_chattz(started: LoginStart) -> Response:
    """The /login answer: a 303 to Chattz, the sealed login in its cookie."""
    response = Response(status=started.status, headers=started.headers)
    set_cookies(response, started.cookies)
    return response


def error_response(exc: ChattzOAuthError) -> Response:
    """The library's error page for ``exc`` (the same status and words in every framework)."""
    status, page = error_page(exc)
    return Response(page, status=status, mimetype="text/html")


def safe_target(value: str | None) -> str | None:
    """``value`` if it is a same-origin path, else None (never followed)."""
    try:
        return safe_next_url(value)
    except UnsafeRedirectError:
        return None


def from_own_site() -> bool:
    """Whether this POST came from the site's own pages (Sec-Fetch-Site, else Origin)."""
    headers = request.headers
    return same_origin(headers.get("Sec-Fetch-Site"), headers.get("Origin"), request.host)


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
    database_url: str | None = None,
) -> Flask:
    """Build the app; with no ``chattz``, one is made from the environment.

    ``secure_cookies=False`` is only for tests over plain http to a
    non-loopback host. ``database_url`` (else ``DATABASE_URL``, else
    :func:`default_database_url`) is a SQLAlchemy URL; its tables are created
    when missing.
    """
    app = Flask(__name__)
    app.secret_key = secret_key or os.environ["APP_SECRET_KEY"]
    cookies = LoginCookies(app.secret_key, secure=secure_cookies)
    client = chattz if chattz is not None else ChattzOAuth.from_env()
    url = database_url or os.environ.get("DATABASE_URL") or default_database_url()
    store = SQLAlchemyStore(create_engine(url, pool_pre_ping=True))  # survives a database restart
    store.create_tables()
    accounts = Accounts(store)
    flow = LoginFlow(client, cookies, accounts=accounts)
    app.extensions["chattz_accounts"] = accounts  # for views that unlink, and for tests

    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = SessionCookie(cookies)

    def current_account(*, clear_stale: bool = True) -> Account | None:
        """The account signed in on this session; None if nobody is, its link is gone,
        or its user was disabled or deleted."""
        user_id, chattz_id = session.get("user_id"), session.get("chattz_id")
        if user_id is None or chattz_id is None:
            return None
        account = accounts.session_account(user_id, chattz_id)
        if account is None and clear_stale:
            session.clear()  # unlinked, disabled or deleted meanwhile: signed out
        return account

    def signed_in_user() -> str | None:
        """Who is signed in now (the flow asks only at a linking login); changes nothing."""
        account = current_account(clear_stale=False)
        return None if account is None else account.user_id

    def start_session(result: LoginResult) -> None:
        """The flow's last step: a new session at login, nothing planted before it survives."""
        assert result.signed_in is not None  # the flow was given accounts
        session.clear()
        signed_in = result.signed_in
        session.update(user_id=signed_in.user_id, chattz_id=signed_in.account.chattz_id)

    def login_page(target: str | None) -> Response:
        query = f"?{urlencode({'next': target})}" if target else ""
        return redirect(f"/login{query}", code=303)

    @app.get("/")
    def home() -> str:
        account = current_account()
        if account is None:
            return '<a id=login href="/login">Log in with Chattz</a>'
        name = escape(account.profile.display_name)
        return (
            f"<h1 id=hello>Hello, {name}</h1><p id=signed-in>Signed in as {name}</p>"
            '<p><a href="/account">Your account</a></p>' + LOGOUT_FORM
        )

    @app.get("/account")
    def account_page() -> Response | str:
        account = current_account()
        if account is None:
            return login_page(safe_target(request.full_path.rstrip("?")))
        profile = account.profile
        mine = accounts.accounts_of(account.user_id)
        linked = ", ".join(escape(a.profile.username) for a in mine)
        return (
            f"<h1 id=account>{escape(profile.display_name)}</h1>"
            f"<p>Account {escape(account.user_id)}, Chattz user {escape(profile.username)} "
            f"(id {profile.chattz_id})</p><p id=linked>Chattz accounts linked: {linked}</p>"
            + LINK_FORM
            + LOGOUT_FORM
        )

    @app.get("/login")
    def login() -> Response:
        return to_chattz(flow.begin(web_request(), request.args.get("next")))

    @app.post("/login")
    def link() -> Response:
        """Link another Chattz account to the signed-in user (the account page's form)."""
        if not from_own_site():
            return Response("Cross-site link refused.", status=403)
        target = request.form.get("next") or request.args.get("next")
        account = current_account()
        if account is None:  # nobody to link to: a plain login
            return login_page(safe_target(target))
        try:
            return to_chattz(flow.begin(web_request(), target, link_user_id=account.user_id))
        except ChattzOAuthError as exc:
            return error_response(exc)

    @app.get("/callback")
    def callback() -> Response:
        finished = flow.finish(
            web_request(), signed_in_user=signed_in_user, start_session=start_session
        )
        if finished.error is not None:
            response = error_response(finished.error)
        else:
            response = redirect(finished.result_or_raise().next_url or "/", code=303)
        set_cookies(response, finished.cookies)  # the used login cookie goes either way
        response.headers.update(finished.headers)
        return response

    @app.post("/logout")
    def logout() -> Response:
        if not from_own_site():
            return Response("Cross-site logout refused.", status=403)
        session.clear()
        return redirect("/", code=303)

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=5000)
