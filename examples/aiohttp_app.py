"""An aiohttp app with "Log in with Chattz" and accounts in SQLite, on the library's login flow.

No framework helper is needed: the framework-neutral
:class:`~chattz_oauth_async.integrations.flow.AsyncLoginFlow` (the steps the
Starlette and Django helpers run too) does the login. ``flow.begin`` at
/login seals it into a cookie of its own (one per login, so several tabs all
complete; a callback whose state this browser never started finds no cookie
and is refused; Secure with the ``__Host-`` prefix except on plain-http
loopback); ``flow.finish`` at /callback completes it and signs the Chattz
user in to their account
(:class:`~chattz_oauth_async.accounts.AsyncAccounts` over
:class:`~chattz_oauth_async.accounts.sqlalchemy.AsyncSQLAlchemyStore`;
aiohttp runs on asyncio, so aiosqlite works). This file is the aiohttp glue:
request in, response out, and a new session cookie at every login. Linking
another Chattz account to the signed-in user is the account page's POST form
to ``/login``: the user's id is sealed into the login, and the accounts link
only while that user is still signed in. A plain ``GET /login`` never links
(a link on another site could otherwise attach the attacker's Chattz account
to your account).

aiohttp has no session of its own: this app keeps the signed-in user in a
small signed, expiring cookie (stdlib HMAC, below). ``aiohttp-session`` does
the same with more options. A cookie session cannot be revoked on the server:
a copied cookie stays valid until it expires (7 days here), logout only
deletes the browser's copy. Use a server-side session (``aiohttp-session``
with Redis, say) when that matters.

Run::

    pip install 'chattz_oauth_async[sqlalchemy]' aiohttp
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:8080/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    export DATABASE_URL=sqlite+aiosqlite:///accounts.db   # optional: a SQLAlchemy async URL
    python examples/aiohttp_app.py       # then open http://127.0.0.1:8080/

Without ``DATABASE_URL`` the accounts live in ``chattz_aiohttp_example.db`` in
your own cache folder (:func:`default_database_url`). Pages: ``/``,
``/account`` (sign-in required), ``/login?next=...``, ``POST /login`` (link),
``/callback``, ``POST /logout``.

Tests build the app with ``create_app(chattz, secret_key, database_url=...)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import create_async_engine

from chattz_oauth_async import AsyncChattzOAuth, ChattzOAuthError
from chattz_oauth_async.accounts import Account, AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.errors import UnsafeRedirectError
from chattz_oauth_async.integrations.cookies import LoginCookies, SetCookie
from chattz_oauth_async.integrations.flow import (
    AsyncLoginFlow,
    LoginStart,
    WebRequest,
    error_page,
    same_origin,
)
from chattz_oauth_async.login import safe_next_url

SESSION_MAX_AGE = 7 * 24 * 3600
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
    return f"sqlite+aiosqlite:///{folder / 'chattz_aiohttp_example.db'}"


CHATTZ = web.AppKey("chattz", AsyncChattzOAuth)
COOKIES = web.AppKey("cookies", LoginCookies)
ACCOUNTS = web.AppKey("accounts", AsyncAccounts)
FLOW = web.AppKey("flow", AsyncLoginFlow)
SECRET = web.AppKey("secret", str)


# --- a minimal signed session cookie (stdlib only) ----------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(secret_key: str, payload: str) -> str:
    # A key of its own, so a session cookie can never pass for a login cookie.
    key = hashlib.sha256(b"aiohttp example session\x00" + secret_key.encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign_session(data: dict[str, Any], secret_key: str) -> str:
    """Encode ``data`` (plus an expiry and a fresh id) into a signed cookie value."""
    fresh = {**data, "sid": secrets.token_urlsafe(12), "exp": int(time.time()) + SESSION_MAX_AGE}
    payload = _b64(json.dumps(fresh).encode())
    return f"{payload}.{_mac(secret_key, payload)}"


def read_session(value: str | None, secret_key: str) -> dict[str, Any]:
    """Decode a cookie made by :func:`sign_session`; empty if absent, forged or expired."""
    payload, _, mac = (value or "").partition(".")
    if not payload or not mac.isascii() or not hmac.compare_digest(_mac(secret_key, payload), mac):
        return {}
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if not isinstance(data, dict) or not data.get("exp", 0) > time.time():
        return {}
    return data


def session_cookie(request: web.Request) -> str:
    """The session cookie's name: ``__Host-`` prefixed whenever it is Secure."""
    return "__Host-session" if is_secure(request) else "session"


