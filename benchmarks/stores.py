"""What the account store costs per sign-in, against a hand-minimal one-statement store.

Each variant signs one Chattz user in at a time, the sign-in alone (the OAuth
half of a login is the same whatever the store, and ``bench.py`` measures it):

- **hand-minimal**: what an app written by hand does with one SQL statement on
  an autocommit engine, ``INSERT ... ON CONFLICT (chattz_id) DO UPDATE ...
  RETURNING user_id`` into one table (the statement of the hand-minimal app of
  ``weblogin.py``; a linking login adds the ownership condition). No user
  table, no rules checked in SQL beyond the ownership: the floor;
- **the store**: ``AsyncAccounts.sign_in`` on ``AsyncSQLAlchemyStore`` over the
  app's ordinary engine, every rule kept (active user, link intent, the linking
  session checked by ``SessionUser``).

Three cases: a returning user, a first login (a new Chattz id every time: a new
user and its link), and a linking login (a signed-in user links a new Chattz id).
A first login is also timed against **hand-minimal, two tables**: what a hand-written
app that keeps a users table besides its links does, in the fewest statements its
database allows: the refresh that finds no link (``UPDATE ... RETURNING``), then the
user and its link, one CTE statement on PostgreSQL and one transaction of two
INSERTs on SQLite (no writes in CTEs). The store keeps the same two tables; the
one-table floor writes one row.

On SQLite two more facts say where a first login's time goes. **Trips**: how many
functions each variant hands to aiosqlite's thread per sign-in (every trip is a
wake-up of that thread and then of the event loop), counted in a pass of its own
after the timed rounds. **The writes in ``sqlite3`` itself**: the one-table
floor's upsert and the two-table floor's refresh and transaction through Python's
``sqlite3`` in the benchmark's own thread (no aiosqlite, no SQLAlchemy), timed in
the same paired rounds, to show what SQLite itself (its CPU and the disk) asks of
one table and of two.

Three databases: SQLite through aiosqlite as it comes (rollback journal,
``synchronous=FULL``), SQLite in WAL mode with ``synchronous=NORMAL``, and
PostgreSQL through psycopg 3 on a throwaway server from ``tests/postgres.py``
(loopback, fsync off), skipped with a message when there is none.

Paired rounds in one process: every variant runs a batch per round, the order
rotated every round; the store's time per sign-in is divided by the hand-minimal
store's of the same database and case in the same round, and the table shows
the median of those ratios with a distribution-free 95% CI (from 6 rounds). Wall
time (``time.perf_counter``): the database works in other threads (aiosqlite) or
processes (PostgreSQL). Nothing here is asserted.

Usage: ``python benchmarks/stores.py [--rounds 15] [--batch-seconds 0.2]
[--no-postgres] [--json out.json]``; ``--quick`` is a smoke run (seconds).
Needs SQLAlchemy 2 with aiosqlite and psycopg 3 (``pip install -e '.[sqlalchemy,postgresql]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from rounds import batch_size, median_ci, rotated, run_async_batch
from webapps import MINIMAL_LINKING, MINIMAL_TABLE, MINIMAL_UPSERT  # the hand-minimal store
from weblogin_processes import postgres  # a throwaway server (tests/postgres.py)

from chattz_oauth_async.accounts import AsyncAccounts, Outcome, SessionUser
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN, linking

MINIMAL, STORE, TWO_TABLES = "hand-minimal", "AsyncSQLAlchemyStore", "hand-minimal, two tables"
RAW_ONE, RAW_TWO = "sqlite3 itself, one table", "sqlite3 itself, two tables"
FIRST = "first login"
#: ``#wal`` at the end of a SQLite URL: these on every connection.
WAL_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
CASES = ("returning user", "first login", "linking login")

SignIn = Callable[[], Awaitable[Any]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="rounds not counted (default 2)")
    parser.add_argument("--batch-seconds", type=float, default=0.2, help="per batch (default 0.2)")
    parser.add_argument("--flows", type=int, default=2000, help="most sign-ins per batch")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few seconds")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.warmup, args.batch_seconds, args.flows = 2, 1, 0.05, 50
    return args


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database's async URL, or None (and why) when none can be started."""
    with postgres() as server:
        yield None if server is None else server.url(server.new_database())


