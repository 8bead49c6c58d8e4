"""Whole web logins: browsers through a FastAPI app, the served fake and a database.

A web login is what a user's browser does: ``GET /login`` on the app (a
redirect to Chattz), the consent form's POST on the provider (a redirect back
with the code), ``GET /callback`` on the app (the code exchange and userinfo
from the app to the provider, the account step in the database, a new session
cookie). Everything runs on loopback, each part in its own process:

- the provider: the library's fake, ``FakeChattz.serve()`` (``served_fake.py``);
- the apps (``webapps.py``), each one uvicorn worker on its own database:
  the hand-minimal login (the floor: one shared httpx client, state and PKCE
  in the signed session cookie, one SQL statement), ``examples/fastapi_app.py``
  as shipped, the docs' FastAPI quickstart (the same login without accounts,
  so that the example's extra cost is the account step's), the example in an
  interpreter without sniffio (what users ran before the library depended on
  it), fastapi-users with its OAuth router when fastapi-users is
  installed, and with ``--baseline DIR`` the example as of another checkout
  (``webapps.py --root``: its example and library), in an interpreter without
  sniffio unless ``--baseline-sniffio``;
- the databases: SQLite files (aiosqlite, as the example comes) and
  PostgreSQL (psycopg 3; a throwaway server from ``tests/postgres.py``:
  loopback, fsync off), skipped with a message when there is none;
- the browsers: ``--concurrency`` httpx clients in this process, each with its
  own cookie jar, each signing one returning user in again and again (its
  cookies cleared before each login).

Three measurements:

1. **SQL round trips per web login** (one login at a time): PostgreSQL from
   the server's own statement log (``log_statement = all`` for this part
   only: BEGIN, COMMIT and ROLLBACK count), SQLite from the ``sqlite3`` trace
   callback in the app (every statement SQLite runs). Three cases: a returning
   user, a first login (a new Chattz id), and a linking login (a signed-in
   user POSTs ``/login`` and links a new Chattz id).
2. **Paired rounds** of returning logins at ``--concurrency``: each round runs
   a batch on every app of a database, the order rotated; per app the median
   logins/s, the app worker's CPU per login (its ``time.process_time()``, all
   threads), and the medians of the per-round ratios to the hand-minimal app
   with a distribution-free 95% CI (from 6 rounds), a login's latency (the
   median over the rounds of each round's p50 and p99, the slowest login of
   all rounds), and the database connections the worker opened per 100
   logins (its pool's churn). With ``--baseline``, the example's per-round
   ratios to the baseline's too: issue 27's "logins/s at least 1.4 times
   today's" is measured against ``git worktree add ../today 3657b7b`` (main when
   the issue was filed; it makes the issue's 7 / 7 / 12 round trips).
3. **The served fake's answer latency**: sequential logins' three provider
   requests (consent POST, token POST, userinfo GET) on one kept-alive
   connection; median and p99 per request, and the count of answers slower
   than 20 ms. With ``--nagle`` also a fake with Nagle's algorithm on (the
   server before it set TCP_NODELAY).

Usage: ``python benchmarks/weblogin.py [--rounds 9] [--batch-seconds 1.5]
[--concurrency 10] [--no-postgres] [--nagle] [--baseline DIR [--baseline-sniffio]]
[--json out.json] [--profile DIR]``
(``--profile``: py-spy's samples of each app's worker, or cProfile's without py-spy); ``--quick``
is the smoke run CI does (30-50 s). Nothing here is asserted. Needs the
``bench`` dependency group (FastAPI, uvicorn, SQLAlchemy, aiosqlite, psycopg).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sniffio_cost import lookup_us, python_without_sniffio, sniffio_installed
from webapps import fastapi_users_installed
from weblogin_browsers import StatementLog, count_statements, make_browsers
from weblogin_measures import fake_latency, paired_ratios, paired_rounds, profile_shares, summarize
from weblogin_processes import (
    BASELINE,
    EXAMPLE,
    FASTAPI_USERS,
    FLOOR,
    NEW_ID_COUNT,
    NEW_IDS,
    NO_SNIFFIO,
    PRE_PING,
    QUICKSTART,
    App,
    postgres,
    served_fake,
)
from weblogin_tables import tables


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="paired rounds (default 9)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds not counted (default 1)")
    parser.add_argument("--batch-seconds", type=float, default=1.5, help="per batch (1.5)")
    parser.add_argument("--concurrency", type=int, default=10, help="browsers at once (10)")
    parser.add_argument("--count-logins", type=int, default=10, help="per case, statement count")
    parser.add_argument("--latency-logins", type=int, default=200, help="for the fake's latency")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--nagle", action="store_true", help="also a fake with Nagle's algorithm")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also the hand-minimal app and the example with this many uvicorn workers "
        "on PostgreSQL (0: not; logins/s and CPU only)",
    )
    parser.add_argument(
        "--workers-concurrency", type=int, default=32, help="browsers at once then (32)"
    )
    parser.add_argument(
        "--fastapi-users-python",
        help="an interpreter with fastapi-users[sqlalchemy] and httpx-oauth installed "
        "(default: this one, when it has them)",
    )
    parser.add_argument(
        "--pre-ping",
        action="store_true",
        help="also the example with pool_pre_ping=True on its engine (what a ping per "
        "checkout costs)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also the example as of another checkout (a git worktree of a commit from 56a4bae "
        "on), in an interpreter without sniffio, as before the web extras installed it; "
        "the example's logins/s and CPU per login are paired against it",
    )
    parser.add_argument(
        "--baseline-sniffio",
        action="store_true",
        help="run the baseline in this interpreter, sniffio installed: the code's change alone",
    )
    parser.add_argument(
        "--no-sniffio-contender",
        action="store_true",
        help="skip the example in an interpreter without sniffio",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile each 1-worker app: py-spy's samples (collapsed stacks) in "
        "DIR/<app>-<database>.txt when py-spy is on PATH, else cProfile's DIR/<...>.prof "
        "(which slows the app down: read its ratios with care)",
    )
    parser.add_argument(
        "--native",
        action="store_true",
        help="with --profile and py-spy: C frames too (py-spy --native), e.g. SQLite's own "
        "calls and waits in aiosqlite's threads",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run (30-50 s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.warmup, args.batch_seconds = 2, 0, 0.3
        args.count_logins, args.latency_logins = 2, 20
    if args.baseline is not None:
        args.baseline = args.baseline.resolve()
        example = args.baseline / "examples" / "fastapi_app.py"
        # Without these webapps.py would import this checkout's instead, silently; an example
        # from before 56a4bae has no create_app(..., database_url=) and its worker would fail.
        if not (args.baseline / "chattz_oauth_async" / "__init__.py").is_file() or not (
            example.is_file() and "database_url" in example.read_text(encoding="utf-8")
        ):
            parser.error(
                f"--baseline {args.baseline}: not a checkout from 56a4bae on (it needs "
                "chattz_oauth_async/ and examples/fastapi_app.py with create_app(..., "
                "database_url=))"
            )
    return args


def baseline_facts(args: argparse.Namespace, python: str) -> dict[str, Any]:
    """What the baseline was: its folder, its commit (when it is a git checkout's top, with
    ``-dirty`` when it has changes), its interpreter."""

    def git(*command: str) -> str:
        try:
            found = subprocess.run(
                ["git", "-C", str(args.baseline), *command],
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:  # no git here
            return ""
        return found.stdout.strip()

    top = git("rev-parse", "--show-toplevel")
    commit = git("describe", "--always", "--dirty") if top and Path(top) == args.baseline else ""
    return {
        "dir": str(args.baseline),
        "commit": commit or None,
        "python": python,
        "sniffio": python == sys.executable and sniffio_installed(),
    }


# --- the run ------------------------------------------------------------------------------


def contenders(
    without_sniffio: str | None,
    fastapi_users_python: str | None,
    *,
    pre_ping: bool = False,
    baseline_python: str | None = None,
) -> dict[str, str]:
    """The apps to run and the interpreter each runs in."""
    found = {FLOOR: sys.executable, EXAMPLE: sys.executable, QUICKSTART: sys.executable}
    if pre_ping:
        found[PRE_PING] = sys.executable
    if without_sniffio is not None:
        found[NO_SNIFFIO] = without_sniffio
    if baseline_python is not None:
        found[BASELINE] = baseline_python
    if fastapi_users_python is not None:
        found[FASTAPI_USERS] = fastapi_users_python
    elif fastapi_users_installed():
        found[FASTAPI_USERS] = sys.executable
    else:
        print(
            "fastapi-users skipped: not installed here (pip install 'fastapi-users[sqlalchemy]' "
            "httpx-oauth, or --fastapi-users-python PATH to a venv that has them)"
        )
    return found


async def measure(
    args: argparse.Namespace, apps: list[App], pg_log: StatementLog | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "statements": {},
        "rounds": [],
        "fake_latency": {},
        "sniffio_paired": {},
        "accounts_paired": {},
        "pre_ping_paired": {},
        "baseline_paired": {},
    }
    ids = iter(range(NEW_IDS, NEW_IDS + NEW_ID_COUNT))
    async with httpx.AsyncClient(timeout=30.0) as probe:
        await asyncio.gather(*(app.wait_ready(probe) for app in apps))
        if pg_log is not None:
            pg_log.on()
        try:
            for app in apps:
                if app.workers > 1 or app.contender == QUICKSTART:  # as 1 worker's; no database
                    continue
                log = pg_log if app.database == "PostgreSQL" else None
                out["statements"][app.name] = await count_statements(
                    app, probe, log, args.count_logins, ids
                )
        finally:
            if pg_log is not None:
                pg_log.off()
        browsers = {}
        for app in apps:
            count = args.concurrency if app.workers == 1 else args.workers_concurrency
            browsers[app.name] = await make_browsers(app, count)
        try:
            for database in dict.fromkeys(app.database for app in apps):
                group = [app for app in apps if app.database == database]
                results = await paired_rounds(group, browsers, probe, args)
                out["rounds"] += summarize(database, results)
                without, with_ = f"{NO_SNIFFIO} @ {database}", f"{EXAMPLE} @ {database}"
                if without in results:
                    out["sniffio_paired"][database] = paired_ratios(
                        results[without], results[with_]
                    )
                pinging = f"{PRE_PING} @ {database}"
                if pinging in results:
                    out["pre_ping_paired"][database] = paired_ratios(
                        results[pinging], results[with_]
                    )
                before = f"{BASELINE} @ {database}"
                if before in results:
                    out["baseline_paired"][database] = paired_ratios(
                        results[with_], results[before]
                    )
                bare = f"{QUICKSTART} @ {database}"
                if bare in results:
                    out["accounts_paired"][database] = paired_ratios(results[with_], results[bare])
        finally:
            for group in browsers.values():
                for browser in group:
                    await browser.aclose()
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chattz-bench-")))
        without = None
        if sniffio_installed() and not args.no_sniffio_contender:
            without = python_without_sniffio(folder / "no-sniffio")
        elif not args.no_sniffio_contender:
            print("the sniffio contender skipped: sniffio is not installed here")
        baseline_python = None
        if args.baseline is not None:
            # The baseline ran where nothing installed sniffio (httpx and anyio no longer do).
            if args.baseline_sniffio or not sniffio_installed():
                if args.baseline_sniffio and not sniffio_installed():
                    print("--baseline-sniffio: sniffio is not installed here; so neither there")
                baseline_python = sys.executable
            else:
                if without is None:
                    without = python_without_sniffio(folder / "no-sniffio")
                baseline_python = without
        pythons = contenders(
            without if not args.no_sniffio_contender else None,
            args.fastapi_users_python,
            pre_ping=args.pre_ping,
            baseline_python=baseline_python,
        )
        databases: dict[str, Any] = {}
        if not args.no_sqlite:
            databases["SQLite"] = lambda name: f"sqlite+aiosqlite:///{folder / name}.db"
        server = None
        if not args.no_postgres:
            server = stack.enter_context(postgres())
            if server is not None:
                databases["PostgreSQL"] = lambda name, s=server: s.url(s.new_database())
        apps = [
            App(contender, database, make_url(re.sub(r"\W+", "_", contender)), python)
            for database, make_url in databases.items()
            for contender, python in pythons.items()
        ]
        if server is not None and args.workers > 1:
            label = f"PostgreSQL, {args.workers} workers"
            apps += [
                App(
                    contender,
                    label,
                    server.url(server.new_database()),
                    sys.executable,
                    args.workers,
                )
                for contender in (FLOOR, EXAMPLE)
            ]
        for app in apps:
            if app.contender == BASELINE:
                app.root = args.baseline
            stack.callback(app.stop)
        clients = [client for app in apps for client in app.clients()]
        fake_url = stack.enter_context(served_fake(clients))
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
        for app in apps:
            app.start(fake_url, args.profile, args.native)
        started = time.perf_counter()
        out = asyncio.run(measure(args, apps, StatementLog(server) if server else None))
        if baseline_python is not None:
            out["baseline"] = baseline_facts(args, baseline_python)
        out["fake_latency"]["TCP_NODELAY (the library's server)"] = asyncio.run(
            fake_latency(fake_url, apps[0], args.latency_logins)
        )
        if args.nagle:
            with served_fake(clients, nagle=True) as nagle_url:
                out["fake_latency"]["Nagle's algorithm on (before the fix)"] = asyncio.run(
                    fake_latency(nagle_url, apps[0], min(args.latency_logins, 50))
                )
        lookups = 2000 if args.quick else 20_000
        here = "installed" if sniffio_installed() else "not installed"
        out["sniffio_lookup_us"] = {here: lookup_us(sys.executable, lookups)}
        if without is not None and not args.no_sniffio_contender:
            out["sniffio_lookup_us"]["not installed"] = lookup_us(without, lookups)
        out["seconds"] = time.perf_counter() - started
        out["profile"] = {}
        for app in apps:
            if args.profile is not None and app.workers == 1:
                app.stop()  # py-spy writes its samples once the worker has exited
                samples = args.profile / f"{app.client_id}.txt"
                if samples.exists():
                    out["profile"][app.name] = profile_shares(samples)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import aiosqlite  # noqa: F401
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"weblogin.py needs the bench dependency group: {exc}")
        return 0
    out = run(args)
    load = os.getloadavg()
    print(
        f"{args.rounds} paired rounds of about {args.batch_seconds} s an app, "
        f"{args.concurrency} browsers at once, in {out['seconds']:.0f} s "
        f"(Python {sys.version.split()[0]}, load average {load[0]:.1f} / {load[1]:.1f})\n"
    )
    print(tables(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
