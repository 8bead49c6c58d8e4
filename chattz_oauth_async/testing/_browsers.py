"""Web apps' test clients seen as a browser: a GET and a form POST that follow no redirect.

:func:`sync_browser` and :func:`async_browser` wrap each kind of test client the
login and logout drivers accept (Starlette's and FastAPI's TestClient and other
httpx clients, Flask's and Django's test clients, aiohttp's test client) in one
shape: its answers as :class:`Reply`, its host, the ``Origin`` a browser sends
with a form, and the CSRF token a Django form would carry. The drivers that walk
a login or a logout through them are in ``_driver.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import attrs

__all__ = ["AsyncBrowser", "Reply", "SyncBrowser", "async_browser", "sync_browser"]


@attrs.frozen
class Reply:
    """One answer of the app: its status, its ``Location``, the client's own response, its text."""

    status: int
    location: str | None
    response: Any
    text: str


def _is_httpx(client: Any, name: str) -> bool:
    """Whether ``client`` is an httpx or httpx2 ``name`` (Starlette's TestClient is either)."""
    return any(
        base.__name__ == name and base.__module__.partition(".")[0] in ("httpx", "httpx2")
        for base in type(client).__mro__
    )


def _netloc(client: Any) -> str | None:
    netloc = client.base_url.netloc
    return (netloc.decode("ascii") if isinstance(netloc, bytes) else str(netloc)) or None


@attrs.frozen
class SyncBrowser:
    """A sync test client seen as a browser: GET and form POST with no redirect followed."""

    get: Callable[[str], Reply]
    post: Callable[[str, dict[str, str]], Reply]
    host: str | None
    origin: str
    csrf: Callable[[], dict[str, str]] = dict


@attrs.frozen
class AsyncBrowser:
    """:class:`SyncBrowser` for async test clients."""

    get: Callable[[str], Awaitable[Reply]]
    post: Callable[[str, dict[str, str]], Awaitable[Reply]]
    host: str | None
    origin: str
    csrf: Callable[[], dict[str, str]] = dict


def _httpx_reply(response: Any) -> Reply:
    return Reply(response.status_code, response.headers.get("location"), response, response.text)


def sync_browser(client: Any, driver: str) -> SyncBrowser:
    """The GET and POST of each kind of sync test client, and its host and origin.

    Args:
        client: The test client a driver was given.
        driver: ``"login"`` or ``"logout"``: the method the error message names.

    Raises:
        TypeError: Not a supported sync test client.
    """
    if _is_httpx(client, "Client"):  # Starlette's and FastAPI's TestClient too
        origin = f"{client.base_url.scheme}://{_netloc(client)}"
        return SyncBrowser(
            lambda url: _httpx_reply(client.get(url, follow_redirects=False)),
            lambda url, fields: _httpx_reply(
                client.post(url, data=fields, headers={"origin": origin}, follow_redirects=False)
            ),
            _netloc(client),
            origin,
        )
    kind = type(client).__module__
    if kind.startswith("django."):
        return _django_client(client)
    if kind.startswith(("flask.", "werkzeug.")):
        config = getattr(getattr(client, "application", None), "config", {})
        scheme = config.get("PREFERRED_URL_SCHEME") or "http"
        origin = f"{scheme}://{config.get('SERVER_NAME') or 'localhost'}"

        def werkzeug(response: Any) -> Reply:
            body = response.get_data(as_text=True)
            return Reply(response.status_code, response.headers.get("Location"), response, body)

        return SyncBrowser(
            lambda url: werkzeug(client.get(url, follow_redirects=False)),
            lambda url, fields: werkzeug(
                client.post(url, data=fields, headers={"Origin": origin}, follow_redirects=False)
            ),
            config.get("SERVER_NAME"),
            origin,
        )
    raise TypeError(
        f"fake_chattz.{driver}() does not know {type(client).__qualname__}: use a Starlette "
        "or FastAPI TestClient, an httpx.Client, Flask's test client or Django's test Client "
        f"(and a{driver}() for httpx.AsyncClient or aiohttp's test client)"
    )