def _engine(url: str, **options: Any) -> Any:
    """An async engine on ``url``; ``#wal`` at its end: SQLite in WAL, ``synchronous=NORMAL``."""
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    url, _, mode = url.partition("#")
    engine = create_async_engine(url, **options)
    if mode == "wal":

        @event.listens_for(engine.sync_engine, "connect")
        def wal(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            for pragma in WAL_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

    return engine


def _user(chattz_id: int) -> ChattzUser:
    return ChattzUser(
        id=chattz_id, username=f"user{chattz_id}", email="user@example.com", first_name="Jo"
    )


def _hand_values(chattz_id: int) -> dict[str, Any]:
    """The values a hand-minimal store binds for ``chattz_id``'s profile, made now."""
    user = _user(chattz_id)
    return {
        "chattz_id": chattz_id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "avatar": user.avatar,
        "now": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }


@contextlib.asynccontextmanager
async def minimal_sign_ins(url: str) -> AsyncIterator[dict[str, SignIn]]:
    """The hand-minimal store's sign-in of each case on ``url`` (its own table)."""
    from sqlalchemy import text

    engine = _engine(url, isolation_level="AUTOCOMMIT")
    plain, owned = (
        text(MINIMAL_UPSERT.format(condition="")),
        text(MINIMAL_UPSERT.format(condition=MINIMAL_LINKING)),
    )
    new_ids = itertools.count(1_000_000)

    async def run(statement: Any, chattz_id: int, user_id: int) -> Any:
        values = {**_hand_values(chattz_id), "user_id": user_id}
        async with engine.connect() as connection:
            found = (await connection.execute(statement, values)).scalar_one_or_none()
        if found != user_id:
            raise AssertionError(f"the hand-minimal store answered {found}, not {user_id}")
        return found

    async def returning() -> Any:
        return await run(plain, 1, 1)

    async def first() -> Any:
        chattz_id = next(new_ids)
        return await run(plain, chattz_id, chattz_id)

    async def linking_login() -> Any:
        return await run(owned, next(new_ids), 1)

    try:
        async with engine.connect() as connection:
            await connection.execute(text(MINIMAL_TABLE))
        await returning()  # the returning user's first login
        yield {"returning user": returning, "first login": first, "linking login": linking_login}
    finally:
        await engine.dispose()


_TWO_TABLES = {
    "sqlite": "CREATE TABLE IF NOT EXISTS minimal_users (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "display_name TEXT NOT NULL, created_at TIMESTAMP NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS minimal_users (id BIGSERIAL PRIMARY KEY, "
    "display_name TEXT NOT NULL, created_at TIMESTAMP NOT NULL)",
}
_REFRESH = (
    "UPDATE minimal_links SET username = :username, email = :email, first_name = :first_name, "
    "last_name = :last_name, avatar = :avatar, last_login_at = :now "
    "WHERE chattz_id = :chattz_id RETURNING user_id"
)
_NEW_USER = "INSERT INTO minimal_users (display_name, created_at) VALUES (:name, :now) RETURNING id"
_NEW_LINK = (
    "INSERT INTO minimal_links "
    "(chattz_id, user_id, username, email, first_name, last_name, avatar, last_login_at) "
    "VALUES (:chattz_id, :user_id, :username, :email, :first_name, :last_name, :avatar, :now)"
)
#: PostgreSQL: the user and its link in one statement.
_BOTH = (
    "WITH made AS (INSERT INTO minimal_users (display_name, created_at) "
    "VALUES (:name, :now) RETURNING id) "
    "INSERT INTO minimal_links "
    "(chattz_id, user_id, username, email, first_name, last_name, avatar, last_login_at) "
    "SELECT :chattz_id, made.id, :username, :email, :first_name, :last_name, :avatar, :now "
    "FROM made RETURNING user_id"
)


@contextlib.asynccontextmanager
async def two_table_sign_ins(url: str) -> AsyncIterator[dict[str, SignIn]]:
    """The hand-minimal first login with a users table (``minimal_users``, ``minimal_links``)."""
    from sqlalchemy import text

    engine = _engine(url, isolation_level="AUTOCOMMIT")
    transactions = _engine(url)  # SQLite's two INSERTs: one transaction
    postgresql = engine.dialect.name == "postgresql"
    refresh, both = text(_REFRESH), text(_BOTH)
    one_user, one_link = text(_NEW_USER), text(_NEW_LINK)
    new_ids = itertools.count(1_000_000)

    async def first() -> Any:
        values = _hand_values(next(new_ids))
        values["name"] = values["username"]  # the new user's display name
        async with engine.connect() as connection:
            found = (await connection.execute(refresh, values)).scalar_one_or_none()
            if found is None and postgresql:
                found = (await connection.execute(both, values)).scalar_one()
        if found is None:
            async with transactions.begin() as connection:
                found = (await connection.execute(one_user, values)).scalar_one()
                await connection.execute(one_link, {**values, "user_id": found})
        return found

    try:
        async with engine.connect() as connection:
            await connection.execute(text(_TWO_TABLES[engine.dialect.name]))
            await connection.execute(text(MINIMAL_TABLE.replace("minimal_logins", "minimal_links")))
        yield {FIRST: first}
    finally:
        await engine.dispose()
        await transactions.dispose()


@contextlib.contextmanager
def _sqlite3(url: str) -> Iterator[Any]:
    """A ``sqlite3`` connection in autocommit mode to ``url``'s file, as ``_engine`` sets it up."""
    import sqlite3

    path, _, mode = url.partition(":///")[2].partition("#")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        if mode == "wal":
            for pragma in WAL_PRAGMAS:
                connection.execute(pragma)
        yield connection
    finally:
        connection.close()


def _raw_values(chattz_id: int) -> dict[str, Any]:
    values = _hand_values(chattz_id)
    # sqlite3's own datetime adapter is deprecated (Python 3.12); SQLAlchemy binds this text.
    values["now"] = values["now"].isoformat(" ", timespec="microseconds")
    return {**values, "user_id": chattz_id, "name": values["username"]}


@contextlib.asynccontextmanager
async def raw_one_table_sign_ins(url: str) -> AsyncIterator[dict[str, SignIn]]:
    """The hand-minimal first login through ``sqlite3`` itself, in this thread (``raw_logins``)."""
    table = "raw_logins"
    upsert = MINIMAL_UPSERT.format(condition="").replace("minimal_logins", table)
    new_ids = itertools.count(1_000_000)
    with _sqlite3(url) as connection:
        connection.execute(MINIMAL_TABLE.replace("minimal_logins", table))

        async def first() -> Any:
            return connection.execute(upsert, _raw_values(next(new_ids))).fetchone()[0]

        yield {FIRST: first}


@contextlib.asynccontextmanager
async def raw_two_table_sign_ins(url: str) -> AsyncIterator[dict[str, SignIn]]:
    """The two-table floor's first login through ``sqlite3`` itself (``raw_users``, ``raw_links``).

    The refresh that finds no link, then BEGIN, the user, its link, COMMIT.
    """

    def named(sql: str) -> str:
        return sql.replace("minimal_users", "raw_users").replace("minimal_links", "raw_links")

    refresh, one_user, one_link = named(_REFRESH), named(_NEW_USER), named(_NEW_LINK)
    new_ids = itertools.count(1_000_000)
    with _sqlite3(url) as connection:
        connection.execute(named(_TWO_TABLES["sqlite"]))
        connection.execute(MINIMAL_TABLE.replace("minimal_logins", "raw_links"))

        async def first() -> Any:
            values = _raw_values(next(new_ids))
            if connection.execute(refresh, values).fetchone() is not None:
                raise AssertionError("a first login found a link")
            connection.execute("BEGIN")
            values["user_id"] = connection.execute(one_user, values).fetchone()[0]
            connection.execute(one_link, values)
            connection.execute("COMMIT")
            return values["user_id"]

        yield {FIRST: first}


async def trips_per_sign_in(flow: SignIn, sign_ins: int = 20) -> float | None:
    """The functions ``flow`` hands to aiosqlite's thread per sign-in, over ``sign_ins``.

    Counts the calls of aiosqlite's ``Connection._execute`` (private: wrapped only
    while counting; None if this aiosqlite has no such method).
    """
    from aiosqlite.core import Connection

    original = getattr(Connection, "_execute", None)
    if original is None:
        return None
    trips = 0

    async def counted(self: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await original(self, function, *args, **kwargs)

    Connection._execute = counted  # type: ignore[method-assign, assignment]
    try:
        for _ in range(sign_ins):
            await flow()
    finally:
        Connection._execute = original  # type: ignore[method-assign]
    return trips / sign_ins


@contextlib.asynccontextmanager
async def store_sign_ins(url: str) -> AsyncIterator[dict[str, SignIn]]:
    """``AsyncAccounts.sign_in`` on ``AsyncSQLAlchemyStore`` of each case on ``url``."""
    from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore

    engine = _engine(url)
    new_ids = itertools.count(1_000_000)
    try:
        store = AsyncSQLAlchemyStore(engine)
        await store.create_tables()
        accounts = AsyncAccounts(store)
        own = await accounts.sign_in(_user(1), login=PLAIN)  # the returning user's first login
        user_id = own.user_id
        session = SessionUser(user_id, 1)

        async def expect(outcome: Outcome, signing_in: Awaitable[Any]) -> Any:
            signed_in = await signing_in
            if signed_in.outcome is not outcome:
                raise AssertionError(f"expected {outcome}, got {signed_in.outcome}")
            return signed_in

        async def returning() -> Any:
            return await expect(Outcome.SIGNED_IN, accounts.sign_in(_user(1), login=PLAIN))

        async def first() -> Any:
            user = _user(next(new_ids))
            return await expect(Outcome.CREATED, accounts.sign_in(user, login=PLAIN))

        async def linking_login() -> Any:
            user, login = _user(next(new_ids)), linking(user_id)
            signing_in = accounts.sign_in(user, login=login, signed_in_user_id=session)
            return await expect(Outcome.LINKED, signing_in)

        yield {"returning user": returning, "first login": first, "linking login": linking_login}
    finally:
        await engine.dispose()


async def measure(
    args: argparse.Namespace, databases: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Sign-ins per second of every variant, one entry per counted round; trips per sign-in."""
    async with contextlib.AsyncExitStack() as stack:
        variants: dict[str, SignIn] = {}
        through_aiosqlite = []  # the variants whose trips to aiosqlite's thread are counted
        for database, url in databases.items():
            kinds: list[tuple[str, Callable[[str], Any]]] = [
                (MINIMAL, minimal_sign_ins),
                (TWO_TABLES, two_table_sign_ins),
                (STORE, store_sign_ins),
            ]
            if url.startswith("sqlite"):
                kinds += [(RAW_ONE, raw_one_table_sign_ins), (RAW_TWO, raw_two_table_sign_ins)]
            for kind, sign_ins in kinds:
                flows = await stack.enter_async_context(sign_ins(url))
                for case, flow in flows.items():
                    variants[f"{database} | {case} | {kind}"] = flow
                    if url.startswith("sqlite") and kind not in (RAW_ONE, RAW_TWO):
                        through_aiosqlite.append(f"{database} | {case} | {kind}")
        names = list(variants)
        sizes = {}
        for name, flow in variants.items():
            start = time.perf_counter()
            await flow()
            sizes[name] = batch_size(1 / (time.perf_counter() - start), args.flows, 0.05)
        results: dict[str, list[float]] = {name: [] for name in names}
        cap = args.batch_seconds * 5
        for round_no in range(args.warmup + args.rounds):
            for name in rotated(names, round_no):
                gc.collect()
                rate = await run_async_batch(variants[name], sizes[name], 1, cap, time.perf_counter)
                if round_no < args.warmup:
                    sizes[name] = batch_size(rate, args.flows, args.batch_seconds)
                else:
                    results[name].append(rate)
        trips = {}  # after the timed rounds: counting slows each trip down
        for name in through_aiosqlite:
            counted = await trips_per_sign_in(variants[name])
            if counted is not None:
                trips[name] = counted
    return results, trips


def _us(rates: list[float]) -> float:
    """The median time per sign-in, µs, of sign-ins/s per round."""
    return statistics.median(1e6 / rate for rate in rates)


def _paired(rates: list[float], base: list[float]) -> tuple[float, list[float] | None]:
    """The median of the per-round time ratios of ``rates`` to ``base`` (sign-ins/s), its CI."""
    ratios = [floor / rate for rate, floor in zip(rates, base, strict=True)]
    ci = median_ci(ratios)
    return statistics.median(ratios), list(ci) if ci else None


def _of_kind(results: dict[str, list[float]], kind: str) -> Iterator[tuple[str, str, list[float]]]:
    """The database, case and rates of each of ``results``' variants of ``kind``."""
    for name, rates in results.items():
        database, case, of = name.split(" | ")
        if of == kind:
            yield database, case, rates


def summarize(
    results: dict[str, list[float]], trips: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """Per database and case: µs per sign-in of each store, the store's paired time ratio.

    On SQLite also the trips to aiosqlite's thread per sign-in (hand-minimal, store and,
    for a first login, two tables).
    """
    trips = trips or {}
    rows = []
    for database, case, store_rates in _of_kind(results, STORE):
        floor = results[f"{database} | {case} | {MINIMAL}"]
        ratio, ci = _paired(store_rates, floor)
        row: dict[str, Any] = {
            "database": database,
            "case": case,
            "minimal_us": _us(floor),
            "store_us": _us(store_rates),
            "time_ratio": ratio,
            "time_ratio_ci95": ci,
            "rates": {"minimal": floor, "store": store_rates},
        }
        two = results.get(f"{database} | {case} | {TWO_TABLES}")
        if two is not None:
            row["two_tables_us"] = _us(two)
            row["two_tables_ratio"], row["two_tables_ratio_ci95"] = _paired(store_rates, two)
            row["rates"]["two_tables"] = two
        counted = {
            key: trips[f"{database} | {case} | {kind}"]
            for key, kind in (("minimal", MINIMAL), ("store", STORE), ("two_tables", TWO_TABLES))
            if f"{database} | {case} | {kind}" in trips
        }
        if counted:
            row["trips"] = counted
        rows.append(row)
    return rows


def summarize_raw(results: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Per SQLite database: a first login's writes in ``sqlite3`` itself, one table and two."""
    rows = []
    for database, _, one in _of_kind(results, RAW_ONE):
        two = results[f"{database} | {FIRST} | {RAW_TWO}"]
        ratio, ci = _paired(two, one)
        rows.append(
            {
                "database": database.removesuffix(" (aiosqlite)"),  # no aiosqlite here
                "one_table_us": _us(one),
                "two_tables_us": _us(two),
                "time_ratio": ratio,
                "time_ratio_ci95": ci,
                "rates": {"one_table": one, "two_tables": two},
            }
        )
    return rows


def _ratio(ratio: float, ci: list[float] | None) -> str:
    interval = f"{ci[0]:.2f}–{ci[1]:.2f}" if ci else "n/a (< 6 rounds)"
    return f"{ratio:.2f} [{interval}]"


def _trips(row: dict[str, Any]) -> str:
    counted = row.get("trips", {})
    return " / ".join(
        f"{counted[key]:.0f}" for key in ("minimal", "store", "two_tables") if key in counted
    )


def markdown_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| database | sign-in | hand-minimal µs | store µs | time ratio to hand-minimal [95% CI] "
        "| hand-minimal, two tables µs | time ratio to it [95% CI] "
        "| trips to aiosqlite's thread: hand-minimal / store / two tables |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        two = ("", "")
        if "two_tables_us" in row:
            ratio = _ratio(row["two_tables_ratio"], row["two_tables_ratio_ci95"])
            two = (f"{row['two_tables_us']:,.0f}", ratio)
        lines.append(
            f"| {row['database']} | {row['case']} | {row['minimal_us']:,.0f} "
            f"| {row['store_us']:,.0f} | {_ratio(row['time_ratio'], row['time_ratio_ci95'])} "
            f"| {two[0]} | {two[1]} | {_trips(row)} |"
        )
    return "\n".join(lines)


def markdown_raw_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| database | first login in `sqlite3` itself: one table µs | two tables µs "
        "| time ratio, two tables to one [95% CI] |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['database']} | {row['one_table_us']:,.0f} | {row['two_tables_us']:,.0f} "
            f"| {_ratio(row['time_ratio'], row['time_ratio_ci95'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import aiosqlite  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        print(f"stores.py needs SQLAlchemy and aiosqlite: {exc} (pip install -e '.[sqlalchemy]')")
        return 0
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="chattz-bench-"))
        databases = {
            "SQLite (aiosqlite)": f"sqlite+aiosqlite:///{folder}/accounts.db",
            "SQLite WAL, synchronous=NORMAL": f"sqlite+aiosqlite:///{folder}/wal.db#wal",
        }
        if not args.no_postgres:
            url = stack.enter_context(postgres_url())
            if url is not None:
                databases["PostgreSQL (psycopg, fsync off)"] = url
        started = time.perf_counter()
        # SQLAlchemy's asyncio extension and aiosqlite run on asyncio only.
        results, trips = asyncio.run(measure(args, databases))
    rows, raw = summarize(results, trips), summarize_raw(results)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{args.rounds} paired rounds of about {args.batch_seconds} s a variant, one sign-in "
        f"at a time, in {time.perf_counter() - started:.0f} s (Python {sys.version.split()[0]}, "
        f"load average {load})\n"
    )
    print(markdown_table(rows))
    print("\nOn SQLite, a first login's writes through `sqlite3` itself, in this thread:\n")
    print(markdown_raw_table(raw))
    if args.json:
        args.json.write_text(json.dumps({"stores": rows, "sqlite3_itself": raw}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
