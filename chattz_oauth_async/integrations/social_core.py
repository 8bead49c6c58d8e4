"""A python-social-auth backend for Chattz: ``integrations.social_core.ChattzOAuth2``.

Add it to ``AUTHENTICATION_BACKENDS`` (Django) or ``SOCIAL_AUTH_AUTHENTICATION_BACKENDS``
and set ``SOCIAL_AUTH_CHATTZ_KEY``, ``SOCIAL_AUTH_CHATTZ_SECRET`` and
``SOCIAL_AUTH_CHATTZ_REDIRECT_URI`` (the redirect URI registered with Chattz). What
it decides for you (``docs/stacks/social-auth.md`` says why):

- the uid is the Chattz id;
- the Chattz e-mail never reaches ``details``, which is what the pipeline's
  ``associate_by_email`` (global to every backend once enabled), ``create_user``,
  ``user_details`` and ``WHITELISTED_EMAILS`` read: Chattz does not say whether it
  verified the address, so it must not find or overwrite anyone's account. The
  cleaned address is kept, unverified, in ``extra_data["email"]``;
- the redirect URI is ``SOCIAL_AUTH_CHATTZ_REDIRECT_URI``, never one built from the
  request;
- PKCE (S256) is on unless ``SOCIAL_AUTH_CHATTZ_USE_PKCE`` is False;
- the code exchange and userinfo go through this library's sync session
  (:class:`~chattz_oauth_async.ChattzOAuth`: size caps, typed errors, retries, no proxy
  from the environment); every failure becomes a social-core ``AuthException``
  (which ``SocialAuthExceptionMiddleware`` turns into the site's error page) and is
  logged on the ``chattz_oauth_async`` logger saying whose fault it is;
- an e-mail allow-list (``WHITELISTED_EMAILS``, ``WHITELISTED_DOMAINS``) refuses every
  Chattz login, on every social-core release (an unverified address cannot pass one);
- the profile fields are cleaned (:class:`~chattz_oauth_async.accounts.Profile`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

try:
    from social_core import exceptions as _social_errors
    from social_core.backends.oauth import BaseOAuth2PKCE
except ImportError as _missing:  # pragma: no cover - depends on the environment
    from ._web import missing_extra

    raise missing_extra(__name__, "social-auth-core", "social-auth") from _missing

from .. import ChattzOAuth
from ..accounts import Profile
from ..errors import ChattzOAuthError
from ..protocol import DEFAULT_BASE_URL
from ._stacks import (
    is_code_rejected,
    is_misconfigured,
    public_reason,
    shared_session,
    token_fields,
)

__all__ = ["ChattzOAuth2"]

_logger = logging.getLogger("chattz_oauth_async")


if TYPE_CHECKING:
    # Generic in what a partial pipeline returns on current social-core; not on 4.5.
    _Backend: TypeAlias = BaseOAuth2PKCE[Any]
else:
    _Backend = BaseOAuth2PKCE


class ChattzOAuth2(_Backend):  # type: ignore[misc]
    """Chattz for python-social-auth (backend name ``chattz``)."""

    name = "chattz"
    ID_KEY: str = "id"
    ACCESS_TOKEN_METHOD: Literal["GET", "POST"] = "POST"
    REDIRECT_STATE = False
    STATE_PARAMETER = True
    DEFAULT_SCOPE: ClassVar[list[str]] = []
    DEFAULT_USE_PKCE = True
    PKCE_DEFAULT_CODE_CHALLENGE_METHOD = "S256"  # social-core before 4.6 said "s256"
    PKCE_DEFAULT_CODE_VERIFIER_LENGTH = 64  # RFC 7636: 43 to 128 (social-core 4.5: 32)
    #: Kept in ``UserSocialAuth.extra_data``: the token's lifetime and the cleaned profile
    #: (the e-mail unverified: never use it to find or link a user).
    EXTRA_DATA: ClassVar[list[tuple[str, str]]] = [
        ("expires_in", "expires"),
        ("username", "username"),
        ("email", "email"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("avatar", "avatar"),
    ]

    def _base_url(self) -> str:
        return str(self.setting("BASE_URL") or DEFAULT_BASE_URL).rstrip("/")

    def authorization_url(self) -> str:
        """Chattz's authorize endpoint (``SOCIAL_AUTH_CHATTZ_BASE_URL`` + ``/oauth/authorize``)."""
        return f"{self._base_url()}/oauth/authorize"

    def access_token_url(self) -> str:
        """Chattz's token endpoint."""
        return f"{self._base_url()}/oauth/token"

    def get_redirect_uri(self, state: str | None = None) -> str:
        """``SOCIAL_AUTH_CHATTZ_REDIRECT_URI``, never one built from the request.

        Raises:
            AuthException: The setting is missing (social-core's error page says so).
        """
        uri = self.setting("REDIRECT_URI")
        if not isinstance(uri, str) or not uri:
            message = (
                "SOCIAL_AUTH_CHATTZ_REDIRECT_URI must be the redirect URI registered with "
                "Chattz (one built from the request turns into http:// behind a TLS proxy)"
            )
            _logger.warning("social-auth: %s", message)
            raise _social_errors.AuthException(self, message)
        return uri

    def auth_params(self, state: str | None = None) -> dict[str, str]:
        """social-core's authorize parameters, the PKCE method spelled ``S256`` (RFC 7636)."""
        params: dict[str, str] = super().auth_params(state)
        if "code_challenge_method" in params:
            params["code_challenge_method"] = "S256"
        return params

    def generate_code_challenge(self, code_verifier: str, challenge_method: str) -> str:
        """The S256 challenge; ``plain`` is refused (RFC 7636 section 7.2).

        Raises:
            AuthException: ``SOCIAL_AUTH_CHATTZ_PKCE_CODE_CHALLENGE_METHOD`` is not S256.
        """
        if str(challenge_method).lower() != "s256":
            raise _social_errors.AuthException(self, "PKCE with Chattz is S256 only")
        challenge: str = super().generate_code_challenge(code_verifier, "s256")
        return challenge

    def chattz_session(self) -> ChattzOAuth:
        """The shared sync session of the configured client.

        Raises:
            AuthException: A setting the session refuses.
        """
        client_id, secret = self.get_key_and_secret()
        try:
            return shared_session(
                str(client_id or ""), str(secret or ""), self.get_redirect_uri(), self._base_url()
            )
        except ChattzOAuthError as exc:
            raise self._failure(exc, "configuration") from exc

    def _failure(self, error: ChattzOAuthError, step: str) -> Exception:
        """social-core's exception for ``error`` (logged: whose fault it is)."""
        misconfigured, rejected = is_misconfigured(error), is_code_rejected(error)
        if misconfigured:
            whose = "check SOCIAL_AUTH_CHATTZ_KEY, _SECRET and _REDIRECT_URI"
        elif rejected:
            whose = "the code expired or was used already: the user must start the login again"
        else:
            whose = "Chattz refused or could not be reached"
        # The reason code, never str(error): it repeats the provider's error_description,
        # and SocialAuthExceptionMiddleware shows the message to the user. The log has it all.
        message = f"Chattz {step} failed ({whose}): {public_reason(error)}"
        _logger.warning(
            "social-auth: %s (%s)", message, error, extra={"chattz_error": type(error).__name__}
        )
        # social-core 7 classifies errors (a refused code is its own AuthCredentialError,
        # "authorization_code_rejected"); older releases have AuthFailed.
        name = (
            "AuthConfigurationError"
            if misconfigured
            else "AuthCredentialError"
            if rejected
            else "AuthProviderError"
        )
        kind = getattr(_social_errors, name, None)
        failure: Exception
        if kind is None:
            failure = getattr(_social_errors, "AuthFailed", _social_errors.AuthException)(
                self, message
            )
        elif rejected:  # social-core 7's own words for it: "Please restart login."
            failure = kind(self, message, code="authorization_code_rejected", stage="callback")
        else:
            failure = kind(self, message)
        failure.chattz_error = error  # type: ignore[attr-defined]
        return failure

    def request_access_token(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Exchange the code through the library's session (secret in the form body)."""
        form = kwargs.get("data") or kwargs.get("params") or kwargs.get("json") or {}
        code = form.get("code")
        try:
            token = self.chattz_session().exchange_code(
                code if isinstance(code, str) else "", code_verifier=form.get("code_verifier")
            )
        except ChattzOAuthError as exc:
            raise self._failure(exc, "code exchange") from exc
        return token_fields(token)

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The Chattz user's id and cleaned profile (``GET /oauth/userinfo``)."""
        try:
            user = self.chattz_session().userinfo(access_token)
            profile = Profile.from_user(user)
        except ChattzOAuthError as exc:
            raise self._failure(exc, "userinfo") from exc
        return {"id": user.id, **profile.columns()}

    def auth_allowed(self, response: Any, details: dict[str, Any]) -> bool:
        """False whenever ``WHITELISTED_EMAILS`` or ``WHITELISTED_DOMAINS`` is set.

        An allow-list by e-mail cannot admit a Chattz user: the address is not
        verified, so anyone could claim one on the list. social-core before 7
        lets a login with no e-mail through an allow-list; this refuses it on
        every release (allow Chattz users by their id in a pipeline step instead).
        """
        if self.setting("WHITELISTED_EMAILS") or self.setting("WHITELISTED_DOMAINS"):
            _logger.warning(
                "social-auth: Chattz login refused: an e-mail allow-list is set, and Chattz "
                "addresses are not verified"
            )
            return False
        allowed: bool = super().auth_allowed(response, details)
        return allowed

    def get_user_id(self, details: dict[str, Any], response: dict[str, Any]) -> str:
        """The Chattz id, as text."""
        return str(response["id"])

    def get_user_details(self, response: dict[str, Any]) -> dict[str, Any]:
        """What the pipeline reads: the cleaned names, and no e-mail (see the module)."""
        first = response.get("first_name") or ""
        last = response.get("last_name") or ""
        return {
            "username": response.get("username") or "",
            "first_name": first,
            "last_name": last,
            "fullname": " ".join(part for part in (first, last) if part),
        }
