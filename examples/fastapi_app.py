"""A FastAPI app with "Log in with Chattz" and its accounts in a SQL database.

Run against Chattz::

    pip install 'chattz_oauth_async[fastapi,sqlalchemy]' uvicorn
    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...
    export CHATTZ_REDIRECT_URI=http://127.0.0.1:8000/callback   # as registered
    export APP_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    export DATABASE_URL=postgresql+psycopg://app@127.0.0.1/app  # optional, see below
    uvicorn examples.fastapi_app:app --host 127.0.0.1 --port 8000

Run against the fake provider (no Chattz account needed)::

    python examples/fastapi_app.py --fake      # then open http://127.0.0.1:8000/

``DATABASE_URL`` is a SQLAlchemy async URL (``postgresql+psycopg://...`` for
several workers or machines, ``sqlite+aiosqlite:///path.db``). Without it the
accounts live in a SQLite file in your own cache folder
(``chattz_fastapi_example.db``, see :func:`default_database_url`), so running
the example never writes into your checkout. The lifespan creates the tables
when they are missing; with them in place it only checks, so any number of
workers may start at once (``uvicorn --workers 4``).

Pages: ``/`` ("Signed in as <name>" and a logout button, or a login link),
``/account`` (sign-in required: a visitor is sent to ``/login?next=/account``;
its "Link another Chattz account" button POSTs to ``/login``),
``GET /login``, ``POST /login`` (a linking login), ``/callback`` (the
redirect URI) and ``POST /logout`` from ``ChattzLogin.router()``. At login
the Chattz user is signed in to their account (created at the first login)
and the session (Starlette's ``SessionMiddleware``, a signed cookie) is
cleared and rewritten with the account's ids; the access token is never
stored. Only the POST form links: a plain ``GET /login`` while signed in
signs in the Chattz account's own account, so a link on another site can
never attach someone else's Chattz account to yours.

Tests build the app with ``create_app(chattz, secret_key, database_url=...)``.
"""

import html
import os
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.middleware.sessions import SessionMiddleware

from chattz_oauth_async import (
    AccountStoreError,
    AsyncChattzOAuth,
    ChattzOAuthError,
    ConfigurationError,
)
from chattz_oauth_async.accounts import Account, AsyncAccounts
from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore
from chattz_oauth_async.integrations.starlette import ChattzLogin


