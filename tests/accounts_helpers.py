"""Completed logins for the accounts tests (a plain one, and a linking one started by a
user), and a sign-in cancelled while its statement runs."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event

from chattz_oauth_async.login import LoginRequest

#: A completed plain login (started by GET /login): it never links.
PLAIN = LoginRequest(url="", state="state", code_verifier=None, next_url=None, created_at=0.0)


def linking(user_id: str) -> LoginRequest:
    """A completed linking login, started (POST, CSRF-checked) by local user ``user_id``."""
    return LoginRequest(
        url="",
        state="state",
        code_verifier=None,
        next_url=None,
        created_at=0.0,
        link_user_id=user_id,
    )


def cancel_the_next_update(engine: Any) -> None:
    """The next ``UPDATE chattz_accounts`` on ``engine`` (an ``AsyncEngine``) raises
    CancelledError where it would be sent: a sign-in cancelled while its statement runs."""
    pending = [True]

    def cancelled(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if pending and "UPDATE chattz_accounts" in statement:
            pending.clear()
            raise asyncio.CancelledError

    event.listen(engine.sync_engine, "before_cursor_execute", cancelled)
