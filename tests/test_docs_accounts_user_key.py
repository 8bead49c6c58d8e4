"""docs/accounts.md's store over the app's own users table, on SQLite, run as shown.

The review's reproduction: Mallory's local user is deleted, Alice signs up and
SQLite gives her the same id; Mallory's next Chattz login must get a new user of
her own, never Alice's. Without the page's connect event the store refuses to
work instead (ConfigurationError naming the fix).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert

from chattz_oauth_async.accounts import Outcome
from chattz_oauth_async.errors import ConfigurationError
from chattz_oauth_async.models import ChattzUser
from tests.accounts_helpers import PLAIN
from tests.test_docs import block

MALLORY = ChattzUser(id=666, username="mallory")


def run_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str) -> dict[str, Any]:
    """The page's block, run in ``tmp_path`` (its ``app.db`` is relative)."""
    namespace: dict[str, Any] = {}
    monkeypatch.chdir(tmp_path)
    exec(compile(body, "docs/accounts.md", "exec"), namespace)  # noqa: S102 - the docs' own code
    return namespace


def test_a_reused_id_never_signs_mallory_in_as_alice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The page as shown: Mallory's next login creates her own user; Alice's is untouched."""
    page = run_page(monkeypatch, tmp_path, block("accounts-user-key").body)
    engine, app_users, accounts = page["engine"], page["app_users"], page["accounts"]
    try:
        first = accounts.sign_in(MALLORY, login=PLAIN)
        with engine.begin() as connection:
            connection.execute(delete(app_users).where(app_users.c.id == int(first.user_id)))
            made = connection.execute(insert(app_users).values(name="alice (password sign-up)"))
            alice = str(made.inserted_primary_key[0])
        again = accounts.sign_in(MALLORY, login=PLAIN)
        alices_links = accounts.accounts_of(alice)
    finally:
        engine.dispose()
    assert (alice, Outcome.CREATED, True, []) == (
        first.user_id,  # SQLite did reuse the id
        again.outcome,
        again.user_id != alice,
        alices_links,
    )


def test_without_the_connect_event_the_store_refuses_to_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Foreign keys off (SQLAlchemy's SQLite default): create_tables() names the fix."""
    body = block("accounts-user-key").body
    without = body.replace('@event.listens_for(engine, "connect")', "")
    assert without != body
    with pytest.raises(ConfigurationError) as caught:
        run_page(monkeypatch, tmp_path, without)
    assert "PRAGMA foreign_keys=ON" in str(caught.value)
