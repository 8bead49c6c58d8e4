# GENERATED from chattz_oauth_async/_async/calls.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The sync session's calls: the login, the code exchange, refresh and userinfo.

:class:`SessionCalls` is the base of :class:`ChattzOAuth`, which builds
the session (``session.py``: its arguments checked, ``from_env``, its one HTTP
client, closing it). Each call decides what to send (``protocol``) and what
the answer means; the bytes move through ``sender.py``. The login's replay
check (:class:`CompletedLogins`) is kept here, where a login completes.

``chattz_oauth_async/_sync/calls.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from .. import protocol
from .._ids import user_id_text
from .._telemetry import traced
from .._tracebacks import keeps_no_secrets
from ..errors import AccountError, ConfigurationError, StateMismatchError, TokenExpiredError
from ..events import refresh_observed
from ..login import CompletedLogins, LoginRequest, safe_next_url
from ..models import ChattzUser, Token
from ..protocol import DEFAULT_LOGIN_MAX_AGE, CallbackInput, ClientConfig
from .sender import Sender, Wire

__all__ = ["SessionCalls"]

logger = logging.getLogger("chattz_oauth_async")


class SessionCalls:
    """The calls of :class:`ChattzOAuth`, its base class (documented there).

    The settings they read are set and checked by the session's constructor
    (``session.py``), which hands over the sender it built.
    """

    config: ClientConfig
    leeway: float
    clock: Callable[[], float]
    pkce: bool

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._completed = CompletedLogins()

    def authorize_url(self, state: str = "", /, **extra: str) -> str:
        """Build the URL to send the user's browser to. No I/O.

        Args:
            state: The CSRF state for this login (see
                :func:`~chattz_oauth_async.protocol.new_state`), positional or
                ``state=...``; check it at the callback.
            **extra: Further query parameters, such as ``scope``, or
                ``code_challenge`` for a hand-made PKCE flow.

        Raises:
            ConfigurationError: Empty state, a state given twice, or an extra
                that overrides a parameter the library sets or is named ``self``.
        """
        if "state" in extra:
            if state:
                raise ConfigurationError("authorize_url() got state twice: pass it once")
            state = extra.pop("state")
        if "self" in extra:
            raise ConfigurationError("authorize_url() takes no query parameter named 'self'")
        return protocol.authorize_url(self.config, state, **extra)

    @keeps_no_secrets
    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Token:
        """Exchange an authorization code for a :class:`Token` (``POST /oauth/token``).

        The code is single use, so the request is retried only if the
        connection could not even be made.

        Raises:
            OAuthError: The provider refused (for example ``invalid_grant``).
            ProviderError: The answer was not a valid bearer token response.
            TransportError: The request failed or timed out.
            ConfigurationError: Empty code, or PKCE is on and no verifier given.
        """
        if self.pkce and code_verifier is None:
            raise ConfigurationError("PKCE is on: exchange_code() needs the login's code_verifier")
        return self._exchange(code, code_verifier, Wire())

    @traced("code exchange")
    def _exchange(self, code: str, code_verifier: str | None, wire: Wire) -> Token:
        request = protocol.token_request(self.config, code, code_verifier=code_verifier)
        status, body, _ = self._sender.send(
            request, idempotent=False, what="code exchange", wire=wire
        )
        token = protocol.parse_token_response(
            status,
            body,
            now=self.clock(),
            leeway=self.leeway,
            hide=(self.config.client_secret, code, code_verifier or ""),
        )
        logger.debug("code exchange: got a token, expires_in=%s", token.expires_in)
        return token

    @refresh_observed
    @keeps_no_secrets
    @traced("token refresh")
    def refresh(self, token: Token) -> Token:
        """Get a new access token with the token's refresh token (RFC 6749 section 6).

        The new token keeps the old refresh token unless the provider rotated it.
        A failure is also the ``REFRESH_FAILED`` event (:mod:`chattz_oauth_async.events`).

        Raises:
            ConfigurationError: ``token`` is not a :class:`Token`.
            TokenExpiredError: The token has no refresh token: a new login is needed.
            OAuthError: The provider refused (``invalid_grant``: revoked or expired).
            ProviderError, TransportError: As for :meth:`exchange_code`.
        """
        if not isinstance(token, Token):
            raise ConfigurationError(f"refresh() needs a Token, not {type(token).__name__}")
        if not token.refresh_token:
            raise TokenExpiredError("this token has no refresh token: the user must log in again")
        request = protocol.refresh_request(self.config, token.refresh_token)
        status, body, _ = self._sender.send(request, idempotent=False, what="token refresh")
        new = protocol.parse_token_response(
            status,
            body,
            now=self.clock(),
            leeway=self.leeway,
            previous_refresh_token=token.refresh_token,
            hide=(self.config.client_secret, token.refresh_token),
        )
        logger.debug("token refresh: got a token, expires_in=%s", new.expires_in)
        return new

    @keeps_no_secrets
    @traced("userinfo")
    def userinfo(self, token: Token | str) -> ChattzUser:
        """Fetch the signed-in user (``GET /oauth/userinfo``).

        Args:
            token: A :class:`Token`, or an access token string.

        Raises:
            TokenExpiredError: The Token has expired; nothing was sent.
            InvalidTokenError: The provider rejected the token (401).
            InsufficientScopeError: The provider answered 403.
            ProviderError: The answer was malformed (for example no ``id``).
            TransportError: The request failed or timed out (after retries).
        """
        if isinstance(token, Token):
            if token.is_expired(self.clock()):
                raise TokenExpiredError(
                    "the access token has expired; "
                    + (
                        "refresh it with refresh()"
                        if token.refresh_token
                        else "the user must log in again"
                    )
                )
            token = token.access_token
        request = protocol.userinfo_request(self.config, token)
        status, body, headers = self._sender.send(request, idempotent=True, what="userinfo")
        return protocol.parse_userinfo_response(status, body, headers, hide=(token,))

    def start_login(
        self,
        next_url: str | None = None,
        /,
        *,
        link_user_id: str | int | uuid.UUID | None = None,
        **extra: str | None,
    ) -> LoginRequest:
        """Begin a login: a fresh state (and PKCE verifier), and the authorize URL.

        Keep the result for the callback, for example with
        :meth:`LoginRequest.seal` in a cookie. No I/O.

        Args:
            next_url: Where to send the user afterwards: a same-origin path
                (positionally or as ``next_url=``).
            link_user_id: For a *linking login*, the local user who asked, from
                a POST that passed your CSRF check: sealed with the login, so
                the account step (:meth:`Accounts.sign_in
                <chattz_oauth_async.accounts.Accounts.sign_in>`) links the
                Chattz account to that user only if they are still signed in
                at the callback. None (the default) is a plain login, which
                never links.
            **extra: Further authorize query parameters.

        Raises:
            UnsafeRedirectError: ``next_url`` is not a same-origin path.
            ConfigurationError: ``extra`` names a parameter the library sets,
                or one of this method's own (``self``, ``next_url`` given
                twice); ``link_user_id`` is not a local user id the accounts
                can keep (a str, int or UUID of 1 to 64 printable characters).
        """
        if "next_url" in extra:
            given = extra.pop("next_url")
            if next_url is not None:
                raise ConfigurationError("start_login() got next_url twice")
            next_url = given
        if "self" in extra:
            raise ConfigurationError("start_login() takes no 'self' authorize parameter")
        if "code_challenge" in extra:
            raise ConfigurationError("start_login() sets code_challenge itself (pkce=True)")
        link = None
        if link_user_id is not None:
            try:
                link = user_id_text(link_user_id)
            except AccountError:
                raise ConfigurationError(
                    "link_user_id must be a local user id the accounts can keep: a str, int "
                    "or UUID of 1 to 64 printable characters"
                ) from None
        next_url = safe_next_url(next_url)
        state = protocol.new_state()
        verifier = protocol.new_code_verifier() if self.pkce else None
        challenge = None if verifier is None else protocol.code_challenge(verifier)
        url = protocol.authorize_url(
            self.config,
            state,
            code_challenge=challenge,
            **extra,  # type: ignore[arg-type]  # a None is refused there, typed
        )
        return LoginRequest(
            url=url,
            state=state,
            code_verifier=verifier,
            next_url=next_url,
            created_at=self.clock(),
            link_user_id=link,
        )

    @keeps_no_secrets
    def complete_login(
        self,
        callback: CallbackInput,
        login: LoginRequest | None,
        *,
        max_age: float = DEFAULT_LOGIN_MAX_AGE,
    ) -> Token:
        """Finish a login started with :meth:`start_login`.

        Checks the callback's state against the login in constant time, maps
        ``error=...`` to :class:`AuthorizationDenied`, and exchanges the code
        (with the PKCE verifier when there is one). Within this process, one
        login can be completed once: a replayed callback is refused. A login
        counts as completed once its code exchange may have reached the
        provider; a failure before that (no connection could be made, the
        wait for a connection timed out, the call was cancelled) leaves it
        open, so the same callback can be tried again.

        Args:
            callback: The callback URL, its query string, or its parameters.
            login: The login this browser started (None when it has none).
            max_age: Seconds a login may take.

        Raises:
            StateMismatchError: No login, or a state that does not match, or a
                login that was already completed.
            LoginStateError: The login is older than ``max_age``.
            AuthorizationDenied: The user refused.
            OAuthError, ProviderError, TransportError: From the code exchange.
        """
        if not isinstance(login, LoginRequest):
            raise StateMismatchError("this browser has no login in progress")
        code = protocol.parse_callback(callback, login.state, issuer=self.config.base_url)
        now = self.clock()
        login.check_age(max_age, now=now)
        if self.pkce and login.code_verifier is None:
            raise ConfigurationError("PKCE is on but this login carries no code verifier")
        self._completed.claim(login.state, forget_after=now + max_age, now=now)
        wire = Wire()
        try:
            return self._exchange(code, login.code_verifier, wire)
        except BaseException:
            if not wire.maybe_sent:
                self._completed.release(login.state)
            raise
