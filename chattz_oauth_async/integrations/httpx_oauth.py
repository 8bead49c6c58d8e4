"""An httpx-oauth client for Chattz, for httpx-oauth and fastapi-users: :class:`ChattzOAuth2`.

A :class:`httpx_oauth.oauth2.BaseOAuth2` with Chattz's endpoints and
``client_secret_post`` (Chattz reads the secret from the form body). The code
exchange and userinfo go through this library's
:class:`~chattz_oauth_async.AsyncChattzOAuth` (size caps, typed errors,
retries, no proxy from the environment, one client pool per event loop
instead of one per call); a failure is httpx-oauth's own error
(``GetAccessTokenError``, ``GetProfileError``, ``GetIdEmailError``), with the
library's typed error as ``__cause__``.

``get_id_email()`` does not return the Chattz e-mail: fastapi-users keys its
users on the e-mail, and Chattz does not say whether it verified the
address, so a Chattz account with someone else's address would be refused
(the default) or, with ``associate_by_email=True``, signed in to that
person's account. It returns ``chattz-<id>-<tag>@chattz.example``, an
address of the Chattz id that delivers nowhere (``.example`` is reserved,
RFC 2606); ``<tag>`` is a keyed hash of the id (HMAC-SHA256 under the client
secret, or ``email_key``), so nobody can guess the address and register it
first with fastapi-users' password sign-up.
The Chattz address, cleaned and unverified, is in :meth:`ChattzOAuth2.get_profile`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Final

try:
    from httpx_oauth.exceptions import GetIdEmailError, GetProfileError
    from httpx_oauth.oauth2 import BaseOAuth2, GetAccessTokenError, OAuth2Token
except ImportError as _missing:  # pragma: no cover - depends on the environment
    from ._web import missing_extra

    raise missing_extra(__name__, "httpx-oauth", "httpx-oauth") from _missing

from .. import _checks as checks
from .._async import AsyncChattzOAuth
from ..accounts import Profile
from ..errors import ChattzOAuthError, ConfigurationError
from ..models import ChattzUser
from ..protocol import DEFAULT_BASE_URL
from ._stacks import public_reason, token_fields

__all__ = ["PLACEHOLDER_DOMAIN", "ChattzOAuth2"]

_logger = logging.getLogger("chattz_oauth_async")

#: The domain of the address :meth:`ChattzOAuth2.get_id_email` returns (reserved: RFC 2606).
PLACEHOLDER_DOMAIN: Final = "chattz.example"


def _id_email_error() -> type[GetIdEmailError]:
    """GetIdEmailError, which is also Starlette's HTTPException (502) when Starlette is there.

    fastapi-users calls ``get_id_email()`` in its callback route without catching
    anything: as an HTTPException, a Chattz failure there is FastAPI's JSON error
    answer, not a raw exception in the app.
    """
    try:
        from starlette.exceptions import HTTPException
    except ImportError:  # pragma: no cover - httpx-oauth without Starlette
        return GetIdEmailError

    class ChattzIdEmailError(GetIdEmailError, HTTPException):
        def __init__(self, message: str) -> None:
            HTTPException.__init__(self, 502, message)
            self.message = message
            self.response = None

    return ChattzIdEmailError


_IdEmailError: Final = _id_email_error()


class ChattzOAuth2(BaseOAuth2[dict[str, Any]]):
    """Chattz for httpx-oauth and fastapi-users.

    Example::

        chattz = ChattzOAuth2(client_id, client_secret, redirect_uri)
        app.include_router(
            fastapi_users.get_oauth_router(chattz, auth_backend, SECRET, redirect_url=redirect_uri),
            prefix="/auth/chattz",
        )

    Args:
        client_id: The client id Chattz gave you.
        client_secret: The client secret.
        redirect_uri: The redirect URI registered with Chattz: every authorize URL
            and code exchange uses it, whatever the caller passes (fastapi-users
            builds one from the request unless given ``redirect_url``, which
            behind a TLS proxy turns into ``http://``).
        base_url: The provider (change it for a fake or staging).
        name: The client's name (fastapi-users' ``oauth_name``), a non-empty string.
        session: The :class:`~chattz_oauth_async.AsyncChattzOAuth` to send
            through; when None, one is built from the arguments above. With a
            session, pass ``""`` for ``client_id``, ``client_secret`` and
            ``redirect_uri`` (the session's are used; another value is
            refused) and leave ``base_url`` out.
        email_key: The key of the tag in :meth:`get_id_email`'s placeholder
            address, a non-empty str or bytes; when None, the client secret.
            Changing it strands nobody (fastapi-users finds a returning user
            by the Chattz id first).

    Raises:
        ConfigurationError: A setting the session refuses (an empty secret, a
            plain-http redirect URI on a host that is not loopback...).
    """

    #: The session the code exchange and userinfo go through.
    session: AsyncChattzOAuth

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        name: str = "chattz",
        session: AsyncChattzOAuth | None = None,
        email_key: str | bytes | None = None,
    ) -> None:
        checks.text("name", name)
        checks.instance("email_key", email_key, (str, bytes), "str or bytes", none=True)
        if session is None:
            session = AsyncChattzOAuth(client_id, client_secret, redirect_uri, base_url=base_url)
        else:
            checks.instance("session", session, AsyncChattzOAuth, "an AsyncChattzOAuth", none=True)
            own = session.config
            given = (
                ("client_id", client_id, own.client_id),
                ("client_secret", client_secret, own.client_secret),
                ("redirect_uri", redirect_uri, own.redirect_uri),
            )
            for argument, value, session_value in given:
                if value not in ("", session_value):
                    raise ConfigurationError(
                        f"{argument} differs from the session's: with session=, pass '' "
                        "(the session's is used)"
                    )
            if base_url not in (DEFAULT_BASE_URL, own.base_url):
                raise ConfigurationError(
                    "base_url differs from the session's: with session=, leave it out"
                )
        self.session = session
        config = self.session.config
        super().__init__(
            config.client_id,
            config.client_secret,
            f"{config.base_url}/oauth/authorize",
            f"{config.base_url}/oauth/token",
            name=name,
            base_scopes=None,
            token_endpoint_auth_method="client_secret_post",
        )
        if not config.redirect_uri:
            raise ConfigurationError("ChattzOAuth2 needs the redirect URI registered with Chattz")
        self.redirect_uri: str = config.redirect_uri
        key = config.client_secret if email_key is None else email_key
        self._email_key = key.encode() if isinstance(key, str) else bytes(key)
        if not self._email_key:
            raise ConfigurationError("ChattzOAuth2's email_key must not be empty")

    def placeholder_email(self, chattz_id: int | str) -> str:
        """``chattz-<id>-<tag>@chattz.example``: the address fastapi-users keys the user on.

        ``<tag>`` is the first 16 hex digits of HMAC-SHA256(key, id): without the
        key nobody can compute the address of a Chattz id and register it first.
        """
        tag = hmac.new(self._email_key, str(chattz_id).encode(), hashlib.sha256).hexdigest()
        return f"chattz-{chattz_id}-{tag[:16]}@{PLACEHOLDER_DOMAIN}"

    def _registered(self, redirect_uri: str) -> str:
        if redirect_uri != self.redirect_uri:
            _logger.warning(
                "httpx-oauth: using the registered redirect URI, not the one passed in "
                "(pass redirect_url= to fastapi-users' get_oauth_router)"
            )
        return self.redirect_uri

    async def get_authorization_url(
        self,
        redirect_uri: str,
        state: str | None = None,
        scope: list[str] | None = None,
        code_challenge: str | None = None,
        code_challenge_method: Any = None,
        extras_params: dict[str, Any] | None = None,
    ) -> str:
        """The authorize URL, on the registered redirect URI (PKCE: S256 only).

        Raises:
            ConfigurationError: No ``state`` (a login without one has no CSRF
                protection), a ``plain`` PKCE challenge, or an extra parameter
                the library sets itself.
        """
        if not state:
            raise ConfigurationError("a Chattz login needs a state (CSRF protection)")
        if code_challenge is not None and code_challenge_method not in (None, "S256"):
            raise ConfigurationError("PKCE with Chattz is S256 only")
        self._registered(redirect_uri)
        extra = {key: str(value) for key, value in (extras_params or {}).items()}
        if scope:
            extra["scope"] = " ".join(scope)
        return self.session.authorize_url(
            state, **({"code_challenge": code_challenge} if code_challenge else {}), **extra
        )

    async def get_access_token(
        self, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> OAuth2Token:
        """Exchange the code (``POST /oauth/token``, the secret in the form body).

        Raises:
            GetAccessTokenError: The exchange failed; ``__cause__`` is the
                library's typed error (``OAuthError`` for a refused code or a
                wrong secret, ``TransportError``, ``ProviderError``).
        """
        self._registered(redirect_uri)
        try:
            token = await self.session.exchange_code(code, code_verifier=code_verifier)
        except ChattzOAuthError as exc:
            _logger.warning("httpx-oauth: Chattz code exchange failed: %s", exc)
            # The reason code, never str(exc) (the provider's error_description): FastAPI
            # puts the message in its answer's detail. The log and __cause__ have it all.
            raise GetAccessTokenError(f"Chattz code exchange failed: {public_reason(exc)}") from exc
        return OAuth2Token(token_fields(token))

    async def get_chattz_user(self, token: str) -> ChattzUser:
        """The signed-in user as the library parses it (``GET /oauth/userinfo``).

        Raises:
            GetProfileError: userinfo failed; ``__cause__`` is the library's typed error.
        """
        try:
            return await self.session.userinfo(token)
        except ChattzOAuthError as exc:
            _logger.warning("httpx-oauth: Chattz userinfo failed: %s", exc)
            raise GetProfileError(f"Chattz userinfo failed: {public_reason(exc)}") from exc

    async def get_profile(self, token: str) -> dict[str, Any]:
        """The Chattz id and the cleaned profile (the e-mail is unverified: display only).

        Raises:
            GetProfileError: userinfo failed, or the id cannot be stored.
        """
        user = await self.get_chattz_user(token)
        try:
            profile = Profile.from_user(user)
        except ChattzOAuthError as exc:
            raise GetProfileError(f"Chattz userinfo is not usable: {public_reason(exc)}") from exc
        return {"id": user.id, **profile.columns()}

    async def get_id_email(self, token: str) -> tuple[str, str | None]:
        """The Chattz id, and :meth:`placeholder_email`: never the Chattz e-mail.

        Raises:
            GetIdEmailError: userinfo failed (with Starlette installed, also a
                Starlette ``HTTPException`` with status 502: FastAPI answers it).
        """
        try:
            user = await self.get_chattz_user(token)
        except GetProfileError as exc:
            raise _IdEmailError(exc.message) from exc.__cause__
        return str(user.id), self.placeholder_email(user.id)
