"""OpenTelemetry spans and metrics, through the API only, when ``opentelemetry-api`` is installed.

``pip install 'chattz_oauth_async[otel]'``; the app configures the SDK and
its exporters. Without the package nothing is imported and every hook is a
no-op context manager. Recorded, never a secret, code, token or query string:

Spans (tracer ``chattz_oauth_async``):

- ``chattz <what>`` (INTERNAL): one per public call that talks to Chattz
  (``code exchange``, ``userinfo``, ``token refresh``), the logical operation
  with its retries: ``chattz.operation``, ``chattz.attempts``, ``error.type``.
- ``<METHOD>`` (CLIENT), a child per attempt, following the HTTP client
  semantic conventions: ``http.request.method``, ``server.address``,
  ``server.port``, ``url.full``, ``http.response.status_code``,
  ``http.request.resend_count`` (from the second attempt), ``error.type``.
- ``chattz login callback`` (INTERNAL): the login flow's finish, with
  ``chattz.login.outcome`` or ``chattz.fault`` and ``chattz.reason``.

Metrics (meter ``chattz_oauth_async``):

- ``http.client.request.duration`` (histogram, s): each attempt, by method,
  server, status and ``error.type``;
- ``chattz.logins`` (counter): login callbacks by ``chattz.login.outcome``
  (``created``, ``linked``, ``signed_in``, ``completed`` without accounts, or
  ``failed``) and, for a failure, ``chattz.fault`` and ``chattz.reason``;
- ``chattz.token.refresh.failures`` (counter): by ``chattz.fault`` and ``chattz.reason``.

The session's calls are decorated with :func:`traced` (:func:`operation`), its
sender wraps each attempt in :func:`attempt`; the login
flow calls :func:`login_callback`; the refresh decorator of
:mod:`chattz_oauth_async.events` calls :func:`refresh_failed`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, ParamSpec, TypeVar, cast
from urllib.parse import urlsplit

from .protocol import HTTPRequest

try:
    from opentelemetry import metrics, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError:  # the [otel] extra is not installed: every hook below is a no-op
    metrics = trace = None  # type: ignore[assignment]

__all__ = ["ENABLED", "attempt", "login_callback", "operation", "refresh_failed", "traced"]

#: Whether opentelemetry-api is installed.
ENABLED: Final = trace is not None
_SCOPE: Final = "chattz_oauth_async"

if trace is not None:
    _tracer = trace.get_tracer(_SCOPE)
    _meter = metrics.get_meter(_SCOPE)
    _duration = _meter.create_histogram(
        "http.client.request.duration",
        unit="s",
        description="Duration of the HTTP requests to Chattz, each attempt",
    )
    _logins = _meter.create_counter(
        "chattz.logins", unit="{login}", description="Login callbacks by outcome or fault"
    )
    _refresh_failures = _meter.create_counter(
        "chattz.token.refresh.failures",
        unit="{failure}",
        description="Token refreshes that failed, by fault",
    )


class _Operation:
    """The logical operation being sent: how many attempts it made so far."""

    __slots__ = ("attempts",)

    def __init__(self) -> None:
        self.attempts = 0


_current: contextvars.ContextVar[_Operation | None] = contextvars.ContextVar(
    "chattz_oauth_async_operation", default=None
)


def _api_only(provider: object) -> bool:
    # The API's own providers (the proxy before an SDK is set, the no-op) record nothing:
    # skip the work (benchmarks: the in-process flow went from 0.91 to 0.72 of the floor
    # with opentelemetry-api installed and no SDK, when spans were made regardless).
    return type(provider).__module__.startswith(("opentelemetry.trace", "opentelemetry.metrics"))


def _tracing() -> bool:
    return trace is not None and not _api_only(trace.get_tracer_provider())


def _metering() -> bool:
    return metrics is not None and not _api_only(metrics.get_meter_provider())


class _Untraced:
    """A hook with nothing to record: one shared object, entered for (almost) free."""

    __slots__ = ()

    def __enter__(self) -> Callable[[int], None]:
        return _ignore

    def __exit__(self, *exc_info: object) -> None:
        return None


def _ignore(status: int) -> None:
    """The status recorder of a request nobody traces."""


_UNTRACED: Final = _Untraced()


def _failed(span: Any, error_type: str) -> None:
    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR, error_type))


def operation(what: str) -> contextlib.AbstractContextManager[object]:
    """The span of one public call (``what``: ``code exchange``, ``userinfo``, ...), retries in."""
    return _operation(what) if _tracing() else _UNTRACED


@contextlib.contextmanager
def _operation(what: str) -> Iterator[None]:
    with _tracer.start_as_current_span(
        f"chattz {what}",
        kind=SpanKind.INTERNAL,
        attributes={"chattz.operation": what},
        record_exception=False,  # an exception's text is the library's; its traceback is noise
        set_status_on_exception=False,
    ) as span:
        state = _Operation()
        token = _current.set(state)
        try:
            yield
        except BaseException as exc:
            _failed(span, type(exc).__name__)
            raise
        finally:
            _current.reset(token)
            span.set_attribute("chattz.attempts", state.attempts)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def traced(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Run the decorated session method (async or sync) in the :func:`operation` span ``what``."""

    def decorate(method: Callable[_P, _R]) -> Callable[_P, _R]:
        if trace is None:
            return method  # nothing to record: no wrapper, no cost
        if inspect.iscoroutinefunction(method):
            # Cast here, once: a cast in the wrapper builds its Callable[...] alias every call.
            coroutine = cast(Callable[..., Awaitable[Any]], method)

            @functools.wraps(method)
            async def async_call(*args: Any, **kwargs: Any) -> Any:
                with operation(what):
                    return await coroutine(*args, **kwargs)

            return cast(Callable[_P, _R], async_call)

        @functools.wraps(method)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with operation(what):
                return method(*args, **kwargs)

        return call

    return decorate


