"""What an account store costs per login: a login alone against a login plus ``sign_in``.

A login is the library's code exchange and userinfo call (``AsyncChattzOAuth``
over the mock transport, canned answers, as in ``bench.py``); with a store it
is followed by ``AsyncAccounts.sign_in`` on an ``AsyncSQLAlchemyStore``:

- SQLite, a file in a temporary folder, through aiosqlite: as it comes
  (rollback journal, ``synchronous=FULL``: an fsync or more per commit), and
  in WAL mode with ``synchronous=NORMAL`` (what a production app would set);
- PostgreSQL through psycopg 3 (async), a throwaway server started from the
  machine's binaries with ``tests/postgres.py`` (initdb in a temporary folder,
  loopback only, fsync off), or skipped with a message when there is none.

Two cases per database: a returning user (the link exists: a find, then an
update and a read in one transaction) and a first login (a new Chattz id every
time: a find, then the user and its link inserted in one transaction).

Paired rounds in one process: each variant runs a batch of logins one at a
time per round, the order rotated every round; for each round the extra
microseconds per login and the ratio of time per login are taken against the
no-store batch of the same round, and the table shows their medians over the
rounds (with a distribution-free 95% CI of the ratio, from 6 rounds). Wall
time (``time.perf_counter``): the database's work happens in other threads
(aiosqlite) or processes (PostgreSQL). Nothing here is asserted.

Usage: ``python benchmarks/stores.py [--rounds 15] [--batch-seconds 0.3]
[--no-postgres] [--json out.json]``; ``--quick`` is a smoke run (seconds).
Needs SQLAlchemy 2 with aiosqlite and psycopg 3 (``pip install -e '.[sqlalchemy,postgresql]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
from contenders import MOCK_BASE_URL, Target, check_user, library_async
from rounds import batch_size, median_ci, rotated, run_async_batch

from chattz_oauth_async.accounts import AsyncAccounts, Outcome
from tests.accounts_helpers import PLAIN

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "no store (exchange + userinfo)"

Login = Callable[[], Awaitable[Any]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="rounds not counted (default 2)")
    parser.add_argument("--batch-seconds", type=float, default=0.3, help="per batch (default 0.3)")
    parser.add_argument("--flows", type=int, default=2000, help="most logins per batch")
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
    sys.path.insert(0, str(ROOT))  # tests/postgres.py, shared with the test suite
    try:
        from tests.postgres import PostgresServer, bindir
    except ImportError as exc:  # psycopg or pytest missing
        print(f"PostgreSQL skipped: {exc} (pip install -e . --group tests)")
        yield None
        return
    found = bindir()
    if found is None:
        print("PostgreSQL skipped: no initdb/pg_ctl (apt-get install postgresql)")
        yield None
        return
    server = PostgresServer(found)
    try:
        server.start()
        yield server.url(server.new_database())
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def store_logins(url: str, login: Login) -> AsyncIterator[dict[str, Login]]:
    """``login`` followed by a sign-in of a returning user, and of a new one, on ``url``.

    ``url`` may end in ``#wal``: SQLite then runs in WAL mode, ``synchronous=NORMAL``.
    """
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    from chattz_oauth_async.accounts.sqlalchemy import AsyncSQLAlchemyStore

    url, _, mode = url.partition("#")
    engine = create_async_engine(url)
    if mode == "wal":

        @event.listens_for(engine.sync_engine, "connect")
        def wal(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    try:
        store = AsyncSQLAlchemyStore(engine)
        await store.create_tables()
        accounts = AsyncAccounts(store)
        new_ids = itertools.count(10_000)

        async def returning() -> Any:
            signed_in = await accounts.sign_in(await login(), login=PLAIN)
            if signed_in.outcome is not Outcome.SIGNED_IN:
                raise AssertionError(f"expected a returning user, got {signed_in.outcome}")
            return signed_in

        async def first() -> Any:
            user = attrs.evolve(await login(), id=next(new_ids))
            signed_in = await accounts.sign_in(user, login=PLAIN)
            if signed_in.outcome is not Outcome.CREATED:
                raise AssertionError(f"expected a new account, got {signed_in.outcome}")
            return signed_in

        await accounts.sign_in(await login(), login=PLAIN)  # the returning user's first login
        yield {"returning user": returning, "first login": first}
    finally:
        await engine.dispose()


async def measure(args: argparse.Namespace, databases: dict[str, str]) -> dict[str, list[float]]:
    """Logins per second of every variant, one entry per counted round."""
    target = Target("mock", MOCK_BASE_URL)
    target.clock = time.perf_counter  # the database works outside this process's CPU time
    async with contextlib.AsyncExitStack() as stack:
        login = await library_async(target, stack)
        check_user(await login())
        variants: dict[str, Login] = {BASELINE: login}
        for database, url in databases.items():
            logins = await stack.enter_async_context(store_logins(url, login))
            for case, flow in logins.items():
                variants[f"{database}, {case}"] = flow
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
    return results


def summarize(results: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Per variant: µs per login, µs added over no store and the time ratio (paired medians)."""
    base = results[BASELINE]
    rows = []
    for name, rates in results.items():
        added = [1e6 / rate - 1e6 / floor for rate, floor in zip(rates, base, strict=True)]
        ratios = [floor / rate for rate, floor in zip(rates, base, strict=True)]
        ci = median_ci(ratios)
        rows.append(
            {
                "variant": name,
                "us_per_login": statistics.median(1e6 / rate for rate in rates),
                "us_added": statistics.median(added),
                "time_ratio": statistics.median(ratios),
                "time_ratio_ci95": list(ci) if ci else None,
                "rates": rates,
            }
        )
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| variant | µs per login | µs added by the store | time ratio to no store | 95% CI |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        ci = row["time_ratio_ci95"]
        interval = f"{ci[0]:.2f} – {ci[1]:.2f}" if ci else "n/a (< 6 rounds)"
        lines.append(
            f"| {row['variant']} | {row['us_per_login']:,.0f} | {row['us_added']:,.0f} "
            f"| {row['time_ratio']:.2f} | {interval} |"
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
            "SQLite WAL (aiosqlite)": f"sqlite+aiosqlite:///{folder}/wal.db#wal",
        }
        if not args.no_postgres:
            url = stack.enter_context(postgres_url())
            if url is not None:
                databases["PostgreSQL (psycopg)"] = url
        started = time.perf_counter()
        # SQLAlchemy's asyncio extension and aiosqlite run on asyncio only.
        results = asyncio.run(measure(args, databases))
    rows = summarize(results)
    print(
        f"{args.rounds} paired rounds of about {args.batch_seconds} s a variant, "
        f"one login at a time, in {time.perf_counter() - started:.0f} s "
        f"(Python {sys.version.split()[0]})\n"
    )
    print(markdown_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