def _django_reply(response: Any) -> Reply:
    body = b"" if response.streaming else response.content
    text = body.decode(response.charset or "utf-8", "replace")
    return Reply(response.status_code, response.headers.get("Location"), response, text)


def _django_csrf(client: Any) -> Callable[[], dict[str, str]]:
    """What a form rendered with ``{% csrf_token %}`` would carry, from the client's cookie."""
    # Django is not a dependency: it is importable here because the client is Django's.
    from django.conf import settings  # type: ignore[import-untyped]

    def csrf() -> dict[str, str]:
        # Django accepts the cookie's secret as the token (CSRF_USE_SESSIONS keeps it out
        # of reach: from_page=).
        morsel = client.cookies.get(settings.CSRF_COOKIE_NAME)
        return {"csrfmiddlewaretoken": morsel.value} if morsel is not None and morsel.value else {}

    return csrf


def _django_origin(client: Any) -> str:
    return f"http://{client.defaults.get('HTTP_HOST', 'testserver')}"


def _django_client(client: Any) -> SyncBrowser:
    """Django's test Client: form posts urlencoded, as a browser sends them."""
    origin = _django_origin(client)
    return SyncBrowser(
        lambda url: _django_reply(client.get(url)),
        lambda url, fields: _django_reply(
            client.post(
                url,
                urlencode(fields),
                content_type="application/x-www-form-urlencoded",
                HTTP_ORIGIN=origin,
            )
        ),
        client.defaults.get("HTTP_HOST"),
        origin,
        _django_csrf(client),
    )


def _django_async_client(client: Any) -> AsyncBrowser:
    """Django's AsyncClient (pytest-django's ``async_client``): :func:`_django_client`, awaited."""
    origin = _django_origin(client)

    async def get(url: str) -> Reply:
        return _django_reply(await client.get(url))

    async def post(url: str, fields: dict[str, str]) -> Reply:
        response = await client.post(
            url,
            urlencode(fields),
            content_type="application/x-www-form-urlencoded",
            headers={"Origin": origin},
        )
        return _django_reply(response)

    return AsyncBrowser(get, post, client.defaults.get("HTTP_HOST"), origin, _django_csrf(client))


def async_browser(client: Any, driver: str) -> AsyncBrowser:
    """:func:`sync_browser` for async test clients.

    Raises:
        TypeError: Not a supported async test client.
    """
    if _is_httpx(client, "AsyncClient"):
        origin = f"{client.base_url.scheme}://{_netloc(client)}"

        async def get_httpx(url: str) -> Reply:
            return _httpx_reply(await client.get(url, follow_redirects=False))

        async def post_httpx(url: str, fields: dict[str, str]) -> Reply:
            headers = {"origin": origin}
            response = await client.post(url, data=fields, headers=headers, follow_redirects=False)
            return _httpx_reply(response)

        return AsyncBrowser(get_httpx, post_httpx, _netloc(client), origin)
    if type(client).__module__.startswith("django."):
        return _django_async_client(client)
    if type(client).__module__.startswith("aiohttp."):
        origin = str(client.make_url("/").origin())

        async def aiohttp(response: Any) -> Reply:
            text = await response.text(errors="replace")  # readable after release too
            response.release()
            return Reply(response.status, response.headers.get("Location"), response, text)

        async def get_aiohttp(url: str) -> Reply:
            return await aiohttp(await client.get(url, allow_redirects=False))

        async def post_aiohttp(url: str, fields: dict[str, str]) -> Reply:
            headers = {"Origin": origin}
            response = await client.post(url, data=fields, headers=headers, allow_redirects=False)
            return await aiohttp(response)

        return AsyncBrowser(get_aiohttp, post_aiohttp, f"{client.host}:{client.port}", origin)
    raise TypeError(
        f"fake_chattz.a{driver}() does not know {type(client).__module__}."
        f"{type(client).__qualname__}: use an httpx.AsyncClient, aiohttp's test client or "
        f"Django's AsyncClient (and {driver}() for sync test clients)"
    )
