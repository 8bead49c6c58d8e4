"""Completed logins for the accounts tests: a plain one, and a linking one started by a user."""

from __future__ import annotations

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
