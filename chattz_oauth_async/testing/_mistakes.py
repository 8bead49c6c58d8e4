"""What the login driver says when a test's wiring is wrong: the likely cause and the fix.

A login driven by :meth:`FakeChattz.login` fails in a few recurring ways that
are the test's setup, not the app: the app talks to another provider (stale
or wrong ``CHATTZ_BASE_URL``), its client is not the fake's, or the fake's
redirect URI is not the app's callback route. Each function here returns the
:class:`~chattz_oauth_async.ConfigurationError` that says so. Messages show
URLs without their query (it carries the login's state and PKCE challenge).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl, urlsplit

from ..errors import ConfigurationError
from ._values import ErrorPage, FakeClient

__all__ = [
    "REDIRECT_URI_NOT_REGISTERED",
    "UNKNOWN_CLIENT",
    "callback_not_found",
    "client_not_the_fakes",
    "login_sent_elsewhere",
]

#: How the fake's error pages begin for an unknown client and a wrong redirect URI.
UNKNOWN_CLIENT: Final = "Unknown client_id"
REDIRECT_URI_NOT_REGISTERED: Final = "The redirect_uri does not match"

_SETTINGS_FIX: Final = (
    "use the chattz_env fixture (chattz_settings for a Django project) and build the app's "
    "session after it has run, in the app factory or lifespan rather than at import time; "
    "or give the app fake_chattz.session()"
)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path


def login_sent_elsewhere(location: str, fake_base_url: str) -> ConfigurationError:
    """The app redirected the login off the app to somewhere that is not the test's fake."""
    return ConfigurationError(
        f"the app sent the login to {_without_query(location)}, not to this test's fake "
        f"Chattz at {fake_base_url}/oauth/authorize: the app's session talks to another "
        "provider. Likely cause: the app's CHATTZ_BASE_URL is wrong or stale (read before the "
        f"test served the fake, or left over from another run). Fix: {_SETTINGS_FIX}"
    )


def client_not_the_fakes(
    page: ErrorPage, authorize_url: str, client: FakeClient
) -> ConfigurationError | None:
    """Why the fake refused the app's authorize request, when the app's client is the cause.

    Returns None when the refusal is about something else.
    """
    params = dict(parse_qsl(urlsplit(authorize_url).query))
    if page.message.startswith(UNKNOWN_CLIENT):
        return ConfigurationError(
            f"this test's fake Chattz does not know the app's client id "
            f"{params.get('client_id')!r} (its client is {client.client_id!r}). Likely cause: "
            f"the app's CHATTZ_CLIENT_ID is stale. Fix: {_SETTINGS_FIX}"
        )
    if page.message.startswith(REDIRECT_URI_NOT_REGISTERED):
        return ConfigurationError(
            f"this test's fake Chattz refused the login: the app's redirect URI "
            f"{params.get('redirect_uri')!r} is not the one registered for the fake's client "
            f"({client.redirect_uri!r}). Fix: override the chattz_redirect_uri fixture in "
            "conftest.py to return the app's redirect URI, or give the app the fake's (the "
            "chattz_env and chattz_settings fixtures set CHATTZ_REDIRECT_URI to it)"
        )
    return None


def callback_not_found(
    callback_path: str, client: FakeClient, *, django: bool = False
) -> ConfigurationError:
    """The app answered 404 where the fake sent the callback.

    With Django's test client, the message also names the URL name the
    ``chattz_settings`` fixture takes the callback's path from.
    """
    named = (
        ', or name your callback URL chattz-callback (path(..., name="chattz-callback"): '
        "the chattz_settings fixture takes the redirect URI's path from it)"
        if django
        else ""
    )
    return ConfigurationError(
        f"the app answered 404 to the callback {callback_path}: the fake sends the browser "
        f"back to its client's redirect URI {client.redirect_uri}, which is not the app's "
        "callback route. Fix: override the chattz_redirect_uri fixture in conftest.py to "
        "return the app's callback URL (only its path matters to fake_chattz.login), or "
        f"build FakeChattz(redirect_uri=...) with it{named}"
    )
