"""The async session: drives the pure protocol core over one shared httpx client.

``chattz_oauth_async/_sync/session.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import httpx

from .. import protocol
from .._http import (
    BOUNDED_ENCODINGS,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
    RETRY_STATUSES,
    BodyLimiter,
    HttpxErrors,
    RetryPolicy,
    retry_delay,
)
from .._synchronization import (
    async_deadline,
    async_raw_chunks,
    async_sleep,
)
from ..errors import (
    ConfigurationError,
    LoginStateError,
    StateMismatchError,
    TokenExpiredError,
    TransportError,
    TransportTimeout,
    clean_text,
)
from ..models import DEFAULT_LEEWAY, ChattzUser, Token
from ..protocol import (
    DEFAULT_BASE_URL,
    DEFAULT_LOGIN_MAX_AGE,
    CallbackInput,
    ClientConfig,
    HTTPRequest,
)

if TYPE_CHECKING:
    import httpx2

    from ..login import LoginRequest

__all__ = ["AsyncChattzOAuth"]

logger = logging.getLogger("chattz_oauth_async")

_ENV_VARS = ("CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET", "CHATTZ_REDIRECT_URI")
#: Completed logins remembered per session, to refuse a replayed callback.
_MAX_REMEMBERED_LOGINS = 10_000

_Response = tuple[int, bytes, httpx.Headers]


class AsyncChattzOAuth:
    """A Chattz OAuth client session over one shared ``httpx.AsyncClient``.

    Create one per application (for example in a FastAPI lifespan) and share
    it between all requests and tasks: it holds no per-login state, so any
    number of logins can run through it at once.

    Example::

        async with AsyncChattzOAuth(client_id, client_secret, redirect_uri) as chattz:
            url = chattz.authorize_url(state=state)
            token = await chattz.exchange_code(code)
            user = await chattz.userinfo(token)

    Args:
        client_id: The client id Chattz gave you.
        client_secret: The client secret (never logged or shown).
        redirect_uri: Your callback URL, exactly as registered with Chattz.
        base_url: The provider; change it for staging or a local fake.
        http_client: An ``httpx.AsyncClient`` (or ``httpx2.AsyncClient``) to
            use. The session never closes a client it was given. When None,
            the session creates one with explicit timeouts and closes it in
            :meth:`aclose`.
        timeout: Per-operation timeouts for the client the session creates.
        total_timeout: Bound on one whole call, retries included (seconds).
        leeway: Seconds before expiry at which a token counts as expired.
        clock: Returns the current epoch time; inject a fake one in tests.
        pkce: Use PKCE (S256) in :meth:`start_login` / :meth:`complete_login`.
        max_response_bytes: Cap on a response body.
        retry: Retry policy (``RetryPolicy(attempts=1)`` switches retries off).

    Raises:
        ConfigurationError: A setting is empty or malformed.
        InsecureTransportError: ``base_url`` or ``redirect_uri`` is plain http
            on a host that is not loopback.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
        timeout: float | httpx.Timeout | None = None,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        leeway: float = DEFAULT_LEEWAY,
        clock: Callable[[], float] = time.time,
        pkce: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = ClientConfig(client_id, client_secret, redirect_uri, base_url)
        if not (isinstance(leeway, (int, float)) and 0 <= leeway < float("inf")):
            raise ConfigurationError("leeway must be a finite number of seconds >= 0")
        if not (isinstance(total_timeout, (int, float)) and 0 < total_timeout < float("inf")):
            raise ConfigurationError("total_timeout must be a finite number of seconds > 0")
        if not (isinstance(max_response_bytes, int) and max_response_bytes > 0):
            raise ConfigurationError("max_response_bytes must be a positive integer")
        self.leeway = float(leeway)
        self.clock = clock
        self.pkce = pkce
        self.total_timeout = float(total_timeout)
        self.max_response_bytes = max_response_bytes
        self.retry = retry if retry is not None else RetryPolicy()
        self._owns_client = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                timeout=timeout
                if timeout is not None
                else httpx.Timeout(DEFAULT_READ_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT),
                follow_redirects=False,
            )
        elif timeout is not None:
            raise ConfigurationError(
                "timeout applies to the client the session creates; set it on "
                "the http_client you pass instead"
            )
        # httpx2's client has the same API as httpx's; only its exception
        # classes differ, and HttpxErrors picks the right ones.
        self.http_client = cast("httpx.AsyncClient", http_client)
        self._errors = HttpxErrors.for_client(http_client)
        # Accept only encodings the body limiter inflates with a bound: httpx
        # also offers br and zstd when their packages are installed.
        offered = http_client.headers.get("accept-encoding", "")
        codings = {part.strip().lower() for part in offered.split(",")}
        self._extra_headers: tuple[tuple[str, str], ...] = (
            () if codings <= BOUNDED_ENCODINGS else (("Accept-Encoding", "gzip, deflate"),)
        )
        self._completed: dict[str, tuple[float, object]] = {}

    @classmethod
    def from_env(
        cls, *, environ: Mapping[str, str] | None = None, **kwargs: Any
    ) -> AsyncChattzOAuth:
        """Build a session from CHATTZ_CLIENT_ID, CHATTZ_CLIENT_SECRET,
        CHATTZ_REDIRECT_URI and the optional CHATTZ_BASE_URL.

        Args:
            environ: Where to read the variables; ``os.environ`` when None.
            **kwargs: Further constructor arguments.

        Raises:
            ConfigurationError: A required variable is missing or empty (the
                message names it).
        """
        env = os.environ if environ is None else environ
        values = []
        for name in _ENV_VARS:
            value = env.get(name)
            if not value:
                raise ConfigurationError(f"environment variable {name} is not set")
            values.append(value)
        if env.get("CHATTZ_BASE_URL"):
            kwargs.setdefault("base_url", env["CHATTZ_BASE_URL"])
        return cls(*values, **kwargs)

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
        """Close the HTTP client if the session created it (a passed-in one stays open)."""
        if self._owns_client:
            await self.http_client.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.config.client_id!r}, "
            f"redirect_uri={self.config.redirect_uri!r}, "
            f"base_url={self.config.base_url!r}, pkce={self.pkce!r})"
        )

    # --- the flow -----------------------------------------------------------

    def authorize_url(self, state: str, **extra: str) -> str:
        """Build the URL to send the user's browser to. No I/O.

        Args:
            state: The CSRF state for this login (see
                :func:`~chattz_oauth_async.new_state`); check it at the callback.
            **extra: Further query parameters, such as ``scope``, or
                ``code_challenge`` for a hand-made PKCE flow.

        Raises:
            ConfigurationError: Empty state, or an extra that overrides a
                parameter the library sets.
        """
        return protocol.authorize_url(self.config, state, **extra)

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
        request = protocol.token_request(self.config, code, code_verifier=code_verifier)
        status, body, _ = await self._send(request, idempotent=False, what="code exchange")
        token = protocol.parse_token_response(status, body, now=self.clock(), leeway=self.leeway)
        logger.debug("code exchange: got a token, expires_in=%s", token.expires_in)
        return token

    async def refresh(self, token: Token) -> Token:
        """Get a new access token with the token's refresh token (RFC 6749 section 6).

        The new token keeps the old refresh token unless the provider rotated it.

        Raises:
            TokenExpiredError: The token has no refresh token: a new login is needed.
            OAuthError: The provider refused (``invalid_grant``: revoked or expired).
            ProviderError, TransportError: As for :meth:`exchange_code`.
        """
        if not isinstance(token, Token) or not token.refresh_token:
            raise TokenExpiredError("this token has no refresh token: the user must log in again")
        request = protocol.refresh_request(self.config, token.refresh_token)
        status, body, _ = await self._send(request, idempotent=False, what="token refresh")
        new = protocol.parse_token_response(
            status,
            body,
            now=self.clock(),
            leeway=self.leeway,
            previous_refresh_token=token.refresh_token,
        )
        logger.debug("token refresh: got a token, expires_in=%s", new.expires_in)
        return new

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
        status, body, headers = await self._send(request, idempotent=True, what="userinfo")
        return protocol.parse_userinfo_response(status, body, headers)

    def start_login(self, next_url: str | None = None, **extra: str) -> LoginRequest:
        """Begin a login: a fresh state (and PKCE verifier), and the authorize URL.

        Keep the result for the callback, for example with
        :meth:`LoginRequest.seal` in a cookie. No I/O.

        Args:
            next_url: Where to send the user afterwards: a same-origin path.
            **extra: Further authorize query parameters.

        Raises:
            UnsafeRedirectError: ``next_url`` is not a same-origin path.
        """
        from ..login import LoginRequest, safe_next_url  # loaded on first use

        next_url = safe_next_url(next_url)
        state = protocol.new_state()
        verifier = protocol.new_code_verifier() if self.pkce else None
        challenge = None if verifier is None else protocol.code_challenge(verifier)
        url = protocol.authorize_url(self.config, state, code_challenge=challenge, **extra)
        return LoginRequest(
            url=url,
            state=state,
            code_verifier=verifier,
            next_url=next_url,
            created_at=self.clock(),
        )

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
        login can be completed once: a replayed callback is refused.

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
        from ..login import LoginRequest

        if not isinstance(login, LoginRequest):
            raise StateMismatchError("this browser has no login in progress")
        code = protocol.parse_callback(callback, login.state, issuer=self.config.base_url)
        now = self.clock()
        if now - login.created_at > max_age:
            raise LoginStateError("the login took too long; please start again", expired=True)
        if self.pkce and login.code_verifier is None:
            raise ConfigurationError("PKCE is on but this login carries no code verifier")
        self._mark_completed(login.state, now + max_age)
        return await self.exchange_code(code, code_verifier=login.code_verifier)

    def _mark_completed(self, state: str, forget_after: float) -> None:
        if len(self._completed) >= _MAX_REMEMBERED_LOGINS:
            now = self.clock()
            for key, (until, _) in list(self._completed.items()):
                if until < now:
                    self._completed.pop(key, None)
        marker = object()
        if self._completed.setdefault(state, (forget_after, marker))[1] is not marker:
            raise StateMismatchError("this login was already completed")

    # --- HTTP ---------------------------------------------------------------

    async def _send(self, request: HTTPRequest, *, idempotent: bool, what: str) -> _Response:
        """Send ``request`` with retries inside the total deadline."""
        deadline = time.monotonic() + self.total_timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                async with async_deadline(max(deadline - time.monotonic(), 0.0)):
                    response = await self._send_once(request, deadline, what)
            except TimeoutError as exc:
                raise self._deadline_error(what) from exc
            except self._errors.transport as exc:
                retryable = idempotent or isinstance(exc, self._errors.not_sent)
                if not retryable or attempt >= self.retry.attempts:
                    raise self._transport_error(exc, what) from exc
                retry_after = None
                failure: Exception | _Response = exc
            else:
                status, _, headers = response
                if not (idempotent and status in RETRY_STATUSES and attempt < self.retry.attempts):
                    return response
                retry_after = headers.get("retry-after")
                failure = response
            delay = retry_delay(self.retry, attempt, retry_after, now=time.time())
            if time.monotonic() + delay >= deadline:
                if isinstance(failure, Exception):
                    raise self._transport_error(failure, what) from failure
                return failure
            logger.info("%s: try %d failed, retrying in %.2fs", what, attempt, delay)
            await async_sleep(delay)

    async def _send_once(self, request: HTTPRequest, deadline: float, what: str) -> _Response:
        client = self.http_client
        http_request = client.build_request(
            request.method,
            request.url,
            headers=request.headers + self._extra_headers,
            content=request.body or None,
        )
        response = await client.send(http_request, stream=True, follow_redirects=False)
        try:
            # The sync twin cannot interrupt a blocking read: at least do not
            # accept an answer that arrived after the deadline.
            if time.monotonic() > deadline:
                raise self._deadline_error(what)
            headers = response.headers
            if response.is_stream_consumed:
                # In-memory transports (httpx.MockTransport) hand over a body
                # that is already read and decoded.
                limiter = BodyLimiter(self.max_response_bytes, response.status_code)
                limiter.feed(response.content)
            else:
                # Real transports stream it raw; the limiter decodes with a bound.
                limiter = BodyLimiter(
                    self.max_response_bytes,
                    response.status_code,
                    headers.get("content-length"),
                    headers.get("content-encoding"),
                )
                async with async_raw_chunks(response) as chunks:
                    async for chunk in chunks:
                        limiter.feed(chunk)
                        if time.monotonic() > deadline:
                            raise self._deadline_error(what)
            body = limiter.result()
        finally:
            await response.aclose()
        logger.debug("%s: HTTP %d, %d bytes", what, response.status_code, len(body))
        return response.status_code, body, headers

    def _deadline_error(self, what: str) -> TransportTimeout:
        return TransportTimeout(f"{what} did not complete within {self.total_timeout:g}s")

    def _transport_error(self, exc: Exception, what: str) -> TransportError:
        name = type(exc).__name__
        if isinstance(exc, self._errors.timeout):
            return TransportTimeout(f"{what} timed out ({name})")
        detail = clean_text(str(exc), 200)
        return TransportError(f"{what} failed: {name}" + (f": {detail}" if detail else ""))
