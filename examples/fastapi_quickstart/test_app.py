"""The docs' FastAPI quickstart test: the whole login, against the fake provider."""

import pytest
from app import create_app
from fastapi.testclient import TestClient

from chattz_oauth_async.testing import FakeChattz


def test_login_then_home_knows_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeChattz()  # Chattz, with one user: id 123, johndoe
    fake.add_client("my-app", "my-secret", "https://testserver/callback")
    with fake.serve() as server:  # on 127.0.0.1, for the app's lifespan to reach
        monkeypatch.setenv("CHATTZ_CLIENT_ID", "my-app")
        monkeypatch.setenv("CHATTZ_CLIENT_SECRET", "my-secret")
        monkeypatch.setenv("CHATTZ_REDIRECT_URI", "https://testserver/callback")
        monkeypatch.setenv("CHATTZ_BASE_URL", server.base_url)
        monkeypatch.setenv("APP_SECRET_KEY", "test-only-secret-key-0123456789")
        with TestClient(create_app(), base_url="https://testserver") as client:
            login = client.get("/login", follow_redirects=False)
            callback = fake.authorize(login.headers["location"])  # the user clicks Allow
            assert client.get(callback).json() == {"user_id": 123}