def is_secure(request: web.Request) -> bool:
    """Whether this request's cookies get Secure (the login cookies' rule)."""
    return request.app[COOKIES].is_secure(str(request.url))


def set_cookies(response: web.StreamResponse, cookies: Iterable[SetCookie]) -> None:
    """Copy the login cookies onto the response."""
    for cookie in cookies:
        response.set_cookie(cookie.name, cookie.value, **cookie.attributes)


def safe_target(value: str | None) -> str | None:
    """``value`` if it is a same-origin path, else None (never followed)."""
    try:
        return safe_next_url(value)
    except UnsafeRedirectError:
        return None


async def current_account(request: web.Request) -> Account | None:
    """The account signed in on this request's session; None if nobody is, its link is gone,
    or its user was disabled or deleted."""
    data = read_session(request.cookies.get(session_cookie(request)), request.app[SECRET])
    user_id, chattz_id = data.get("user_id"), data.get("chattz_id")
    if user_id is None or chattz_id is None:
        return None
    return await request.app[ACCOUNTS].session_account(user_id, chattz_id)


# --- pages ----------------------------------------------------------------------


def page(body: str, status: int = 200) -> web.Response:
    """A small HTML page (``body`` must already be escaped)."""
    return web.Response(
        text=f"<!doctype html>\n<html lang=en><body><main>{body}</main></body></html>\n",
        content_type="text/html",
        status=status,
        headers={"Cache-Control": "no-store"},
    )


async def home(request: web.Request) -> web.Response:
    """GET /: who is signed in, or a login link."""
    account = await current_account(request)
    if account is None:
        return page('<a id=login href="/login">Log in with Chattz</a>')
    name = html.escape(account.profile.display_name)
    return page(
        f"<h1 id=hello>Hello, {name}</h1><p id=signed-in>Signed in as {name}</p>"
        '<p><a href="/account">Your account</a></p>' + LOGOUT_FORM
    )


async def account_page(request: web.Request) -> web.Response:
    """GET /account: sign-in required (a visitor goes to /login?next=/account)."""
    account = await current_account(request)
    if account is None:
        raise login_page(safe_target(request.path_qs))
    profile = account.profile
    mine = await request.app[ACCOUNTS].accounts_of(account.user_id)
    linked = ", ".join(html.escape(a.profile.username) for a in mine)
    return page(
        f"<h1 id=account>{html.escape(profile.display_name)}</h1>"
        f"<p>Account {html.escape(account.user_id)}, Chattz user "
        f"{html.escape(profile.username)} (id {profile.chattz_id})</p>"
        f"<p id=linked>Chattz accounts linked: {linked}</p>" + LINK_FORM + LOGOUT_FORM
    )


def login_page(target: str | None) -> web.HTTPSeeOther:
    """The 303 to GET /login (with ``?next=target`` when there is one)."""
    query = f"?{urlencode({'next': target})}" if target else ""
    return web.HTTPSeeOther(f"/login{query}")


def web_request(request: web.Request) -> WebRequest:
    """What the login flow reads from this request: URL, cookies, every query parameter."""
    return WebRequest(str(request.url), request.cookies, request.query.items())


def to_chattz(started: LoginStart) -> web.Response:
    """The /login answer: a 303 to Chattz, the sealed login in its cookie."""
    response = web.Response(status=started.status, headers=started.headers)
    set_cookies(response, started.cookies)
    return response


def error_response(exc: ChattzOAuthError) -> web.Response:
    """The library's error page for ``exc`` (the same status and words in every framework)."""
    status, text = error_page(exc)
    return web.Response(text=text, content_type="text/html", status=status)


async def login(request: web.Request) -> web.Response:
    """GET /login: a plain login (never a link, whoever is signed in)."""
    return to_chattz(request.app[FLOW].begin(web_request(request), request.query.get("next")))


