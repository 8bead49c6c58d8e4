"""Reading the provider's answers: the token response and the userinfo response.

:func:`parse_token_response` turns the token endpoint's answer into a
:class:`~chattz_oauth_async.models.Token`; :func:`parse_userinfo_response`
turns userinfo's into a :class:`~chattz_oauth_async.models.ChattzUser`.
Anything else becomes a typed error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote

from ..errors import (
    ConfigurationError,
    InsufficientScopeError,
    InvalidTokenError,
    OAuthError,
    ProviderError,
)
from ..models import DEFAULT_LEEWAY, MAX_EXPIRES_IN, ChattzUser, Token
from ._text import encodable, printable_ascii, visible_ascii

__all__ = ["parse_token_response", "parse_userinfo_response"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every call: json.loads() with options builds a new one each time.
_JSON: Final = json.JSONDecoder(parse_constant=_reject_constant)


def _answer(status_code: object, body: object) -> bytes:
    """Check the caller's arguments (this is public API): an int status and bytes."""
    if type(status_code) is not int:
        raise ConfigurationError("status_code must be the response's HTTP status, an int")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise ConfigurationError("body must be the response's raw bytes")
    return bytes(body)


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


#: Shorter values are not hidden in provider text (they would garble it, not protect much).
_MIN_HIDDEN: Final = 8


def _hider(hide: Iterable[object]) -> Callable[[object], Any]:
    """A function that blanks ``hide``'s values (as sent, and form-encoded) in provider text.

    A provider may echo what it received ("code abc123 has expired"); its
    text goes into the error's message, and so into logs.
    """
    # bytes iterate as numbers: a secret passed as bytes would be hidden nowhere.
    if isinstance(hide, str | bytes | bytearray | memoryview) or not isinstance(hide, Iterable):
        raise ConfigurationError("hide must be a list of the values the request carried")
    hidden = tuple(hide)

    def blank(text: object) -> Any:
        if not isinstance(text, str):
            return text
        # Worked out only here: most responses carry no provider text at all.
        values: set[str] = set()
        for value in hidden:
            if isinstance(value, str) and len(value) >= _MIN_HIDDEN and encodable(value):
                values.update((value, quote(value, safe="")))
        for value in sorted(values, key=len, reverse=True):
            text = text.replace(value, "<redacted>")
        return text

    return blank


def _oauth_error(
    data: Mapping[str, Any],
    status_code: int,
    blank: Callable[[object], Any],
    cls: type[OAuthError] = OAuthError,
) -> OAuthError:
    return cls(
        blank(str(data.get("error"))),
        blank(data.get("error_description")),
        blank(data.get("error_uri")),
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
    if type(seconds) is not int or not 0 <= seconds <= MAX_EXPIRES_IN:
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
    hide: Iterable[str] = (),
) -> Token:
    """Turn the token endpoint's answer into a :class:`Token`.

    Args:
        status_code: The HTTP status.
        body: The raw response body.
        now: The time of receipt (epoch seconds), for ``expires_at``.
        leeway: The leeway to store on the token.
        previous_refresh_token: For a refresh: kept when the provider does not
            rotate the refresh token.
        hide: Values the request carried (the client secret, the code, the
            verifier, the refresh token): an error never repeats them, even
            if the provider's description does (values of 8 characters or more).

    Raises:
        OAuthError: The body is an RFC 6749 section 5.2 error (whatever the
            status, and even when it also carries an access_token).
        ProviderError: Anything else that is not a valid bearer token
            response: an ``error`` member that is not a non-empty string
            (null, ``""``, a number: never a token, even next to an
            access_token), non-JSON, not an object, a missing, empty or
            non-string access_token, a refresh_token with characters RFC 6749
            does not allow, a token_type other than Bearer, a malformed
            expires_in, or an unexpected status.
        ConfigurationError: The arguments are of the wrong type (a status
            that is not an int, a body that is not bytes, a ``now`` that is
            not a finite number).
    """
    body = _answer(status_code, body)
    if type(now) not in (int, float) or not math.isfinite(now):
        raise ConfigurationError("now must be a finite number of epoch seconds")
    data = _json_object(body)
    if data is not None and "error" in data:
        # Present is enough: {"error": null, "access_token": ...} is not a token.
        if isinstance(data["error"], str) and data["error"]:
            raise _oauth_error(data, status_code, _hider(hide))
        raise ProviderError("token response carries a malformed 'error' member", status_code)
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
    if not visible_ascii(access_token):
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
    if refresh_token and not printable_ascii(refresh_token):
        # It goes back to the provider in a form: RFC 6749 A.17 allows VSCHAR only.
        raise ProviderError(
            "token response's refresh_token has characters RFC 6749 does not allow",
            status_code,
        )
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


# Compiled on first use (by re's cache): only a 401 or 403 needs it.
_AUTH_PARAM: Final = r'([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^\s,]*))'


def _www_authenticate(headers: Mapping[str, str] | None) -> dict[str, str]:
    """The auth-params of a ``WWW-Authenticate: Bearer ...`` header (RFC 6750 section 3)."""
    if not headers:
        return {}
    value = headers.get("www-authenticate") or headers.get("WWW-Authenticate") or ""
    if not isinstance(value, str):
        return {}
    scheme, _, params = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return {}
    return {m[1].lower(): m[2] or m[3] for m in re.finditer(_AUTH_PARAM, params[:2000])}


def parse_userinfo_response(
    status_code: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    hide: Iterable[str] = (),
) -> ChattzUser:
    """Turn ``GET /oauth/userinfo``'s answer into a :class:`ChattzUser`.

    Args:
        status_code: The HTTP status.
        body: The raw response body.
        headers: Response headers (lower-case keys work), read for
            ``WWW-Authenticate`` on a 401 or 403.
        hide: Values the request carried (the access token): an error never
            repeats them, even if the provider's text does.

    Raises:
        InvalidTokenError: HTTP 401: the token is invalid, expired or revoked.
        InsufficientScopeError: HTTP 403.
        OAuthError: Another status with an RFC 6749/6750 error body.
        ProviderError: Non-JSON, not an object, ``id`` missing or not an
            integer, ``username`` missing, or a field of the wrong type.
        ConfigurationError: A status that is not an int, a body that is not
            bytes, or headers that are not a mapping.
    """
    body = _answer(status_code, body)
    if headers is not None and not isinstance(headers, Mapping):
        raise ConfigurationError("headers must be the response's headers (a mapping), or None")
    blank = _hider(hide)
    if status_code in (401, 403):
        params = {key: blank(value) for key, value in _www_authenticate(headers).items()}
        details = _json_object(body) or {}
        for key in ("error", "error_description", "error_uri"):
            if key not in params and isinstance(details.get(key), str):
                params[key] = blank(details[key])
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
            raise _oauth_error(data, status_code, blank)
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
