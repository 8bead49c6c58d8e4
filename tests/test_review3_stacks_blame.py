"""Review 3: the stack adapters say a misconfiguration is the app's, as the library does.

``integrations/_stacks.is_misconfigured`` (what the allauth and social-auth adapters log
and raise) kept a list of its own, narrower than the library's diagnosis
(:func:`~chattz_oauth_async.diagnostics.classify`): a wrong ``BASE_URL`` (a 404 from
the token endpoint), ``invalid_request`` and ``unsupported_grant_type`` read "Chattz
refused or could not be reached", and social-core 7 got ``AuthProviderError``: the
operator is told the provider is at fault for a mistake in the app's settings.

``invalid_grant`` at the code exchange is not the app's mistake (classify's
``code_rejected``: a code that expired or that a callback delivered twice used already):
it follows the library's diagnosis, "Chattz refused or could not be reached".
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
from chattz_oauth_async.integrations._stacks import is_misconfigured
from chattz_oauth_async.integrations.social_core import ChattzOAuth2

# (error, whether the app's settings are at fault)
CASES: list[tuple[ChattzOAuthError, bool]] = [
    (ProviderError("Chattz answered 404 Not Found", status_code=404), True),
    (OAuthError("invalid_grant", "the authorization code is not valid", status_code=400), False),
    (OAuthError("invalid_request", "grant_type is missing", status_code=400), True),
    (OAuthError("unsupported_grant_type", "no", status_code=400), True),
    (OAuthError("invalid_client", "client authentication failed", status_code=401), True),
    (OAuthError("unauthorized_client", None, status_code=400), True),
    (ConfigurationError("client_secret must be a non-empty string"), True),
    (ProviderError("Chattz answered 503", status_code=503), False),
    (ProviderError("the answer is not JSON", status_code=200), False),
    (TransportError("connection refused"), False),
    (TransportTimeout("timed out"), False),
]
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


@pytest.mark.parametrize(("error", "misconfigured"), CASES, ids=IDS)
def test_misconfigured_is_the_librarys_diagnosis(
    error: ChattzOAuthError, misconfigured: bool
) -> None:
    """is_misconfigured says what classify says: the configuration's fault, or not."""
    assert (misconfigured, misconfigured) == (
        is_misconfigured(error),
        classify(error).fault is Fault.CONFIGURATION,
    )


class _Strategy:
    """The least of a social-core strategy the backend's constructor reads."""

    def request_data(self) -> dict[str, Any]:
        return {}

    def absolute_uri(self, path: str | None = None) -> str | None:
        return path


@pytest.mark.parametrize(("error", "misconfigured"), CASES, ids=IDS)
def test_social_core_blames_the_settings_for_the_apps_mistakes(
    error: ChattzOAuthError, misconfigured: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """social-core 7: AuthConfigurationError, and a log naming the settings to check, for
    the app's mistakes; AuthProviderError and "Chattz refused..." for the provider's."""
    backend = ChattzOAuth2(_Strategy())
    with caplog.at_level(logging.WARNING, logger="chattz_oauth_async"):
        failure = backend._failure(error, "code exchange")
    [record] = caplog.records
    expected = (
        (social_errors.AuthConfigurationError, True, False)
        if misconfigured
        else (social_errors.AuthProviderError, False, True)
    )
    assert expected == (
        type(failure),
        "check SOCIAL_AUTH_CHATTZ_KEY, _SECRET and _REDIRECT_URI" in record.getMessage(),
        "Chattz refused or could not be reached" in record.getMessage(),
    )