def default_database_url() -> str:
    """A SQLite file in this user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``).

    Where the accounts live without ``DATABASE_URL``. Not the shared temporary
    folder: another local user could create the file there first. The folder
    is made private (0o700) when it is created.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "chattz_oauth_async"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{folder / 'chattz_fastapi_example.db'}"


SESSION_MAX_AGE = 7 * 24 * 3600

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;"
    "color:#222}a.button,button{display:inline-block;padding:.6rem 1.2rem;border-radius:.4rem;"
    "background:#2b59c3;color:#fff;text-decoration:none;border:0;font-size:1rem;cursor:pointer}"
    ".muted{color:#666}"
)
LOGOUT_FORM = '<form method=post action="/logout"><button id=logout>Log out</button></form>'
# A linking login is a POST from the account page (never a GET: see the module's docstring).
LINK_FORM = (
    '<form method=post action="/login"><input type=hidden name=next value="/account">'
    "<button id=link>Link another Chattz account</button></form>"
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


async def create_tables(store: AsyncSQLAlchemyStore, attempts: int = 3) -> None:
    """Create the account tables unless they exist.

    Workers starting at once on an empty PostgreSQL database can race to
    create the same table; the loser fails, and its next attempt finds the
    tables there.

    Raises:
        AccountStoreError: The database kept failing.
    """
    for attempt in range(1, attempts + 1):
        try:
            await store.create_tables()
            return
        except AccountStoreError:
            if attempt == attempts:
                raise


def create_app(
    chattz: AsyncChattzOAuth | None = None,
    secret_key: str | None = None,
    *,
    secure_cookies: bool | None = None,
    database_url: str | None = None,
) -> FastAPI:
    """Build the app.

    Args:
        chattz: The session to use (the caller closes it). When None, the
            lifespan builds one with ``AsyncChattzOAuth.from_env()`` and
            closes it at shutdown.
        secret_key: Signs the login and session cookies; ``APP_SECRET_KEY``
            from the environment when None.
        secure_cookies: None: Secure cookies unless the redirect URI is plain
            http on a loopback host (development). False only for tests over
            plain http to a non-loopback host.
        database_url: A SQLAlchemy async URL; ``DATABASE_URL`` from the
            environment when None, else :func:`default_database_url`.

    Raises:
        ConfigurationError: No secret key.
    """
    key = secret_key or os.environ.get("APP_SECRET_KEY")
    if not key:
        raise ConfigurationError("set APP_SECRET_KEY (32 random characters or more)")
    url = database_url or os.environ.get("DATABASE_URL") or default_database_url()
    # Connects on first use, not here. Only the store uses this engine, and it survives a
    # database restart by itself (a statement on a connection the restart closed is tried
    # once more), so no pool_pre_ping: that costs a round trip at every checkout. Add
    # pool_pre_ping=True when your own routes query the engine too.
    engine = create_async_engine(url)
    store = AsyncSQLAlchemyStore(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await create_tables(store)
        try:
            if chattz is not None:
                yield
                return
            async with AsyncChattzOAuth.from_env() as session:
                app.state.chattz = session  # what get_chattz (and so the login router) reads
                yield
        finally:
            await engine.dispose()  # the pool's connections belong to this event loop

    app = FastAPI(lifespan=lifespan)
    if chattz is not None:
        app.state.chattz = chattz
    accounts = AsyncAccounts(store)
    login = ChattzLogin(secret_key=key, secure=secure_cookies, accounts=accounts)
    # The session cookie is Secure (and __Host-) whenever the app's own URL is not
    # plain http on loopback: decided from the redirect URI, the app's public address.
    redirect_uri = chattz.config.redirect_uri if chattz else os.environ.get("CHATTZ_REDIRECT_URI")
    secure = login.cookies.is_secure(redirect_uri or "https://")
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie="__Host-session" if secure else "session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure,
    )

    CurrentAccount = Annotated[Account | None, Depends(login.current_account)]
    SignedIn = Annotated[Account, Depends(login.require_account)]

    @app.get("/")
    async def home(account: CurrentAccount) -> HTMLResponse:
        if account is None:
            return page(
                "Chattz login example",
                "<h1>Welcome</h1><p class=muted>You are not logged in.</p>"
                '<p><a class=button id=login href="/login">Log in with Chattz</a></p>',
            )
        name = html.escape(account.profile.display_name)
        return page(
            "Chattz login example",
            f"<h1 id=hello>Hello, {name}</h1>"
            f"<p id=signed-in>Signed in as {name}</p>"
            f"<p class=muted>Your Chattz user id is {account.chattz_id}. "
            '<a href="/account">Your account</a></p>' + LOGOUT_FORM,
        )

    @app.get("/account")
    async def account_page(account: SignedIn) -> HTMLResponse:
        profile = account.profile
        linked = await accounts.accounts_of(account.user_id)
        rows = [
            ("Account", account.user_id),
            ("Chattz user", f"{profile.username} (id {profile.chattz_id})"),
            ("Chattz accounts linked", ", ".join(a.profile.username for a in linked)),
            ("E-mail (as Chattz sent it, unverified)", profile.email or "-"),
            ("Linked", f"{account.linked_at:%Y-%m-%d %H:%M} UTC"),
            ("Last login", f"{account.last_login_at:%Y-%m-%d %H:%M} UTC"),
        ]
        table = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        return page(
            "Your account",
            f"<h1 id=account>{html.escape(profile.display_name)}</h1><table>{table}</table>"
            '<p><a href="/">Home</a></p>' + LINK_FORM + LOGOUT_FORM,
        )

    def on_error(request: Request, exc: ChattzOAuthError) -> Response:
        status, title, message = login.describe_error(exc)
        return page(
            title,
            f"<h1 id=error>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
            '<p><a class=button href="/login">Try again</a> <a href="/">Home</a></p>',
            status,
        )

    # GET /login, POST /login (link), GET /callback (signs the account in, then 303 to
    # next or /), POST /logout
    app.include_router(login.router(on_error=on_error))
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn examples.fastapi_app:app` builds the app from the environment on first
    # use, so tests and docs can import this module without APP_SECRET_KEY.
    if name == "app":
        app = globals()["app"] = create_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
