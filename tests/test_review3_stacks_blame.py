"""Review 3: the stack adapters say a misconfiguration is the app's, as the library does.

``integrations/_stacks.is_misconfigured`` (what the allauth and social-auth adapters log
and raise) kept a list of its own, narrower than the library's diagnosis
(:func:`~chattz_oauth_async.diagnostics.classify`): a wrong ``BASE_URL`` (a 404 from
the token endpoint), ``invalid_request`` and ``unsupported_grant_type`` read "Chattz
refused or could not be reached", and social-core 7 got ``AuthProviderError``: the
operator is told the provider is at fault for a mistake in the app's settings.

``invalid_grant`` at the code exchange is neither (classify's ``code_rejected``: a code
that expired, or that a callback delivered twice used already): the user's login, which
they start again; social-core 7's ``AuthCredentialError`` ("authorization_code_rejected",
its "Please restart login.").
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from social_core import exceptions as social_errors

from chattz_oauth_async.diagnostics import Fault, classify
from chattz_oauth_async.errors import (
    ChattzOAuthError,
    ConfigurationError,
    OAuthError,
    ProviderError,
    TransportError,
    TransportTimeout,
)
from chattz_oauth_async.integrations._stacks import is_code_rejected, is_misconfigured
from chattz_oauth_async.integrations.social_core import ChattzOAuth2

SETTINGS, LOGIN, CHATTZ = "settings", "login", "chattz"
# (error, whose fault the adapters say it is)
CASES: list[tuple[ChattzOAuthError, str]] = [
    (ProviderError("Chattz answered 404 Not Found", status_code=404), SETTINGS),
    (OAuthError("invalid_grant", "the authorization code is not valid", status_code=400), LOGIN),
    (OAuthError("invalid_request", "grant_type is missing", status_code=400), SETTINGS),
    (OAuthError("unsupported_grant_type", "no", status_code=400), SETTINGS),
    (OAuthError("invalid_client", "client authentication failed", status_code=401), SETTINGS),
    (OAuthError("unauthorized_client", None, status_code=400), SETTINGS),
    (ConfigurationError("client_secret must be a non-empty string"), SETTINGS),
    (ProviderError("Chattz answered 503", status_code=503), CHATTZ),
    (ProviderError("the answer is not JSON", status_code=200), CHATTZ),
    (TransportError("connection refused"), CHATTZ),
    (TransportTimeout("timed out"), CHATTZ),
]
#: What social-core 7 raises, and the words of the log, for each side.
SOCIAL = {
    SETTINGS: (
        social_errors.AuthConfigurationError,
        "check SOCIAL_AUTH_CHATTZ_KEY, _SECRET and _REDIRECT_URI",
    ),
    LOGIN: (
        social_errors.AuthCredentialError,
        "the code expired or was used already: the user must start the login again",
    ),
    CHATTZ: (social_errors.AuthProviderError, "Chattz refused or could not be reached"),
}
IDS = [
    "404",
    "invalid_grant",
    "invalid_request",
    "unsupported_grant_type",
    "invalid_client",
    "unauthorized_client",
    "configuration",
    "503",
    "not-json",
    "connection",
    "timeout",
]


@pytest.mark.parametrize(("error", "whose"), CASES, ids=IDS)
def test_misconfigured_is_the_librarys_diagnosis(error: ChattzOAuthError, whose: str) -> None:
    """is_misconfigured and is_code_rejected say what classify says."""
    assert (whose == SETTINGS, whose == SETTINGS, whose == LOGIN) == (
        is_misconfigured(error),
        classify(error).fault is Fault.CONFIGURATION,
        is_code_rejected(error),
    )


class _Strategy:
    """The least of a social-core strategy the backend's constructor reads."""

    def request_data(self) -> dict[str, Any]:
        return {}

    def absolute_uri(self, path: str | None = None) -> str | None:
        return path


@pytest.mark.parametrize(("error", "whose"), CASES, ids=IDS)
def test_social_core_blames_the_settings_for_the_apps_mistakes(
    error: ChattzOAuthError, whose: str, caplog: pytest.LogCaptureFixture
) -> None:
    """social-core 7: AuthConfigurationError, and a log naming the settings to check, for
    the app's mistakes; AuthCredentialError and "start the login again" for a refused code;
    AuthProviderError and "Chattz refused..." for the provider's."""
    backend = ChattzOAuth2(_Strategy())
    with caplog.at_level(logging.WARNING, logger="chattz_oauth_async"):
        failure = backend._failure(error, "code exchange")
    [record] = caplog.records
    kind, words = SOCIAL[whose]
    assert (kind, [words]) == (
        type(failure),
        [w for _, w in SOCIAL.values() if w in record.getMessage()],
    )


def test_social_core_says_restart_login_for_a_refused_code() -> None:
    """invalid_grant: social-core 7's own code and sentence for a rejected authorization code
    (what SocialAuthExceptionMiddleware shows), never Chattz's text."""
    error = OAuthError("invalid_grant", "visit https://evil.example", status_code=400)
    failure = ChattzOAuth2(_Strategy())._failure(error, "code exchange")
    assert (
        "authorization_code_rejected",
        "The authorization code was rejected. Please restart login.",
        False,
    ) == (getattr(failure, "code", None), str(failure), "evil.example" in str(failure))
