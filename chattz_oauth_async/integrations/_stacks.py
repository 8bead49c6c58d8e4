"""What the allauth, social-auth and httpx-oauth integrations share (no stack imported here).

- :func:`shared_session`: one :class:`~chattz_oauth_async.ChattzOAuth` per configured
  client, shared by every thread, for the stacks that configure Chattz in settings
  (allauth, social-auth) and ask for a session at each login;
- :func:`is_misconfigured`: whether a login failed because of the app's own settings
  (what the stacks' logs say), not the provider;
- :func:`is_code_rejected`: whether Chattz refused the login's authorization code (the
  user's login, which they start again), not the settings nor Chattz being down;
- :func:`token_fields`: a :class:`~chattz_oauth_async.Token` as the token response
  dictionary the stacks read;
- :func:`public_reason`: the words of a failure a user may see (a stable reason code,
  never the provider's ``error_description``).
"""

from __future__ import annotations

import atexit
import re
import threading
import weakref
from collections import OrderedDict
from typing import Any, Final

from .._sync import ChattzOAuth
from ..diagnostics import Fault, classify
from ..errors import ChattzOAuthError
from ..models import Token

__all__ = [
    "close_sessions",
    "is_code_rejected",
    "is_misconfigured",
    "public_reason",
    "shared_session",
    "token_fields",
]

#: Sessions kept (one per configured client); beyond this the least recently used is dropped,
#: and closed once no login holds it.
_MAX_SESSIONS: Final = 8
#: What a reason code shown to users may look like (an OAuth ``error`` code is the provider's).
_REASON: Final = re.compile(r"[a-z0-9_]{1,40}")

_sessions: OrderedDict[tuple[str, str, str, str], ChattzOAuth] = OrderedDict()
_lock = threading.Lock()


def shared_session(client_id: str, secret: str, redirect_uri: str, base_url: str) -> ChattzOAuth:
    """The shared sync session of one configured client (built on first use).

    Raises:
        ConfigurationError: A value the session refuses (an empty secret, a
            plain-http redirect URI on a host that is not loopback...).
    """
    key = (client_id, secret, redirect_uri, base_url)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = ChattzOAuth(
                client_id, secret, redirect_uri, base_url=base_url
            )
            while len(_sessions) > _MAX_SESSIONS:
                _close_when_unused(_sessions.popitem(last=False)[1])
        _sessions.move_to_end(key)
        return session


def _close_when_unused(session: ChattzOAuth) -> None:
    """Close a dropped session's connections once no thread holds the session any more.

    Closing at once closed the connection of a login another thread was in the middle of
    (its code exchange failed as if Chattz had gone away). The session was built by
    :func:`shared_session`, so it owns its transport, which holds no reference back to it.
    """
    transport = session._http.transport  # built by shared_session: the session owns it
    if transport is not None:
        weakref.finalize(session, transport.close)


@atexit.register
def close_sessions() -> None:
    """Close the shared sessions' HTTP clients (at exit; a later login opens new ones)."""
    with _lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        session.close()


def is_misconfigured(error: ChattzOAuthError) -> bool:
    """Whether the app's settings are at fault: :func:`~chattz_oauth_async.diagnostics.classify`'s
    :attr:`~chattz_oauth_async.diagnostics.Fault.CONFIGURATION` (a wrong client id or secret,
    a redirect URI or base URL Chattz does not accept, a value the session refuses)."""
    return classify(error).fault is Fault.CONFIGURATION


def is_code_rejected(error: ChattzOAuthError) -> bool:
    """Whether Chattz refused the login's authorization code (``invalid_grant`` at the code
    exchange, :func:`~chattz_oauth_async.diagnostics.classify`'s ``code_rejected``): it
    expired on Chattz's page, or a callback delivered twice used it already. Not the app's
    settings, not Chattz being down: the user starts the login again."""
    return classify(error).reason == "code_rejected"


def token_fields(token: Token) -> dict[str, Any]:
    """The token response fields the stacks read: access token, type, lifetime, refresh."""
    data: dict[str, Any] = {"access_token": token.access_token, "token_type": "Bearer"}
    if token.expires_in is not None:
        data["expires_in"] = token.expires_in
    if token.refresh_token:
        data["refresh_token"] = token.refresh_token
    return data


def public_reason(error: ChattzOAuthError) -> str:
    """What a user may be told of ``error``: :func:`~chattz_oauth_async.diagnostics.classify`'s
    reason code (``invalid_client``, ``provider_unavailable``, ``bad_answer``...).

    Never the error's text: it repeats the provider's ``error_description``,
    which an attacker who controls (or impersonates) the provider's answer
    could fill with a phishing line. A reason that is not a plain code (the
    OAuth ``error`` code comes from the provider too) is ``provider_error``.
    """
    reason = classify(error).reason
    return reason if _REASON.fullmatch(reason) else "provider_error"
