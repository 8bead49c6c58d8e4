"""The Chattz OAuth protocol without I/O: a public, sans-I/O API.

Like h11 or oauthlib's client side, this package builds requests and reads
responses as plain values; it never opens a connection and never reads a
clock (callers pass ``now`` in). The async session, and the sync twin
generated from it, only move bytes between these functions and httpx; you can
drive them with any HTTP library.

Configuration (:mod:`.config`):
    :class:`ClientConfig` (the registered client, validated when built),
    :data:`DEFAULT_BASE_URL`, :data:`DEFAULT_LOGIN_MAX_AGE`,
    :func:`is_loopback_host`.

The login's secrets (:mod:`.pkce`):
    :func:`new_state`, :func:`new_code_verifier`, :func:`code_challenge`.

Building requests (:mod:`.requests`):
    :func:`authorize_url` (where to send the browser), :func:`token_request`,
    :func:`refresh_request`, :func:`userinfo_request`, each returning an
    :class:`HTTPRequest` (method, URL, headers, body).

Reading responses (:mod:`.responses`):
    :func:`parse_token_response` (a :class:`~chattz_oauth_async.models.Token`
    or a typed error), :func:`parse_userinfo_response` (a
    :class:`~chattz_oauth_async.models.ChattzUser` or a typed error).

The callback (:mod:`.callback`):
    :func:`parse_callback` checks ``state`` and returns the authorization
    code; :data:`CallbackInput` is what it accepts.

Every function raises only :class:`~chattz_oauth_async.errors.ChattzOAuthError`
subclasses.
"""

from __future__ import annotations

from .callback import CallbackInput, parse_callback
from .config import DEFAULT_BASE_URL, DEFAULT_LOGIN_MAX_AGE, ClientConfig, is_loopback_host
from .pkce import code_challenge, new_code_verifier, new_state
from .requests import (
    HTTPRequest,
    authorize_url,
    refresh_request,
    token_request,
    userinfo_request,
)
from .responses import parse_token_response, parse_userinfo_response

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LOGIN_MAX_AGE",
    "CallbackInput",
    "ClientConfig",
    "HTTPRequest",
    "authorize_url",
    "code_challenge",
    "is_loopback_host",
    "new_code_verifier",
    "new_state",
    "parse_callback",
    "parse_token_response",
    "parse_userinfo_response",
    "refresh_request",
    "token_request",
    "userinfo_request",
]
