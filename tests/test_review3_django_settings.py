"""Review 3: ``CHATTZ_SESSION_OPTIONS`` is checked by ``manage.py check`` and by the views.

The checks module promises E003 for "a bad ``CHATTZ_BASE_URL`` or
``CHATTZ_SESSION_OPTIONS``", but built only the client's configuration: a typo
such as ``{"pcke": False}`` passed the check and made every login a raw
``TypeError`` (Django's 500 page, not the library's ConfigurationError); a value
the session refuses passed the check too. This module is also the tests' URLconf.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.test import Client  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async import ConfigurationError  # noqa: E402
from chattz_oauth_async.integrations import django as chattz  # noqa: E402
from chattz_oauth_async.integrations.django import checks  # noqa: E402

urlpatterns = [path("chattz/login/", chattz.login_view)]

SECRET = "s3cret-not-in-any-message"


@pytest.fixture
def site(settings: Any) -> Any:
    """The login view, with sound required settings."""
    settings.ROOT_URLCONF = __name__
    settings.CHATTZ_CLIENT_ID = "client"
    settings.CHATTZ_CLIENT_SECRET = SECRET
    settings.CHATTZ_REDIRECT_URI = "https://example.com/chattz/callback/"
    return settings


@pytest.mark.parametrize(
    "options",
    [
        {"pcke": False},  # a typo of pkce
        {"client_secret": "x"},  # a setting of its own, not an option
        ["pkce"],
        {"pkce": "no"},
        {"total_timeout": -1},
        {"base_url": "http://chattz.example"},
    ],
    ids=["typo", "client_secret", "list", "pkce-no", "negative-timeout", "plain-http"],
)
def test_bad_session_options_are_e003(site: Any, options: Any) -> None:
    """Each options value the session cannot be built from is E003, its value unprinted."""
    site.CHATTZ_SESSION_OPTIONS = options
    found = checks.check_settings()
    assert (["chattz_oauth_async.E003"], False) == (
        [finding.id for finding in found],
        any(SECRET in str(finding) for finding in found),
    )


def test_sound_session_options_pass_the_check(site: Any) -> None:
    """Known options with usable values: no finding."""
    site.CHATTZ_SESSION_OPTIONS = {"pkce": False, "total_timeout": 20.0}
    assert [] == checks.check_settings()


def test_a_mistyped_option_is_a_configuration_error_at_login(site: Any) -> None:
    """/login with a mistyped option: ConfigurationError naming it, not a raw TypeError."""
    site.CHATTZ_SESSION_OPTIONS = {"pcke": False}
    with pytest.raises(ConfigurationError) as caught:
        Client(raise_request_exception=True).get("/chattz/login/")
    assert (True, True) == (
        "CHATTZ_SESSION_OPTIONS" in str(caught.value),
        "'pcke'" in str(caught.value),
    )
