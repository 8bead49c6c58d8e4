"""The fake provider's routes: which path is which endpoint, and which methods each answers.

:func:`dispatch` hands one request, read into pairs, to the matching rule of
:class:`Provider` (``_provider.py``), or answers 405 with the methods the
endpoint allows; a path that is no endpoint is :func:`not_found`.
:func:`split_headers` and :func:`pairs` read headers, a query and a form the way
the rules take them. No I/O and no lock: :meth:`FakeChattz.handle
<chattz_oauth_async.testing.FakeChattz.handle>` (``_fake.py``) records the
request, holds the lock and injects the faults around them.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from ._pages import error_page, page
from ._provider import Provider
from ._values import HTML_TYPE, Endpoint, FakeResponse, HeadersInput

__all__ = ["ENDPOINTS", "dispatch", "not_found", "pairs", "split_headers"]

#: The endpoints by path.
ENDPOINTS: dict[str, Endpoint] = {
    "/oauth/authorize": "authorize",
    "/oauth/token": "token",
    "/oauth/userinfo": "userinfo",
}


def split_headers(headers: HeadersInput) -> dict[str, str]:
    """Headers by lowercase name; a repeated header's values joined with ``", "``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result


def pairs(text: str) -> list[tuple[str, str]]:
    """A query or form body as name-value pairs; none for one with over 100 fields."""
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=100)
    except ValueError:
        return []


def not_found() -> FakeResponse:
    """The answer to a path that is no endpoint."""
    body = page("Not found", "<h1>404 Not Found</h1>")
    return FakeResponse(404, (("content-type", HTML_TYPE),), body)


def dispatch(
    provider: Provider,
    endpoint: Endpoint,
    method: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    form: list[tuple[str, str]],
    is_form: bool,
) -> FakeResponse:
    """The provider's answer to one request to ``endpoint``, or 405 for a method it does not take.

    Args:
        provider: The rules and their state.
        endpoint: The endpoint the request's path names.
        method: The HTTP method, uppercase.
        query: The query's pairs.
        headers: The headers, from :func:`split_headers`.
        form: The form body's pairs (none unless ``is_form``).
        is_form: Whether the body is ``application/x-www-form-urlencoded``.
    """
    if endpoint == "authorize":
        if method == "GET":
            return provider.authorize(query, None)
        if method == "POST" and is_form:
            return provider.authorize(form, dict(form))
        if method == "POST":
            return error_page(400, "The consent form must be form-encoded.")
    elif endpoint == "token":
        if method == "POST":
            return provider.token(headers, form, is_form)
    elif method == "GET":  # Chattz documents GET /oauth/userinfo only
        return provider.userinfo(headers)
    allowed = {"authorize": "GET, POST", "token": "POST", "userinfo": "GET"}[endpoint]
    return FakeResponse(
        405,
        (("content-type", HTML_TYPE), ("allow", allowed)),
        page("Method not allowed", "<h1>405 Method Not Allowed</h1>"),
    )
