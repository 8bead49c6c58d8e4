"""A failed Django callback is one log record, and no record holds the code or the state.

Django's ``django.request`` logger logs every 5xx answer at ERROR with the request
attached; ``AdminEmailHandler`` (Django's default LOGGING) and error trackers then
show the callback's query (the authorization code, the state) and its cookies (the
sealed login: the state, the PKCE verifier). The library logs the failure itself,
without secrets, and marks its error pages as logged. This module is the tests'
URLconf (the views of :mod:`tests.test_django_operating`).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.test import Client  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async.testing import FakeChattz  # noqa: E402
from tests.test_django_operating import (  # noqa: E402
    VIEWS,
    fake,  # noqa: F401  # the fixture
    urlpatterns,  # noqa: F401  # this module's URLconf
    use_async_callback,
)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_wrong_client_secret_is_one_error_record_in_all_loggers_without_secrets(
    fake: FakeChattz,  # noqa: F811
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """A mistyped secret: one ERROR in total (django.request adds none), no code or state."""
    settings.ROOT_URLCONF = __name__
    if kind == "async":
        use_async_callback(fake, settings)
    settings.CHATTZ_CLIENT_SECRET = "django-secrte"
    caplog.set_level(logging.DEBUG)
    page = fake.login(Client(), VIEWS[kind])
    callback = page.wsgi_request
    secrets = [callback.GET["code"], callback.GET["state"], *callback.COOKIES.values()]
    assert 500 == page.status_code
    assert [("chattz_oauth_async.login", "login failed (configuration, invalid_client)")] == [
        (r.name, r.getMessage().split(":", 1)[0])
        for r in caplog.records
        if r.levelno >= logging.ERROR
    ]
    assert [] == [r.name for r in caplog.records if r.name.startswith("django.request")]
    dumps = [f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records]
    assert [] == [s for s in secrets if any(s in dump for dump in dumps)]
    assert 3 == len(secrets)  # the code, the state and the login cookie were looked for
