"""Field test: every engine the docs build from the app's DATABASE_URL survives a database restart.

Following docs/frameworks/fastapi.md's accounts app on PostgreSQL under uvicorn (2
workers), a restart of the database turned the next logins into 503 "Sign-in is not
available" (2 of 10 logins, one per stale pooled connection), although the README's
engine and docs/operating.md promise that ``pool_pre_ping=True`` makes a restart cost
no login: the framework pages built their engines without it. The account store now tries
a statement once more on a connection a restart closed, so an engine only the store uses
survives without the ping (examples/fastapi_app.py's, which says so next to it and tells
when to add the ping); every other engine from DATABASE_URL keeps ``pool_pre_ping=True``. The
behaviour itself is tests/test_database_restart.py's; this checks each snippet a user copies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = re.compile(r"\bcreate_(?:async_)?engine\(")


def _calls(text: str) -> list[str]:
    """Every ``create_engine(...)`` / ``create_async_engine(...)`` call's whole text."""
    found = []
    for match in ENGINE.finditer(text):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        found.append(text[match.start() : end + 1])
    return found


def _from_database_url(call: str) -> bool:
    # The app's configured database (DATABASE_URL, or a url read from it); not the
    # tests' own temporary SQLite files.
    return "DATABASE_URL" in call or re.search(r"engine\(\s*url\b", call) is not None


FILES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*.py")]
)
CASES = [
    pytest.param(call, id=f"{path.relative_to(ROOT)}:{n}")
    for path in FILES
    for n, call in enumerate(_calls(path.read_text(encoding="utf-8")))
    if _from_database_url(call)
]


def test_the_docs_build_engines_from_database_url() -> None:
    # The scan itself: README, the FastAPI, Starlette, aiohttp and Flask pages and examples.
    assert len(CASES) >= 8


#: The example's engine, which only the store uses (its comment says when to add the ping).
STORE_ONLY = "create_async_engine(url)"


@pytest.mark.parametrize("call", CASES)
def test_an_engine_from_database_url_pings_its_pooled_connections(call: str) -> None:
    assert "pool_pre_ping=True" in call or call == STORE_ONLY


def test_the_engine_without_the_ping_says_why_and_when_to_add_it() -> None:
    text = (ROOT / "examples" / "fastapi_app.py").read_text(encoding="utf-8")
    comment = text[: text.index(f"engine = {STORE_ONLY}")].rsplit("\n\n", 1)[1]
    expected = ("survives a", "Add\n    # pool_pre_ping=True when your own routes query the engine")
    assert (True, True) == tuple(part in comment for part in expected)
