"""Reading the authorization callback: parse_callback() checks ``state``, returns the code."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any, Final
from urllib.parse import parse_qsl

from ..errors import (
    AuthorizationDenied,
    ConfigurationError,
    ProviderError,
    StateMismatchError,
    clean_text,
)
from ._text import visible_ascii
from .config import DEFAULT_BASE_URL

__all__ = ["CallbackInput", "parse_callback"]

#: Longest code or state we accept in a callback.
_MAX_CALLBACK_VALUE: Final = 4096
#: Most parameters we read from a callback, whatever its shape.
_MAX_CALLBACK_FIELDS: Final = 50

CallbackInput = str | Mapping[str, str] | Iterable[tuple[str, str]]


def _object_pairs(callback: object) -> list[Any]:
    multi_items = getattr(callback, "multi_items", None)  # Starlette, Werkzeug-like
    if callable(multi_items):
        return list(multi_items())
    if isinstance(callback, Mapping):
        # Every value of a repeated name must be seen, to refuse it: multidict
        # (aiohttp) has getall(), Werkzeug (Flask) and Django's QueryDict getlist().
        getall = getattr(callback, "getall", None) or getattr(callback, "getlist", None)
        if callable(getall):
            return [(k, v) for k in set(callback) for v in getall(k)]
        return list(callback.items())
    if isinstance(callback, (bytes, bytearray, memoryview)):
        raise TypeError("bytes")  # iterates as numbers: decode the query first
    # One more than the bound is enough to refuse it, even from an endless iterator.
    return list(islice(callback, _MAX_CALLBACK_FIELDS + 1))  # type: ignore[call-overload]


def _callback_pairs(callback: CallbackInput) -> list[tuple[str, str]]:
    if isinstance(callback, str):
        # The fragment goes first: it never reaches a server, and a "?" inside
        # it ("/cb#x?code=..&state=..") must not pass for the query.
        query = callback.partition("#")[0]
        if "?" in query:
            query = query.partition("?")[2]
        try:
            return parse_qsl(query, keep_blank_values=True, max_num_fields=_MAX_CALLBACK_FIELDS)
        except ValueError:
            raise ProviderError("the callback has too many or malformed parameters") from None
    try:
        pairs = _object_pairs(callback)
    except TypeError:
        # Not iterable, or a multi_items()/getlist() that returned no list.
        raise ProviderError("the callback must be a query string or its parameters") from None
    if len(pairs) > _MAX_CALLBACK_FIELDS:
        # The same bound as for a query string, whatever the shape.
        raise ProviderError("the callback has too many or malformed parameters")
    checked = []
    for pair in pairs:
        if not (
            isinstance(pair, tuple | list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
        ):
            raise ProviderError("callback parameters must be (name, value) pairs of strings")
        checked.append((pair[0], pair[1]))
    return checked


def parse_callback(
    callback: CallbackInput,
    expected_state: str | None,
    *,
    issuer: str = DEFAULT_BASE_URL,
) -> str:
    """Check an authorization callback and return its code.

    The state is checked first, in constant time, so that nothing else (not
    even an ``error``) is believed from a callback that was not meant for this
    browser.

    Args:
        callback: The callback URL, its query string, or its parameters (a
            mapping, a Starlette ``QueryParams``, or ``(name, value)`` pairs).
            Only the query is read: parameters in a URL's ``#fragment`` are
            ignored (a fragment never reaches a server).
        expected_state: The state this browser's login was started with.
        issuer: The provider's issuer identifier, ``https://chattz.net`` unless
            you use another ``base_url`` (then pass it). A callback's ``iss``
            parameter, when present, must equal it exactly (RFC 9207); a
            callback without ``iss`` is accepted, as Chattz sends none. The
            check cannot be switched off.

    Returns:
        The authorization code.

    Raises:
        StateMismatchError: ``state`` is missing or empty ("the callback has
            no state"), repeated or wrong, or no state was expected; the
            message says which.
        AuthorizationDenied: The provider sent ``error=...`` (for example
            ``access_denied``) with the right state.
        ProviderError: No code, a repeated code, or ``iss`` that does not match.
        ConfigurationError: ``issuer`` is not a non-empty string.
    """
    if not isinstance(issuer, str) or not issuer:
        raise ConfigurationError("issuer must be the provider's URL, such as 'https://chattz.net'")
    pairs = _callback_pairs(callback)
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    states = values.get("state", [])
    if not isinstance(expected_state, str) or not expected_state:
        raise StateMismatchError("no login was started in this browser, so no state is expected")
    if not states or not states[0]:
        raise StateMismatchError(
            "the callback has no state, so it cannot belong to the login this browser started "
            "(was the callback URL opened by hand, or the provider's redirect cut short?)"
        )
    if len(states) > 1:
        raise StateMismatchError("the callback repeats the 'state' parameter")
    if len(states[0]) > _MAX_CALLBACK_VALUE or not hmac.compare_digest(
        states[0].encode("utf-8", "surrogatepass"),
        expected_state.encode("utf-8", "surrogatepass"),
    ):
        raise StateMismatchError(
            "the callback's state does not match the login this browser started"
        )
    for key in ("code", "error", "iss"):
        if len(values.get(key, ())) > 1:
            raise ProviderError(f"the callback repeats the {key!r} parameter")
    if "iss" in values and values["iss"][0] != issuer:
        raise ProviderError(
            # clean_text() gives None for "": show the empty issuer as sent.
            f"the callback's issuer {clean_text(values['iss'][0]) or ''!r} is not {issuer!r}"
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
    if len(code) > _MAX_CALLBACK_VALUE or not visible_ascii(code):
        raise ProviderError("the callback's authorization code is malformed")
    return code
