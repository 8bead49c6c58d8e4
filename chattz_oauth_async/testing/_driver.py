"""Driving a web app's own login and logout through the fake provider with the app's test client.

:func:`login` and :func:`alogin` play the browser: they ask the app's login
route (a GET, or a form POST for a login that links an account), let the
fake's consent page answer (Allow or Deny), bring the fake's callback back
to the app on the test client's own base URL, and follow the app's
redirects to its final response. :func:`logout` and :func:`alogout`
submit the app's logout form (a POST, with the CSRF token a browser would
send) and follow the app's redirects the same way.

:class:`Trip` and :class:`Exit` decide each next step from the app's last
answer; the test clients themselves are asked through ``_browsers.py``, and
the messages for a test's wrong wiring come from ``_mistakes.py``.
"""

from __future__ import annotations

from typing import Any, Final, Protocol
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from . import _mistakes
from ._browsers import Reply, async_browser, sync_browser
from ._pages import forms
from ._values import ErrorPage, FakeClient, FakeUser

__all__ = ["Exit", "Trip", "alogin", "alogout", "login", "logout"]

#: Redirects followed before giving up (a browser allows about 20).
_MAX_HOPS: Final = 20
#: Hosts the test clients of Django and Flask pretend to be.
_TEST_HOSTS: Final = frozenset({"testserver", "localhost"})


class ConsentingFake(Protocol):
    """What the driver needs from the fake: where it lives, its client, its consent."""

    client: FakeClient

    @property
    def base_url(self) -> str: ...

    def authorize(self, url: str, *, user: FakeUser | None = None, approve: bool = True) -> str: ...


class _Hops:
    """Following a web app's redirects while they stay on the app, at most 20 of them."""

    def __init__(self, fake: ConsentingFake) -> None:
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

    def redirect(self, reply: Reply) -> str | None:
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
        fake: ConsentingFake,
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

    def after(self, reply: Reply) -> str | None:
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

    def __init__(self, fake: ConsentingFake, path: str, *, from_page: str | None) -> None:
        super().__init__(fake)
        self.path = path
        self.from_page = from_page

    def fields_on(self, where: str, page: Reply) -> dict[str, str]:
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

    def after(self, reply: Reply) -> str | None:
        """The app URL to ask next, or None when ``reply`` is the app's final answer.

        Raises:
            RuntimeError: The app redirected more than 20 times.
        """
        location = self.redirect(reply)
        return None if location is None else self.on_app(location)


def login(trip: Trip, client: Any) -> Any:
    """See :meth:`FakeChattz.login`."""
    browser = sync_browser(client, "login")
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
    browser = async_browser(client, "login")
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
    browser = sync_browser(client, "logout")
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
    browser = async_browser(client, "logout")
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
