"""The Chattz OAuth protocol, without I/O.

Everything here is a pure function over attrs values: it builds the authorize
URL and the token, refresh and userinfo requests, and parses callbacks and
provider responses into :class:`~chattz_oauth_async.models.Token`,
:class:`~chattz_oauth_async.models.ChattzUser` or a typed error. Nothing here
sends a request or reads a clock: callers pass ``now`` in. The async session
(and the sync twin generated from it) only moves bytes between these functions
and httpx.

This is where a token response is parsed (:func:`parse_token_response`) and
where a callback's ``state`` is checked (:func:`parse_callback`).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

from .errors import (
    AuthorizationDenied,
    ConfigurationError,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
    StateMismatchError,
    clean_text,
)
from .models import DEFAULT_LEEWAY, ChattzUser, Token

__all__ = [
    "DEFAULT_BASE_URL",
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

DEFAULT_BASE_URL: Final = "https://chattz.net"
AUTHORIZE_PATH: Final = "/oauth/authorize"
TOKEN_PATH: Final = "/oauth/token"
USERINFO_PATH: Final = "/oauth/userinfo"

#: How long (seconds) a started login may take before its state expires.
DEFAULT_LOGIN_MAX_AGE: Final = 600
#: Parameters that authorize_url() sets itself and that extras may not override.
_RESERVED_AUTHORIZE_PARAMS: Final = frozenset(
    {"response_type", "client_id", "redirect_uri", "state"}
)
#: The longest lifetime we believe (100 years); anything above is malformed.
_MAX_EXPIRES_IN: Final = 100 * 365 * 24 * 3600
#: Longest code or state we accept in a callback.
_MAX_CALLBACK_VALUE: Final = 4096
_VISIBLE_ASCII: Final = re.compile(r"[\x21-\x7e]+")
_PKCE_VERIFIER: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_FORM_HEADERS: Final = (
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Accept", "application/json"),
)


def _q(value: str) -> str:
    """Percent-encode a query or form value (``:`` and ``/`` may stay, RFC 3986 3.4)."""
    return quote(value, safe=":/")


def _form(value: str) -> str:
    """Percent-encode a value for an application/x-www-form-urlencoded body."""
    return quote(value, safe="")


def is_loopback_host(host: str | None) -> bool:
    """Tell whether ``host`` names this machine: localhost, 127.0.0.0/8 or ::1."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(name: str, url: object) -> str:
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"{name} must be a non-empty URL string")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        raise ConfigurationError(f"{name} is not a valid URL: {url!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{name} must be an absolute https:// URL: {url!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise InsecureTransportError(
            f"{name} must use https:// (plain http:// is only allowed for "
            f"loopback hosts such as 127.0.0.1 or localhost): {url!r}"
        )
    if parts.fragment or "#" in url:
        raise ConfigurationError(f"{name} must not contain a fragment: {url!r}")
    if parts.username or parts.password:
        raise ConfigurationError(f"{name} must not contain credentials")
    return url


