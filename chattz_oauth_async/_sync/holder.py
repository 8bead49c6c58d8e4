# GENERATED from chattz_oauth_async/_async/holder.py by scripts/gen_sync.py -- do not edit.
# Edit the async original, then run: python scripts/gen_sync.py
"""A token kept valid for long-running code: refreshed once for all callers.

``chattz_oauth_async/_sync/holder.py`` is generated from this file by
``scripts/gen_sync.py``: edit here, then regenerate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .. import _checks as checks
from .._synchronization import SyncSignal, sync_call_hook, sync_hook, sync_shielded
from .._tracebacks import keeps_no_secrets
from ..errors import ConfigurationError, InvalidTokenError, TokenExpiredError
from ..models import ChattzUser, Token
from .session import ChattzOAuth

__all__ = ["TokenHolder"]


class _Flight:
    """One refresh in progress, and the callers waiting for its outcome."""

    __slots__ = ("failure", "token", "waiters")

    def __init__(self) -> None:
        #: The refreshed token, or the refresh's failure, once it has ended.
        self.token: Token | None = None
        self.failure: Exception | None = None
        self.waiters: list[SyncSignal] = []


class TokenHolder:
    """Holds a token for long-running code and keeps it valid.

    :meth:`get` returns the token, refreshing it first when it is within the
    leeway of expiry. However many threads ask at once, one refresh is made;
    the others wait for it and share its outcome, a failure included (a
    caller that arrives after a failure tries again), whichever event loop
    or thread they run in. ``on_update`` is
    called with every new token, so a rotated refresh token can be
    persisted; in async code it may be an async function. In async code, a
    refresh once sent runs to its end (within the session's
    ``total_timeout``) even if its caller is cancelled, so a refresh token
    the provider has already rotated is never lost; that caller then gets
    its cancellation, never the refresh's result or failure.

    A token can be refused before its time (the provider's clock runs ahead
    of this machine's, or the provider dropped it): :meth:`userinfo` then
    refreshes once and asks again, and code that calls other APIs with the
    token passes the refused token to ``get(rejected=token)`` to the same
    effect. Either way, callers that hit the same refusal at once share one
    refresh.

    Args:
        session: The session that refreshes.
        token: The current token (for example ``Token.from_dict(saved)``).
        on_update: Called as ``on_update(new_token)`` after each refresh.
    """

    def __init__(
        self,
        session: ChattzOAuth,
        token: Token,
        *,
        on_update: Callable[[Token], Any] | None = None,
    ) -> None:
        checks.instance("session", session, ChattzOAuth, "a session (ChattzOAuth)")
        checks.instance("token", token, Token, "a Token")
        sync_hook("on_update", on_update)
        self.session = session
        self._token = token
        self._on_update = on_update
        # The current refresh, if one runs. Guarded by a thread lock held for a few
        # statements at a time (never across an await): one holder may serve threads of
        # several event loops in several threads (Django's async views under WSGI), and
        # each waiter is woken on its own loop (AsyncSignal).
        self._state = threading.Lock()
        self._flight: _Flight | None = None

    @property
    def token(self) -> Token:
        """The token as last seen, without refreshing."""
        return self._token

    @keeps_no_secrets
    def get(self, *, rejected: Token | None = None) -> Token:
        """Return a valid token, refreshing it (once, for all callers) if needed.

        Args:
            rejected: A token the provider refused (HTTP 401, ``InvalidTokenError``)
                although it had not expired by this machine's clock. It is
                refreshed unless another caller has replaced it already, in
                which case the replacement is returned.

        Raises:
            TokenExpiredError: Expired (or refused) and no refresh token: a new
                login is needed.
            OAuthError: The refresh was refused (``invalid_grant``).
            ProviderError, TransportError: The refresh failed.
        """
        if rejected is not None and not isinstance(rejected, Token):
            raise ConfigurationError(
                f"rejected must be the Token the provider refused, not {type(rejected).__name__}"
            )
        while True:
            with self._state:
                token = self._token
                if not self._needs_refresh(token, rejected):
                    return token
                flight = self._flight
                if flight is None:
                    if not token.refresh_token:
                        raise TokenExpiredError(
                            "the access token "
                            + ("was refused by Chattz" if rejected is not None else "has expired")
                            + " and there is no refresh token: the user must log in again"
                        )
                    flight = self._flight = _Flight()
                    signal = None
                else:
                    # A refresh is running: share its outcome.
                    signal = SyncSignal()
                    flight.waiters.append(signal)
            if signal is None:
                return sync_shielded(self._refresh, flight, token)
            signal.wait()
            if flight.failure is not None:
                raise flight.failure
            if flight.token is not None:
                return self._token
            # The refresh ended without an outcome (interrupted): look again.

    def _needs_refresh(self, token: Token, rejected: Token | None) -> bool:
        if rejected is not None:
            # Refused: refresh it, unless it is no longer the current token.
            return token.access_token == rejected.access_token
        return token.is_expired(self.session.clock())

    def _refresh(self, flight: _Flight, token: Token) -> Token:
        try:
            new = self.session.refresh(token)
        except Exception as exc:
            flight.failure = exc
            raise
        else:
            with self._state:
                self._token = flight.token = new
            if self._on_update is not None:
                sync_call_hook(self._on_update, new)
            return new
        finally:
            with self._state:
                self._flight = None
            for waiter in flight.waiters:  # no one joins once it is no longer the current one
                waiter.fire()

    @keeps_no_secrets
    def userinfo(self) -> ChattzUser:
        """Fetch the user with a valid token (see :meth:`get`).

        If Chattz refuses a token that had not expired by this machine's clock
        (``InvalidTokenError``) and there is a refresh token, it is refreshed
        once and the request made again; a second refusal is raised.
        """
        token = self.get()
        try:
            return self.session.userinfo(token)
        except InvalidTokenError:
            if not token.refresh_token:
                raise
        return self.session.userinfo(self.get(rejected=token))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._token!r})"
