"""The FastAPI page's "Accounts and the signed-in user" app runs as shown, against the fake.

Over https (the session cookie Secure) and over plain-http loopback during
development (not Secure, or an http client would never send it back and
every visit would start the login again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chattz_oauth_async.testing import FakeChattz
from tests import served
from tests.test_docs import run_block
from tests.test_readme import session_cookie_is_secure

chattz_redirect_uri = served.chattz_redirect_uri
served_fake = served.served_fake


def the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The page's app, executed as written, on a database in ``tmp_path``."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/app.db")
    return run_block("fastapi-accounts")["app"]


def test_fastapi_accounts_page_app_signs_in_over_https(
    served_fake: FakeChattz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A visitor is None at /, sent to the login from /account; signed in, both know the user."""
    from starlette.testclient import TestClient

    with TestClient(the_app(tmp_path, monkeypatch), base_url="https://testserver") as browser:
        visitor = browser.get("/").json()
        guarded = browser.get("/account", follow_redirects=False)
        page = served_fake.login(browser, "/login", next="/account")
        home = browser.get("/").json()
        secure = session_cookie_is_secure(browser)
    assert ({"name": None}, 303, "/login?next=%2Faccount") == (
        visitor,
        guarded.status_code,
        guarded.headers["location"],
    )
    assert (200, {"user": "1", "name": "John Doe"}, {"name": "John Doe"}, True) == (
        page.status_code,
        page.json(),
        home,
        secure,
    )


def test_fastapi_accounts_page_app_signs_in_over_plain_http_loopback(
    served_fake: FakeChattz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redirect URI http://127.0.0.1:8000/callback: the session cookie is not Secure; it works."""
    from starlette.testclient import TestClient

    local = "http://127.0.0.1:8000/callback"
    client = served_fake.client
    served_fake.client = served_fake.add_client(client.client_id, client.client_secret, local)
    monkeypatch.setenv("CHATTZ_REDIRECT_URI", local)
    with TestClient(the_app(tmp_path, monkeypatch), base_url="http://127.0.0.1:8000") as browser:
        page = served_fake.login(browser, "/login", next="/account")
        secure = session_cookie_is_secure(browser)
    assert (200, "John Doe", False) == (page.status_code, page.json()["name"], secure)