async def link(request: web.Request) -> web.Response:
    """POST /login: link another Chattz account to the signed-in user (the account page's form)."""
    if not from_own_site(request):
        return web.Response(status=403, text="Cross-site link refused.")
    form = await request.post()
    field = form.get("next")
    target = field if isinstance(field, str) else request.query.get("next")
    account = await current_account(request)
    if account is None:  # nobody to link to: a plain login
        raise login_page(safe_target(target))
    flow = request.app[FLOW]
    try:
        return to_chattz(flow.begin(web_request(request), target, link_user_id=account.user_id))
    except ChattzOAuthError as exc:
        return error_response(exc)


async def callback(request: web.Request) -> web.Response:
    """GET /callback: the flow completes the login and signs the account in."""

    async def signed_in_user() -> str | None:  # asked only at a linking login
        account = await current_account(request)
        return None if account is None else account.user_id

    finished = await request.app[FLOW].finish(web_request(request), signed_in_user=signed_in_user)
    if finished.error is not None:
        response = error_response(finished.error)
    else:
        result = finished.result_or_raise()
        signed_in = result.signed_in
        assert signed_in is not None  # the flow was given accounts
        response = web.Response(status=303, headers={"Location": result.next_url or "/"})
        # A new session at login: a new cookie value holding only the new ids.
        value = sign_session(
            {"user_id": signed_in.user_id, "chattz_id": signed_in.account.chattz_id},
            request.app[SECRET],
        )
        response.set_cookie(
            session_cookie(request),
            value,
            max_age=SESSION_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=is_secure(request),
        )
    set_cookies(response, finished.cookies)  # the used login cookie goes either way
    response.headers.update(finished.headers)
    return response


def from_own_site(request: web.Request) -> bool:
    """Whether this POST came from the site's own pages (Sec-Fetch-Site, else Origin)."""
    headers = request.headers
    return same_origin(headers.get("Sec-Fetch-Site"), headers.get("Origin"), request.host)


async def logout(request: web.Request) -> web.Response:
    """POST /logout: forget the session (a cross-site POST is refused)."""
    if not from_own_site(request):
        return web.Response(status=403, text="Cross-site logout refused.")
    response = web.Response(status=303, headers={"Location": "/", "Cache-Control": "no-store"})
    response.del_cookie(session_cookie(request), path="/", secure=is_secure(request))
    return response


def create_app(
    chattz: AsyncChattzOAuth | None = None,
    secret_key: str | None = None,
    *,
    secure_cookies: bool | None = None,
    database_url: str | None = None,
) -> web.Application:
    """Build the app; with no ``chattz``, one is made from the environment at startup.

    ``secure_cookies=False`` is only for tests over plain http to a
    non-loopback host. ``database_url`` (else ``DATABASE_URL``, else
    :func:`default_database_url`) is a SQLAlchemy async URL; its tables are
    created at startup when missing.
    """
    app = web.Application()
    key = secret_key or os.environ["APP_SECRET_KEY"]
    app[SECRET] = key
    app[COOKIES] = LoginCookies(key, secure=secure_cookies)
    url = database_url or os.environ.get("DATABASE_URL") or default_database_url()

    async def accounts(app: web.Application) -> AsyncIterator[None]:
        engine = create_async_engine(url, pool_pre_ping=True)  # survives a database restart
        store = AsyncSQLAlchemyStore(engine)
        await store.create_tables()
        app[ACCOUNTS] = AsyncAccounts(store)
        yield
        await engine.dispose()

    async def session(app: web.Application) -> AsyncIterator[None]:
        if chattz is not None:
            app[CHATTZ] = chattz
            app[FLOW] = AsyncLoginFlow(chattz, app[COOKIES], accounts=app[ACCOUNTS])
            yield
            return
        async with AsyncChattzOAuth.from_env() as own:
            app[CHATTZ] = own
            app[FLOW] = AsyncLoginFlow(own, app[COOKIES], accounts=app[ACCOUNTS])
            yield

    app.cleanup_ctx.extend([accounts, session])
    app.router.add_get("/", home)
    app.router.add_get("/account", account_page)
    app.router.add_get("/login", login)
    app.router.add_post("/login", link)
    app.router.add_get("/callback", callback)
    app.router.add_post("/logout", logout)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=8080)