def attempt(request: HTTPRequest) -> contextlib.AbstractContextManager[Callable[[int], None]]:
    """The CLIENT span and duration of one attempt; yields the recorder of its response status."""
    tracing, metering = _tracing(), _metering()
    if not (tracing or metering):
        return _UNTRACED
    return _attempt(request, tracing, metering)


@contextlib.contextmanager
def _attempt(
    request: HTTPRequest, tracing: bool, metering: bool
) -> Iterator[Callable[[int], None]]:
    state = _current.get()
    resends = 0
    if state is not None:
        resends = state.attempts
        state.attempts += 1
    parts = urlsplit(request.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    common: dict[str, Any] = {
        "http.request.method": request.method,
        "server.address": parts.hostname or "",
        "server.port": port,
    }
    attributes = {**common, "url.full": f"{parts.scheme}://{parts.netloc}{parts.path}"}
    if resends:
        attributes["http.request.resend_count"] = resends
    started = time.perf_counter()
    opened: contextlib.AbstractContextManager[Any] = (
        _tracer.start_as_current_span(
            request.method,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )
        if tracing
        else contextlib.nullcontext()
    )
    with opened as span:

        def record(status: int) -> None:
            common["http.response.status_code"] = status
            if span is not None:
                span.set_attribute("http.response.status_code", status)
            if status >= 400:
                common["error.type"] = str(status)
                if span is not None:
                    _failed(span, str(status))

        try:
            yield record
        except BaseException as exc:
            common["error.type"] = type(exc).__name__
            if span is not None:
                _failed(span, type(exc).__name__)
            raise
        finally:
            if metering:
                _duration.record(time.perf_counter() - started, common)


class LoginSpan:
    """What :func:`login_callback` records of a finished login."""

    __slots__ = ("_metering", "_span")

    def __init__(self, span: Any, metering: bool) -> None:
        self._span = span
        self._metering = metering

    def succeeded(self, outcome: str) -> None:
        """The login signed in (``outcome``: created, linked, signed_in, or completed)."""
        if self._span is not None:
            self._span.set_attribute("chattz.login.outcome", outcome)
        if self._metering:
            _logins.add(1, {"chattz.login.outcome": outcome})

    def failed(self, fault: str, reason: str, error: str | None) -> None:
        """The login failed: its diagnosis (never a secret)."""
        attributes = {
            "chattz.login.outcome": "failed",
            "chattz.fault": fault,
            "chattz.reason": reason,
        }
        if self._span is not None:
            for name, value in attributes.items():
                self._span.set_attribute(name, value)
            if error is not None:
                self._span.set_attribute("chattz.oauth.error", error)
            _failed(self._span, reason)
        if self._metering:
            _logins.add(1, attributes)


_NO_LOGIN_SPAN: Final = LoginSpan(None, False)


@contextlib.contextmanager
def login_callback() -> Iterator[LoginSpan]:
    """The span of a login callback (the flow's finish); the flow records its end on it."""
    metering = _metering()
    if not _tracing():
        yield LoginSpan(None, metering) if metering else _NO_LOGIN_SPAN
        return
    with _tracer.start_as_current_span(
        "chattz login callback",
        kind=SpanKind.INTERNAL,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        yield LoginSpan(span, metering)


def refresh_failed(fault: str, reason: str) -> None:
    """Count a failed token refresh."""
    if _metering():
        _refresh_failures.add(1, {"chattz.fault": fault, "chattz.reason": reason})
