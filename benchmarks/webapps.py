"""The web apps ``weblogin.py`` signs browsers into, each served by one uvicorn worker.

Run by ``weblogin.py`` as a subprocess, one per app and database::

    python benchmarks/webapps.py APP --fd FD --database URL --fake URL \\
        --client-id ID --client-secret SECRET --redirect-uri URI

``APP`` is one of:

- ``example``: ``examples/fastapi_app.py`` as shipped (``create_app``: the
  library's ``ChattzLogin(accounts=...)`` router, ``AsyncAccounts`` on an
  ``AsyncSQLAlchemyStore``, Starlette's ``SessionMiddleware``), its session an
  ``AsyncChattzOAuth`` pointed at the served fake;
- ``example-pre-ping``: the same with ``pool_pre_ping=True`` on its engine (a ping at every
  checkout, what the other framework pages' engines pay);
- ``quickstart``: the docs' FastAPI quickstart (``examples/fastapi_quickstart``):
  the same login without accounts (its ``on_success`` stores the Chattz id in
  the session), so that the example's extra cost is the account step's;
- ``minimal``: the floor, a hand-minimal FastAPI login written for this
  benchmark: the state, the PKCE verifier and the linking user in the signed
  session cookie (``SessionMiddleware``), the two requests by hand on one
  shared ``httpx.AsyncClient``, and one SQL statement per login (an
  ``INSERT ... ON CONFLICT (chattz_id) DO UPDATE ... RETURNING`` on an
  autocommit engine; a linking login adds the ownership condition);
- ``fastapi-users``: fastapi-users' OAuth router (httpx-oauth's ``OAuth2``
  client, ``SQLAlchemyUserDatabase``, a cookie transport with a database
  strategy), when fastapi-users is installed.

The worker listens on the already-bound socket ``FD`` (so the parent knows
the port before the fake provider starts). Besides its own routes every app
answers ``GET /__bench`` with the worker process's CPU time (all threads, so
aiosqlite's and the thread pool's work counts), the database connections its
engines have opened (a pool that opens and closes connections under load
shows here) and, on SQLite, the number of statements SQLite has run
(``sqlite3`` trace callback: BEGIN and COMMIT included). The worker exits
when its standard input closes.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations.
import argparse
import asyncio
import base64
import datetime
import hashlib
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

#: Statements SQLite ran in this process (the trace callback's count).
SQLITE_STATEMENTS = [0]
#: Database connections opened in this process (SQLAlchemy's "connect" event, any engine).
CONNECTIONS = [0]


def count_connections() -> None:
    """Count every DBAPI connection any engine of this process opens (its pool's churn)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        CONNECTIONS[0] += 1


def count_sqlite_statements() -> None:
    """Count every statement SQLite runs on any aiosqlite connection of this process."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.util import await_only

    def traced(statement: str) -> None:
        SQLITE_STATEMENTS[0] += 1

    @event.listens_for(Engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and hasattr(driver, "set_trace_callback"):  # aiosqlite
            await_only(driver.set_trace_callback(traced))


def with_bench_route(app: Any) -> Any:
    """``app`` with ``GET /__bench``: the process's CPU time and SQLite's statement count."""

    async def wrapper(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/__bench":
            body = json.dumps(
                {
                    "cpu": time.process_time(),
                    "sqlite_statements": SQLITE_STATEMENTS[0],
                    "connections": CONNECTIONS[0],
                }
            ).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapper


# --- the library's example ------------------------------------------------------------


def example_app(args: argparse.Namespace) -> Any:
    """``examples/fastapi_app.py``'s ``create_app``, its Chattz session on the served fake.

    The example and the library come from ``--root`` (this checkout by default; another
    commit's worktree for ``weblogin.py --baseline``).
    """
    sys.path.insert(0, str(args.root))
    import chattz_oauth_async
    import examples.fastapi_app
    from chattz_oauth_async import AsyncChattzOAuth
    from examples.fastapi_app import create_app

    root = Path(args.root).resolve()
    for module in (chattz_oauth_async, examples.fastapi_app):
        if root not in Path(str(module.__file__)).resolve().parents:
            sys.exit(f"{module.__name__} came from {module.__file__}, not from --root {root}")

    chattz = AsyncChattzOAuth(
        args.client_id, args.client_secret, args.redirect_uri, base_url=args.fake
    )
    return create_app(chattz, args.secret_key, database_url=args.database)


def example_pre_ping_app(args: argparse.Namespace) -> Any:
    """The example with ``pool_pre_ping=True`` on its engine: what a ping per checkout costs."""
    sys.path.insert(0, str(ROOT))
    import examples.fastapi_app as example

    build = example.create_async_engine

    def pinging(url: str, **options: Any) -> Any:
        return build(url, **{**options, "pool_pre_ping": True})

    example.create_async_engine = pinging  # type: ignore[assignment]
    return example_app(args)


def quickstart_app(args: argparse.Namespace) -> Any:
    """The docs' FastAPI quickstart (``examples/fastapi_quickstart/app.py``): no accounts."""
    import importlib.util

    os.environ.update(
        CHATTZ_CLIENT_ID=args.client_id,
        CHATTZ_CLIENT_SECRET=args.client_secret,
        CHATTZ_REDIRECT_URI=args.redirect_uri,
        CHATTZ_BASE_URL=args.fake,
        APP_SECRET_KEY=args.secret_key,
    )
    path = ROOT / "examples" / "fastapi_quickstart" / "app.py"
    spec = importlib.util.spec_from_file_location("fastapi_quickstart_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app()


# --- the hand-minimal floor -----------------------------------------------------------

# One table: a Chattz account's row, its local user id (the first Chattz id that
# signed in, for an account it created), its profile and its last login.
MINIMAL_TABLE = """
CREATE TABLE IF NOT EXISTS minimal_logins (
    chattz_id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    username TEXT NOT NULL,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    avatar TEXT,
    last_login_at TIMESTAMP NOT NULL
)
"""
# A plain login: the account, created with its own id as the user's, or refreshed.
# A linking login: the same with the linking user's id, the refresh only where the
# row already belongs to that user (no row back: linked elsewhere, refused).
# The login's time is bound from Python's clock, as the store binds it, not taken from
# the database's CURRENT_TIMESTAMP: SQLite's has whole seconds, and SQLite does not rewrite
# a row whose bytes stay the same, so a returning login within the same second as the
# user's last one wrote nothing (no journal, no fdatasync) where the store writes every
# login; with the benchmark's browsers signing in again and again that was most logins.
MINIMAL_LINKING = "WHERE minimal_logins.user_id = :user_id"
MINIMAL_UPSERT = """
INSERT INTO minimal_logins
    (chattz_id, user_id, username, email, first_name, last_name, avatar, last_login_at)
VALUES (:chattz_id, :user_id, :username, :email, :first_name, :last_name, :avatar, :now)
ON CONFLICT (chattz_id) DO UPDATE SET
    username = excluded.username, email = excluded.email, first_name = excluded.first_name,
    last_name = excluded.last_name, avatar = excluded.avatar,
    last_login_at = excluded.last_login_at
{condition}
RETURNING user_id
"""


def minimal_app(args: argparse.Namespace) -> Any:
    """A FastAPI login by hand: what the library's example does, in as little as it takes."""
    import hmac
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request
    from fastapi.responses import RedirectResponse, Response
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from starlette.middleware.sessions import SessionMiddleware

    engine = create_async_engine(args.database, isolation_level="AUTOCOMMIT")
    plain = text(MINIMAL_UPSERT.format(condition=""))
    linking = text(MINIMAL_UPSERT.format(condition=MINIMAL_LINKING))
    authorize = args.fake + "/oauth/authorize?"
    token_url, userinfo_url = args.fake + "/oauth/token", args.fake + "/oauth/userinfo"
    client = httpx.AsyncClient()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        async with engine.connect() as connection:
            await connection.execute(text(MINIMAL_TABLE))
        async with client:
            yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(SessionMiddleware, secret_key=args.secret_key, same_site="lax")

    def start(request: Request, link_user: int | None) -> Response:
        state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        request.session["login"] = [state, verifier, link_user]
        query = {
            "response_type": "code",
            "client_id": args.client_id,
            "redirect_uri": args.redirect_uri,
            "state": state,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return RedirectResponse(authorize + urlencode(query), status_code=302)

    @app.get("/login")
    async def login(request: Request) -> Response:
        return start(request, None)

    @app.post("/login")
    async def link(request: Request) -> Response:
        user_id = request.session.get("user_id")
        if user_id is None or request.headers.get("sec-fetch-site") != "same-origin":
            return Response("sign in first", status_code=403)
        return start(request, user_id)

    @app.get("/callback")
    async def callback(request: Request, code: str = "", state: str = "") -> Response:
        saved = request.session.pop("login", None)
        if not saved or not hmac.compare_digest(saved[0], state):
            return Response("bad state", status_code=400)
        _, verifier, link_user = saved
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": args.redirect_uri,
            "client_id": args.client_id,
            "client_secret": args.client_secret,
            "code_verifier": verifier,
        }
        answer = await client.post(token_url, data=form)
        if answer.status_code != 200:
            return Response("exchange failed", status_code=502)
        bearer = {"Authorization": "Bearer " + answer.json()["access_token"]}
        answer = await client.get(userinfo_url, headers=bearer)
        if answer.status_code != 200:
            return Response("userinfo failed", status_code=502)
        user = answer.json()
        values = {
            "chattz_id": user["id"],
            "user_id": user["id"] if link_user is None else link_user,
            "username": user["username"],
            "email": user.get("email"),
            "first_name": user.get("first_name"),
            "last_name": user.get("last_name"),
            "avatar": user.get("avatar"),
            "now": datetime.datetime.now(datetime.UTC).replace(tzinfo=None),
        }
        async with engine.connect() as connection:
            row = (
                await connection.execute(plain if link_user is None else linking, values)
            ).first()
        if row is None:
            return Response("linked to another user", status_code=403)
        request.session.clear()
        request.session["user_id"] = row[0]
        request.session["chattz_id"] = user["id"]
        return RedirectResponse("/", status_code=303)

    return app


# --- fastapi-users ---------------------------------------------------------------------


def fastapi_users_app(args: argparse.Namespace) -> Any:
    """fastapi-users' OAuth router on httpx-oauth's generic ``OAuth2`` client."""
    from fastapi_users_app import build  # benchmarks/fastapi_users_app.py

    return build(args)


APPS = {
    "example": example_app,
    "example-pre-ping": example_pre_ping_app,
    "quickstart": quickstart_app,
    "minimal": minimal_app,
    "fastapi-users": fastapi_users_app,
}


def fastapi_users_installed() -> bool:
    """Whether the fastapi-users contender can run here."""
    try:
        import fastapi_users  # noqa: F401
        import fastapi_users_db_sqlalchemy  # noqa: F401
    except ImportError:
        return False
    return True


def app_from_env() -> Any:
    """The app of ``$CHATTZ_BENCH_APP`` (a worker of several: uvicorn's app factory)."""
    args = argparse.Namespace(**json.loads(os.environ["CHATTZ_BENCH_APP"]))
    count_connections()
    if args.database.startswith("sqlite"):
        count_sqlite_statements()
    return with_bench_route(APPS[args.app](args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--fd", type=int, required=True, help="the bound listening socket")
    parser.add_argument("--database", required=True, help="a SQLAlchemy async URL")
    parser.add_argument("--fake", required=True, help="the served fake provider's base URL")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--secret-key", default=secrets.token_urlsafe(32))
    parser.add_argument(
        "--root",
        default=str(ROOT),
        help="the checkout the example and the library are imported from (this one)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    args = parser.parse_args()
    os.environ["CHATTZ_BENCH_APP"] = json.dumps(vars(args))

    import uvicorn

    # Keep-alive for 75 s (nginx's default) instead of uvicorn's 5: the browsers of one app
    # wait while the others run their batches, and a connection closed just as a request
    # goes out fails it ("Server disconnected") instead of measuring anything.
    options: dict[str, Any] = {
        "fd": args.fd,
        "log_level": "warning",
        "access_log": False,
        "timeout_keep_alive": 75,
    }
    if args.workers > 1:
        # uvicorn's supervisor; it stops its workers on SIGTERM (the parent sends it).
        uvicorn.run("webapps:app_from_env", factory=True, workers=args.workers, **options)
        return
    server = uvicorn.Server(uvicorn.Config(app_from_env(), lifespan="on", **options))
    profile = os.environ.get("CHATTZ_BENCH_PROFILE")

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        # The parent holds our stdin open; EOF means it is gone, so we go too.
        loop.add_reader(
            sys.stdin.fileno(),
            lambda: sys.stdin.buffer.read1(1) or setattr(server, "should_exit", True),
        )
        await server.serve()

    if not profile:
        asyncio.run(serve())
        return
    # weblogin.py --profile DIR: the worker's whole life under cProfile (the app is
    # built already), written to $CHATTZ_BENCH_PROFILE when it exits.
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(serve())
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


if __name__ == "__main__":
    main()
