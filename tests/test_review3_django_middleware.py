"""Review 3: the Django views that read the signed-in user say which middleware is missing.

Without ``AuthenticationMiddleware``, ``link_view``, ``unlink_view`` and their async
twins failed with a raw ``AttributeError: 'WSGIRequest' object has no attribute
'user'`` (the callback already raised a ConfigurationError naming the middleware), and
``async_logout_view`` failed where the sync ``logout_view`` signs out. This module is
also the tests' URLconf.
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

urlpatterns = [
    path("link/", chattz.link_view),
    path("unlink/", chattz.unlink_view),
    path("logout/", chattz.logout_view),
    path("async/link/", chattz.async_link_view),
    path("async/unlink/", chattz.async_unlink_view),
    path("async/logout/", chattz.async_logout_view),
]


@pytest.fixture
def site(settings: Any) -> Any:
    """Sessions but no AuthenticationMiddleware (CSRF not enforced by the test client)."""
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
    settings.CHATTZ_CLIENT_ID = "client"
    settings.CHATTZ_CLIENT_SECRET = "s3cret"
    settings.CHATTZ_REDIRECT_URI = "https://testserver/chattz/callback/"
    return settings


@pytest.mark.parametrize("url", ["/link/", "/unlink/", "/async/link/", "/async/unlink/"])
def test_a_view_reading_the_user_names_the_missing_middleware(site: Any, url: str) -> None:
    """ConfigurationError naming AuthenticationMiddleware, not an AttributeError."""
    with pytest.raises(ConfigurationError) as caught:
        Client(raise_request_exception=True).post(url, {"chattz_id": "1"})
    assert "AuthenticationMiddleware" in str(caught.value)


@pytest.mark.parametrize("url", ["/logout/", "/async/logout/"])
def test_logout_without_the_middleware_still_signs_out(site: Any, url: str) -> None:
    """Both logout views flush the session and redirect (303 to /)."""
    response = Client(raise_request_exception=True).post(url)
    assert (303, "/") == (response.status_code, response["Location"])
