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

urlpatterns = [
    path("chattz/login/", chattz.login_view),
    path("chattz/callback/", chattz.callback_view),
]

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


def not_a_handler_but_a_string() -> None:
    """Importable, but the setting below names a str, not a function."""


NOT_CALLABLE = "a str"


@pytest.mark.parametrize(
    "dotted",
    [
        "tests.test_review3_django_settings.no_such_handler",
        "no_such_module.handler",
        "nodots",
        "tests.test_review3_django_settings.NOT_CALLABLE",
        "",
    ],
    ids=["no-attribute", "no-module", "no-dots", "not-callable", "empty"],
)
def test_an_unusable_on_success_is_e006(site: Any, dotted: str) -> None:
    """CHATTZ_ON_SUCCESS that does not import to a callable: E006 at manage.py check."""
    site.CHATTZ_ON_SUCCESS = dotted
    assert ["chattz_oauth_async.E006"] == [finding.id for finding in checks.check_settings()]


def test_a_usable_on_success_passes_the_check(site: Any) -> None:
    """A dotted path to a function: no finding."""
    site.CHATTZ_ON_SUCCESS = "tests.test_review3_django_settings.not_a_handler_but_a_string"
    assert [] == checks.check_settings()


def test_an_unimportable_on_success_is_a_configuration_error_at_the_callback(site: Any) -> None:
    """The callback with a mistyped CHATTZ_ON_SUCCESS: ConfigurationError naming the
    setting, not a raw ImportError (and before any code is used up)."""
    site.CHATTZ_ON_SUCCESS = "tests.test_review3_django_settings.no_such_handler"
    with pytest.raises(ConfigurationError) as caught:
        Client(raise_request_exception=True).get("/chattz/callback/?code=c&state=s")
    assert "CHATTZ_ON_SUCCESS" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHATTZ_LOGIN_MAX_AGE", "600"),
        ("CHATTZ_LOGIN_MAX_AGE", -1),
        ("CHATTZ_COOKIE_SECURE", "false"),
        ("CHATTZ_LOGIN_SECRET_KEY", "short"),
    ],
    ids=["max-age-str", "max-age-negative", "secure-str", "short-key"],
)
def test_bad_login_cookie_settings_are_e007_and_named_at_login(
    site: Any, name: str, value: object
) -> None:
    """A login cookie setting the views refuse: E007 at manage.py check, and at /login a
    ConfigurationError that names the Django setting (it named the constructor's
    argument: "max_age must be...", "secure must be...")."""
    setattr(site, name, value)
    found = checks.check_settings()
    with pytest.raises(ConfigurationError) as caught:
        Client(raise_request_exception=True).get("/chattz/login/")
    assert (["chattz_oauth_async.E007"], True, False) == (
        [finding.id for finding in found],
        name in str(caught.value),
        any(str(value) in str(finding) for finding in found),
    )


def test_chattz_signups_from_an_environment_variable_is_e007(site: Any) -> None:
    """CHATTZ_SIGNUPS = "false" (a string from the environment): E007 at manage.py check."""
    site.CHATTZ_SIGNUPS = "false"
    assert ["chattz_oauth_async.E007"] == [finding.id for finding in checks.check_settings()]
