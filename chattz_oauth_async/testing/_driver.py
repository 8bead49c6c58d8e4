"""Driving a web app's own login through the fake provider with the app's test client.

:func:`login` and :func:`alogin` play the browser: they ask the app's login
route, let the fake's consent page answer (Allow or Deny), bring the fake's
callback back to the app on the test client's own base URL, and follow the
app's redirects to its final response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import attrs

from ._values import FakeClient, FakeUser

__all__ = ["Trip", "alogin", "login"]

#: Redirects followed before giving up (a browser allows about 20).
_MAX_HOPS: Final = 20
#: Hosts the test clients of Django and Flask pretend to be.
_TEST_HOSTS: Final = frozenset({"testserver", "localhost"})


class Provider(Protocol):
    """What the driver needs from the fake: where it lives, its client, its consent."""

    client: FakeClient

    @property
    def base_url(self) -> str: ...

    def authorize(self, url: str, *, user: FakeUser | None = None, approve: bool = True) -> str: ...


@attrs.frozen
class _Reply:
    status: int
    location: str | None
    response: Any


class Trip:
    """One login through a web app: where it starts, who answers the consent, and how.

    The sync and async drivers share it: :meth:`start` is the first URL to
    ask the app, and :meth:`after` turns each reply into the next URL.
    """

    def __init__(
        self,
        fake: Provider,
        path: str,
        *,
        user: FakeUser | None,
        approve: bool,
        next_url: str | None,
    ) -> None:
        self.fake = fake
        self.user = user
        self.approve = approve
        self.provider = urlsplit(fake.base_url).netloc
        self.app_hosts = {*_TEST_HOSTS, urlsplit(fake.client.redirect_uri).netloc}
        self.hops = 0
        if next_url is None:
            self.start = path
        else:
            separator = "&" if "?" in path else "?"
            self.start = f"{path}{separator}{urlencode({'next': next_url})}"

    def also_on(self, host: str | None) -> None:
        """Count ``host`` (the test client's own, when it has one) as the app's."""
        if host:
            self.app_hosts.add(host)

    def is_consent(self, location: str) -> bool:
        parts = urlsplit(location)
        return parts.netloc == self.provider and parts.path == "/oauth/authorize"

    def on_app(self, location: str) -> str | None:
        """The path and query to ask the app for, or None when ``location`` leaves it."""
        parts = urlsplit(location)
        if parts.netloc and parts.netloc not in self.app_hosts:
            return None
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def after(self, reply: _Reply) -> str | None:
        """The app URL to ask next, or None when ``reply`` is the app's final answer.

        Raises:
            RuntimeError: The app redirected more than 20 times.
        """
        if self.hops == _MAX_HOPS:
            raise RuntimeError(f"the app redirected more than {_MAX_HOPS} times")
        self.hops += 1
        if not (300 <= reply.status < 400 and reply.location):
            return None
        if self.is_consent(reply.location):
            callback = self.fake.authorize(reply.location, user=self.user, approve=self.approve)
            parts = urlsplit(callback)
            return urlunsplit(("", "", parts.path or "/", parts.query, ""))
        return self.on_app(reply.location)


def _is_httpx(client: Any, name: str) -> bool:
    """Whether ``client`` is an httpx or httpx2 ``name`` (Starlette's TestClient is either)."""
    return any(
        base.__name__ == name and base.__module__.partition(".")[0] in ("httpx", "httpx2")
        for base in type(client).__mro__
    )


def _netloc(client: Any) -> str | None:
    netloc = client.base_url.netloc
    return (netloc.decode("ascii") if isinstance(netloc, bytes) else str(netloc)) or None


def _sync_getter(client: Any) -> tuple[Callable[[str], _Reply], str | None]:
    """A GET that follows no redirect, for each kind of sync test client, and its host."""
    if _is_httpx(client, "Client"):  # Starlette's and FastAPI's TestClient too

        def get_httpx(url: str) -> _Reply:
            response = client.get(url, follow_redirects=False)
            return _Reply(response.status_code, response.headers.get("location"), response)

        return get_httpx, _netloc(client)
    kind = type(client).__module__
    if kind.startswith("django."):

        def get_django(url: str) -> _Reply:
            response = client.get(url)
            return _Reply(response.status_code, response.headers.get("Location"), response)

        return get_django, None
    if kind.startswith(("flask.", "werkzeug.")):

        def get_werkzeug(url: str) -> _Reply:
            response = client.get(url, follow_redirects=False)
            return _Reply(response.status_code, response.headers.get("Location"), response)

        return get_werkzeug, None
    raise TypeError(
        f"fake_chattz.login() does not know {type(client).__qualname__}: use a Starlette or "
        "FastAPI TestClient, an httpx.Client, Flask's test client or Django's test Client "
        "(and alogin() for httpx.AsyncClient or aiohttp's test client)"
    )


def _async_getter(client: Any) -> tuple[Callable[[str], Any], str | None]:
    if _is_httpx(client, "AsyncClient"):

        async def get_httpx(url: str) -> _Reply:
            response = await client.get(url, follow_redirects=False)
            return _Reply(response.status_code, response.headers.get("location"), response)

        return get_httpx, _netloc(client)
    if type(client).__module__.startswith("aiohttp."):

        async def get_aiohttp(url: str) -> _Reply:
            response = await client.get(url, allow_redirects=False)
            await response.read()  # the body stays readable after release
            response.release()
            return _Reply(response.status, response.headers.get("Location"), response)

        return get_aiohttp, f"{client.host}:{client.port}"
    raise TypeError(
        f"fake_chattz.alogin() does not know {type(client).__qualname__}: use an "
        "httpx.AsyncClient or aiohttp's test client (and login() for sync test clients)"
    )


def login(trip: Trip, client: Any) -> Any:
    """See :meth:`FakeChattz.login`."""
    get, host = _sync_getter(client)
    trip.also_on(host)
    reply = get(trip.start)
    while (url := trip.after(reply)) is not None:
        reply = get(url)
    return reply.response


async def alogin(trip: Trip, client: Any) -> Any:
    """See :meth:`FakeChattz.alogin`."""
    get, host = _async_getter(client)
    trip.also_on(host)
    reply = await get(trip.start)
    while (url := trip.after(reply)) is not None:
        reply = await get(url)
    return reply.response
