"""The fake provider's value types: clients, users, recorded requests and responses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from .. import _checks as checks
from ..errors import ConfigurationError

__all__ = [
    "DEFAULT_USER",
    "Endpoint",
    "ErrorPage",
    "FakeClient",
    "FakeResponse",
    "FakeUser",
    "Handler",
    "HeadersInput",
    "RecordedRequest",
]

Endpoint = Literal["authorize", "token", "userinfo"]
HeadersInput = Mapping[str, str] | Sequence[tuple[str, str]]

JSON_TYPE: Final = "application/json"
HTML_TYPE: Final = "text/html; charset=utf-8"
NO_STORE: Final = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


_text = checks.validator(checks.text)
_str = checks.validator(checks.instance, kind=str, what="a str")
_optional_str = checks.validator(checks.instance, kind=str, what="a str", none=True)
_dict = checks.validator(checks.instance, kind=dict, what="a dict")
_bytes = checks.validator(checks.instance, kind=bytes, what="bytes")


def _fields(value: object) -> dict[str, Any]:
    """``extra=`` as a dict of its own (a converter runs before any validator)."""
    return dict(checks.mapping("extra", value))


_pairs = checks.validator(checks.pairs)


@attrs.frozen(repr=False)
class FakeClient:
    """A client registered with the fake provider.

    Attributes:
        client_id: The client id.
        client_secret: The client secret (not shown by ``repr()``).
        redirect_uri: The one redirect URI registered for the client; the
            authorize and token requests must carry exactly this value.
    """

    client_id: str = attrs.field(validator=_text)
    client_secret: str = attrs.field(validator=_text)
    redirect_uri: str = attrs.field(validator=_text)

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

    id: int = attrs.field(validator=checks.validator(checks.whole, low=None))
    username: str = attrs.field(validator=_str)
    email: str | None = attrs.field(default=None, validator=_optional_str)
    first_name: str | None = attrs.field(default=None, validator=_optional_str)
    last_name: str | None = attrs.field(default=None, validator=_optional_str)
    avatar: str | None = attrs.field(default=None, validator=_optional_str)
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_fields)

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

    method: str = attrs.field(validator=_text)
    path: str = attrs.field(validator=_str)
    query: dict[str, str] = attrs.field(validator=_dict)
    headers: dict[str, str] = attrs.field(validator=_dict)
    form: dict[str, str] = attrs.field(validator=_dict)
    body: bytes = attrs.field(validator=_bytes)

    def __repr__(self) -> str:
        # Tests print these on failure; the form may hold a client secret or a code.
        return f"RecordedRequest({self.method} {self.path}, form={sorted(self.form)})"


@attrs.frozen(repr=False)
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

    status: int = attrs.field()
    headers: tuple[tuple[str, str], ...] = attrs.field(validator=_pairs)
    body: bytes = attrs.field(validator=_bytes)
    delay: float = attrs.field(default=0.0, validator=checks.validator(checks.seconds, zero=True))
    drop: bool = attrs.field(default=False, validator=checks.validator(checks.flag))

    @status.validator
    def _check_status(self, _: object, value: object) -> None:
        # Validators run in field order: ``drop`` is set (not yet checked) by now.
        if not (type(value) is int and (100 <= value <= 599 or (value == 0 and self.drop))):
            raise ConfigurationError(
                "status must be a whole number from 100 to 599 (0 with drop=True)"
            )

    def __repr__(self) -> str:
        # The body and a Location header may hold a code or tokens: show only their shape.
        names = ", ".join(name for name, _ in self.headers)
        faults = f", delay={self.delay!r}" if self.delay else ""
        faults += ", drop=True" if self.drop else ""
        return (
            f"FakeResponse(status={self.status}, headers=[{names}], "
            f"body=<{len(self.body)} bytes>{faults})"
        )

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


#: What the adapters and the server call: ``(method, target, headers, body)`` in, a response out.
Handler = Callable[[str, str, HeadersInput, bytes], FakeResponse]


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
