"""The browsers of ``weblogin.py`` and its first measurement: SQL statements per web login.

A ``Browser`` is one user's httpx client with its own cookie jar, signing in through an app
and the fake as a browser does; ``count_statements`` counts the SQL statements of a
returning, a first and a linking login, from PostgreSQL's statement log (``StatementLog``)
or the app's SQLite trace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from weblogin_processes import FASTAPI_USERS, RETURNING_IDS, App

CASES = ("returning", "first", "linking")


# --- browsers ---------------------------------------------------------------------------


class LoginFailed(RuntimeError):
    """A web login did not end signed in."""


class Browser:
    """One user's browser: its own cookie jar and connections."""

    def __init__(self, app: App, chattz_id: int) -> None:
        self.app = app
        self.chattz_id = chattz_id
        self.client = httpx.AsyncClient(timeout=30.0)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def login(self, chattz_id: int | None = None, *, link: bool = False) -> None:
        """One whole web login as ``chattz_id`` (the browser's own user by default)."""
        client, app = self.client, self.app
        if not link:
            client.cookies.clear()
        if app.contender == FASTAPI_USERS:
            if link:
                answer = await client.get(app.base_url + "/auth/associate/chattz/authorize")
            else:
                answer = await client.get(app.base_url + "/auth/chattz/authorize")
            self._expect(answer, 200)
            authorize = answer.json()["authorization_url"]
        else:
            if link:
                answer = await client.post(
                    app.base_url + "/login",
                    data={"next": "/"},
                    headers={"Sec-Fetch-Site": "same-origin"},
                )
            else:
                answer = await client.get(app.base_url + "/login")
            self._expect(answer, 302, 303)
            authorize = answer.headers["location"]
        parts = urlsplit(authorize)
        consent = dict(parse_qsl(parts.query))
        consent.update(user=str(chattz_id or self.chattz_id), decision="allow")
        answer = await client.post(
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            data=consent,
            headers={"Sec-Fetch-Site": "same-origin"},
        )
        self._expect(answer, 302, 303)
        callback = answer.headers["location"]
        answer = await client.get(callback)
        self._expect(answer, 200, 204, 302, 303)

    def _expect(self, answer: httpx.Response, *statuses: int) -> None:
        if answer.status_code not in statuses:
            raise LoginFailed(
                f"{self.app.name}: {answer.request.method} {answer.request.url.path} "
                f"answered {answer.status_code}: {answer.text[:300]!r}"
            )


async def make_browsers(app: App, count: int) -> list[Browser]:
    """``count`` browsers, each with its returning user's account already made."""
    browsers = [Browser(app, RETURNING_IDS + number) for number in range(count)]
    for browser in browsers:
        await browser.login()
    return browsers


# --- 1. statements ------------------------------------------------------------------------

_PG_STATEMENT = re.compile(
    rb"^\S+ \S+ \S+ \[\d+\] db=(\w*) LOG:  (?:statement|execute [^:]*): ", re.M
)


class StatementLog:
    """PostgreSQL's statement log (``log_statement = all`` while counting), line by database."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.path = Path(server.data).parent / "server.log"

    def _set(self, value: str | None) -> None:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.server.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            if value is None:
                connection.execute("ALTER SYSTEM RESET log_statement")
                connection.execute("ALTER SYSTEM RESET log_line_prefix")
            else:
                connection.execute(f"ALTER SYSTEM SET log_statement = '{value}'")
                connection.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d '")
            connection.execute("SELECT pg_reload_conf()")

    def on(self) -> None:
        self._set("all")

    def off(self) -> None:
        self._set(None)

    def count(self, url: str) -> int:
        """Statements logged so far in the database of ``url``."""
        database = url.rsplit("/", 1)[1].encode()
        return sum(1 for name in _PG_STATEMENT.findall(self.path.read_bytes()) if name == database)


async def count_statements(
    app: App, probe: httpx.AsyncClient, log: StatementLog | None, logins: int, ids: Iterator[int]
) -> dict[str, float]:
    """SQL statements per web login of each case, one login at a time."""

    async def counted() -> int:
        if log is not None:
            return log.count(app.url)
        return int((await app.probe(probe))["sqlite_statements"])

    browser = Browser(app, RETURNING_IDS + 999)
    try:
        await browser.login()  # the account exists; the pool's connection is open
        result = {}
        for case in CASES:
            if case == "linking":
                await browser.login()  # signed in as its own user, who links the new ids
            await run_case(browser, case, ids)  # warm: a connection of the pool set up
            before = await counted()
            for _ in range(logins):
                await run_case(browser, case, ids)
            result[case] = (await counted() - before) / logins
        return result
    finally:
        await browser.aclose()


async def run_case(browser: Browser, case: str, ids: Iterator[int]) -> None:
    """One login: the browser's own user again, a new Chattz id, or a new id linked."""
    if case == "returning":
        await browser.login()
    else:
        await browser.login(next(ids), link=case == "linking")
