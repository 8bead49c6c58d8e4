"""Fixtures for the tests that run the documented example apps against a fake on loopback.

Imported by name into ``test_docs.py`` and ``test_readme.py`` (the only users), so
the rest of the suite keeps the plugin's default ``chattz_redirect_uri``.
"""

from __future__ import annotations

import pytest

from chattz_oauth_async.testing import FakeChattz

#: The APP_SECRET_KEY the example apps read.
APP_SECRET = "docs-test-secret-key-" * 2


@pytest.fixture
def chattz_redirect_uri() -> str:
    """The redirect URI of the apps under test (Starlette's TestClient on testserver)."""
    return "https://testserver/callback"


@pytest.fixture
def served_fake(
    fake_chattz: FakeChattz, chattz_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> FakeChattz:
    """A fake provider on loopback, with the variables an example app's from_env() reads."""
    monkeypatch.setenv("APP_SECRET_KEY", APP_SECRET)
    return fake_chattz
