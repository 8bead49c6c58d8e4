# GENERATED from chattz_oauth_async/_async/session.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""The sync session as built: its arguments checked, ``from_env``, its HTTP client, closing it.

:class:`ChattzOAuth` checks what it is given (or reads it from the
environment), builds the one HTTP client it sends through (``_client.py``), or
takes the caller's, and the sender over it (``sender.py``). Its calls (the
login, the code exchange, refresh, userinfo) are those of its base,
:class:`SessionCalls` in ``calls.py``, which drive the pure protocol core.

``chattz_oauth_async/_sync/session.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Literal, TypedDict, Unpack

import httpx

from .. import _checks as checks
from .._client import SyncClientLike, SyncTransportLike, build_sync_client
from .._http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TOTAL_TIMEOUT,
    RetryPolicy,
    checked_clock,
)
from .._synchronization import SyncWithHint
from .._tracebacks import keeps_no_secrets
from ..errors import ConfigurationError
from ..models import DEFAULT_LEEWAY
from ..protocol import DEFAULT_BASE_URL, ClientConfig
from .calls import SessionCalls
from .sender import Sender

__all__ = ["ChattzOAuth"]

_REQUIRED_ENV_VARS = ("CHATTZ_CLIENT_ID", "CHATTZ_CLIENT_SECRET")


class _SessionOptions(TypedDict, total=False):
    """The keyword arguments :meth:`ChattzOAuth.from_env` passes on."""

    base_url: str
    http_client: SyncClientLike | None
    transport: SyncTransportLike | None
    http: Literal["httpx", "httpx2"]
    timeout: float | httpx.Timeout | None
    total_timeout: float
    leeway: float
    clock: Callable[[], float]
    pkce: bool
    max_response_bytes: int
    retry: RetryPolicy | None


class ChattzOAuth(SessionCalls, SyncWithHint):
    """A Chattz OAuth client session over httpx.

    Create one per application (for example at import time, or in a FastAPI
    lifespan) and share it between all requests and threads: it holds no
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

        with ChattzOAuth(client_id, client_secret, redirect_uri) as chattz:
            url = chattz.authorize_url(state=state)
            token = chattz.exchange_code(code)
            user = chattz.userinfo(token)

    Args:
        client_id: The client id Chattz gave you.
        client_secret: The client secret (never logged or shown).
        redirect_uri: Your callback URL, exactly as registered with Chattz.
            None for a worker or bot that never starts a login (it
            refreshes tokens and reads userinfo): then :meth:`start_login`,
            :meth:`authorize_url` and the code exchange raise
            :class:`ConfigurationError` naming it.
        base_url: The provider; change it for staging or a local fake.
        http_client: An ``httpx.Client`` or ``httpx2.Client`` of
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
        http_client: SyncClientLike | None = None,
        transport: SyncTransportLike | None = None,
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
        self._http = build_sync_client(http_client, http, timeout, transport)
        super().__init__(
            Sender(
                self._http,
                total_timeout=self.total_timeout,
                max_response_bytes=max_response_bytes,
                retry=self.retry,
            )
        )

    @property
    def http_client(self) -> SyncClientLike:
        """The client every request of the session goes through: yours, or the session's own.

        You may send your own requests through the session's own client: they
        share its connections and its bound on requests in flight. Its
        settings (timeouts, headers) are the session's: change them by
        building the session differently, not on this object. Closing it
        ends it for the session too: the session's own ``aclose()``/``close()``
        closes only connections, and keeps it open.
        """
        client: SyncClientLike = self._http.client
        return client

    @classmethod
    @keeps_no_secrets
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        **kwargs: Unpack[_SessionOptions],
    ) -> ChattzOAuth:
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

    def __enter__(self) -> ChattzOAuth:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
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
            self._http.transport.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.config.client_id!r}, "
            f"redirect_uri={self.config.redirect_uri!r}, "
            f"base_url={self.config.base_url!r}, pkce={self.pkce!r})"
        )
