"""Sign in with Chattz through social-auth-app-django's own views, against the fake provider."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from social_django.models import UserSocialAuth

from chattz_oauth_async.testing import FakeChattz

LOGIN = "/social/login/chattz/"  # social-auth's begin view: a POST starts the login

pytestmark = pytest.mark.django_db


@pytest.fixture
def chattz_redirect_uri() -> str:
    """The callback registered with (the fake) Chattz: social-auth's complete view."""
    return "https://testserver/social/complete/chattz/"


@pytest.fixture(autouse=True)
def chattz_client(settings: Any, chattz_env: dict[str, str]) -> None:
    """The Chattz backend's settings, pointing at the fake (served by chattz_env)."""
    settings.SOCIAL_AUTH_CHATTZ_KEY = chattz_env["CHATTZ_CLIENT_ID"]
    settings.SOCIAL_AUTH_CHATTZ_SECRET = chattz_env["CHATTZ_CLIENT_SECRET"]
    settings.SOCIAL_AUTH_CHATTZ_REDIRECT_URI = chattz_env["CHATTZ_REDIRECT_URI"]
    settings.SOCIAL_AUTH_CHATTZ_BASE_URL = chattz_env["CHATTZ_BASE_URL"]  # not in production


def test_first_login_creates_the_user_and_the_second_finds_it(fake_chattz: FakeChattz) -> None:
    first = fake_chattz.login(Client(), LOGIN, method="POST")
    second = fake_chattz.login(Client(), LOGIN, method="POST")
    social = UserSocialAuth.objects.get(provider="chattz")
    assert (b"signed in as johndoe", b"signed in as johndoe") == (first.content, second.content)
    assert ("123", "johndoe", 1) == (
        social.uid,
        social.user.username,
        UserSocialAuth.objects.count(),
    )


def test_a_chattz_user_with_someone_elses_email_gets_an_account_of_its_own(
    fake_chattz: FakeChattz,
) -> None:
    """associate_by_email is in the pipeline: the Chattz address must not reach it."""
    victim = get_user_model().objects.create_user("victim", "victim@example.com", "secret")
    mallory = fake_chattz.add_user(id=666, username="mallory", email="victim@example.com")
    page = fake_chattz.login(Client(), LOGIN, method="POST", user=mallory)
    social = UserSocialAuth.objects.get(uid="666")
    assert (b"signed in as mallory", False, "") == (
        page.content,
        social.user == victim,
        social.user.email,
    )
    assert "victim@example.com" == social.extra_data["email"]  # kept, unverified


def test_a_wrong_client_secret_gives_the_sites_error_page(
    settings: Any, fake_chattz: FakeChattz, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SOCIAL_AUTH_CHATTZ_SECRET = "not-the-secret"
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert (400, "/login-error/") == (page.status_code, page.request["PATH_INFO"])
    assert "check SOCIAL_AUTH_CHATTZ_KEY, _SECRET and _REDIRECT_URI" in caplog.text
