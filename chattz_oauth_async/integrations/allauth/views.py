"""The allauth adapter and client of the ``chattz`` provider: how allauth talks to Chattz.

allauth keeps the login's state, the PKCE verifier and the flow; every
request to Chattz goes through this library's sync session
(:class:`~chattz_oauth_async.ChattzOAuth`), one per configured client,
shared by all threads. A failure becomes allauth's authentication-error
page (through :class:`ChattzLoginError`, which allauth's callback view
handles), never a raw exception, and is logged on the
``chattz_oauth_async`` logger saying whose fault it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.http import HttpResponseBase  # type: ignore[import-untyped]

from ... import ChattzOAuth
from ...accounts import Profile
from ...errors import ChattzOAuthError
from ...protocol import DEFAULT_BASE_URL
from .._stacks import (
    is_code_rejected,
    is_misconfigured,
    public_reason,
    shared_session,
    token_fields,
)

__all__ = [
    "ChattzLoginError",
    "ChattzOAuth2Adapter",
    "ChattzOAuth2Client",
    "oauth2_callback",
    "oauth2_login",
]

_logger = logging.getLogger("chattz_oauth_async")


class ChattzLoginError(OAuth2Error):  # type: ignore[misc]
    """A Chattz login failed; allauth shows its authentication-error page.

    allauth's callback view catches :class:`OAuth2Error` and passes it to the
    site adapter's ``on_authentication_error(..., exception=...)``.

    Attributes:
        error: The library's typed error (an
            :class:`~chattz_oauth_async.OAuthError`, a
            :class:`~chattz_oauth_async.TransportError`...), with the status
            and the OAuth ``error`` code; it carries no secret.
        misconfigured: True when the app's own settings are at fault (wrong
            client id or secret, a redirect URI Chattz does not accept), not
            the provider.
    """

    def __init__(self, error: ChattzOAuthError, step: str) -> None:
        self.error = error
        self.misconfigured: bool = is_misconfigured(error)
        if self.misconfigured:
            whose = "check the app's Chattz client id, secret and REDIRECT_URI"
        elif is_code_rejected(error):
            whose = "the code expired or was used already: the user must start the login again"
        else:
            whose = "Chattz refused or could not be reached"
        # The reason code, never str(error): it repeats the provider's error_description.
        super().__init__(f"Chattz {step} failed ({whose}): {public_reason(error)}")


def _app_setting(provider: Any, app_key: str, settings_key: str) -> Any:
    """A provider setting: the SocialApp's ``settings`` first, then SOCIALACCOUNT_PROVIDERS."""
    app = getattr(provider, "app", None)
    value = (getattr(app, "settings", None) or {}).get(app_key)
    if value is None:
        value = provider.get_settings().get(settings_key)
    return value


