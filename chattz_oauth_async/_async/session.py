"""The async session: drives the pure protocol core over httpx.

It decides what to send (``protocol``) and what the answer means; the bytes
move through ``sender.py``, over the one HTTP client that ``_client.py``
builds (or the caller passes).

``chattz_oauth_async/_sync/session.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Literal, TypedDict, Unpack

import httpx

from .. import _checks as checks
from .. import protocol
from .._client import AsyncClientLike, AsyncTransportLike, build_async_client
from .._http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TOTAL_TIMEOUT,
    RetryPolicy,
    checked_clock,
)
from .._ids import user_id_text
from .._synchronization import AsyncWithHint
from .._telemetry import traced
from .._tracebacks import keeps_no_secrets
from ..errors import (
    AccountError,
    ConfigurationError,
    StateMismatchError,
    TokenExpiredError,
)
from ..events import refresh_observed
from ..login import CompletedLogins, LoginRequest, safe_next_url
from ..models import DEFAULT_LEEWAY, ChattzUser, Token
from ..protocol import (
    DEFAULT_BASE_URL,
    DEFAULT_LOGIN_MAX_AGE,
    CallbackInput,
    ClientConfig,
)
from .sender import Sender, Wire

__all__ = ["AsyncChattzOAuth"]

logger = logging.getLogger("chattz_oauth_async")

_REQUIRED_ENV_VARS = ("CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET")


class _SessionOptions(TypedDict, total=False):
    """The keyword arguments :meth:`AsyncChattzOAuth.from_env` passes on."""

    base_url: str
    http_client: AsyncClientLike | None
    transport: AsyncTransportLike | None
    http: Literal["httpx", "httpx2"]
    timeout: float | httpx.Timeout | None
    total_timeout: float
    leeway: float
    clock: Callable[[], float]
    pkce: bool
    max_response_bytes: int
    retry: RetryPolicy | None


class AsyncChattzOAuth(AsyncWithHint):
    """A Chattz OAuth client session over httpx.

    Create one per application (for example at import time, or in a FastAPI
    lifespan) and share it between all requests and tasks: it holds no
    per-login or per-user state (no cookies either), so any number of
    logins can run through it at once.

    The session sends through one HTTP client, :attr:`http_client`: yours,
    or one it builds. A client it builds verifies certificates, never
    follows redirects, keeps no cookies, takes no proxy from the environment
    and keeps at most 100 requests in flight; the others wait, and the wait
    counts against ``total_timeout``. The one the async session builds keeps
    connections per event loop, opened on first use in that loop and closed
    when that loop ends, so one session serves ``asyncio.run()`` calls,
    per-request loops (Django async views under WSGI) and threads each
    running a loop, on asyncio and trio. The one the sync session builds is
    one pool of connections shared by every thread.

    Example::

        async with AsyncChattzOAuth(client_id, client_secret, redirect_uri) as chattz:
            url = chattz.authorize_url(state=state)
            token = await chattz.exchange_code(code)
            user = await chattz.userinfo(token)

    Args:
        client_id: The client id Chattz gave you.
        client_secret: The client secret (never logged or shown).
        redirect_uri: Your callback URL, exactly as registered with Chattz.
            None for a worker or bot that never starts a login (it
            refreshes tokens and reads userinfo): then :meth:`start_login`,
            :meth:`authorize_url` and the code exchange raise
            :class:`ConfigurationError` naming it.
        base_url: The provider; change it for staging or a local fake.
        http_client: An ``httpx.AsyncClient`` or ``httpx2.AsyncClient`` of
            yours. The session uses it as it is (its timeouts, redirects,
            proxies and ``trust_env``) and never closes it; an async client
            cannot move between event loops. When None, the session builds
            its own.
        transport: Build the session's own client over this transport (an
            ``httpx.AsyncBaseTransport``, or httpx2's with ``http="httpx2"``),
            keeping the library's client defaults; :meth:`aclose` closes it.
        http: ``"httpx"`` (the default) or ``"httpx2"``: the HTTP library of
            the client the session builds. httpx2 needs the ``httpx2`` extra.
        timeout: Per-operation timeouts for the client the session builds: a
            finite number of seconds > 0, an ``httpx.Timeout`` whose parts are
            such numbers or None, or None (10 s, 5 s to connect).
        total_timeout: Bound on one whole call, retries and the wait for a
            connection included: a finite number of seconds > 0 (default 30).
        leeway: Seconds before expiry at which a token counts as expired: a
            finite number >= 0 (default 30).
        clock: A function returning the current epoch time as a finite
            number; inject a fake one in tests.
        pkce: True or False: use PKCE (S256) in :meth:`start_login` /
            :meth:`complete_login`.
        max_response_bytes: Cap on a response body: a whole number >= 1
            (default 1 MiB).
        retry: A :class:`RetryPolicy`, or None for ``RetryPolicy()`` (3
            attempts); ``RetryPolicy(attempts=1)`` switches retries off.

    Raises:
        ConfigurationError: An argument outside what it may be (the message
            names it and what it may be); a setting is empty or malformed;
            ``http_client`` is not an httpx/httpx2 ``AsyncClient`` (a sync ``Client`` belongs
            to :class:`ChattzOAuth`); ``http_client`` is combined with
            ``transport``, ``timeout`` or ``http``; or ``http="httpx2"``
            without httpx2 installed.
        InsecureTransportError: ``base_url`` or ``redirect_uri`` is plain http
            on a host that is not loopback.
    """

    #: The client's settings, checked: ``client_id``, ``redirect_uri``, ``base_url``.
    config: ClientConfig
    #: Seconds before expiry at which a token counts as expired.
    leeway: float
    clock: Callable[[], float]
    pkce: bool
    #: Bound on one whole call, retries and the wait for a connection included (seconds).
    total_timeout: float
    max_response_bytes: int
    retry: RetryPolicy

    @keeps_no_secrets
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: AsyncClientLike | None = None,
        transport: AsyncTransportLike | None = None,
        http: Literal["httpx", "httpx2"] = "httpx",
        timeout: float | httpx.Timeout | None = None,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        leeway: float = DEFAULT_LEEWAY,
        clock: Callable[[], float] = time.time,
        pkce: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = ClientConfig(client_id, client_secret, redirect_uri, base_url)
        self.leeway = checks.seconds("leeway", leeway, zero=True)
        self.total_timeout = checks.seconds("total_timeout", total_timeout)
        self.max_response_bytes = checks.whole("max_response_bytes", max_response_bytes)
        self.pkce = checks.flag("pkce", pkce)
        #: Returns the current epoch time (the ``clock`` passed in, its readings checked).
        self.clock = checked_clock(clock)
        self.retry: RetryPolicy = (
            RetryPolicy()
            if retry is None
            else checks.instance("retry", retry, RetryPolicy, "a RetryPolicy or None")
        )
        self._http = build_async_client(http_client, http, timeout, transport)
        self._sender = Sender(
            self._http,
            total_timeout=self.total_timeout,
            max_response_bytes=max_response_bytes,
            retry=self.retry,
        )
        self._completed = CompletedLogins()

    @property
    def http_client(self) -> AsyncClientLike:
        """The client every request of the session goes through: yours, or the session's own.

        You may send your own requests through the session's own client: they
        share its connections and its bound on requests in flight. Its
        settings (timeouts, headers) are the session's: change them by
        building the session differently, not on this object. Closing it
        ends it for the session too: the session's own ``aclose()``/``close()``
        closes only connections, and keeps it open.
        """
        client: AsyncClientLike = self._http.client
        return client

    @classmethod
    @keeps_no_secrets
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        **kwargs: Unpack[_SessionOptions],
    ) -> AsyncChattzOAuth:
        """Build a session from CHATTZ_CLIENT_ID, CHATTZ_CLIENT_SECRET, and the
        optional CHATTZ_REDIRECT_URI and CHATTZ_BASE_URL.

        A web app sets CHATTZ_REDIRECT_URI; a worker or bot that only
        refreshes tokens and reads userinfo may leave it out (its session
        then refuses to start a login, naming the variable).

        Args:
            environ: Where to read the variables; ``os.environ`` when None.
            **kwargs: Further keyword arguments of the constructor
                (``base_url`` overrides CHATTZ_BASE_URL).

        Raises:
            ConfigurationError: Required variables are missing or empty (the
                message names all of them at once), a keyword argument the
                constructor does not take, or any error of the constructor.
        """
        unknown = sorted(set(kwargs) - set(_SessionOptions.__annotations__))
        if unknown:
            raise ConfigurationError(
                f"from_env() got unknown keyword arguments: {', '.join(unknown)}"
            )
        env = os.environ if environ is None else environ
        if not isinstance(env, Mapping):
            raise ConfigurationError("from_env() needs environ to be a mapping, such as os.environ")
        missing = [name for name in _REQUIRED_ENV_VARS if not env.get(name)]
        if len(missing) == 1:
            raise ConfigurationError(f"environment variable {missing[0]} is not set")
        if missing:
            raise ConfigurationError(f"environment variables {' and '.join(missing)} are not set")
        client_id, client_secret = (env[name] for name in _REQUIRED_ENV_VARS)
        if env.get("CHATTZ_BASE_URL"):
            kwargs.setdefault("base_url", env["CHATTZ_BASE_URL"])
        return cls(client_id, client_secret, env.get("CHATTZ_REDIRECT_URI") or None, **kwargs)

    # --- lifecycle ----------------------------------------------------------

    async def __aenter__(self) -> AsyncChattzOAuth:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections the session opened; a client you passed in stays open.

        The session stays usable: a later call opens new connections. So one
        session can be shared app-wide and closed at the end of every
        lifespan, test or worker that used it. In the async session, this
        closes the running event loop's connections; those of loops that
        have ended were closed when they ended, and those of loops still
        running in other threads close when their loops end. In the sync
        session, it closes the connections of its one pool.
        """
        if self._http.transport is not None:
            await self._http.transport.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.config.client_id!r}, "
            f"redirect_uri={self.config.redirect_uri!r}, "
            f"base_url={self.config.base_url!r}, pkce={self.pkce!r})"
        )

    # --- the flow -----------------------------------------------------------

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
    async def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Token:
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
        return await self._exchange(code, code_verifier, Wire())

    @traced("code exchange")
    async def _exchange(self, code: str, code_verifier: str | None, wire: Wire) -> Token:
        request = protocol.token_request(self.config, code, code_verifier=code_verifier)
        status, body, _ = await self._sender.send(
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
    async def refresh(self, token: Token) -> Token:
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
        status, body, _ = await self._sender.send(request, idempotent=False, what="token refresh")
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
    async def userinfo(self, token: Token | str) -> ChattzUser:
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
        status, body, headers = await self._sender.send(request, idempotent=True, what="userinfo")
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
                the account step (:meth:`AsyncAccounts.sign_in
                <chattz_oauth_async.accounts.AsyncAccounts.sign_in>`) links the
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
    async def complete_login(
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
            return await self._exchange(code, login.code_verifier, wire)
        except BaseException:
            if not wire.maybe_sent:
                self._completed.release(login.state)
            raise