@attrs.frozen(repr=False)
class ClientConfig:
    """A registered Chattz client and the provider it talks to.

    Build it with :meth:`create`, which validates every value. The client
    secret never appears in ``repr()``.
    """

    client_id: str
    client_secret: str
    redirect_uri: str
    base_url: str = DEFAULT_BASE_URL
    authorize_endpoint: str = ""
    token_endpoint: str = ""
    userinfo_endpoint: str = ""
    # Precomputed so that the hot paths only append the per-call values.
    _authorize_prefix: str = ""
    _token_form_prefix: str = ""
    _refresh_form_prefix: str = ""

    @classmethod
    def create(
        cls,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        base_url: str = DEFAULT_BASE_URL,
    ) -> ClientConfig:
        """Validate the client's settings.

        Raises:
            ConfigurationError: A value is empty or not a valid URL.
            InsecureTransportError: ``base_url`` or ``redirect_uri`` uses
                ``http://`` for a host that is not loopback.
        """
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"{name} must be a non-empty string")
            if not _VISIBLE_ASCII.fullmatch(value) and name == "client_id":
                raise ConfigurationError("client_id must be printable ASCII")
        _check_url("redirect_uri", redirect_uri)
        base = _check_url("base_url", base_url).rstrip("/")
        if urlsplit(base).query:
            raise ConfigurationError("base_url must not contain a query")
        authorize_endpoint = base + AUTHORIZE_PATH
        common = f"&client_id={_form(client_id)}&client_secret={_form(client_secret)}"
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            base_url=base,
            authorize_endpoint=authorize_endpoint,
            token_endpoint=base + TOKEN_PATH,
            userinfo_endpoint=base + USERINFO_PATH,
            authorize_prefix=(
                f"{authorize_endpoint}?response_type=code&client_id={_q(client_id)}"
                f"&redirect_uri={_q(redirect_uri)}"
            ),
            token_form_prefix=(
                f"grant_type=authorization_code{common}&redirect_uri={_form(redirect_uri)}"
            ),
            refresh_form_prefix=f"grant_type=refresh_token{common}",
        )

    def __repr__(self) -> str:
        return (
            f"ClientConfig(client_id={self.client_id!r}, "
            f"redirect_uri={self.redirect_uri!r}, base_url={self.base_url!r}, "
            "client_secret=<redacted>)"
        )