class ChattzOAuth2Client(OAuth2Client):  # type: ignore[misc]
    """allauth's OAuth2 client, sending through a :class:`~chattz_oauth_async.ChattzOAuth`."""

    def __init__(self, *args: Any, session: ChattzOAuth, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session

    def get_redirect_url(
        self, authorization_url: str, scope: Any, extra_params: dict[str, Any]
    ) -> str:
        """The authorize URL, built by the library (the configured redirect URI, S256)."""
        params = dict(extra_params)
        challenge = params.pop("code_challenge", None)
        params.pop("code_challenge_method", None)  # S256: the only one the library sends
        if isinstance(challenge, bytes):
            challenge = challenge.decode("ascii")
        names = sorted(set(scope or ()))
        if names:
            params["scope"] = self.scope_delimiter.join(names)
        try:
            return self.session.authorize_url(
                self.state, **({"code_challenge": challenge} if challenge else {}), **params
            )
        except ChattzOAuthError as exc:
            raise _failure(exc, "login") from exc

    def get_access_token(
        self, code: Any, pkce_code_verifier: str | None = None, extra_data: Any = None
    ) -> dict[str, Any]:
        """Exchange the code (``POST /oauth/token``, secret in the form body)."""
        try:
            token = self.session.exchange_code(
                code if isinstance(code, str) else "", code_verifier=pkce_code_verifier
            )
        except ChattzOAuthError as exc:
            raise _failure(exc, "code exchange") from exc
        return token_fields(token)


def _failure(exc: ChattzOAuthError, step: str) -> ChattzLoginError:
    error = ChattzLoginError(exc, step)
    # The operator's log has the whole error; the user's page and the exception do not.
    _logger.warning("allauth: %s (%s)", error, exc, extra={"chattz_error": type(exc).__name__})
    return error


class ChattzOAuth2Adapter(OAuth2Adapter):  # type: ignore[misc]
    """allauth's adapter for the ``chattz`` provider."""

    provider_id = "chattz"
    supports_state = True

    def _base_url(self) -> str:
        provider = self.get_provider()
        return str(_app_setting(provider, "base_url", "BASE_URL") or DEFAULT_BASE_URL).rstrip("/")

    @property
    def authorize_url(self) -> str:
        """Chattz's authorize endpoint (``BASE_URL`` + ``/oauth/authorize``)."""
        return f"{self._base_url()}/oauth/authorize"

    @property
    def access_token_url(self) -> str:
        """Chattz's token endpoint (``BASE_URL`` + ``/oauth/token``)."""
        return f"{self._base_url()}/oauth/token"

    @property
    def profile_url(self) -> str:
        """Chattz's userinfo endpoint (``BASE_URL`` + ``/oauth/userinfo``)."""
        return f"{self._base_url()}/oauth/userinfo"

    def get_callback_url(self, request: Any, app: Any) -> str:
        """The registered redirect URI (``REDIRECT_URI``), never one built from the request.

        Raises:
            ImproperlyConfigured: ``REDIRECT_URI`` is not set.
        """
        uri = _app_setting(self.get_provider(), "redirect_uri", "REDIRECT_URI")
        if not isinstance(uri, str) or not uri:
            raise ImproperlyConfigured(
                'SOCIALACCOUNT_PROVIDERS["chattz"]["REDIRECT_URI"] must be the redirect URI '
                "registered with Chattz (allauth would build it from the request, which "
                "turns into http:// behind a TLS proxy)"
            )
        return uri

    def session(self, app: Any) -> ChattzOAuth:
        """The sync session of ``app`` (its client id and secret, REDIRECT_URI, BASE_URL).

        Raises:
            ImproperlyConfigured: The settings are ones the session refuses (an
                empty secret, a plain-http URL on a host that is not loopback...).
        """
        redirect_uri = self.get_callback_url(self.request, app)
        try:
            return shared_session(app.client_id, app.secret, redirect_uri, self._base_url())
        except ChattzOAuthError as exc:
            raise ImproperlyConfigured(f"the Chattz app's settings are not usable: {exc}") from exc

    def get_client(self, request: Any, app: Any) -> ChattzOAuth2Client:
        """allauth's client for ``app``, sending through the library's session."""
        return ChattzOAuth2Client(
            self.request,
            app.client_id,
            app.secret,
            self.access_token_method,
            self.access_token_url,
            self.get_callback_url(request, app),
            scope_delimiter=self.scope_delimiter,
            headers=self.headers,
            basic_auth=False,
            session=self.session(app),
        )

    def complete_login(self, request: Any, app: Any, token: Any, **kwargs: Any) -> Any:
        """Fetch the Chattz user and hand allauth its cleaned profile (the uid: the id)."""
        try:
            user = self.session(app).userinfo(token.token)
            profile = Profile.from_user(user)
        except ChattzOAuthError as exc:
            raise _failure(exc, "userinfo") from exc
        data = {"id": user.id, **profile.columns()}
        return self.get_provider().sociallogin_from_response(request, data)


oauth2_login: Callable[..., HttpResponseBase] = OAuth2LoginView.adapter_view(ChattzOAuth2Adapter)
oauth2_callback: Callable[..., HttpResponseBase] = OAuth2CallbackView.adapter_view(
    ChattzOAuth2Adapter
)
