"""Sign in with Chattz through django-allauth's own views, against the fake provider."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from chattz_oauth_async.testing import FakeChattz

LOGIN = "/accounts/chattz/login/"  # allauth's login view for the provider: a POST starts it

pytestmark = pytest.mark.django_db


@pytest.fixture
def chattz_redirect_uri() -> str:
    """The callback registered with (the fake) Chattz: allauth's callback view."""
    return "https://testserver/accounts/chattz/login/callback/"


@pytest.fixture(autouse=True)
def chattz_app(settings: Any, chattz_env: dict[str, str]) -> None:
    """The Chattz app in allauth's settings, pointing at the fake (served by chattz_env)."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "chattz": {
            "APP": {
                "client_id": chattz_env["CHATTZ_CLIENT_ID"],
                "secret": chattz_env["CHATTZ_CLIENT_SECRET"],
            },
            "REDIRECT_URI": chattz_env["CHATTZ_REDIRECT_URI"],
            "BASE_URL": chattz_env["CHATTZ_BASE_URL"],  # leave it out in production
        }
    }


def test_first_login_creates_the_user_and_the_second_finds_it(fake_chattz: FakeChattz) -> None:
    first = fake_chattz.login(Client(), LOGIN, method="POST")
    second = fake_chattz.login(Client(), LOGIN, method="POST")
    account = SocialAccount.objects.get(provider="chattz")
    assert (b"signed in as johndoe", b"signed in as johndoe") == (first.content, second.content)
    assert ("123", "johndoe", 1) == (
        account.uid,
        account.user.username,
        SocialAccount.objects.count(),
    )


def test_a_chattz_user_with_someone_elses_email_does_not_get_their_account(
    fake_chattz: FakeChattz,
) -> None:
    """E-mail authentication and auto-connect are on: the Chattz address is not trusted."""
    victim = get_user_model().objects.create_user("victim", "victim@example.com", "secret")
    EmailAddress.objects.create(user=victim, email="victim@example.com", verified=True)
    mallory = fake_chattz.add_user(id=666, username="mallory", email="victim@example.com")
    client = Client()

    page = fake_chattz.login(client, LOGIN, method="POST", user=mallory)
    # allauth never sees the Chattz address: Mallory gets an account of her own, with none.
    account = SocialAccount.objects.get(uid="666")
    assert (b"signed in as mallory", "", 0, False) == (
        page.content,
        account.user.email,
        victim.socialaccount_set.count(),
        account.user == victim,
    )


def test_a_wrong_client_secret_gives_allauths_error_page(
    settings: Any, fake_chattz: FakeChattz, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SOCIALACCOUNT_PROVIDERS["chattz"]["APP"]["secret"] = "not-the-secret"
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    # allauth's page, with its status (401 since allauth 65.x; 200 before).
    assert (True, True) == (page.status_code in (200, 401), b"Login Failure" in page.content)
    assert "check the app's Chattz client id, secret and REDIRECT_URI" in caplog.text
