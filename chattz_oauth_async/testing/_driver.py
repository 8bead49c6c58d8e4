"""Driving a web app's own login and logout through the fake provider with the app's test client.

:func:`login` and :func:`alogin` play the browser: they ask the app's login
route (a GET, or a form POST for a login that links an account), let the
fake's consent page answer (Allow or Deny), bring the fake's callback back
to the app on the test client's own base URL, and follow the app's
redirects to its final response. :func:`logout` and :func:`alogout`
submit the app's logout form (a POST, with the CSRF token a browser would
send) and follow the app's redirects the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import attrs

from . import _mistakes
from ._pages import forms
from ._values import ErrorPage, FakeClient, FakeUser

__all__ = ["Exit", "Trip", "alogin", "alogout", "login", "logout"]

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
    text: str


class _Hops:
    """Following a web app's redirects while they stay on the app, at most 20 of them."""

    def __init__(self, fake: Provider) -> None:
        self.app_hosts = {*_TEST_HOSTS, urlsplit(fake.client.redirect_uri).netloc}
        self.hops = 0

    def also_on(self, host: str | None) -> None:
        """Count ``host`` (the test client's own, when it has one) as the app's."""
        if host:
            self.app_hosts.add(host)

    def on_app(self, location: str) -> str | None:
        """The path and query to ask the app for, or None when ``location`` leaves it."""
        parts = urlsplit(location)
        if parts.netloc and parts.netloc not in self.app_hosts:
            return None
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def redirect(self, reply: _Reply) -> str | None:
        """Where ``reply`` redirects to, or None when it is a final answer.

        Raises:
            RuntimeError: The app redirected more than 20 times.
        """
        if self.hops == _MAX_HOPS:
            raise RuntimeError(f"the app redirected more than {_MAX_HOPS} times")
        self.hops += 1
        if 300 <= reply.status < 400 and reply.location:
            return reply.location
        return None


