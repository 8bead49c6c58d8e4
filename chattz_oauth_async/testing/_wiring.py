"""The ways to reach a fake provider: in-process transports and sessions, ASGI, loopback HTTP.

:class:`Wiring` is the part of :class:`~chattz_oauth_async.testing.FakeChattz`
that connects its :meth:`handle` to clients: httpx transports, sessions
wired to it (made in one place, :meth:`Wiring._wired`), an ASGI app, a
loopback server, and the login and logout drivers that play a browser through a web
app's test client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._async.session import AsyncChattzOAuth
from .._sync.session import ChattzOAuth
from . import _driver
from ._adapters import asgi_app, transport_class
from ._server import FakeServer
from ._values import FakeClient, FakeResponse, FakeUser, HeadersInput

__all__ = ["Wiring"]

_S = TypeVar("_S", AsyncChattzOAuth, ChattzOAuth)


class Wiring:
    """Adapters and sessions around a fake's :meth:`handle` (a base of FakeChattz)."""

    client: FakeClient
    _served_url: str | None

    if TYPE_CHECKING:

        @property
        def base_url(self) -> str: ...

        def handle(
            self, method: str, target: str, headers: HeadersInput, body: bytes = b""
        ) -> FakeResponse: ...

        def _set_served_url(self, url: str | None) -> None: ...

        def authorize(
            self, url: str, *, user: FakeUser | None = None, approve: bool = True
        ) -> str: ...

    def login(
        self,
        client: Any,
        path: str = "/login",
        *,
        user: FakeUser | None = None,
        approve: bool = True,
        next: str | None = None,
        method: str = "GET",
    ) -> Any:
        """Log in through a web app with its sync test client, end to end.

        Asks the app's login route ``path`` (with ``?next=...`` when ``next``
        is given), answers the fake's consent page as ``user`` (Allow, or
        Deny when ``approve`` is False), brings the callback to the app on
        the client's own base URL (the fake's redirect URI is absolute; test
        clients talk to ``testserver`` or ``localhost``), and follows the
        app's redirects. The app's session must talk to this fake: in-process
        through :meth:`session`, or over loopback through the ``chattz_env``
        fixture. With ``method="POST"`` the login starts with a form POST
        (with the ``Origin`` header, and Django's CSRF token from its cookie),
        as a "Link another Chattz account" button sends it.

        Args:
            client: Starlette's or FastAPI's ``TestClient``, an
                ``httpx.Client`` over a WSGI or ASGI transport (with a
                ``base_url``), Flask's test client, or Django's test ``Client``.
            path: The app's login route.
            user: Who logs in; :attr:`user` when None.
            approve: Click Allow (True) or Deny (False).
            next: The post-login target to pass to the login route (in its query).
            method: ``"GET"`` (a plain login) or ``"POST"`` (a form submitted
                to ``path``: a linking login).

        Returns:
            The app's final response (the client's own response type): the
            first one that is not a redirect, or a redirect away from the app.

        Raises:
            ConfigurationError: The test's wiring is wrong, and the message
                names the likely cause and the fixture or setting to fix:
                the app sent the login anywhere but this fake (a wrong or
                stale ``CHATTZ_BASE_URL``), the fake does not know the app's
                client id or redirect URI, or the app answered 404 to the
                callback (the fake's redirect URI is not the app's route:
                override ``chattz_redirect_uri``).
            ErrorPage: The fake refused the authorize request for another
                reason (a malformed request).
            ValueError: ``method`` is neither GET nor POST.
            TypeError: ``client`` is not a supported test client.
            RuntimeError: The app redirected more than 20 times.
        """
        trip = _driver.Trip(self, path, user=user, approve=approve, next_url=next, method=method)
        return _driver.login(trip, client)

    async def alogin(
        self,
        client: Any,
        path: str = "/login",
        *,
        user: FakeUser | None = None,
        approve: bool = True,
        next: str | None = None,
        method: str = "GET",
    ) -> Any:
        """:meth:`login` for an ``httpx.AsyncClient`` (ASGI transport), aiohttp's test client
        or Django's ``AsyncClient`` (pytest-django's ``async_client``)."""
        trip = _driver.Trip(self, path, user=user, approve=approve, next_url=next, method=method)
        return await _driver.alogin(trip, client)

    def logout(self, client: Any, path: str = "/logout", *, from_page: str | None = None) -> Any:
        """Log out of a web app with its sync test client, as a browser's click would.

        POSTs a form to the app's logout route ``path`` (a logout must be a
        POST: a GET logout can be triggered by any page's ``<img>``) with the
        ``Origin`` header a browser sends, and follows the app's redirects
        while they stay on the app.

        With ``from_page`` (``"/"``, ``"/account"``: the logged-in page),
        it GETs that page, finds its form that POSTs to ``path`` and submits
        it with its hidden fields and its button, as a click on "Log out"
        would: the test also checks that the page offers a logout, and any
        CSRF token the form carries (Django's ``{% csrf_token %}``,
        Flask-WTF's ``csrf_token``) goes along. Without it, a Django test
        client sends Django's CSRF token from its ``csrftoken`` cookie (set
        at login), so ``Client(enforce_csrf_checks=True)`` passes; with
        ``CSRF_USE_SESSIONS`` the token is only on the page: use
        ``from_page``.

        Args:
            client: The same kinds of test client as :meth:`login`.
            path: The app's logout route.
            from_page: The app page whose logout form to submit; None to POST
                to ``path`` directly.

        Returns:
            The app's final response (the client's own response type): the
            first one that is not a redirect, or a redirect away from the app.

        Raises:
            ValueError: ``from_page`` did not answer 200 or has no form that
                POSTs to ``path``.
            TypeError: ``client`` is not a supported test client.
            RuntimeError: The app redirected more than 20 times.
        """
        trip = _driver.Exit(self, path, from_page=from_page)
        return _driver.logout(trip, client)

    async def alogout(
        self, client: Any, path: str = "/logout", *, from_page: str | None = None
    ) -> Any:
        """:meth:`logout` for an ``httpx.AsyncClient`` (ASGI transport), aiohttp's test client
        or Django's ``AsyncClient``."""
        trip = _driver.Exit(self, path, from_page=from_page)
        return await _driver.alogout(trip, client)

    # --- adapters -----------------------------------------------------------------

    def transport(self, module: Any = httpx) -> Any:
        """An in-process transport for ``module.AsyncClient`` and ``module.Client``.

        Args:
            module: ``httpx``, or ``httpx2`` (same API, its own classes).

        Returns:
            A ``module.MockTransport``. A delay is waited with ``anyio.sleep``
            by an async client and ``time.sleep`` by a sync one; a dropped
            connection raises ``module.RemoteProtocolError``.
        """
        return transport_class(module)(self.handle)

    def session(self, *, real_http: bool = False, **kwargs: Any) -> AsyncChattzOAuth:
        """An :class:`~chattz_oauth_async.AsyncChattzOAuth` wired to this fake.

        It uses the default client's credentials and :attr:`base_url`;
        ``kwargs`` override any constructor argument (``clock``, ``pkce``,
        ``retry``, ``http_client``...). Close it with ``aclose()``; that also
        closes the HTTP client made here.

        Args:
            real_http: Talk over real HTTP to the server :meth:`serve` runs
                (the session makes its own ``httpx.AsyncClient``) instead of
                the in-process transport.
            **kwargs: Constructor arguments.

        Raises:
            RuntimeError: ``real_http`` while the fake is not being served.
        """
        return self._wired(AsyncChattzOAuth, real_http, kwargs)

    def sync_session(self, *, real_http: bool = False, **kwargs: Any) -> ChattzOAuth:
        """A :class:`~chattz_oauth_async.ChattzOAuth` wired to this fake (see :meth:`session`)."""
        return self._wired(ChattzOAuth, real_http, kwargs)

    def _wired(self, session_class: type[_S], real_http: bool, kwargs: dict[str, Any]) -> _S:
        """The one place sessions wired to this fake are made."""
        if real_http and self._served_url is None:
            raise RuntimeError("real_http=True needs the fake to be served: use fake.serve()")
        kwargs.setdefault("client_id", self.client.client_id)
        kwargs.setdefault("client_secret", self.client.client_secret)
        kwargs.setdefault("redirect_uri", self.client.redirect_uri)
        kwargs.setdefault("base_url", self.base_url)
        if not (real_http or "http_client" in kwargs or "transport" in kwargs):
            # The session builds (and closes) its own client over the in-process transport.
            stack = importlib.import_module("httpx2") if kwargs.get("http") == "httpx2" else httpx
            kwargs["transport"] = self.transport(stack)
        return session_class(**kwargs)

    @property
    def asgi(self) -> Callable[..., Any]:
        """An ASGI 3 application serving the fake's endpoints.

        A delay is waited with ``anyio.sleep``. A dropped connection cannot be
        expressed in ASGI: the app raises ``ConnectionAbortedError`` instead,
        which servers turn into a closed connection and ``httpx.ASGITransport``
        re-raises.
        """
        return asgi_app(self.handle)

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, keep_alive: bool = True
    ) -> FakeServer:
        """Serve the fake over real HTTP from a background thread.

        Use it as a context manager (or call ``start()``/``stop()``); while it
        runs, :attr:`base_url` is the served URL.

        Args:
            host: A loopback address to listen on.
            port: The port; 0 picks a free one.
            keep_alive: Keep connections open between requests (HTTP/1.1),
                as real providers do, so a client's connection pool is
                exercised; False closes each connection after one answer.
        """
        return FakeServer(
            self.handle, host, port, on_url=self._set_served_url, keep_alive=keep_alive
        )
