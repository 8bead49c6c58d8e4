"""Where a PostgreSQL sign-in's time goes: the store peeled layer by layer, against the floor.

``stores.py`` says how much longer ``AsyncAccounts.sign_in`` takes than the
hand-minimal one-statement store; this says where the difference goes, for a
returning user on PostgreSQL (psycopg 3, a throwaway server from
``tests/postgres.py``), one sign-in at a time. Each layer adds one thing to the
one before:

1. **hand-minimal**: ``stores.py``'s floor (``INSERT ... ON CONFLICT DO UPDATE
   ... RETURNING`` on an engine built with ``isolation_level="AUTOCOMMIT"``);
2. **the store's statement, engine autocommit**: the store's own sign-in
   statement (the CTEs of a plain login with sign-ups open: refresh the link if
   its user is active, else a new user and its link), run the floor's way: the
   database's part of the difference;
3. **...on the app's engine**: the same statement the store's way, on the app's
   ordinary engine, psycopg's own ``autocommit`` switched on at checkout and back
   before check-in, the whole call in one greenlet (``first_row`` in
   ``accounts/_alone.py``, run by ``async_run_on``);
4. **store.sign_in_once**: the store's method (binding the values, reading the row back);
5. **AsyncAccounts.sign_in**: the whole sign-in (the profile cleaned, the rules).

Paired rounds, the order rotated every round; for each layer, the median wall
time and CPU time (``time.process_time``: this process only, the server's CPU
is not in it) per sign-in, and the median of the per-round ratios of wall time
to the floor's with a 95% CI. Nothing here is asserted.

Usage: ``python benchmarks/store_layers.py [--rounds 9] [--sign-ins 300]``
(``--quick``: a smoke run).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rounds import median_ci, rotated
from stores import _user, postgres_url
from webapps import MINIMAL_TABLE, MINIMAL_UPSERT  # the hand-minimal store

from chattz_oauth_async.accounts import AsyncAccounts
from chattz_oauth_async.accounts._statements import Binds
from chattz_oauth_async.accounts._values import Profile
from tests.accounts_helpers import PLAIN

Layer = Callable[[], Awaitable[Any]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="paired rounds (default 9)")
    parser.add_argument("--sign-ins", type=int, default=300, help="per layer and round")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.sign_ins = 2, 20
    return args


async def layers(url: str) -> tuple[dict[str, Layer], Callable[[], Awaitable[None]]]:
    """The layers on ``url`` (a fresh database), and what closes their engines."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from chattz_oauth_async.accounts._alone import first_row
    from chattz_oauth_async.accounts._synchronization import async_run_on
    from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore

    autocommit = create_async_engine(url, isolation_level="AUTOCOMMIT")
    engine = create_async_engine(url)
    store = AsyncSQLAlchemyStore(engine)
    await store.create_tables()
    accounts = AsyncAccounts(store)
    user = _user(1)
    await accounts.sign_in(user, login=PLAIN)  # the returning user's account
    profile, now = Profile.from_user(user), dt.datetime.now(dt.UTC)
    minimal = text(MINIMAL_UPSERT.format(condition=""))
    floor_values = {
        **profile.columns(),
        "chattz_id": 1,
        "user_id": 1,
        "now": now.replace(tzinfo=None),
    }
    statement = store._sql.sign_in("pg", False, False, True)  # a plain login, sign-ups open
    values = Binds.values(profile, None, None, now)
    async with autocommit.connect() as connection:
        await connection.execute(text(MINIMAL_TABLE))

    async def floor() -> None:
        async with autocommit.connect() as connection:
            (await connection.execute(minimal, floor_values)).first()

    async def statement_only() -> None:
        async with autocommit.connect() as connection:
            (await connection.execute(statement, values)).first()

    async def on_app_engine() -> None:
        await async_run_on(engine, first_row, statement, values, None)

    async def sign_in_once() -> None:
        await store.sign_in_once(profile, now, user_id=None, session=None, signups=True)

    async def sign_in() -> None:
        await accounts.sign_in(user, login=PLAIN)

    async def close() -> None:
        await autocommit.dispose()
        await engine.dispose()

    found: dict[str, Layer] = {
        "1. hand-minimal": floor,
        "2. the store's statement, engine autocommit": statement_only,
        "3. ...on the app's engine (psycopg's autocommit on and back)": on_app_engine,
        "4. store.sign_in_once": sign_in_once,
        "5. AsyncAccounts.sign_in": sign_in,
    }
    return found, close


async def measure(url: str, args: argparse.Namespace) -> dict[str, list[tuple[float, float]]]:
    """Per layer and round: (wall µs, CPU µs) per sign-in."""
    found, close = await layers(url)
    try:
        for layer in found.values():
            for _ in range(20):  # warm: statements prepared, the pool's connection open
                await layer()
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in found}
        for round_no in range(args.rounds):
            for name in rotated(list(found), round_no):
                layer = found[name]
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(args.sign_ins):
                    await layer()
                results[name].append(
                    (
                        (time.perf_counter() - wall) / args.sign_ins * 1e6,
                        (time.process_time() - cpu) / args.sign_ins * 1e6,
                    )
                )
        return results
    finally:
        await close()


def table(results: dict[str, list[tuple[float, float]]]) -> str:
    floor = results["1. hand-minimal"]
    lines = [
        "| layer (returning user, PostgreSQL) | wall µs | CPU µs | wall ratio to hand-minimal |",
        "|---|---:|---:|---:|",
    ]
    for name, rows in results.items():
        ratios = [wall / base for (wall, _), (base, _) in zip(rows, floor, strict=True)]
        ci = median_ci(ratios)
        interval = f"{ci[0]:.2f}–{ci[1]:.2f}" if ci else "n/a (< 6 rounds)"
        wall = statistics.median(row[0] for row in rows)
        cpu = statistics.median(row[1] for row in rows)
        lines.append(
            f"| {name} | {wall:,.0f} | {cpu:,.0f} | {statistics.median(ratios):.2f} [{interval}] |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with postgres_url() as url:
        if url is None:
            return 0
        started = time.perf_counter()
        results = asyncio.run(measure(url, args))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{args.rounds} paired rounds of {args.sign_ins} sign-ins a layer in "
        f"{time.perf_counter() - started:.0f} s (Python {sys.version.split()[0]}, "
        f"load average {load})\n"
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
