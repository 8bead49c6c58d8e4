"""The fake Chattz provider's core: requests in, responses out, no I/O.

:class:`FakeChattz` keeps registered clients and users, the codes and tokens it
issued, injected faults and a log of the requests it received. Its
:meth:`FakeChattz.handle` turns one HTTP request (method, target, headers,
body) into a :class:`FakeResponse` and never sleeps, reads a socket or touches
a clock other than the injected one. The adapters (the httpx transport here,
the ASGI app here, the loopback server in ``_server.py``) only move bytes and
carry out a response's ``delay`` and ``drop`` instructions in their own I/O
style.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import attrs
import httpx

if TYPE_CHECKING:
    from .._async.session import AsyncChattzOAuth
    from .._sync.session import ChattzOAuth
    from ._server import FakeServer

__all__ = [
    "ErrorPage",
    "FakeChattz",
    "FakeClient",
    "FakeResponse",
    "FakeUser",
    "RecordedRequest",
    "parse_form",
]

Endpoint = Literal["authorize", "token", "userinfo"]
HeadersInput = Mapping[str, str] | Sequence[tuple[str, str]]

_PATHS: Final[dict[str, Endpoint]] = {
    "/oauth/authorize": "authorize",
    "/oauth/token": "token",
    "/oauth/userinfo": "userinfo",
}
_JSON: Final = "application/json"
_HTML: Final = "text/html; charset=utf-8"
_NO_STORE: Final = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
_PKCE_CHALLENGE_LENGTH: Final = 43
_PKCE_VERIFIER_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
_AUTHORIZE_FIELDS: Final = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
)


@attrs.frozen(repr=False)
class FakeClient:
    """A client registered with the fake provider.

    Attributes:
        client_id: The client id.
        client_secret: The client secret (not shown by ``repr()``).
        redirect_uri: The one redirect URI registered for the client; the
            authorize and token requests must carry exactly this value.
    """

    client_id: str
    client_secret: str
    redirect_uri: str

    def __repr__(self) -> str:
        return (
            f"FakeClient(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r}, "
            "client_secret=<redacted>)"
        )


@attrs.frozen
class FakeUser:
    """A Chattz user of the fake provider.

    Attributes:
        id: The numeric user id.
        username: The username.
        email: E-mail address, or None (sent as JSON null).
        first_name: Given name, or None.
        last_name: Family name, or None.
        avatar: Avatar URL, or None.
        extra: Further userinfo fields, sent as they are.
    """

    id: int
    username: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    avatar: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)

    def userinfo(self) -> dict[str, Any]:
        """The ``GET /oauth/userinfo`` JSON object, shaped like the documentation's example."""
        data: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "avatar": self.avatar,
        }
        data.update(self.extra)
        return data


#: The documentation's example user.
DEFAULT_USER: Final = FakeUser(
    id=123,
    username="johndoe",
    email="johndoe@example.com",
    first_name="John",
    last_name="Doe",
    avatar="https://chattz.test/avatars/johndoe.png",
)


@attrs.frozen(repr=False)
class RecordedRequest:
    """One request the fake received, as the client sent it.

    Attributes:
        method: ``GET``, ``POST``...
        path: The path, without the query.
        query: The query parameters (the last value wins if one is repeated).
        headers: The headers, with lower-case names (repeats joined by ``", "``).
        form: The parameters of an ``application/x-www-form-urlencoded`` body,
            else empty.
        body: The raw body.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        # Tests print these on failure; the form may hold a client secret or a code.
        return f"RecordedRequest({self.method} {self.path}, form={sorted(self.form)})"


@attrs.frozen
class FakeResponse:
    """What :meth:`FakeChattz.handle` answers.

    Attributes:
        status: The HTTP status.
        headers: The response headers.
        body: The response body.
        delay: Seconds the adapter waits before answering (fault injection).
        drop: True when the adapter must close the connection without any
            answer (fault injection); ``status``, ``headers`` and ``body``
            are then meaningless.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0
    drop: bool = False

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


