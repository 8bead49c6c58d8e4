"""The fake Chattz provider's public face: :class:`FakeChattz`.

:class:`FakeChattz` registers clients and users, injects faults, records the
requests it received, and turns one HTTP request (method, target, headers,
body) into a :class:`FakeResponse` with :meth:`FakeChattz.handle`, which never
sleeps, reads a socket or touches a clock other than the injected one. The
endpoint rules and the state they keep are in ``_provider.py``, which path and
method reach which rule in ``_routes.py``, the pages in ``_pages.py``. The
adapters (the httpx transport and the ASGI app in ``_adapters.py``, the
loopback server in ``_server.py``) take ``handle`` as a callable, only move
bytes, and carry out a response's ``delay`` and ``drop`` instructions in their
own I/O style.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import attrs

from .. import _checks as checks
from ..models import MAX_EXPIRES_IN, Token
from ..protocol import ClientConfig
from ._pages import error_message, page, parse_form
from ._provider import Provider
from ._routes import ENDPOINTS, dispatch, not_found, pairs, split_headers
from ._values import (
    DEFAULT_USER,
    HTML_TYPE,
    JSON_TYPE,
    Endpoint,
    ErrorPage,
    FakeClient,
    FakeResponse,
    FakeUser,
    HeadersInput,
    RecordedRequest,
)
from ._wiring import Wiring

__all__ = ["FakeChattz"]


@attrs.define
class _Fault:
    times: int
    status: int | None
    body: bytes
    headers: tuple[tuple[str, str], ...]
    delay: float
    drop: bool


class FakeChattz(Wiring):
    """An in-memory Chattz OAuth provider that behaves like the documented one, strictly.

    Use it in-process (:meth:`transport`, :meth:`session`,
    :meth:`sync_session`), as an ASGI app (:attr:`asgi`), or served over real
    HTTP on loopback (:meth:`serve`). All its state sits behind one lock, so
    the multi-threaded served mode is safe.

    Args:
        base_url: The URL the fake pretends to live at (replaced by the served
            URL while :meth:`serve` runs): ``https://``, or ``http://`` on a
            loopback host, as the session accepts.
        clock: A function returning the current epoch time; :meth:`advance`
            adds to it.
        token_lifetime: ``expires_in`` of issued access tokens: whole seconds
            from 0 to 100 years (default 3600).
        code_lifetime: Seconds an authorization code stays valid: a finite
            number > 0 (default 60).
        issue_refresh_tokens: True or False: issue refresh tokens and accept
            the ``refresh_token`` grant.
        rotate_refresh_tokens: True or False: a refresh returns a new refresh
            token and the old one stops working.
        auto_approve: False to show the consent page; True to approve at once
            as :attr:`user`; or a :class:`FakeUser` to approve at once as them.
        client_id: The default client's id (:attr:`client`), a non-empty string.
        client_secret: The default client's secret, a non-empty string.
        redirect_uri: The default client's registered redirect URI, a non-empty string.

    Raises:
        ConfigurationError: An argument outside these (the message names it).
    """

    # Declared here, not only assigned in __init__: pyright's completeness check
    # (scripts/type_completeness.py) counts an attribute set from a call as ambiguous.
    token_lifetime: int
    code_lifetime: float
    issue_refresh_tokens: bool
    rotate_refresh_tokens: bool

    def __init__(
        self,
        *,
        base_url: str = "https://chattz.test",
        clock: Callable[[], float] = time.time,
        token_lifetime: int = 3600,
        code_lifetime: float = 60,
        issue_refresh_tokens: bool = False,
        rotate_refresh_tokens: bool = True,
        auto_approve: bool | FakeUser = False,
        client_id: str = "test-client",
        client_secret: str = "test-secret",  # noqa: S107 (a fake's well-known test value)
        redirect_uri: str = "http://127.0.0.1:8000/callback",
    ) -> None:
        self._base_url = ClientConfig("fake", "fake", base_url=base_url).base_url
        self._served_url: str | None = None
        checks.function("clock", clock)
        self.clock = clock
        self.token_lifetime = checks.whole(
            "token_lifetime", token_lifetime, low=0, high=MAX_EXPIRES_IN
        )
        self.code_lifetime = checks.seconds("code_lifetime", code_lifetime)
        self.issue_refresh_tokens = checks.flag("issue_refresh_tokens", issue_refresh_tokens)
        self.rotate_refresh_tokens = checks.flag("rotate_refresh_tokens", rotate_refresh_tokens)
        checks.instance("auto_approve", auto_approve, (bool, FakeUser), "True, False or a FakeUser")
        self.auto_approve = auto_approve
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._offset = 0.0
        self._provider = Provider(self)
        self._faults: dict[str, list[_Fault]] = {}
        self.client: FakeClient = self.add_client(client_id, client_secret, redirect_uri)
        self.user: FakeUser = self._add(DEFAULT_USER)

    def __repr__(self) -> str:
        return (
            f"FakeChattz(base_url={self.base_url!r}, clients={sorted(self._provider.clients)!r}, "
            f"users={sorted(self._provider.users)!r})"
        )

    # --- configuration --------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the fake lives: the served URL while :meth:`serve` runs, else ``base_url``."""
        return self._served_url or self._base_url

    @property
    def users(self) -> dict[int, FakeUser]:
        """The registered users by id (a copy: register with :meth:`add_user`)."""
        with self._lock:
            return dict(self._provider.users)

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str) -> FakeClient:
        """Register a client (replacing one with the same id) and return it."""
        client = FakeClient(client_id, client_secret, redirect_uri)
        with self._lock:
            self._provider.clients[client_id] = client
        return client

    def add_user(
        self,
        *,
        id: int,
        username: str,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        avatar: str | None = None,
        **extra: Any,
    ) -> FakeUser:
        """Register a user (replacing one with the same id) and return it.

        ``extra`` fields are sent in userinfo as they are.
        """
        return self._add(FakeUser(id, username, email, first_name, last_name, avatar, extra))

    def _add(self, user: FakeUser) -> FakeUser:
        with self._lock:
            self._provider.users[user.id] = user
        return user

    def now(self) -> float:
        """The fake's current time: its clock plus everything :meth:`advance` added."""
        return self.clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (codes and tokens expire by it)."""
        with self._lock:
            self._offset += seconds

    def revoke(self, token: str) -> None:
        """Revoke an access token or a refresh token; unknown values are ignored."""
        with self._lock:
            self._provider.revoke(token)

    def fail_next(
        self,
        endpoint: Endpoint,
        *,
        times: int = 1,
        status: int | None = 500,
        body: bytes | None = None,
        headers: HeadersInput | None = None,
        delay: float = 0.0,
        drop: bool = False,
    ) -> None:
        """Make the next ``times`` calls to an endpoint misbehave.

        Each such call is recorded, then answered with ``status``, ``body``
        and ``headers`` instead of being processed (the fake's state does
        not change), after waiting ``delay`` seconds. With ``status=None``
        the call is processed normally, only late. With ``drop=True`` the
        connection is closed without an answer (the call is not processed).

        Args:
            endpoint: ``"authorize"`` (GET and POST), ``"token"`` or ``"userinfo"``.
            times: How many calls in a row.
            status: The status to answer, or None to answer normally.
            body: The body; a small HTML error page when None. Its
                Content-Type is JSON if it starts with ``{`` or ``[``, else
                HTML, unless ``headers`` set one.
            headers: Further response headers.
            delay: Seconds to wait before answering (or dropping).
            drop: Close the connection without answering.

        Raises:
            ValueError: Unknown endpoint, ``times < 1`` or a negative delay.
        """
        if endpoint not in ENDPOINTS.values():
            raise ValueError(f"unknown endpoint {endpoint!r}: use authorize, token or userinfo")
        if times < 1 or delay < 0:
            raise ValueError("fail_next() needs times >= 1 and delay >= 0")
        if body is None:
            body = page("Server error", f"<h1>{status} Server Error</h1>")
        extra = list(split_headers(headers or {}).items())
        if not any(k == "content-type" for k, _ in extra):
            kind = JSON_TYPE if body.lstrip()[:1] in (b"{", b"[") else HTML_TYPE
            extra.insert(0, ("content-type", kind))
        fault = _Fault(times, status, body, tuple(extra), float(delay), drop)
        with self._lock:
            self._faults.setdefault(endpoint, []).append(fault)

    def delay_next(self, endpoint: Endpoint, seconds: float, *, times: int = 1) -> None:
        """Make the next ``times`` calls to an endpoint answer normally, but late."""
        self.fail_next(endpoint, times=times, status=None, delay=seconds)

    # --- the provider -----------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: HeadersInput, body: bytes = b""
    ) -> FakeResponse:
        """Answer one HTTP request. Pure: no I/O, no sleeping.

        Args:
            method: The HTTP method.
            target: The request target: path and query (an absolute URL works too).
            headers: The request headers (any case).
            body: The request body.

        Returns:
            The response; adapters honour its ``delay`` and ``drop``.
        """
        parts = urlsplit(target)
        path = parts.path or "/"
        header_map = split_headers(headers)
        is_form = header_map.get("content-type", "").split(";")[0].strip().lower() == (
            "application/x-www-form-urlencoded"
        )
        form_pairs = pairs(body.decode("latin-1")) if is_form else []
        query_pairs = pairs(parts.query)
        method = method.upper()
        record = RecordedRequest(
            method=method,
            path=path,
            query=dict(query_pairs),
            headers=header_map,
            form=dict(form_pairs),
            body=body,
        )
        with self._lock:
            self.requests.append(record)
            endpoint = ENDPOINTS.get(path)
            if endpoint is None:
                return not_found()
            fault = self._take_fault(endpoint)
            if fault is not None and fault.drop:
                return FakeResponse(0, (), b"", delay=fault.delay, drop=True)
            if fault is not None and fault.status is not None:
                return FakeResponse(fault.status, fault.headers, fault.body, delay=fault.delay)
            response = dispatch(
                self._provider, endpoint, method, query_pairs, header_map, form_pairs, is_form
            )
        if fault is not None:
            response = attrs.evolve(response, delay=fault.delay)
        return response

    def _take_fault(self, endpoint: str) -> _Fault | None:
        queue = self._faults.get(endpoint)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    # --- the in-process browser ---------------------------------------------------

    def authorize(self, url: str, *, user: FakeUser | None = None, approve: bool = True) -> str:
        """Play the browser: follow an authorize URL through the consent page.

        Args:
            url: The authorize URL (its host is not looked at).
            user: Approve or deny as this user instead of :attr:`user`.
            approve: Click Allow (True) or Deny (False).

        Returns:
            The URL the provider redirects to: the callback with ``code`` and
            ``state``, or with ``error=access_denied`` (or another error).

        Raises:
            ErrorPage: The provider showed an error page instead of redirecting
                (unknown client, wrong redirect_uri...).
        """
        response = self.handle("GET", url, {})
        if response.status == 200:
            action, _, fields, _ = parse_form(response.body.decode())
            if user is not None:
                fields["user"] = str(user.id)
            fields["decision"] = "allow" if approve else "deny"
            response = self.handle(
                "POST",
                action,
                {"content-type": "application/x-www-form-urlencoded"},
                urlencode(fields).encode(),
            )
        location = response.header("location")
        if response.status == 302 and location:
            return location
        raise ErrorPage(response.status, error_message(response.body))

    def issue_token(self, user: FakeUser | None = None) -> Token:
        """Issue an access token for a user without a login, for tests of protected routes.

        The token is issued to the default client (:attr:`client`) and
        :meth:`userinfo() <chattz_oauth_async.AsyncChattzOAuth.userinfo>`
        accepts it until it expires by the fake's clock.

        Args:
            user: Whose token; :attr:`user` when None. Register others with
                :meth:`add_user`.

        Raises:
            ValueError: ``user`` is not registered with this fake.
        """
        who = self.user if user is None else user
        with self._lock:
            if self._provider.users.get(who.id) != who:
                raise ValueError(f"user {who.id} is not registered: use fake.add_user()")
            issued = self._provider.issue(self.client, who.id)
            now = self.now()
        return Token(
            issued["access_token"],
            expires_in=issued["expires_in"],
            expires_at=now + issued["expires_in"],
            refresh_token=issued.get("refresh_token"),
        )

    def _set_served_url(self, url: str | None) -> None:
        with self._lock:
            self._served_url = url