@attrs.frozen(repr=False)
class HTTPRequest:
    """A request to send, as plain values: method, URL, headers and body."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def __repr__(self) -> str:
        # The body holds the client secret or a code; headers may hold a token.
        names = [name for name, _ in self.headers]
        return f"HTTPRequest({self.method} {self.url}, headers={names}, body=<redacted>)"


# --- Secrets: state and PKCE -------------------------------------------------


def new_state() -> str:
    """Return a fresh, unguessable ``state`` value (256 bits from :mod:`secrets`)."""
    import secrets  # here, not at the top: it costs import time

    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    """Return a fresh PKCE code verifier: 64 unreserved characters, 384 bits."""
    import secrets

    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """Compute the S256 code challenge of a PKCE verifier (RFC 7636 section 4.2).

    Raises:
        ConfigurationError: The verifier is not 43-128 unreserved characters.
    """
    if not isinstance(verifier, str) or not _PKCE_VERIFIER.fullmatch(verifier):
        raise ConfigurationError(
            "a PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]"
        )
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- Building requests --------------------------------------------------------


def authorize_url(
    config: ClientConfig,
    state: str,
    *,
    code_challenge: str | None = None,
    **extra: str,
) -> str:
    """Build the URL to send the user's browser to.

    Args:
        config: The client.
        state: The CSRF state to bind to this login (see :func:`new_state`).
        code_challenge: The PKCE S256 challenge, when PKCE is on.
        **extra: Further query parameters (``scope``, ``prompt``...).

    Raises:
        ConfigurationError: ``state`` is empty, an extra overrides a parameter
            the library sets, or asks for the ``plain`` PKCE method.
    """
    if not isinstance(state, str) or not state:
        raise ConfigurationError("state must be a non-empty string (use new_state())")
    url = f"{config._authorize_prefix}&state={_q(state)}"
    if code_challenge is not None:
        url += f"&code_challenge={_q(code_challenge)}&code_challenge_method=S256"
    if extra:
        for key, value in extra.items():
            if key in _RESERVED_AUTHORIZE_PARAMS:
                raise ConfigurationError(f"authorize_url() sets {key!r} itself")
            if key in ("code_challenge", "code_challenge_method"):
                raise ConfigurationError(
                    "use the code_challenge argument (S256 only), not a raw parameter"
                )
            if not isinstance(value, str):
                raise ConfigurationError(f"query parameter {key!r} must be a string")
            url += f"&{_q(key)}={_q(value)}"
    return url


def _check_secret_value(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string")
    return value


def token_request(
    config: ClientConfig, code: str, *, code_verifier: str | None = None
) -> HTTPRequest:
    """Build the ``POST /oauth/token`` request that exchanges a code.

    The form carries grant_type, code, client_id, client_secret and
    redirect_uri exactly as documented (client_secret_post), plus
    ``code_verifier`` when PKCE is on. Secrets travel only in the body.

    Raises:
        ConfigurationError: ``code`` or ``code_verifier`` is empty or malformed.
    """
    body = f"{config._token_form_prefix}&code={_form(_check_secret_value('code', code))}"
    if code_verifier is not None:
        code_challenge(code_verifier)  # validates the verifier's form
        body += f"&code_verifier={code_verifier}"
    return HTTPRequest("POST", config.token_endpoint, _FORM_HEADERS, body.encode())


def refresh_request(config: ClientConfig, refresh_token: str) -> HTTPRequest:
    """Build the ``POST /oauth/token`` request that refreshes a token (RFC 6749 section 6)."""
    value = _form(_check_secret_value("refresh_token", refresh_token))
    body = f"{config._refresh_form_prefix}&refresh_token={value}"
    return HTTPRequest("POST", config.token_endpoint, _FORM_HEADERS, body.encode())


def userinfo_request(config: ClientConfig, access_token: str) -> HTTPRequest:
    """Build the ``GET /oauth/userinfo`` request, token in the Authorization header only.

    Raises:
        ConfigurationError: The token is empty or not header-safe.
    """
    if not isinstance(access_token, str) or not _VISIBLE_ASCII.fullmatch(access_token):
        raise ConfigurationError("the access token must be a non-empty printable string")
    headers = (("Authorization", f"Bearer {access_token}"), ("Accept", "application/json"))
    return HTTPRequest("GET", config.userinfo_endpoint, headers)


# --- Parsing responses --------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every call: json.loads() with options builds a new one each time.
_JSON: Final = json.JSONDecoder(parse_constant=_reject_constant)


def _load_json(body: bytes) -> Any:
    """Decode a UTF-8 JSON body (RFC 8259); raise ValueError for anything that is
    not strict JSON (NaN and Infinity included)."""
    try:
        return _JSON.decode(body.decode("utf-8"))
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None if it is not one."""
    try:
        data = _load_json(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _oauth_error(
    data: Mapping[str, Any], status_code: int, cls: type[OAuthError] = OAuthError
) -> OAuthError:
    return cls(
        str(data.get("error")),
        data.get("error_description"),
        data.get("error_uri"),
        status_code,
    )


def _expires_in(value: object, status_code: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        seconds: object = int(value)
    elif type(value) is float and math.isfinite(value) and value.is_integer():
        seconds = int(value)
    else:
        seconds = value
    if type(seconds) is not int or not 0 <= seconds <= _MAX_EXPIRES_IN:
        raise ProviderError(
            "token response has an invalid 'expires_in' (want whole seconds >= 0)",
            status_code,
        )
    return seconds


def _optional_str(data: Mapping[str, Any], key: str, status_code: int, what: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProviderError(f"{what} has a non-string {key!r}", status_code)
    return value


_TOKEN_FIELDS: Final = frozenset(
    {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
)


def parse_token_response(
    status_code: int,
    body: bytes,
    *,
    now: float,
    leeway: float = DEFAULT_LEEWAY,
    previous_refresh_token: str | None = None,
) -> Token:
    """Turn the token endpoint's answer into a :class:`Token`.

    Args:
        status_code: The HTTP status.
        body: The raw response body.
        now: The time of receipt (epoch seconds), for ``expires_at``.
        leeway: The leeway to store on the token.
        previous_refresh_token: For a refresh: kept when the provider does not
            rotate the refresh token.

    Raises:
        OAuthError: The body is an RFC 6749 section 5.2 error (whatever the
            status, and even when it also carries an access_token).
        ProviderError: Anything else that is not a valid bearer token
            response: non-JSON, not an object, a missing, empty or non-string
            access_token, a token_type other than Bearer, a malformed
            expires_in, or an unexpected status.
    """
    data = _json_object(body)
    if data is not None and isinstance(data.get("error"), str) and data["error"]:
        raise _oauth_error(data, status_code)
    if not 200 <= status_code < 300:
        raise ProviderError(
            "token endpoint answered with an unexpected status and no OAuth error",
            status_code,
        )
    if data is None:
        raise ProviderError("token response is not a JSON object", status_code)
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ProviderError("token response has no access_token", status_code)
    if not _VISIBLE_ASCII.fullmatch(access_token):
        raise ProviderError(
            "token response's access_token has characters not allowed in a header",
            status_code,
        )
    token_type = data.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ProviderError(
            "token response's token_type is not Bearer; this library only uses bearer tokens",
            status_code,
        )
    expires_in = _expires_in(data.get("expires_in"), status_code)
    refresh_token = _optional_str(data, "refresh_token", status_code, "token response")
    scope = data.get("scope")
    if isinstance(scope, list) and all(isinstance(item, str) for item in scope):
        scope = " ".join(scope)
    elif scope is not None and not isinstance(scope, str):
        raise ProviderError("token response has a malformed 'scope'", status_code)
    return Token(
        access_token=access_token,
        token_type="Bearer",
        expires_in=expires_in,
        expires_at=None if expires_in is None else now + expires_in,
        refresh_token=refresh_token or previous_refresh_token,
        scope=scope,
        extra={k: v for k, v in data.items() if k not in _TOKEN_FIELDS},
        leeway=leeway,
    )


_AUTH_PARAM: Final = re.compile(r'([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^\s,]*))')


def _www_authenticate(headers: Mapping[str, str] | None) -> dict[str, str]:
    """The auth-params of a ``WWW-Authenticate: Bearer ...`` header (RFC 6750 section 3)."""
    if not headers:
        return {}
    value = headers.get("www-authenticate") or headers.get("WWW-Authenticate") or ""
    scheme, _, params = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return {}
    return {m[1].lower(): m[2] or m[3] for m in _AUTH_PARAM.finditer(params[:2000])}


def parse_userinfo_response(
    status_code: int, body: bytes, headers: Mapping[str, str] | None = None
) -> ChattzUser:
    """Turn ``GET /oauth/userinfo``'s answer into a :class:`ChattzUser`.

    Args:
        status_code: The HTTP status.
        body: The raw response body.
        headers: Response headers (lower-case keys work), read for
            ``WWW-Authenticate`` on a 401 or 403.

    Raises:
        InvalidTokenError: HTTP 401: the token is invalid, expired or revoked.
        InsufficientScopeError: HTTP 403.
        OAuthError: Another status with an RFC 6749/6750 error body.
        ProviderError: Non-JSON, not an object, ``id`` missing or not an
            integer, ``username`` missing, or a field of the wrong type.
    """
    if status_code in (401, 403):
        params = _www_authenticate(headers)
        details = _json_object(body) or {}
        for key in ("error", "error_description", "error_uri"):
            if key not in params and isinstance(details.get(key), str):
                params[key] = details[key]
        if status_code == 401:
            raise InvalidTokenError(
                params.get("error") or "invalid_token",
                params.get("error_description"),
                params.get("error_uri"),
                status_code,
            )
        raise InsufficientScopeError(
            params.get("error") or "insufficient_scope",
            params.get("error_description"),
            params.get("error_uri"),
            status_code,
        )
    data = _json_object(body)
    if not 200 <= status_code < 300:
        if data is not None and isinstance(data.get("error"), str) and data["error"]:
            raise _oauth_error(data, status_code)
        raise ProviderError("userinfo endpoint answered with an unexpected status", status_code)
    if data is None:
        raise ProviderError("userinfo response is not a JSON object", status_code)
    user_id = data.get("id")
    if type(user_id) is not int:
        raise ProviderError("userinfo response has no integer 'id'", status_code)
    username = data.get("username")
    if not isinstance(username, str):
        raise ProviderError("userinfo response has no string 'username'", status_code)
    what = "userinfo response"
    return ChattzUser(
        id=user_id,
        username=username,
        email=_optional_str(data, "email", status_code, what),
        first_name=_optional_str(data, "first_name", status_code, what),
        last_name=_optional_str(data, "last_name", status_code, what),
        avatar=_optional_str(data, "avatar", status_code, what),
        raw=data,
    )


# --- Callbacks ----------------------------------------------------------------

CallbackInput = str | Mapping[str, str] | Iterable[tuple[str, str]]


def _callback_pairs(callback: CallbackInput) -> list[tuple[str, str]]:
    if isinstance(callback, str):
        query = callback
        if "?" in query:
            query = query.split("?", 1)[1]
        query = query.split("#", 1)[0]
        try:
            return parse_qsl(query, keep_blank_values=True, max_num_fields=50)
        except ValueError:
            raise ProviderError("the callback has too many or malformed parameters") from None
    multi_items = getattr(callback, "multi_items", None)  # Starlette, Werkzeug-like
    if callable(multi_items):
        pairs = list(multi_items())
    elif isinstance(callback, Mapping):
        # Every value of a repeated name must be seen, to refuse it: multidict
        # (aiohttp) has getall(), Werkzeug (Flask) and Django's QueryDict getlist().
        getall = getattr(callback, "getall", None) or getattr(callback, "getlist", None)
        if callable(getall):
            pairs = [(k, v) for k in set(callback) for v in getall(k)]
        else:
            pairs = list(callback.items())
    else:
        try:
            pairs = list(callback)
        except TypeError:
            raise ProviderError("the callback must be a query string or its parameters") from None
    if not all(
        isinstance(pair, tuple | list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str)
        for pair in pairs
    ):
        raise ProviderError("callback parameters must be (name, value) pairs of strings")
    return [(name, value) for name, value in pairs]


def parse_callback(
    callback: CallbackInput,
    expected_state: str | None,
    *,
    issuer: str | None = None,
) -> str:
    """Check an authorization callback and return its code.

    The state is checked first, in constant time, so that nothing else (not
    even an ``error``) is believed from a callback that was not meant for this
    browser.

    Args:
        callback: The callback URL, its query string, or its parameters (a
            mapping, a Starlette ``QueryParams``, or ``(name, value)`` pairs).
        expected_state: The state this browser's login was started with.
        issuer: When given, an ``iss`` parameter must equal it exactly
            (RFC 9207); a callback without ``iss`` is accepted.

    Returns:
        The authorization code.

    Raises:
        StateMismatchError: ``state`` is missing, empty, repeated or wrong, or
            no state was expected.
        AuthorizationDenied: The provider sent ``error=...`` (for example
            ``access_denied``) with the right state.
        ProviderError: No code, a repeated code, or ``iss`` that does not match.
    """
    import hmac  # here, not at the top: it costs import time

    pairs = _callback_pairs(callback)
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    states = values.get("state", [])
    if (
        not isinstance(expected_state, str)
        or not expected_state
        or len(states) != 1
        or not states[0]
        or len(states[0]) > _MAX_CALLBACK_VALUE
        or not hmac.compare_digest(
            states[0].encode("utf-8", "surrogatepass"),
            expected_state.encode("utf-8", "surrogatepass"),
        )
    ):
        raise StateMismatchError(
            "the callback's state does not match the login this browser started"
        )
    for key in ("code", "error", "iss"):
        if len(values.get(key, ())) > 1:
            raise ProviderError(f"the callback repeats the {key!r} parameter")
    if issuer is not None and "iss" in values and values["iss"][0] != issuer:
        raise ProviderError(
            f"the callback's issuer {clean_text(values['iss'][0])!r} is not {issuer!r}"
        )
    if "error" in values:
        description = values.get("error_description")
        uri = values.get("error_uri")
        raise AuthorizationDenied(
            values["error"][0] or "unknown_error",
            description[0] if description else None,
            uri[0] if uri else None,
        )
    codes = values.get("code", [])
    if not codes or not codes[0]:
        raise ProviderError("the callback carries no authorization code")
    code = codes[0]
    if len(code) > _MAX_CALLBACK_VALUE or not _VISIBLE_ASCII.fullmatch(code):
        raise ProviderError("the callback's authorization code is malformed")
    return code