class Trip(_Hops):
    """One login through a web app: where it starts, who answers the consent, and how.

    The sync and async drivers share it: :attr:`start` is the first URL to
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
        method: str = "GET",
    ) -> None:
        super().__init__(fake)
        if method not in ("GET", "POST"):
            raise ValueError(f"a login starts with a GET or a POST, not {method!r}")
        self.method = method
        self.fake = fake
        self.user = user
        self.approve = approve
        self.provider = urlsplit(fake.base_url).netloc
        #: The callback path the app was just asked for (its answer is checked), else None.
        self.callback: str | None = None
        self.consented = False
        #: Whether the test client is Django's (the 404 hint names the URL name then).
        self.django = False
        if next_url is None:
            self.start = path
        else:
            separator = "&" if "?" in path else "?"
            self.start = f"{path}{separator}{urlencode({'next': next_url})}"

    def is_consent(self, location: str) -> bool:
        parts = urlsplit(location)
        return parts.netloc == self.provider and parts.path == "/oauth/authorize"

    def after(self, reply: _Reply) -> str | None:
        """The app URL to ask next, or None when ``reply`` is the app's final answer.

        Raises:
            ConfigurationError: The test's wiring is wrong: the app sent the
                login to another provider, the fake refused the app's client
                or redirect URI, or the app answered 404 to the callback.
            ErrorPage: The fake refused the authorize request for another reason.
            RuntimeError: The app redirected more than 20 times.
        """
        if self.callback is not None:
            callback, self.callback = self.callback, None
            if reply.status == 404:
                raise _mistakes.callback_not_found(
                    urlsplit(callback).path, self.fake.client, django=self.django
                )
        location = self.redirect(reply)
        if location is None:
            return None
        if self.is_consent(location):
            self.consented = True
            try:
                callback = self.fake.authorize(location, user=self.user, approve=self.approve)
            except ErrorPage as page:
                mistake = _mistakes.client_not_the_fakes(page, location, self.fake.client)
                if mistake is None:
                    raise
                raise mistake from None
            parts = urlsplit(callback)
            self.callback = urlunsplit(("", "", parts.path or "/", parts.query, ""))
            return self.callback
        on_app = self.on_app(location)
        if on_app is None and not self.consented:
            raise _mistakes.login_sent_elsewhere(location, self.fake.base_url)
        return on_app


class Exit(_Hops):
    """One logout through a web app: the form to submit and the redirects after it.

    A redirect after the logout is followed while it stays on the app; one
    to the provider (a login started again) is returned, never answered.
    """

    def __init__(self, fake: Provider, path: str, *, from_page: str | None) -> None:
        super().__init__(fake)
        self.path = path
        self.from_page = from_page

    def fields_on(self, where: str, page: _Reply) -> dict[str, str]:
        """What clicking the button of the page's form that POSTs to :attr:`path` submits.

        Raises:
            ValueError: The page is not a 200 or has no such form.
        """
        if page.status != 200:
            raise ValueError(f"{where} answered {page.status}, not a page with a form")
        wanted = urlsplit(urljoin(where, self.path)).path
        for form in forms(page.text):
            action = urlsplit(urljoin(where, form.action or where))
            if form.method == "post" and action.path == wanted:
                fields = dict(form.fields)
                for name, values in list(form.buttons.items())[:1]:
                    fields[name] = values[0]
                return fields
        raise ValueError(f"{where} has no form that POSTs to {self.path}")

    def after(self, reply: _Reply) -> str | None:
        """The app URL to ask next, or None when ``reply`` is the app's final answer.

        Raises:
            RuntimeError: The app redirected more than 20 times.
        """
        location = self.redirect(reply)
        return None if location is None else self.on_app(location)


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
class _Sync:
    """A sync test client seen as a browser: GET and form POST with no redirect followed."""

    get: Callable[[str], _Reply]
    post: Callable[[str, dict[str, str]], _Reply]
    host: str | None
    origin: str
    csrf: Callable[[], dict[str, str]] = dict


@attrs.frozen
class _Async:
    """:class:`_Sync` for async test clients."""

    get: Callable[[str], Awaitable[_Reply]]
    post: Callable[[str, dict[str, str]], Awaitable[_Reply]]
    host: str | None
    origin: str
    csrf: Callable[[], dict[str, str]] = dict


def _httpx_reply(response: Any) -> _Reply:
    return _Reply(response.status_code, response.headers.get("location"), response, response.text)


def _sync_client(client: Any, driver: str) -> _Sync:
    """The GET and POST of each kind of sync test client, and its host and origin.

    Raises:
        TypeError: Not a supported sync test client.
    """
    if _is_httpx(client, "Client"):  # Starlette's and FastAPI's TestClient too
        origin = f"{client.base_url.scheme}://{_netloc(client)}"
        return _Sync(
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

        def werkzeug(response: Any) -> _Reply:
            body = response.get_data(as_text=True)
            return _Reply(response.status_code, response.headers.get("Location"), response, body)

        return _Sync(
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


def _django_reply(response: Any) -> _Reply:
    body = b"" if response.streaming else response.content
    text = body.decode(response.charset or "utf-8", "replace")
    return _Reply(response.status_code, response.headers.get("Location"), response, text)


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


def _django_client(client: Any) -> _Sync:
    """Django's test Client: form posts urlencoded, as a browser sends them."""
    origin = _django_origin(client)
    return _Sync(
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


def _django_async_client(client: Any) -> _Async:
    """Django's AsyncClient (pytest-django's ``async_client``): :func:`_django_client`, awaited."""
    origin = _django_origin(client)

    async def get(url: str) -> _Reply:
        return _django_reply(await client.get(url))

    async def post(url: str, fields: dict[str, str]) -> _Reply:
        response = await client.post(
            url,
            urlencode(fields),
            content_type="application/x-www-form-urlencoded",
            headers={"Origin": origin},
        )
        return _django_reply(response)

    return _Async(get, post, client.defaults.get("HTTP_HOST"), origin, _django_csrf(client))


def _async_client(client: Any, driver: str) -> _Async:
    """:func:`_sync_client` for async test clients.

    Raises:
        TypeError: Not a supported async test client.
    """
    if _is_httpx(client, "AsyncClient"):
        origin = f"{client.base_url.scheme}://{_netloc(client)}"

        async def get_httpx(url: str) -> _Reply:
            return _httpx_reply(await client.get(url, follow_redirects=False))

        async def post_httpx(url: str, fields: dict[str, str]) -> _Reply:
            headers = {"origin": origin}
            response = await client.post(url, data=fields, headers=headers, follow_redirects=False)
            return _httpx_reply(response)

        return _Async(get_httpx, post_httpx, _netloc(client), origin)
    if type(client).__module__.startswith("django."):
        return _django_async_client(client)
    if type(client).__module__.startswith("aiohttp."):
        origin = str(client.make_url("/").origin())

        async def aiohttp(response: Any) -> _Reply:
            text = await response.text(errors="replace")  # readable after release too
            response.release()
            return _Reply(response.status, response.headers.get("Location"), response, text)

        async def get_aiohttp(url: str) -> _Reply:
            return await aiohttp(await client.get(url, allow_redirects=False))

        async def post_aiohttp(url: str, fields: dict[str, str]) -> _Reply:
            headers = {"Origin": origin}
            response = await client.post(url, data=fields, headers=headers, allow_redirects=False)
            return await aiohttp(response)

        return _Async(get_aiohttp, post_aiohttp, f"{client.host}:{client.port}", origin)
    raise TypeError(
        f"fake_chattz.a{driver}() does not know {type(client).__module__}."
        f"{type(client).__qualname__}: use an httpx.AsyncClient, aiohttp's test client or "
        f"Django's AsyncClient (and {driver}() for sync test clients)"
    )


def login(trip: Trip, client: Any) -> Any:
    """See :meth:`FakeChattz.login`."""
    browser = _sync_client(client, "login")
    trip.also_on(browser.host)
    trip.django = type(client).__module__.startswith("django.")
    if trip.method == "POST":
        reply = browser.post(trip.start, browser.csrf())
    else:
        reply = browser.get(trip.start)
    while (url := trip.after(reply)) is not None:
        reply = browser.get(url)
    return reply.response


async def alogin(trip: Trip, client: Any) -> Any:
    """See :meth:`FakeChattz.alogin`."""
    browser = _async_client(client, "login")
    trip.also_on(browser.host)
    trip.django = type(client).__module__.startswith("django.")
    if trip.method == "POST":
        reply = await browser.post(trip.start, browser.csrf())
    else:
        reply = await browser.get(trip.start)
    while (url := trip.after(reply)) is not None:
        reply = await browser.get(url)
    return reply.response


def logout(trip: Exit, client: Any) -> Any:
    """See :meth:`FakeChattz.logout`."""
    browser = _sync_client(client, "logout")
    trip.also_on(browser.host)
    if trip.from_page is None:
        fields = browser.csrf()
    else:
        page = browser.get(trip.from_page)
        fields = trip.fields_on(trip.from_page, page)
    reply = browser.post(trip.path, fields)
    while (url := trip.after(reply)) is not None:
        reply = browser.get(url)
    return reply.response


async def alogout(trip: Exit, client: Any) -> Any:
    """See :meth:`FakeChattz.alogout`."""
    browser = _async_client(client, "logout")
    trip.also_on(browser.host)
    if trip.from_page is None:
        fields = browser.csrf()
    else:
        page = await browser.get(trip.from_page)
        fields = trip.fields_on(trip.from_page, page)
    reply = await browser.post(trip.path, fields)
    while (url := trip.after(reply)) is not None:
        reply = await browser.get(url)
    return reply.response
