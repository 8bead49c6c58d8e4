"""The allauth provider under bad input, provider faults and settings that trust e-mail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from chattz_oauth_async.integrations.allauth.provider import ChattzProvider
from chattz_oauth_async.integrations.allauth.views import ChattzLoginError
from chattz_oauth_async.testing import FakeChattz
from tests.stacks import PHISHING
from tests.stacks.allauth.test_chattz_login import LOGIN, chattz_app, chattz_redirect_uri

__all__ = ["chattz_app", "chattz_redirect_uri"]  # the example's fixtures, used here too

pytestmark = pytest.mark.django_db


def test_new_user_gets_no_email_from_chattz(fake_chattz: FakeChattz) -> None:
    """The address stays in ``extra_data``: allauth gets neither User.email nor an EmailAddress."""
    alice = fake_chattz.add_user(id=2, username="alice", email="alice@example.com")
    fake_chattz.login(Client(), LOGIN, method="POST", user=alice)
    account = SocialAccount.objects.get(uid="2")
    assert ("alice", "", 0, "alice@example.com") == (
        account.user.username,
        account.user.email,
        EmailAddress.objects.count(),
        account.extra_data["email"],
    )


def test_verified_email_setting_cannot_make_the_chattz_address_verified(
    settings: Any, fake_chattz: FakeChattz
) -> None:
    """``VERIFIED_EMAIL: True`` would let the address sign in to its owner's account."""
    settings.SOCIALACCOUNT_PROVIDERS["chattz"]["VERIFIED_EMAIL"] = True
    victim = get_user_model().objects.create_user("victim", "victim@example.com", "secret")
    EmailAddress.objects.create(user=victim, email="victim@example.com", verified=True)
    mallory = fake_chattz.add_user(id=666, username="mallory", email="victim@example.com")
    client = Client()
    page = fake_chattz.login(client, LOGIN, method="POST", user=mallory)
    account = SocialAccount.objects.get(uid="666")
    assert (b"signed in as mallory", False, 0) == (
        page.content,
        account.user == victim,
        EmailAddress.objects.filter(user=account.user).count(),
    )


def test_hostile_profile_fields_reach_allauth_cleaned(fake_chattz: FakeChattz) -> None:
    hostile = fake_chattz.add_user(
        id=7,
        username="eve\x00\x1b[31m" + "e" * 400,
        email="eve@example.com\r\nBcc: all@example.com",
        first_name="Eve\u202e" + "x" * 500,
        last_name="\x07",
        avatar="http://evil.example/a.png",
    )
    fake_chattz.login(Client(), LOGIN, method="POST", user=hostile)
    account = SocialAccount.objects.get(uid="7")
    user = account.user
    assert (150, "Eve", "", "", None, None) == (
        len(account.extra_data["username"]),
        user.first_name[:3],
        user.last_name,
        user.email,
        account.extra_data["avatar"],
        account.extra_data["email"],
    )
    assert True is all(ch.isprintable() for ch in user.first_name + user.username)
    assert 0 == EmailAddress.objects.count()


def test_a_malformed_userinfo_gives_allauths_error_page(fake_chattz: FakeChattz) -> None:
    fake_chattz.fail_next("userinfo", status=200, body=b"[]")
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert (True, 0) == (
        b"Third-Party Login Failure" in page.content,
        SocialAccount.objects.count(),
    )


def test_a_provider_outage_gives_allauths_error_page(fake_chattz: FakeChattz) -> None:
    fake_chattz.fail_next("token", status=503, body=b"<html>down</html>")
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert (True, 0) == (
        b"Third-Party Login Failure" in page.content,
        SocialAccount.objects.count(),
    )


def test_a_denied_login_is_allauths_cancelled_page(fake_chattz: FakeChattz) -> None:
    page = fake_chattz.login(Client(), LOGIN, method="POST", approve=False)
    assert "/accounts/3rdparty/login/cancelled/" == page.request["PATH_INFO"]


@pytest.mark.checklist(16)
def test_callback_url_is_the_registered_one_and_pkce_is_on(fake_chattz: FakeChattz) -> None:
    """The test client speaks http://, as a site behind a TLS proxy sees it."""
    fake_chattz.login(Client(), LOGIN, method="POST")
    token = next(r for r in fake_chattz.requests if r.path == "/oauth/token").form
    assert ("https://testserver/accounts/chattz/login/callback/", True) == (
        token["redirect_uri"],
        len(token["code_verifier"]) >= 43,
    )


def test_a_missing_redirect_uri_is_a_configuration_error(settings: Any) -> None:
    del settings.SOCIALACCOUNT_PROVIDERS["chattz"]["REDIRECT_URI"]
    with pytest.raises(ImproperlyConfigured, match=r"REDIRECT_URI"):
        Client().post(LOGIN)


def test_an_unusable_secret_is_a_configuration_error(settings: Any) -> None:
    settings.SOCIALACCOUNT_PROVIDERS["chattz"]["APP"]["secret"] = ""
    with pytest.raises(ImproperlyConfigured, match=r"client_secret"):
        Client().post(LOGIN)


def test_no_token_login_for_headless_app_clients() -> None:
    assert (False, True) == (
        ChattzProvider.supports_token_authentication,
        ChattzProvider.supports_redirect,
    )


def test_a_chattz_email_cannot_preclaim_its_owners_later_verified_login(
    fake_chattz: FakeChattz,
) -> None:
    """Mallory signs up with Chattz under the victim's address before the victim arrives.

    The victim later signs in with a provider that verifies the address (allauth's
    ``dummy`` provider stands in for Google): e-mail authentication and auto-connect
    are on, and must not find Mallory's account, because it holds no address at all.
    """
    mallory = fake_chattz.add_user(id=666, username="mallory", email="victim@example.com")
    fake_chattz.login(Client(), LOGIN, method="POST", user=mallory)
    created = get_user_model().objects.get()
    assert ("mallory", "", 0) == (created.username, created.email, EmailAddress.objects.count())

    victim = Client()
    start = victim.post("/accounts/dummy/login/")
    state = re.search(r"state=([^&]+)", start["Location"])
    assert state is not None
    victim.post(
        f"/accounts/dummy/authenticate/?state={state.group(1)}",
        {"id": 1, "email": "victim@example.com", "email_verified": "on", "username": "victim"},
        follow=True,
    )
    dummy = SocialAccount.objects.get(provider="dummy")
    assert (b"signed in as victim", False, 2) == (
        victim.get("/me/").content,
        dummy.user == created,
        get_user_model().objects.count(),
    )


def test_the_error_never_repeats_the_providers_error_description(
    fake_chattz: FakeChattz, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exception a site adapter may show has the reason code; only the log has the text."""
    seen: list[str] = []
    original = ChattzLoginError.__init__

    def record(self: ChattzLoginError, error: Any, step: str) -> None:
        original(self, error, step)
        seen.append(str(self))

    monkeypatch.setattr(ChattzLoginError, "__init__", record)
    fake_chattz.fail_next("token", status=400, body=PHISHING)
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert (
        # invalid_grant at the code exchange: the library's diagnosis is the user's login
        # (a code that expired or was used already), not the app's settings nor Chattz down.
        [
            "Chattz code exchange failed (the code expired or was used already: the user must "
            "start the login again): code_rejected"
        ],
        False,
        True,
    ) == (seen, b"evil.example" in page.content, "https://evil.example/unlock" in caplog.text)