class ErrorPage(Exception):
    """The fake showed an error page instead of redirecting (from :meth:`FakeChattz.authorize`).

    Attributes:
        status: The page's HTTP status.
        message: The error shown on the page.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@attrs.define
class _Fault:
    times: int
    status: int | None
    body: bytes
    headers: tuple[tuple[str, str], ...]
    delay: float
    drop: bool


@attrs.define
class _Code:
    client_id: str
    redirect_uri: str
    user_id: int
    expires_at: float
    code_challenge: str | None
    used: bool = False
    tokens: list[str] = attrs.field(factory=list)


@attrs.define
class _Grant:
    client_id: str
    user_id: int
    expires_at: float | None
    code: str | None


class _OAuthFailure(Exception):
    """An RFC 6749 section 5.2 error to answer from the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


class _FormParser(HTMLParser):
    """Collects the first form's action, method and named input values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs_}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
            self.method = values.get("method", "get").lower()
        elif tag in ("input", "button") and values.get("name"):
            if tag == "button" or values.get("type") == "submit":
                self.buttons.setdefault(values["name"], []).append(values.get("value", ""))
            else:
                self.fields[values["name"]] = values.get("value", "")


def parse_form(page: str) -> tuple[str, str, dict[str, str], dict[str, list[str]]]:
    """Read the first HTML form of a page, as a browser would submit it.

    Args:
        page: The HTML text.

    Returns:
        ``(action, method, fields, buttons)``: the form's action and lower-case
        method, its named non-button inputs, and the values of its named
        submit buttons (for example ``{"decision": ["allow", "deny"]}``).

    Raises:
        ValueError: The page has no form.
    """
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    if parser.action is None:
        raise ValueError("the page has no form")
    return parser.action, parser.method, parser.fields, parser.buttons


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    ).encode()


def _split_headers(headers: HeadersInput) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        result[key] = f"{result[key]}, {value}" if key in result else value
    return result


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=100)
    except ValueError:
        return []


def _single(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], str | None]:
    """The parameters as a dict, and the name of one that is repeated (RFC 6749 3.1)."""
    values: dict[str, str] = {}
    repeated = None
    for key, value in pairs:
        if key in values and repeated is None:
            repeated = key
        values[key] = value
    return values, repeated


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(params)}"


class FakeChattz:
    """An in-memory Chattz OAuth provider that behaves like the documented one, strictly.

    Use it in-process (:meth:`transport`, :meth:`session`,
    :meth:`sync_session`), as an ASGI app (:attr:`asgi`), or served over real
    HTTP on loopback (:meth:`serve`). All its state sits behind one lock, so
    the multi-threaded served mode is safe.

    Args:
        base_url: The URL the fake pretends to live at (replaced by the served
            URL while :meth:`serve` runs).
        clock: Returns the current epoch time; :meth:`advance` adds to it.
        token_lifetime: ``expires_in`` of issued access tokens, in seconds.
        code_lifetime: Seconds an authorization code stays valid.
        issue_refresh_tokens: Issue refresh tokens and accept the
            ``refresh_token`` grant.
        rotate_refresh_tokens: A refresh returns a new refresh token and the
            old one stops working.
        auto_approve: False to show the consent page; True to approve at once
            as :attr:`user`; or a :class:`FakeUser` to approve at once as them.
    """

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
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._served_url: str | None = None
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.code_lifetime = code_lifetime
        self.issue_refresh_tokens = issue_refresh_tokens
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.auto_approve = auto_approve
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._offset = 0.0
        self._clients: dict[str, FakeClient] = {}
        self._users: dict[int, FakeUser] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self.client = self.add_client(
            "test-client", "test-secret", "http://127.0.0.1:8000/callback"
        )
        self.user = self._add(DEFAULT_USER)

    def __repr__(self) -> str:
        return (
            f"FakeChattz(base_url={self.base_url!r}, clients={sorted(self._clients)!r}, "
            f"users={sorted(self._users)!r})"
        )

    # --- configuration --------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the fake lives: the served URL while :meth:`serve` runs, else ``base_url``."""
        return self._served_url or self._base_url

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str) -> FakeClient:
        """Register a client (replacing one with the same id) and return it."""
        client = FakeClient(client_id, client_secret, redirect_uri)
        with self._lock:
            self._clients[client_id] = client
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
            self._users[user.id] = user
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
            self._access.pop(token, None)
            self._refresh.pop(token, None)

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
        if endpoint not in _PATHS.values():
            raise ValueError(f"unknown endpoint {endpoint!r}: use authorize, token or userinfo")
        if times < 1 or delay < 0:
            raise ValueError("fail_next() needs times >= 1 and delay >= 0")
        if body is None:
            body = _page("Server error", f"<h1>{status} Server Error</h1>")
        extra = list(_split_headers(headers or {}).items())
        if not any(k == "content-type" for k, _ in extra):
            kind = _JSON if body.lstrip()[:1] in (b"{", b"[") else _HTML
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
        header_map = _split_headers(headers)
        is_form = header_map.get("content-type", "").split(";")[0].strip().lower() == (
            "application/x-www-form-urlencoded"
        )
        form_pairs = _pairs(body.decode("latin-1")) if is_form else []
        query_pairs = _pairs(parts.query)
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
            endpoint = _PATHS.get(path)
            if endpoint is None:
                page = _page("Not found", "<h1>404 Not Found</h1>")
                return FakeResponse(404, (("content-type", _HTML),), page)
            fault = self._take_fault(endpoint)
            if fault is not None and fault.drop:
                return FakeResponse(0, (), b"", delay=fault.delay, drop=True)
            if fault is not None and fault.status is not None:
                return FakeResponse(fault.status, fault.headers, fault.body, delay=fault.delay)
            response = self._dispatch(
                endpoint, method, query_pairs, header_map, form_pairs, is_form
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

    def _dispatch(
        self,
        endpoint: Endpoint,
        method: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        form: list[tuple[str, str]],
        is_form: bool,
    ) -> FakeResponse:
        if endpoint == "authorize":
            if method == "GET":
                return self._authorize(query, None)
            if method == "POST" and is_form:
                return self._authorize(form, dict(form))
            if method == "POST":
                return self._error_page(400, "The consent form must be form-encoded.")
        elif endpoint == "token":
            if method == "POST":
                return self._token(headers, form, is_form)
        elif method in ("GET", "POST"):
            return self._userinfo(headers)
        allowed = "GET, POST" if endpoint != "token" else "POST"
        return FakeResponse(
            405,
            (("content-type", _HTML), ("allow", allowed)),
            _page("Method not allowed", "<h1>405 Method Not Allowed</h1>"),
        )

    # --- authorize ----------------------------------------------------------------

    def _error_page(self, status: int, message: str) -> FakeResponse:
        body = _page(
            "Chattz: authorization error",
            f'<h1>Authorization error</h1>\n<p id="error">{html.escape(message)}</p>',
        )
        return FakeResponse(status, (("content-type", _HTML), *_NO_STORE), body)

    def _redirect(self, url: str) -> FakeResponse:
        return FakeResponse(302, (("location", url), *_NO_STORE), b"")

    def _authorize(
        self, pairs: list[tuple[str, str]], consent: dict[str, str] | None
    ) -> FakeResponse:
        params, repeated = _single(pairs)
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            return self._error_page(400, "Unknown client_id: this application is not registered.")
        redirect_uri = params.get("redirect_uri")
        if redirect_uri != client.redirect_uri:
            return self._error_page(
                400, "The redirect_uri does not match the one registered for this client."
            )
        if repeated in ("client_id", "redirect_uri"):
            return self._error_page(400, f"The {repeated} parameter is repeated.")

        state = params.get("state")

        def back(*extra: tuple[str, str]) -> FakeResponse:
            query = list(extra)
            if state is not None:
                query.append(("state", state))
            return self._redirect(_with_query(client.redirect_uri, query))

        def refuse(error: str, description: str) -> FakeResponse:
            return back(("error", error), ("error_description", description))

        if repeated is not None:
            return refuse("invalid_request", f"the {repeated} parameter is repeated")
        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "response_type must be code")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is not None or method is not None:
            if method != "S256":
                return refuse("invalid_request", "code_challenge_method must be S256")
            if (
                challenge is None
                or len(challenge) != _PKCE_CHALLENGE_LENGTH
                or not set(challenge) <= _PKCE_VERIFIER_CHARS
            ):
                return refuse("invalid_request", "code_challenge is not a valid S256 challenge")

        user: FakeUser | None
        if consent is None:
            if self.auto_approve is False:
                return self._consent_page(client, params, self.user)
            user = self.user if self.auto_approve is True else self.auto_approve
        else:
            try:
                user = self._users.get(int(consent.get("user", "")))
            except ValueError:
                user = None
            if user is None:
                return self._error_page(400, "Unknown user.")
            if consent.get("decision") != "allow":
                return refuse("access_denied", "The user denied the request")
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            client_id=client.client_id,
            redirect_uri=client.redirect_uri,
            user_id=user.id,
            expires_at=self.now() + self.code_lifetime,
            code_challenge=challenge,
        )
        return back(("code", code))

    def _consent_page(
        self, client: FakeClient, params: dict[str, str], user: FakeUser
    ) -> FakeResponse:
        esc = html.escape
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{esc(params[name])}">\n'
            for name in _AUTHORIZE_FIELDS
            if name in params
        )
        body = _page(
            "Chattz: authorize application",
            f"<h1>Authorize {esc(client.client_id)}?</h1>\n"
            f'<p id="signed-in">Signed in as {esc(user.username)}</p>\n'
            f"<p>{esc(client.client_id)} wants to know your username, name, e-mail "
            "address and avatar.</p>\n"
            '<form method="post" action="/oauth/authorize">\n'
            f"{hidden}"
            f'<input type="hidden" name="user" value="{user.id}">\n'
            '<button type="submit" name="decision" value="allow">Allow</button>\n'
            '<button type="submit" name="decision" value="deny">Deny</button>\n'
            "</form>",
        )
        headers = (
            ("content-type", _HTML),
            *_NO_STORE,
            ("x-frame-options", "DENY"),
            ("content-security-policy", "default-src 'none'; form-action 'self' http: https:"),
        )
        return FakeResponse(200, headers, body)

    # --- token --------------------------------------------------------------------

    def _token(
        self, headers: dict[str, str], pairs: list[tuple[str, str]], is_form: bool
    ) -> FakeResponse:
        try:
            if not is_form:
                raise _OAuthFailure(
                    "invalid_request", "the body must be application/x-www-form-urlencoded"
                )
            form, repeated = _single(pairs)
            if repeated is not None:
                raise _OAuthFailure("invalid_request", f"the {repeated} parameter is repeated")
            client = self._authenticate(headers, form)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise _OAuthFailure("invalid_request", "grant_type is missing")
            if grant_type == "authorization_code":
                user_id, code = self._redeem_code(client, form), form["code"]
            elif grant_type == "refresh_token" and self.issue_refresh_tokens:
                user_id, code = self._redeem_refresh(client, form), None
            else:
                raise _OAuthFailure(
                    "unsupported_grant_type", f"grant_type {grant_type[:40]!r} is not supported"
                )
        except _OAuthFailure as failure:
            extra: tuple[tuple[str, str], ...] = ()
            if failure.status == 401:
                extra = (("www-authenticate", 'Basic realm="chattz"'),)
            payload = {"error": failure.error, "error_description": failure.description}
            return self._json(failure.status, payload, extra)
        return self._json(200, self._issue(client, user_id, code, form.get("refresh_token")))

    def _json(
        self, status: int, payload: Mapping[str, Any], extra: tuple[tuple[str, str], ...] = ()
    ) -> FakeResponse:
        body = json.dumps(payload).encode()
        return FakeResponse(status, (("content-type", _JSON), *_NO_STORE, *extra), body)

    def _authenticate(self, headers: dict[str, str], form: dict[str, str]) -> FakeClient:
        authorization = headers.get("authorization", "")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "basic":
            if "client_secret" in form:
                raise _OAuthFailure(
                    "invalid_request", "use one client authentication method, not two"
                )
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise _OAuthFailure("invalid_client", "malformed Basic credentials", 401) from None
            raw_id, sep, raw_secret = decoded.partition(":")
            if not sep:
                raise _OAuthFailure("invalid_client", "malformed Basic credentials", 401)
            client_id, secret = unquote(raw_id), unquote(raw_secret)
            if form.get("client_id", client_id) != client_id:
                raise _OAuthFailure(
                    "invalid_request", "client_id differs from the Basic credentials"
                )
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        client = self._clients.get(client_id)
        if (
            client is None
            or not secret
            or not hmac.compare_digest(secret.encode(), client.client_secret.encode())
        ):
            raise _OAuthFailure("invalid_client", "client authentication failed", 401)
        return client

    def _redeem_code(self, client: FakeClient, form: dict[str, str]) -> int:
        code = form.get("code")
        if not code:
            raise _OAuthFailure("invalid_request", "code is missing")
        grant = self._codes.get(code)
        if grant is None or grant.client_id != client.client_id:
            raise _OAuthFailure("invalid_grant", "the authorization code is not valid")
        if grant.used:
            # RFC 6749 section 4.1.2: a reused code revokes what it granted.
            for token in grant.tokens:
                self._access.pop(token, None)
                self._refresh.pop(token, None)
            raise _OAuthFailure("invalid_grant", "the authorization code was already used")
        if self.now() >= grant.expires_at:
            raise _OAuthFailure("invalid_grant", "the authorization code has expired")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise _OAuthFailure(
                "invalid_grant", "redirect_uri does not match the authorize request"
            )
        verifier = form.get("code_verifier")
        if grant.code_challenge is None:
            if verifier is not None:
                raise _OAuthFailure("invalid_grant", "code_verifier sent but no code_challenge was")
        elif verifier is None or not _verifier_matches(verifier, grant.code_challenge):
            raise _OAuthFailure("invalid_grant", "code_verifier does not match the code_challenge")
        grant.used = True
        return grant.user_id

    def _redeem_refresh(self, client: FakeClient, form: dict[str, str]) -> int:
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise _OAuthFailure("invalid_request", "refresh_token is missing")
        grant = self._refresh.get(refresh_token)
        if grant is None or grant.client_id != client.client_id:
            raise _OAuthFailure("invalid_grant", "the refresh token is not valid")
        if self.rotate_refresh_tokens:
            del self._refresh[refresh_token]
        return grant.user_id

    def _issue(
        self, client: FakeClient, user_id: int, code: str | None, old_refresh: str | None
    ) -> dict[str, Any]:
        access_token = secrets.token_urlsafe(32)
        grant = _Grant(client.client_id, user_id, self.now() + self.token_lifetime, code)
        self._access[access_token] = grant
        payload: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }
        issued = [access_token]
        if self.issue_refresh_tokens and (old_refresh is None or self.rotate_refresh_tokens):
            refresh_token = secrets.token_urlsafe(32)
            self._refresh[refresh_token] = _Grant(client.client_id, user_id, None, code)
            payload["refresh_token"] = refresh_token
            issued.append(refresh_token)
        if code is not None:
            self._codes[code].tokens.extend(issued)
        return payload

    # --- userinfo -------------------------------------------------------------------

    def _userinfo(self, headers: dict[str, str]) -> FakeResponse:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            # RFC 6750 section 3.1: no error code when no credentials were sent.
            return self._unauthorized('Bearer realm="chattz"', "missing_token")
        grant = self._access.get(token.strip())
        user = None if grant is None else self._users.get(grant.user_id)
        if grant is None or user is None:
            return self._unauthorized(
                'Bearer realm="chattz", error="invalid_token", '
                'error_description="The access token is not valid"',
                "invalid_token",
            )
        if grant.expires_at is not None and self.now() >= grant.expires_at:
            return self._unauthorized(
                'Bearer realm="chattz", error="invalid_token", '
                'error_description="The access token expired"',
                "invalid_token",
            )
        return self._json(200, user.userinfo())

    def _unauthorized(self, challenge: str, error: str) -> FakeResponse:
        body = json.dumps({"error": error}).encode() if error != "missing_token" else b""
        headers = [("www-authenticate", challenge), *_NO_STORE]
        if body:
            headers.insert(0, ("content-type", _JSON))
        return FakeResponse(401, tuple(headers), body)

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
        raise ErrorPage(response.status, _page_error(response.body))

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
        return _transport_class(module)(self)

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
        from .._async.session import AsyncChattzOAuth

        own = self._session_kwargs(real_http, kwargs)
        if own:
            kwargs["http_client"] = httpx.AsyncClient(transport=self.transport())
        session = AsyncChattzOAuth(**kwargs)
        # The client made here belongs to the session: aclose() closes it.
        session._owns_client = own or session._owns_client
        return session

    def sync_session(self, *, real_http: bool = False, **kwargs: Any) -> ChattzOAuth:
        """A :class:`~chattz_oauth_async.ChattzOAuth` wired to this fake (see :meth:`session`)."""
        from .._sync.session import ChattzOAuth

        own = self._session_kwargs(real_http, kwargs)
        if own:
            kwargs["http_client"] = httpx.Client(transport=self.transport())
        session = ChattzOAuth(**kwargs)
        session._owns_client = own or session._owns_client
        return session

    def _session_kwargs(self, real_http: bool, kwargs: dict[str, Any]) -> bool:
        """Fill in the defaults; tell whether an in-process client must be made."""
        if real_http and self._served_url is None:
            raise RuntimeError("real_http=True needs the fake to be served: use fake.serve()")
        kwargs.setdefault("client_id", self.client.client_id)
        kwargs.setdefault("client_secret", self.client.client_secret)
        kwargs.setdefault("redirect_uri", self.client.redirect_uri)
        kwargs.setdefault("base_url", self.base_url)
        return not real_http and "http_client" not in kwargs

    @property
    def asgi(self) -> Callable[..., Any]:
        """An ASGI 3 application serving the fake's endpoints.

        A delay is waited with ``anyio.sleep``. A dropped connection cannot be
        expressed in ASGI: the app raises ``ConnectionAbortedError`` instead,
        which servers turn into a closed connection and ``httpx.ASGITransport``
        re-raises.
        """
        from ._server import asgi_app

        return asgi_app(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> FakeServer:
        """Serve the fake over real HTTP from a background thread.

        Use it as a context manager (or call ``start()``/``stop()``); while it
        runs, :attr:`base_url` is the served URL.

        Args:
            host: A loopback address to listen on.
            port: The port; 0 picks a free one.
        """
        from ._server import FakeServer

        return FakeServer(self, host, port)

    def _set_served_url(self, url: str | None) -> None:
        with self._lock:
            self._served_url = url


def _page_error(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    start = text.find('<p id="error">')
    if start >= 0:
        end = text.find("</p>", start)
        return html.unescape(text[start + len('<p id="error">') : end])
    return html.unescape(text[:200])


def _verifier_matches(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _PKCE_VERIFIER_CHARS:
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


_TRANSPORT_CLASSES: dict[str, type[Any]] = {}


def _transport_class(module: Any) -> type[Any]:
    """A ``module.MockTransport`` subclass that honours delay and drop per client kind."""
    name = module.__name__
    cls = _TRANSPORT_CLASSES.get(name)
    if cls is not None:
        return cls

    class FakeTransport(module.MockTransport):  # type: ignore[misc]
        def __init__(self, fake: FakeChattz) -> None:
            super().__init__(self._answer)
            self.fake = fake

        def _answer(self, request: Any) -> FakeResponse:
            return self.fake.handle(
                request.method,
                request.url.raw_path.decode("ascii"),
                list(request.headers.multi_items()),
                request.content,
            )

        def _reply(self, request: Any, answer: FakeResponse) -> Any:
            if answer.drop:
                raise module.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                )
            return module.Response(
                answer.status, headers=list(answer.headers), content=answer.body, request=request
            )

        def handle_request(self, request: Any) -> Any:
            request.read()
            answer = self._answer(request)
            if answer.delay:
                time.sleep(answer.delay)
            return self._reply(request, answer)

        async def handle_async_request(self, request: Any) -> Any:
            import anyio

            await request.aread()
            answer = self._answer(request)
            if answer.delay:
                await anyio.sleep(answer.delay)
            return self._reply(request, answer)

    FakeTransport.__qualname__ = FakeTransport.__name__ = "FakeTransport"
    _TRANSPORT_CLASSES[name] = FakeTransport
    return FakeTransport
