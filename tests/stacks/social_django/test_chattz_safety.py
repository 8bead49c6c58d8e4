"""The social-auth backend under bad input and provider faults."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from social_django.models import UserSocialAuth

from chattz_oauth_async.integrations.social_core import ChattzOAuth2
from chattz_oauth_async.testing import FakeChattz
from tests.stacks import PHISHING
from tests.stacks.social_django.test_chattz_login import (
    LOGIN,
    chattz_client,
    chattz_redirect_uri,
)

__all__ = ["chattz_client", "chattz_redirect_uri"]  # the example's fixtures, used here too

pytestmark = pytest.mark.django_db


def test_a_linked_user_keeps_their_own_email(fake_chattz: FakeChattz) -> None:
    """``user_details`` runs at every login: a Chattz address must not overwrite the user's."""
    alice = fake_chattz.add_user(id=2, username="alice", email="alice@chattz.example")
    fake_chattz.login(Client(), LOGIN, method="POST", user=alice)
    user = UserSocialAuth.objects.get(uid="2").user
    user.email = "alice@home.example"
    user.save()
    fake_chattz.login(Client(), LOGIN, method="POST", user=alice)
    assert "alice@home.example" == get_user_model().objects.get(pk=user.pk).email


def test_hostile_profile_fields_reach_social_auth_cleaned(fake_chattz: FakeChattz) -> None:
    hostile = fake_chattz.add_user(
        id=7,
        username="eve\x00\x1b[31m" + "e" * 400,
        email="eve@example.com\r\nBcc: all@example.com",
        first_name="Eve\u202e" + "x" * 500,
        last_name="\x07",
        avatar="http://evil.example/a.png",
    )
    fake_chattz.login(Client(), LOGIN, method="POST", user=hostile)
    social = UserSocialAuth.objects.get(uid="7")
    user = social.user
    assert ("Eve", "", "", None, None, True) == (
        user.first_name[:3],
        user.last_name,
        user.email,
        social.extra_data["avatar"],
        social.extra_data["email"],
        len(user.first_name) <= 150,
    )
    assert True is all(ch.isprintable() for ch in user.first_name + user.username)


def test_a_malformed_userinfo_gives_the_sites_error_page(fake_chattz: FakeChattz) -> None:
    fake_chattz.fail_next("userinfo", status=200, body=b"[]")
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert ("/login-error/", 0) == (page.request["PATH_INFO"], UserSocialAuth.objects.count())


def test_a_provider_outage_gives_the_sites_error_page(fake_chattz: FakeChattz) -> None:
    fake_chattz.fail_next("token", status=503, body=b"<html>down</html>")
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert ("/login-error/", 0) == (page.request["PATH_INFO"], UserSocialAuth.objects.count())


def test_a_denied_login_gives_the_sites_error_page(fake_chattz: FakeChattz) -> None:
    page = fake_chattz.login(Client(), LOGIN, method="POST", approve=False)
    assert ("/login-error/", 0) == (page.request["PATH_INFO"], UserSocialAuth.objects.count())


@pytest.mark.checklist(16)
def test_redirect_uri_is_the_registered_one_and_pkce_is_on(fake_chattz: FakeChattz) -> None:
    """The test client speaks http://, as a site behind a TLS proxy sees it."""
    fake_chattz.login(Client(), LOGIN, method="POST")
    token = next(r for r in fake_chattz.requests if r.path == "/oauth/token").form
    assert ("https://testserver/social/complete/chattz/", True, "test-secret") == (
        token["redirect_uri"],
        len(token["code_verifier"]) >= 43,
        token["client_secret"],  # client_secret_post, as Chattz expects
    )


def test_a_missing_redirect_uri_gives_the_sites_error_page(
    settings: Any, fake_chattz: FakeChattz
) -> None:
    del settings.SOCIAL_AUTH_CHATTZ_REDIRECT_URI
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert ("/login-error/", []) == (page.request["PATH_INFO"], fake_chattz.requests)


@pytest.mark.checklist(11)
def test_pkce_never_falls_back_to_plain(settings: Any, fake_chattz: FakeChattz) -> None:
    settings.SOCIAL_AUTH_CHATTZ_PKCE_CODE_CHALLENGE_METHOD = "plain"
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert ("/login-error/", []) == (page.request["PATH_INFO"], fake_chattz.requests)


def test_an_email_allow_list_admits_no_chattz_user(settings: Any, fake_chattz: FakeChattz) -> None:
    """Claiming a listed address on Chattz must not get anyone in (it is not verified)."""
    settings.SOCIAL_AUTH_WHITELISTED_DOMAINS = ["example.com"]
    mallory = fake_chattz.add_user(id=666, username="mallory", email="ceo@example.com")
    page = fake_chattz.login(Client(), LOGIN, method="POST", user=mallory)
    assert ("/login-error/", 0) == (page.request["PATH_INFO"], UserSocialAuth.objects.count())


def test_the_error_page_never_repeats_the_providers_error_description(
    fake_chattz: FakeChattz, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SocialAuthExceptionMiddleware shows the exception: the reason code, not Chattz's text.

    (social-core 7's ``AuthProviderError`` shows a fixed sentence of its own; older
    releases show the message.) Only the operator's log has the provider's text.
    """
    messages: list[Any] = []
    original = ChattzOAuth2._failure

    def record(self: ChattzOAuth2, error: Any, step: str) -> Exception:
        failure = original(self, error, step)
        messages.append(str(failure))
        return failure

    monkeypatch.setattr(ChattzOAuth2, "_failure", record)
    fake_chattz.fail_next("token", status=400, body=PHISHING)
    page = fake_chattz.login(Client(), LOGIN, method="POST")
    assert (1, False, True, False, True) == (
        len(messages),
        "evil.example" in messages[0],
        page.content.startswith(b"Login failed: "),
        b"evil.example" in page.content,
        "https://evil.example/unlock" in caplog.text,
    )
